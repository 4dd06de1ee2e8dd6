// The settings table's machinery: parsing and formatting one value, describing constraints, explaining the table.
// The settings themselves are declared by section in settings_*.cpp (policies' own settings come from their
// registries). Defaults are not repeated there: they are read from a default-constructed Scenario, so
// platforms/spec.hpp, workloads/spec.hpp and each policy's settings struct remain the only place they live.

#include "sim/config/settings.hpp"

#include "sim/config/settings_table.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <utility>

namespace racksim::sim {
namespace {

std::vector<Setting> build_table() {
  std::vector<Setting> t;
  table::add_top_level_settings(t);
  table::add_platform_settings(t);
  table::add_workload_settings(t);
  table::add_failure_settings(t);
  table::add_policy_settings(t);
  table::add_energy_settings(t);
  return t;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

bool looks_integral(std::string_view text) {
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) text.remove_prefix(1);
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items)
    out += (out.empty() ? "" : ", ") + s;
  return out;
}

SettingType item_type(SettingType type) {
  if (type == SettingType::int_list) return SettingType::integer;
  if (type == SettingType::real_list) return SettingType::real;
  if (type == SettingType::size_list) return SettingType::size;
  return type;
}

std::string format_number_for(const Setting& setting, double v) {
  if (const auto dim = dimension_of(setting.type)) return format_quantity(v, *dim);
  return format_number(v);
}

std::string describe_range(const Setting& setting) {
  const Range& r = setting.range;
  const auto num = [&](double v) { return format_number_for(setting, v); };
  if (r.min && r.max)
    return std::string("in ") + (r.min->inclusive ? "[" : "(") + num(r.min->value) + ", " + num(r.max->value) +
           (r.max->inclusive ? "]" : ")");
  if (r.min) return (r.min->inclusive ? ">= " : "> ") + num(r.min->value);
  if (r.max) return (r.max->inclusive ? "<= " : "< ") + num(r.max->value);
  return "";
}

ParsedValue fail(std::string message) {
  return ParsedValue{std::nullopt, std::move(message)};
}

ParsedValue checked(const Setting& setting, double v, SettingValue value) {
  if (!setting.range.contains(v))
    return fail("must be " + describe_range(setting) + ", got " + format_number_for(setting, v));
  return ParsedValue{std::move(value), ""};
}

} // namespace

const char* to_string(SettingType type) {
  switch (type) {
  case SettingType::integer:
    return "integer";
  case SettingType::unsigned_integer:
    return "unsigned integer";
  case SettingType::real:
    return "real";
  case SettingType::boolean:
    return "boolean";
  case SettingType::string:
    return "string";
  case SettingType::choice:
    return "choice";
  case SettingType::time:
    return "time";
  case SettingType::size:
    return "size";
  case SettingType::bandwidth:
    return "bandwidth";
  case SettingType::power:
    return "power";
  case SettingType::price:
    return "price";
  case SettingType::int_list:
    return "integer list";
  case SettingType::real_list:
    return "real list";
  case SettingType::path:
    return "path";
  case SettingType::size_list:
    return "size list";
  }
  return "?";
}

std::optional<Dimension> dimension_of(SettingType type) {
  switch (type) {
  case SettingType::time:
    return Dimension::time;
  case SettingType::size:
  case SettingType::size_list:
    return Dimension::size;
  case SettingType::bandwidth:
    return Dimension::bandwidth;
  case SettingType::power:
    return Dimension::power;
  case SettingType::price:
    return Dimension::price;
  default:
    return std::nullopt;
  }
}

bool is_list(SettingType type) {
  return type == SettingType::int_list || type == SettingType::real_list || type == SettingType::size_list;
}

bool Range::contains(double v) const {
  if (min && (min->inclusive ? v < min->value : v <= min->value)) return false;
  if (max && (max->inclusive ? v > max->value : v >= max->value)) return false;
  return true;
}

const std::vector<Setting>& scenario_settings() {
  static const std::vector<Setting> table = build_table();
  return table;
}

const Setting* find_setting(std::string_view path) {
  for (const auto& s : scenario_settings())
    if (s.path == path) return &s;
  return nullptr;
}

