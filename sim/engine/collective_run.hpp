#pragma once
// The collective benchmark (workload.kind: collective), nccl-tests style: `groups` groups of `ranks` GPUs, each
// placed by the placement policy, run the scenario's collective once per message size; all groups run each size
// at the same time (so they contend for the fabric) and the next size starts when every group has finished.
// run_simulation() hands collective scenarios to run_collective_simulation(); one call per process (SimGrid allows
// one Engine). Model and formulas: docs/collectives.md.

#include "sim/engine/engine.hpp"
#include "sim/results/results.hpp"

#include <string>
#include <vector>

namespace racksim::sim {

RunReport run_collective_simulation(const Scenario& scenario, const RunOptions& options);

// The rows of /collectives as a plain-text table in the manner of nccl-tests: size (B), op, algorithm, ranks,
// group, time (us), algbw and busbw (GB/s, 1e9 B/s), the idle-platform time (us); then the average bus bandwidth.
std::string format_collectives_table(const std::vector<CollectiveRecord>& rows);

} // namespace racksim::sim
