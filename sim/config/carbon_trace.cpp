#include "sim/config/carbon_trace.hpp"

#include "sim/config/units.hpp"
#include "workloads/csv_line.hpp"

#include <fstream>
#include <string_view>

namespace racksim::sim {

CarbonSeries read_carbon_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CarbonTraceError(path + ": cannot open the carbon trace");
  std::string line;
  int line_no = 0;
  int time_col = -1, value_col = -1;
  double time_scale = 1;
  std::size_t columns = 0;
  CarbonSeries out;
  const auto fail = [&](const std::string& field, const std::string& what) {
    throw CarbonTraceError(path + ":" + std::to_string(line_no) + ": field '" + field + "': " + what);
  };
  while (std::getline(in, line)) {
    ++line_no;
    const std::string_view t = workloads::trim_blanks(line);
    if (t.empty() || t.front() == '#') continue;
    const auto cells = workloads::split_fields(t);
    if (time_col < 0 && value_col < 0 && columns == 0) {
      columns = cells.size();
      for (std::size_t i = 0; i < cells.size(); ++i) {
        if (cells[i] == "time_s" || cells[i] == "time_h") {
          time_col = static_cast<int>(i);
          time_scale = cells[i] == "time_h" ? 3600 : 1;
        } else if (cells[i] == "g_per_kwh") {
          value_col = static_cast<int>(i);
        }
      }
      if (time_col < 0) fail("time_s", "the header names no time column (time_s or time_h)");
      if (value_col < 0) fail("g_per_kwh", "the header names no g_per_kwh column");
      continue;
    }
    if (cells.size() != columns)
      fail(std::to_string(cells.size()) + " columns",
           "expected " + std::to_string(columns) + " columns as in the header");
    const std::string time_name = time_scale == 1 ? "time_s" : "time_h";
    const auto time = parse_number(cells[static_cast<std::size_t>(time_col)]);
    const auto value = parse_number(cells[static_cast<std::size_t>(value_col)]);
    if (!time) fail(time_name, "expected a number, got '" + std::string(cells[static_cast<std::size_t>(time_col)]) + "'");
    if (!value) fail("g_per_kwh", "expected a number, got '" + std::string(cells[static_cast<std::size_t>(value_col)]) + "'");
    if (*time < 0) fail(time_name, "must be >= 0");
    if (*value < 0) fail("g_per_kwh", "must be >= 0");
    const double seconds = *time * time_scale;
    if (!out.empty() && !(seconds > out.back().first)) fail(time_name, "times must increase strictly");
    out.emplace_back(seconds, *value);
  }
  if (columns == 0) throw CarbonTraceError(path + ": empty carbon trace (no header)");
  if (out.empty()) throw CarbonTraceError(path + ": the carbon trace has no rows");
  return out;
}

} // namespace racksim::sim