ParsedValue parse_setting_scalar(const Setting& setting, std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  switch (item_type(setting.type)) {
  case SettingType::integer: {
    const auto v = parse_integer(text);
    if (!v) {
      if (looks_integral(text)) return fail("integer out of range: " + quoted);
      return fail("expected an integer, got " + quoted);
    }
    if (*v > setting.integer_max || *v < -setting.integer_max - 1)
      return fail("integer out of range: " + quoted + " (at most " + std::to_string(setting.integer_max) + ")");
    return checked(setting, static_cast<double>(*v), *v);
  }
  case SettingType::unsigned_integer: {
    std::string_view digits = text;
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (!digits.empty() && digits.front() != '-' && ec == std::errc::result_out_of_range)
      return fail("integer out of range: " + quoted + " (at most 18446744073709551615)");
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size())
      return fail("expected a non-negative integer, got " + quoted);
    return ParsedValue{v, ""};
  }
  case SettingType::real: {
    const auto v = parse_number(text);
    if (!v) return fail("expected a number, got " + quoted);
    return checked(setting, *v, *v);
  }
  case SettingType::boolean:
    if (text == "true") return ParsedValue{true, ""};
    if (text == "false") return ParsedValue{false, ""};
    return fail("expected true or false, got " + quoted);
  case SettingType::string:
    if (setting.required && text.empty()) return fail("must not be empty");
    return ParsedValue{std::string(text), ""};
  case SettingType::path:
    return ParsedValue{std::string(text), ""};
  case SettingType::choice: {
    const auto names = setting.choices();
    if (std::find(names.begin(), names.end(), text) != names.end()) return ParsedValue{std::string(text), ""};
    const std::string near = nearest_name(text, names);
    return fail("unknown value " + quoted + (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                "; valid: " + join(names));
  }
  case SettingType::time:
  case SettingType::size:
  case SettingType::bandwidth:
  case SettingType::power:
  case SettingType::price:
    try {
      const double v = parse_quantity(text, *dimension_of(setting.type));
      return checked(setting, v, v);
    } catch (const UnitError& e) {
      return fail(e.what());
    }
  case SettingType::int_list:
  case SettingType::real_list:
  case SettingType::size_list:
    break; // item_type() never returns a list type
  }
  return fail("internal error: unhandled setting type");
}

std::string format_setting_value(const Setting& setting, const SettingValue& value) {
  struct Visitor {
    const Setting& setting;
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(std::uint64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return format_number_for(setting, v); }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(const std::vector<std::int64_t>& v) const {
      std::vector<std::string> items;
      for (auto x : v)
        items.push_back(std::to_string(x));
      return "[" + join(items) + "]";
    }
    std::string operator()(const std::vector<double>& v) const {
      std::vector<std::string> items;
      for (auto x : v)
        items.push_back(format_number_for(setting, x)); // size_list items keep their unit
      return "[" + join(items) + "]";
    }
  };
  return std::visit(Visitor{setting}, value);
}

std::string describe_constraint(const Setting& setting) {
  std::vector<std::string> parts;
  if (setting.type == SettingType::choice) parts.push_back("one of: " + join(setting.choices()));
  if (setting.required) parts.push_back("required");
  if (setting.min_items > 0) parts.push_back("at least " + std::to_string(setting.min_items) + " item(s)");
  const std::string range = describe_range(setting);
  if (!range.empty()) parts.push_back(is_list(setting.type) ? "each " + range : range);
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates) {
  // Optimal string alignment distance: a transposed pair ("shceduler") costs one edit, like a typo does.
  const auto distance = [](std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
      d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
      d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    return d[a.size()][b.size()];
  };
  const std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    const std::size_t dist = distance(word, c);
    if (dist < best_distance) best = c, best_distance = dist;
  }
  return best;
}

std::string explain_settings() {
  struct Row {
    std::string path, type, unit, def, constraint, doc;
  };
  const Scenario defaults;
  std::vector<Row> rows;
  for (const auto& s : scenario_settings()) {
    Row r;
    r.path = s.path;
    r.type = to_string(s.type);
    if (const auto dim = dimension_of(s.type)) r.unit = format_quantity(0, *dim).substr(1); // the base unit
    if (!s.unit.empty()) r.unit = s.unit;
    if (r.unit.empty()) r.unit = "-";
    r.def = format_setting_value(s, s.get(defaults));
    if (r.def.empty()) r.def = s.required ? "(none)" : "\"\"";
    r.constraint = describe_constraint(s);
    if (r.constraint.empty()) r.constraint = "-";
    r.doc = s.doc;
    rows.push_back(std::move(r));
  }
  std::size_t w_path = 0, w_type = 0, w_unit = 0, w_def = 0;
  for (const auto& r : rows) {
    w_path = std::max(w_path, r.path.size());
    w_type = std::max(w_type, r.type.size());
    w_unit = std::max(w_unit, r.unit.size());
    w_def = std::max(w_def, r.def.size());
  }
  const auto pad = [](const std::string& s, std::size_t w) { return s + std::string(w - s.size() + 2, ' '); };
  std::string out;
  for (const auto& r : rows)
    out += pad(r.path, w_path) + pad(r.type, w_type) + pad(r.unit, w_unit) + pad(r.def, w_def) + r.constraint + " -- " +
           r.doc + "\n";
  return out;
}

} // namespace racksim::sim
