#pragma once
// Runs one scenario in SimGrid and returns its results. One call per process (SimGrid allows one Engine).
//
// Event order at equal simulated times: SimGrid runs ready actors in a deterministic order; racksim adds one
// rule of its own: all jobs submitted at the same instant enter the queue together (by id) before the
// scheduler is asked, and a scheduling pass runs after every arrival batch and after every job completion.

#include "sim/config/scenario.hpp"
#include "sim/results/results.hpp"
#include "workloads/traces/trace_reader.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::sim {

struct RunOptions {
  bool progress = false;                 // a progress line on stderr after 2 s of wall time, updated twice a second
  std::vector<std::string> simgrid_args; // extra SimGrid flags, e.g. "--log=..." (tests)
};

struct RunReport {
  ResultSet results;
  workloads::TraceReport trace;  // what the trace reader read and skipped (empty for synthetic)
  long jobs_compute_clamped = 0; // jobs whose ideal communication alone exceeded their duration
};

// A scenario that is valid on its own but impossible to run (e.g. a synthetic job larger than the cluster).
class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

RunReport run_simulation(const Scenario& scenario, const RunOptions& options = {});

} // namespace racksim::sim
