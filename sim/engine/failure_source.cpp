#include "sim/engine/failure_source.hpp"

#include <utility>

namespace racksim::sim {

bool failures_configured(const Scenario& scenario) {
  if (!scenario.failures.trace.empty()) return true;
  for (const auto& c : workloads::effective_classes(scenario.failures))
    if (c.mtbf_s > 0) return true;
  return false;
}

EventRecord event_record(double t, std::string kind, std::string component, std::int64_t job, double value,
                         std::string cause) {
  if (cause.size() > job_string_bytes) cause.resize(job_string_bytes);
  if (component.size() > job_string_bytes) component.resize(job_string_bytes);
  return {t, std::move(kind), std::move(component), job, value, std::move(cause)};
}

} // namespace racksim::sim
