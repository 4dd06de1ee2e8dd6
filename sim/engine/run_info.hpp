#pragma once
// Facts about a run that every results writer records in /meta: the wall-clock start (UTC) and the SimGrid
// version. Shared by the job engine (engine.cpp) and the collective workload (collective_run.cpp).

#include <string>

namespace racksim::sim {

std::string utc_now();                // "2026-11-23T09:21:02Z"
std::string simgrid_version_string(); // "3.32.0"

} // namespace racksim::sim
