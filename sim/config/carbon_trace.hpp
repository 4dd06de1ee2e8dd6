#pragma once
// Carbon-intensity traces (docs/energy.md, "Carbon"): the grid's gCO2/kWh over time, read once by the scenario loader
// (to report errors before a run) and by the energy meter. Plain C++, no SimGrid.

#include "workloads/traces/trace_reader.hpp"

#include <string>
#include <utility>
#include <vector>

namespace racksim::sim {

// A malformed carbon trace: "file:line: field 'x': what is wrong".
class CarbonTraceError : public workloads::TraceError {
 public:
  using workloads::TraceError::TraceError;
};

// The carbon intensity as a step function: (time in s, gCO2/kWh) in increasing time; each value holds from its time
// until the next one, the first also before it, the last for ever after.
using CarbonSeries = std::vector<std::pair<double, double>>;

// Reads a carbon trace: CSV whose header names the time column with its unit (time_s or time_h) and the value column
// g_per_kwh (any order, extra columns ignored); times >= 0 and strictly increasing, values >= 0; '#' lines and blank
// lines are skipped. Throws CarbonTraceError.
CarbonSeries read_carbon_trace(const std::string& path);

} // namespace racksim::sim
