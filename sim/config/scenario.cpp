// Scenario loading: YAML tree -> settings table -> typed Scenario. Every problem is collected as a located
// Diagnostic before anything is thrown, so one `racksim validate` run shows them all.

#include "sim/config/scenario.hpp"

#include "sim/config/loader.hpp"
#include "sim/config/settings.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace racksim::sim {

std::string Diagnostic::str() const {
  if (line > 0) return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
  return file + ": " + message;
}

namespace {

std::string join_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics)
    out += (out.empty() ? "" : "\n") + d.str();
  return out;
}

} // namespace

ScenarioError::ScenarioError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join_diagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

namespace {

namespace fs = std::filesystem;

constexpr const char* override_file = "--set";

std::string expected_what(const Setting& s) {
  switch (s.type) {
  case SettingType::integer:
    return "an integer";
  case SettingType::unsigned_integer:
    return "a non-negative integer";
  case SettingType::real:
    return "a number";
  case SettingType::boolean:
    return "true or false";
  case SettingType::string:
    return "a string";
  case SettingType::choice:
    return "a name";
  case SettingType::time:
    return "a time such as 1.5us or 12h";
  case SettingType::size:
    return "a size such as 80GiB";
  case SettingType::bandwidth:
    return "a bandwidth such as 400Gbps";
  case SettingType::power:
    return "a power such as 700W or 4.6kW";
  case SettingType::price:
    return "an energy price such as 0.08$/kWh";
  case SettingType::int_list:
    return "a list of integers such as [1, 2, 4]";
  case SettingType::real_list:
    return "a list of numbers such as [0.5, 0.5]";
  case SettingType::path:
    return "a file path";
  case SettingType::size_list:
    return "a list of sizes such as [1MiB, 1GiB]";
  }
  return "a value";
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream in(path);
  for (std::string part; std::getline(in, part, '.');)
    parts.push_back(part);
  return parts;
}

std::string trim(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

void emit_value(YAML::Emitter& out, const Setting& s, const SettingValue& value) {
  if (s.type == SettingType::string || s.type == SettingType::path) {
    // Always quoted: a name such as "null", "yes" or "12" must read back as the same string.
    out << YAML::DoubleQuoted << std::get<std::string>(value);
  } else if (s.type == SettingType::int_list) {
    out << YAML::Flow << YAML::BeginSeq;
    for (auto v : std::get<std::vector<std::int64_t>>(value))
      out << std::to_string(v);
    out << YAML::EndSeq;
  } else if (s.type == SettingType::real_list) {
    out << YAML::Flow << YAML::BeginSeq;
    for (auto v : std::get<std::vector<double>>(value))
      out << format_number(v);
    out << YAML::EndSeq;
  } else if (s.type == SettingType::size_list) {
    out << YAML::Flow << YAML::BeginSeq;
    for (auto v : std::get<std::vector<double>>(value))
      out << format_quantity(v, Dimension::size);
    out << YAML::EndSeq;
  } else {
    out << format_setting_value(s, value);
  }
}

// Every setting in table order, nested as in the input; the table keeps each section contiguous.
std::string write_resolved_yaml(const Scenario& scenario) {
  YAML::Emitter out;
  out << YAML::Comment("racksim resolved scenario: every setting with its final value") << YAML::Newline;
  out << YAML::BeginMap;
  std::vector<std::string> open;
  for (const auto& s : scenario_settings()) {
    const auto parts = split_path(s.path);
    std::size_t common = 0;
    while (common < open.size() && common + 1 < parts.size() && open[common] == parts[common])
      ++common;
    while (open.size() > common) {
      out << YAML::EndMap;
      open.pop_back();
    }
    for (std::size_t i = common; i + 1 < parts.size(); ++i) {
      out << YAML::Key << parts[i] << YAML::Value << YAML::BeginMap;
      open.push_back(parts[i]);
    }
    out << YAML::Key << parts.back() << YAML::Value;
    emit_value(out, s, s.get(scenario));
  }
  while (!open.empty()) {
    out << YAML::EndMap;
    open.pop_back();
  }
  if (!scenario.alerts.empty()) {
    out << YAML::Key << "alerts" << YAML::Value << YAML::BeginSeq;
    for (const auto& rule : scenario.alerts) {
      out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << rule.name;
      out << YAML::Key << "metric" << YAML::Value << rule.metric;
      out << YAML::Key << (rule.above ? "above" : "below") << YAML::Value << format_number(rule.threshold);
      if (rule.series) out << YAML::Key << "for" << YAML::Value << format_quantity(rule.for_s, Dimension::time);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}
} // namespace

namespace detail {

std::string describe_node(const YAML::Node& node) {
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing";
  return "'" + node.Scalar() + "'";
}

Loader::Loader(std::string file, std::string base_dir) : file_(std::move(file)), base_dir_(std::move(base_dir)) {
  for (const auto& s : scenario_settings()) {
    const auto parts = split_path(s.path);
    std::string prefix;
    for (const auto& part : parts) {
      auto& kids = children_[prefix];
      if (std::find(kids.begin(), kids.end(), part) == kids.end()) kids.push_back(part);
      prefix += (prefix.empty() ? "" : ".") + part;
      if (prefix != s.path) sections_.insert(prefix);
    }
    all_paths_.push_back(s.path);
  }
  children_[""].push_back("alerts"); // a list of rules, read by read_alerts, not a table of settings
}

Scenario Loader::load(const std::string& text, const std::vector<std::string>& overrides) {
  YAML::Node root;
  bool parsed = false;
  try {
    root = YAML::Load(text);
    parsed = true;
  } catch (const YAML::Exception& e) {
    const Where at = e.mark.is_null() ? Where{} : Where{e.mark.line + 1, e.mark.column + 1};
    add(at, "YAML syntax error: " + e.msg);
  }
  if (parsed) {
    root_ = where_of(root);
    if (root_.line == 0) root_ = {1, 1};
    walk(root, "");
  }
  read_overrides(overrides);

  Scenario scenario;
  const bool root_ok = parsed && (root.IsMap() || root.IsNull());
  for (const auto& s : scenario_settings()) {
    const auto it = sources_.find(s.path);
    if (it != sources_.end()) {
      apply(s, it->second, scenario);
    } else if (s.required && root_ok) {
      add(root_, "missing required key '" + s.path + "' (" + s.doc + ")");
      bad_.insert(s.path);
    }
  }
  resolve_paths(scenario);
  cross_checks(scenario);
  read_alerts(scenario);

  if (!diagnostics_.empty()) {
    // File problems in reading order, then --set problems in argument order.
    std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      const bool a_set = a.file == override_file, b_set = b.file == override_file;
      if (a_set != b_set) return b_set;
      return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    throw ScenarioError(std::move(diagnostics_));
  }
  scenario.source_path = file_;
  scenario.resolved_yaml = write_resolved_yaml(scenario);
  return scenario;
}

void Loader::add(Where at, std::string message) {
  diagnostics_.push_back({file_, at.line, at.column, std::move(message)});
}
void Loader::add_override(std::string message) {
  diagnostics_.push_back({override_file, 0, 0, std::move(message)});
}

// A problem with one setting's value, reported where that value came from. `at` refines the location
// inside the file (a list item); label names what is wrong when it is not the setting itself.
void Loader::report(const Setting& s, const Source& src, Where at, const std::string& problem, std::string label) {
  bad_.insert(s.path);
  if (label.empty()) label = s.path;
  if (!src.override.empty()) {
    add_override("'" + src.override + "': " + (label == s.path ? "" : label + ": ") + problem);
    return;
  }
  if (at.line == 0) at = src.value_at.line > 0 ? src.value_at : src.key;
  add(at, label + ": " + problem);
}

// A cross-field problem, reported at the first of `paths` that was written somewhere (file or --set).
void Loader::report_cross(const std::vector<std::string>& paths, const std::string& message) {
  for (const auto& p : paths) {
    const auto it = sources_.find(p);
    if (it == sources_.end()) continue;
    if (!it->second.override.empty()) {
      add_override("'" + it->second.override + "': " + message);
    } else {
      add(it->second.value_at.line > 0 ? it->second.value_at : it->second.key, message);
    }
    return;
  }
  add(root_, message);
}

void Loader::report_all(const std::vector<policies::ParamProblem>& problems) {
  for (const auto& p : problems)
    report_cross(p.at, p.message);
}

void Loader::walk(const YAML::Node& node, const std::string& prefix) {
  if (node.IsNull()) return; // an empty section: every setting in it keeps its default
  if (!node.IsMap()) {
    add(where_of(node).line > 0 ? where_of(node) : root_,
        (prefix.empty() ? std::string("a scenario must be a map of settings") : "'" + prefix + "' must be a map") +
            ", got " + describe_node(node));
    return;
  }
  std::map<std::string, Where> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    const Where key_at = where_of(key);
    const std::string in = prefix.empty() ? "at top level" : "in " + prefix;
    if (!key.IsScalar()) {
      add(key_at, "a key must be a plain name, got " + describe_node(key) + " " + in);
      continue;
    }
    const std::string name = key.Scalar();
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    if (const auto [first, inserted] = seen.emplace(name, key_at); !inserted) {
      add(key_at, "duplicate key '" + name + "' " + in + " (first at line " + std::to_string(first->second.line) + ")");
      continue;
    }
    if (prefix.empty() && name == "alerts") {
      alerts_node_ = value;
      alerts_key_ = key_at;
    } else if (find_setting(path)) {
      sources_[path] = Source{value, key_at, where_of(value), ""};
    } else if (sections_.contains(path)) {
      walk(value, path);
    } else {
      const auto& valid = children_[prefix];
      const std::string near = nearest_name(name, valid);
      std::string valid_list;
      for (const auto& v : valid)
        valid_list += (valid_list.empty() ? "" : ", ") + v;
      add(key_at, "unknown key '" + name + "' " + in +
                      (near.empty() ? " (valid: " + valid_list + ")" : " (did you mean '" + near + "'?)"));
    }
  }
}

void Loader::read_overrides(const std::vector<std::string>& overrides) {
  for (const auto& text : overrides) {
    const auto eq = text.find('=');
    if (eq == std::string::npos) {
      add_override("'" + text + "': expected key.path=value");
      continue;
    }
    const std::string path = trim(text.substr(0, eq));
    if (!find_setting(path)) {
      std::string why;
      if (split_path(path).front() == "alerts") {
        why = "'alerts' is a list of rules: --set cannot change it; edit the scenario file";
      } else if (sections_.contains(path)) {
        why =
            "'" + path + "' is a section; --set takes a setting such as '" + path + "." + children_[path].front() + "'";
      } else {
        const std::string near = nearest_name(path, all_paths_);
        why = "unknown setting '" + path + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)");
      }
      add_override("'" + text + "': " + why);
      continue;
    }
    try {
      sources_[path] = Source{YAML::Load(text.substr(eq + 1)), {}, {}, text};
    } catch (const YAML::Exception& e) {
      add_override("'" + text + "': the value is not valid YAML: " + e.msg);
    }
  }
}

void Loader::apply(const Setting& s, const Source& src, Scenario& scenario) {
  const YAML::Node& node = src.value;
  if (node.IsNull()) {
    report(s, src, src.key, "missing value (expected " + expected_what(s) + ")");
    return;
  }
  if (is_list(s.type)) {
    if (!node.IsSequence()) {
      report(s, src, {}, "expected " + expected_what(s) + ", got " + describe_node(node));
      return;
    }
    std::vector<std::int64_t> ints;
    std::vector<double> reals;
    bool ok = true;
    for (std::size_t i = 0; i < node.size(); ++i) {
      const YAML::Node item = node[i];
      const std::string label = s.path + "[" + std::to_string(i) + "]";
      if (!item.IsScalar()) {
        report(s, src, where_of(item),
               std::string("expected ") +
                   (s.type == SettingType::int_list    ? "an integer"
                    : s.type == SettingType::size_list ? "a size"
                                                       : "a number") +
                   ", got " + describe_node(item),
               label);
        ok = false;
        continue;
      }
      const ParsedValue parsed = parse_setting_scalar(s, item.Scalar());
      if (!parsed.value) {
        report(s, src, where_of(item), parsed.error, label);
        ok = false;
      } else if (s.type == SettingType::int_list) {
        ints.push_back(std::get<std::int64_t>(*parsed.value));
      } else {
        reals.push_back(std::get<double>(*parsed.value));
      }
    }
    if (!ok) return;
    if (node.size() < s.min_items) {
      report(s, src, {}, "must have at least " + std::to_string(s.min_items) + " item(s)");
      return;
    }
    const SettingValue value = s.type == SettingType::int_list ? SettingValue(ints) : SettingValue(reals);
    if (s.check)
      if (const std::string problem = s.check(value); !problem.empty()) {
        report(s, src, {}, problem);
        return;
      }
    s.set(scenario, value);
    return;
  }
  if (!node.IsScalar()) {
    report(s, src, {}, "expected " + expected_what(s) + ", got " + describe_node(node));
    return;
  }
  const ParsedValue parsed = parse_setting_scalar(s, node.Scalar());
  if (!parsed.value) {
    report(s, src, {}, parsed.error);
    return;
  }
  if (s.check)
    if (const std::string problem = s.check(*parsed.value); !problem.empty()) {
      report(s, src, {}, problem);
      return;
    }
  s.set(scenario, *parsed.value);
}

// Relative paths in the file are taken from the scenario file's directory, so a scenario runs the same from any
// cwd; the resolved path is absolute so resolved_yaml reads back to the same file wherever it is stored.
void Loader::resolve_paths(Scenario& scenario) {
  for (const auto& s : scenario_settings()) {
    if (s.type != SettingType::path || bad_.contains(s.path)) continue;
    const std::string value = std::get<std::string>(s.get(scenario));
    if (value.empty() || (s.path == "calibration" && value == "roofline")) continue;
    // A path given with --set is the user's, typed in a shell: relative to the current directory.
    const auto src = sources_.find(s.path);
    const bool from_override = src != sources_.end() && !src->second.override.empty();
    const fs::path base = from_override ? fs::path(".") : fs::path(base_dir_);
    std::error_code ec;
    fs::path resolved = fs::absolute(base / value, ec);
    if (ec) resolved = base / value;
    s.set(scenario, resolved.lexically_normal().string());
  }
}

} // namespace detail

Scenario load_scenario_text(const std::string& yaml_text, const std::string& display_name,
                            const std::vector<std::string>& overrides, const std::string& base_dir) {
  return detail::Loader(display_name, base_dir).load(yaml_text, overrides);
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw ScenarioError({Diagnostic{path, 0, 0, "cannot read scenario file: it is a directory"}});
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ScenarioError({Diagnostic{path, 0, 0, std::string("cannot read scenario file: ") + std::strerror(errno)}});
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ScenarioError({Diagnostic{path, 0, 0, "cannot read scenario file: read error"}});
  std::string base_dir = fs::path(path).parent_path().string();
  if (base_dir.empty()) base_dir = ".";
  return load_scenario_text(text.str(), path, overrides, base_dir);
}

} // namespace racksim::sim
