// failures.* (docs/failures.md). Defaults live in workloads/faults/failures.hpp.

#include "sim/config/settings_table.hpp"

#include "workloads/faults/failures.hpp"

#include <string>

namespace racksim::sim::table {

void add_failure_settings(std::vector<Setting>& t) {
  using ST = SettingType;
  // Failures (docs/failures.md).
  t.push_back(enum_field(
      "failures.preset", [](auto& s) -> auto& { return s.failures.preset; }, workloads::failure_preset_names(),
      "none, or llama3_54d: the MTBFs of gpu, node, nic, link and leaf from Llama 3 Table 5 (419 interruptions of "
      "16,384 GPUs in 54 days)"));
  t.push_back(field(
      "failures.rate_scale", ST::real, [](auto& s) -> auto& { return s.failures.rate_scale; }, above(0), "",
      "every failure rate x this (2 = twice as many failures: every MTBF / 2); trace events are not scaled"));
  t.push_back(field(
      "failures.trace", ST::path, [](auto& s) -> auto& { return s.failures.trace; }, any(), "",
      "CSV of failures to replay (time,component,duration; component class:index), relative to the scenario; "
      "empty = none"));
  for (const auto& [class_name, cls] : workloads::component_class_names()) {
    const auto law = [cls](auto& s) -> auto& {
      return s.failures.of(cls);
    };
    const std::string base = "failures." + class_name;
    t.push_back(field(
        base + ".mtbf", ST::time, [law](auto& s) -> auto& { return law(s).mtbf_s; }, at_least(0), "",
        "mean up-time of one " + class_name + " (mean time between its failures); 0 = never fails"));
    t.push_back(enum_field(
        base + ".distribution", [law](auto& s) -> auto& { return law(s).distribution; },
        workloads::uptime_distribution_names(),
        "up-time distribution of one " + class_name + ", its mean always the mtbf"));
    t.push_back(field(
        base + ".shape", ST::real, [law](auto& s) -> auto& { return law(s).shape; }, above(0), "",
        "weibull: shape k (< 1 infant mortality, > 1 wear-out); lognormal: sigma of ln(up-time); exponential: unused"));
    t.push_back(field(
        base + ".repair", ST::time, [law](auto& s) -> auto& { return law(s).repair_s; }, at_least(0), "",
        "mean time a failed " + class_name + " stays down"));
    t.push_back(enum_field(
        base + ".repair_distribution", [law](auto& s) -> auto& { return law(s).repair_distribution; },
        workloads::repair_distribution_names(), "repair-time distribution, its mean always the repair"));
    t.push_back(field(
        base + ".repair_sigma", ST::real, [law](auto& s) -> auto& { return law(s).repair_sigma; }, at_least(0), "",
        "lognormal repair: sigma of ln(repair time)"));
  }
}

} // namespace racksim::sim::table
