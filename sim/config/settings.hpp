#pragma once
// The scenario settings table, private to sim/. Every setting is declared once (dotted path, type, range, unit,
// doc, and where it lives in Scenario): by section in settings_*.cpp, and each policy's own settings on its
// registry entry (policies/params.hpp, turned into Settings by settings_policies.cpp). Its default is whatever the
// Scenario structs hold, so the headers stay the single source of defaults. The loader (scenario.cpp) drives
// parsing, overrides, validation and resolved YAML from this table; explain_settings() prints it. Nothing here
// knows about YAML.

#include "sim/config/scenario.hpp"
#include "sim/config/units.hpp"

#include <climits>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace racksim::sim {

enum class SettingType {
  integer,          // signed, 64-bit, further limited by the field it fills (int fields stop at INT_MAX)
  unsigned_integer, // 0 .. 2^64-1 (the seed)
  real,             // plain decimal number, no unit
  boolean,          // true | false
  string,
  choice, // one of a list of names (static, or from a registry/catalog)
  time,   // quantities: parsed with parse_quantity, stored in base units (s, B, B/s)
  size,
  bandwidth,
  power,    // W, kW, MW -> watts
  price,    // $/kWh, $/MWh -> dollars per kWh
  int_list, // YAML sequences of integers / reals
  real_list,
  path,     // a file path; relative ones are resolved against the scenario file's directory
  size_list // a YAML sequence of sizes with units ([1MiB, 1GiB]), stored in bytes like real_list
};
const char* to_string(SettingType type);
// The dimension of a quantity type; empty for the others.
std::optional<Dimension> dimension_of(SettingType type);
bool is_list(SettingType type);

using SettingValue = std::variant<bool, std::int64_t, std::uint64_t, double, std::string, std::vector<std::int64_t>,
                                  std::vector<double>>;

struct Bound {
  double value = 0;
  bool inclusive = true;
};

// Applies to numbers, quantities (in base units) and each item of a list.
struct Range {
  std::optional<Bound> min;
  std::optional<Bound> max;
  bool contains(double v) const;
};

struct Setting {
  std::string path; // YAML keys joined by '.', e.g. "platform.fabric.nic_bandwidth"
  SettingType type = SettingType::string;
  Range range;
  std::string unit;          // what a plain number counts ("GPUs", "iterations"); quantities carry units in the value
  std::string doc;           // one line
  bool required = false;     // must be given, and (strings) non-empty
  std::size_t min_items = 0; // lists
  std::int64_t integer_max = INT64_MAX;              // integers: what the target field can hold
  std::function<std::vector<std::string>()> choices; // choice: the valid names
  // Optional: a further check of a value that parsed (a setting whose text has its own syntax, such as a policy's
  // ValueCheck); returns what is wrong, without the setting's path, or "".
  std::function<std::string(const SettingValue&)> check;
  std::function<SettingValue(const Scenario&)> get;
  std::function<void(Scenario&, const SettingValue&)> set;
};

// In YAML order: settings of one section are contiguous, so resolved YAML can be written in one pass.
const std::vector<Setting>& scenario_settings();
const Setting* find_setting(std::string_view path);

// Either a value or, when the text is not acceptable, a message without the setting's path.
struct ParsedValue {
  std::optional<SettingValue> value;
  std::string error;
};
// Parses one scalar: the whole value for scalar settings, one item (an int64 or a double) for lists. Checks the
// type, unit, range and choices.
ParsedValue parse_setting_scalar(const Setting& setting, std::string_view text);
// YAML text for a value: quantities with units that read back exactly, lists in flow style "[1, 2]".
std::string format_setting_value(const Setting& setting, const SettingValue& value);
// Range (or choices) in words, e.g. ">= 1", "in (0, 1]", "one of: rdma, tcp"; empty when unconstrained.
std::string describe_constraint(const Setting& setting);

// The candidate closest to word by edit distance, when it is close enough to be a likely typo; else empty.
std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates);

} // namespace racksim::sim
