#pragma once
// Private to sim/config: the builders the settings table is declared with (settings_*.cpp, one file per section
// of the scenario) and the section adders settings.cpp calls in YAML order.

#include "sim/config/settings.hpp"

#include <climits>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace racksim::sim::table {

inline Range at_least(double v) {
  return Range{Bound{v, true}, std::nullopt};
}
inline Range above(double v) {
  return Range{Bound{v, false}, std::nullopt};
}
inline Range closed(double lo, double hi) {
  return Range{Bound{lo, true}, Bound{hi, true}};
}
inline Range left_open(double lo, double hi) {
  return Range{Bound{lo, false}, Bound{hi, true}};
}
inline Range any() {
  return Range{};
}

inline SettingValue to_setting_value(bool v) {
  return v;
}
inline SettingValue to_setting_value(int v) {
  return std::int64_t{v};
}
inline SettingValue to_setting_value(long v) {
  return std::int64_t{v};
}
inline SettingValue to_setting_value(std::uint64_t v) {
  return v;
}
inline SettingValue to_setting_value(double v) {
  return v;
}
inline SettingValue to_setting_value(const std::string& v) {
  return v;
}
inline SettingValue to_setting_value(const std::vector<int>& v) {
  return std::vector<std::int64_t>(v.begin(), v.end());
}
inline SettingValue to_setting_value(const std::vector<double>& v) {
  return v;
}

// The casts below cannot truncate: parse_setting_scalar has already checked Setting::integer_max.
inline void from_setting_value(const SettingValue& v, bool& out) {
  out = std::get<bool>(v);
}
inline void from_setting_value(const SettingValue& v, int& out) {
  out = static_cast<int>(std::get<std::int64_t>(v));
}
inline void from_setting_value(const SettingValue& v, long& out) {
  out = static_cast<long>(std::get<std::int64_t>(v));
}
inline void from_setting_value(const SettingValue& v, std::uint64_t& out) {
  out = std::get<std::uint64_t>(v);
}
inline void from_setting_value(const SettingValue& v, double& out) {
  out = std::get<double>(v);
}
inline void from_setting_value(const SettingValue& v, std::string& out) {
  out = std::get<std::string>(v);
}
inline void from_setting_value(const SettingValue& v, std::vector<int>& out) {
  const auto& in = std::get<std::vector<std::int64_t>>(v);
  out.assign(in.size(), 0);
  std::transform(in.begin(), in.end(), out.begin(), [](std::int64_t x) { return static_cast<int>(x); });
}
inline void from_setting_value(const SettingValue& v, std::vector<double>& out) {
  out = std::get<std::vector<double>>(v);
}

// access is a generic lambda returning a reference to the field, so one lambda serves both get (const) and set.
template <class Access>
Setting field(std::string path, SettingType type, Access access, Range range, std::string unit, std::string doc) {
  using T = std::remove_cvref_t<decltype(access(std::declval<Scenario&>()))>;
  Setting s;
  s.path = std::move(path);
  s.type = type;
  s.range = range;
  s.unit = std::move(unit);
  s.doc = std::move(doc);
  if constexpr (std::is_same_v<T, int> || std::is_same_v<T, std::vector<int>>) s.integer_max = INT_MAX;
  s.get = [access](const Scenario& sc) { return to_setting_value(access(sc)); };
  s.set = [access](Scenario& sc, const SettingValue& v) { from_setting_value(v, access(sc)); };
  return s;
}

// A choice whose valid names come from elsewhere (the GPU catalog, a policy registry).
template <class Access>
Setting name_field(std::string path, Access access, std::function<std::vector<std::string>()> names, std::string doc) {
  Setting s = field(std::move(path), SettingType::choice, access, any(), "", std::move(doc));
  s.choices = std::move(names);
  return s;
}

// A choice that fills an enum: the name table is the only mapping between YAML text and enum value.
template <class E, class Access>
Setting enum_field(std::string path, Access access, std::vector<std::pair<std::string, E>> names, std::string doc) {
  Setting s;
  s.path = std::move(path);
  s.type = SettingType::choice;
  s.doc = std::move(doc);
  s.choices = [names] {
    std::vector<std::string> out;
    for (const auto& [name, value] : names)
      out.push_back(name);
    return out;
  };
  s.get = [access, names](const Scenario& sc) -> SettingValue {
    for (const auto& [name, value] : names)
      if (value == access(sc)) return name;
    return std::string("?");
  };
  s.set = [access, names](Scenario& sc, const SettingValue& v) {
    for (const auto& [name, value] : names)
      if (name == std::get<std::string>(v)) access(sc) = value;
  };
  return s;
}

// The sections, in YAML order (each appends its settings).
void add_top_level_settings(std::vector<Setting>& t);
void add_platform_settings(std::vector<Setting>& t);
void add_workload_settings(std::vector<Setting>& t);
void add_failure_settings(std::vector<Setting>& t);
void add_policy_settings(std::vector<Setting>& t);
void add_energy_settings(std::vector<Setting>& t);

} // namespace racksim::sim::table
