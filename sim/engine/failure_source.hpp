#pragma once
// The platform's failure process driven in SimGrid (docs/failures.md, "Engine"), as the job engine and the inference
// service both use it: whether a scenario has failures at all, the actor loop that draws the events in time order,
// and the /events rows they leave.

#include "platforms/topology.hpp"
#include "sim/analytic/failure_domains.hpp"
#include "sim/config/scenario.hpp"
#include "sim/results/results.hpp"
#include "workloads/faults/failures.hpp"

#include <simgrid/s4u.hpp>

#include <cstdint>
#include <string>

namespace racksim::sim {

// A failure trace, or a component class with an MTBF in effect.
bool failures_configured(const Scenario& scenario);

// An /events row; `component` and `cause` are cut to the width of the file's string columns.
EventRecord event_record(double t, std::string kind, std::string component, std::int64_t job, double value,
                         std::string cause);

// The body of the failure actor: draws the scenario's failure events (seeded by scenario.seed) and hands each one to
// `apply(event)` at its time, until the events run out or `done()` (checked before and after each wait).
template <class Done, class Apply>
void run_failure_process(const Scenario& scenario, const platforms::Topology& topo, Done&& done, Apply&& apply) {
  workloads::FailureProcess process(scenario.failures, component_counts(topo), scenario.seed);
  while (auto e = process.next()) {
    if (done()) return;
    if (e->time_s > simgrid::s4u::Engine::get_clock()) simgrid::s4u::this_actor::sleep_until(e->time_s);
    if (done()) return;
    apply(*e);
  }
}

} // namespace racksim::sim
