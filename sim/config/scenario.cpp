// Scenario loading: YAML tree -> settings table -> typed Scenario. Every problem is collected as a located
// Diagnostic before anything is thrown, so one `racksim validate` run shows them all.

#include "sim/config/scenario.hpp"

#include "platforms/catalog.hpp"
#include "platforms/topology.hpp"

#include "sim/config/carbon_trace.hpp"
#include "sim/config/settings.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/inference/inference_model.hpp"
#include "workloads/training/parallel_model.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
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

struct Where {
  int line = 0; // 1-based; 0 = unknown
  int column = 0;
};

Where where_of(const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

// Where a setting's value comes from: a key in the file, or a --set argument (override non-empty).
struct Source {
  YAML::Node value;
  Where key;
  Where value_at;
  std::string override;
};

std::string describe_node(const YAML::Node& node) {
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  if (node.IsNull()) return "nothing";
  return "'" + node.Scalar() + "'";
}

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

class Loader {
 public:
  Loader(std::string file, std::string base_dir) : file_(std::move(file)), base_dir_(std::move(base_dir)) {
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

  Scenario load(const std::string& text, const std::vector<std::string>& overrides) {
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

 private:
  void add(Where at, std::string message) { diagnostics_.push_back({file_, at.line, at.column, std::move(message)}); }
  void add_override(std::string message) { diagnostics_.push_back({override_file, 0, 0, std::move(message)}); }

  // A problem with one setting's value, reported where that value came from. `at` refines the location
  // inside the file (a list item); label names what is wrong when it is not the setting itself.
  void report(const Setting& s, const Source& src, Where at, const std::string& problem, std::string label = "") {
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
  void report_cross(const std::vector<std::string>& paths, const std::string& message) {
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

  void walk(const YAML::Node& node, const std::string& prefix) {
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
        add(key_at,
            "duplicate key '" + name + "' " + in + " (first at line " + std::to_string(first->second.line) + ")");
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

  void read_overrides(const std::vector<std::string>& overrides) {
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
          why = "'" + path + "' is a section; --set takes a setting such as '" + path + "." + children_[path].front() +
                "'";
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

  void apply(const Setting& s, const Source& src, Scenario& scenario) {
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
  void resolve_paths(Scenario& scenario) {
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

  // The `alerts:` list (docs/alerts.md): one map per rule. Series metrics are checked against what this run kind
  // records; any other name is taken as a /summary attribute and checked when the run ends.
  void read_alerts(Scenario& sc) {
    const YAML::Node& list = alerts_node_;
    if (!list.IsDefined() || list.IsNull()) return;
    if (!list.IsSequence()) {
      add(where_of(list).line > 0 ? where_of(list) : alerts_key_,
          "alerts: expected a list of rules (- name: ..., metric: ..., above: or below: ...), got " +
              describe_node(list));
      return;
    }
    const std::string run_kind = sc.workload.kind == workloads::WorkloadKind::inference    ? "inference"
                                 : sc.workload.kind == workloads::WorkloadKind::collective ? "collective"
                                                                                           : "training";
    const auto series = alert_series_names(run_kind, sc.policies.autoscaler != "none");
    const auto any_series = all_alert_series_names();
    const auto contains = [](const std::vector<std::string>& v, const std::string& x) {
      return std::find(v.begin(), v.end(), x) != v.end();
    };
    std::map<std::string, int> names_seen;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node item = list[i];
      const Where item_at = where_of(item).line > 0 ? where_of(item) : alerts_key_;
      std::string label = "alerts[" + std::to_string(i) + "]";
      if (!item.IsMap()) {
        add(item_at,
            label + ": expected a rule (a map with name, metric, above or below, for), got " + describe_node(item));
        continue;
      }
      AlertRule rule;
      rule.line = item_at.line;
      bool ok = true;
      std::map<std::string, YAML::Node> fields;
      for (auto it = item.begin(); it != item.end(); ++it) {
        const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
        static const std::vector<std::string> valid{"name", "metric", "above", "below", "for"};
        if (!contains(valid, key)) {
          const std::string near = nearest_name(key, valid);
          add(where_of(it->first),
              label + ": unknown key '" + key + "'" +
                  (near.empty() ? " (valid: name, metric, above, below, for)" : " (did you mean '" + near + "'?)"));
          ok = false;
          continue;
        }
        fields[key] = it->second;
      }
      const auto scalar = [&](const std::string& key, std::string& out) {
        const auto f = fields.find(key);
        if (f == fields.end()) return false;
        if (!f->second.IsScalar() || f->second.Scalar().empty()) {
          add(where_of(f->second).line > 0 ? where_of(f->second) : item_at,
              label + "." + key + ": expected a value, got " + describe_node(f->second));
          ok = false;
          return false;
        }
        out = f->second.Scalar();
        return true;
      };
      const auto at = [&](const std::string& key) {
        const auto f = fields.find(key);
        return f != fields.end() && where_of(f->second).line > 0 ? where_of(f->second) : item_at;
      };
      if (scalar("name", rule.name)) {
        label += " (" + rule.name + ")";
        const bool plain = std::all_of(rule.name.begin(), rule.name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
        });
        if (rule.name.size() > alert_name_bytes) {
          add(at("name"), label + ".name: longer than " + std::to_string(alert_name_bytes) + " characters (" +
                              std::to_string(rule.name.size()) + "; it is stored in /events' 16-byte strings)");
          ok = false;
        } else if (!plain) {
          add(at("name"), label + ".name: use letters, digits, '_' and '-' only");
          ok = false;
        } else if (const auto [first, inserted] = names_seen.emplace(rule.name, at("name").line); !inserted) {
          add(at("name"), label + ".name: duplicate rule name (first at line " + std::to_string(first->second) + ")");
          ok = false;
        }
      } else if (!fields.contains("name")) {
        add(item_at, label + ": missing 'name'");
        ok = false;
      }
      if (scalar("metric", rule.metric)) {
        rule.series = contains(series, rule.metric);
        if (!rule.series && contains(any_series, rule.metric)) {
          std::string names;
          for (const auto& n : series)
            names += (names.empty() ? "" : ", ") + n;
          add(at("metric"), label + ".metric: time series '" + rule.metric + "' is not recorded by a " + run_kind +
                                " run (its series: " + names + "; or a /summary attribute)");
          ok = false;
        }
      } else if (!fields.contains("metric")) {
        add(item_at, label + ": missing 'metric' (a time series name or a /summary attribute)");
        ok = false;
      }
      const bool has_above = fields.contains("above"), has_below = fields.contains("below");
      if (has_above == has_below) {
        add(item_at, label + (has_above ? ": give one of 'above' and 'below', not both"
                                        : ": missing 'above' or 'below' (the threshold)"));
        ok = false;
      } else {
        const std::string key = has_above ? "above" : "below";
        rule.above = has_above;
        std::string text;
        if (scalar(key, text)) {
          const auto number = parse_number_or_percent(text);
          if (!number) {
            add(at(key), label + "." + key + ": expected a number or a percentage such as 50%, got '" + text + "'");
            ok = false;
          } else {
            rule.threshold = *number;
          }
        }
      }
      if (fields.contains("for")) {
        std::string text;
        if (scalar("for", text)) {
          try {
            rule.for_s = parse_quantity(text, Dimension::time);
            if (rule.for_s < 0) {
              add(at("for"), label + ".for: must be >= 0");
              ok = false;
            } else if (!rule.metric.empty() && !rule.series && rule.for_s > 0) {
              add(at("for"), label + ".for: only for time series rules; '" + rule.metric +
                                 "' is taken as a /summary attribute (evaluated once at the end)");
              ok = false;
            }
          } catch (const UnitError& e) {
            add(at("for"), label + ".for: " + e.what());
            ok = false;
          }
        }
      }
      if (ok) sc.alerts.push_back(rule);
    }
  }

  bool all_good(std::initializer_list<const char*> paths) const {
    return std::none_of(paths.begin(), paths.end(), [&](const char* p) { return bad_.contains(p); });
  }

  void cross_checks(const Scenario& sc) {
    const auto& syn = sc.workload.synthetic;
    const bool synthetic = sc.workload.kind == workloads::WorkloadKind::synthetic;
    if (all_good({"workload.synthetic.gpus", "workload.synthetic.gpu_weights"}) && !syn.gpu_weights.empty()) {
      if (syn.gpu_weights.size() != syn.gpu_values.size()) {
        report_cross({"workload.synthetic.gpu_weights", "workload.synthetic.gpus"},
                     "workload.synthetic.gpu_weights: has " + std::to_string(syn.gpu_weights.size()) +
                         " weight(s) but workload.synthetic.gpus has " + std::to_string(syn.gpu_values.size()) +
                         " entries (give one weight per GPU count, or [] for uniform)");
      } else if (std::all_of(syn.gpu_weights.begin(), syn.gpu_weights.end(), [](double w) { return w == 0; })) {
        report_cross({"workload.synthetic.gpu_weights"}, "workload.synthetic.gpu_weights: weights must not all be 0");
      }
    }
    if (all_good({"workload.synthetic.duration.min", "workload.synthetic.duration.max"}) &&
        syn.duration_min_s > syn.duration_max_s) {
      report_cross({"workload.synthetic.duration.min", "workload.synthetic.duration.max"},
                   "workload.synthetic.duration.min (" + format_quantity(syn.duration_min_s, Dimension::time) +
                       ") must be <= workload.synthetic.duration.max (" +
                       format_quantity(syn.duration_max_s, Dimension::time) + ")");
    }
    synthetic_checks(sc);
    const bool parametric = syn.sizes == workloads::SyntheticSizes::parametric;
    if (synthetic && parametric &&
        all_good({"workload.synthetic.gpus", "platform.gpus_per_node", "platform.nodes_per_rack", "platform.racks",
                  "workload.kind", "workload.synthetic.sizes"})) {
      const double total = double(sc.platform.gpus_per_node) * sc.platform.nodes_per_rack * sc.platform.racks;
      const int largest = *std::max_element(syn.gpu_values.begin(), syn.gpu_values.end());
      if (largest > total) {
        report_cross({"workload.synthetic.gpus", "platform.racks", "platform.nodes_per_rack", "platform.gpus_per_node"},
                     "workload.synthetic.gpus: a job asks for " + std::to_string(largest) +
                         " GPUs but the platform has " + format_number(total) +
                         " (racks x nodes_per_rack x gpus_per_node); such a job could never start");
      }
    }
    storage_checks(sc);
    collective_checks(sc);
    inference_checks(sc);
    training_checks(sc);
    platform_checks(sc);
    failure_checks(sc);
    energy_checks(sc);
    if (all_good({"calibration"}) && sc.calibration != "roofline") {
      try {
        (void)workloads::load_calibration(sc.calibration);
      } catch (const workloads::CalibrationError& e) {
        report_cross({"calibration"}, std::string("calibration: ") + e.what());
      }
    }
    if (sc.workload.kind == workloads::WorkloadKind::trace && all_good({"workload.kind", "workload.trace.path"}))
      check_input_file("workload.trace.path", sc.workload.trace.path, "when workload.kind is trace", "trace file",
                       {"workload.kind"});
    if (sc.workload.kind == workloads::WorkloadKind::trace &&
        sc.workload.trace.format == workloads::TraceFormat::alibaba_v2020 &&
        all_good({"workload.kind", "workload.trace.format", "workload.trace.task_path"}))
      check_input_file("workload.trace.task_path", sc.workload.trace.task_path,
                       "when workload.trace.format is alibaba_v2020", "task table", {"workload.trace.format"});
  }

  // workload.synthetic's arrival processes and size sources (docs/workload-model.md, "Synthetic jobs").
  void synthetic_checks(const Scenario& sc) {
    const auto& syn = sc.workload.synthetic;
    const bool empirical = syn.sizes == workloads::SyntheticSizes::empirical;
    if (all_good({"workload.synthetic.sizes", "workload.synthetic.empirical_trace"})) {
      if (empirical && syn.empirical_trace.empty())
        report_cross({"workload.synthetic.sizes", "workload.synthetic.empirical_trace"},
                     "workload.synthetic.empirical_trace: missing; it is required when workload.synthetic.sizes is "
                     "empirical");
      else if (empirical && sc.workload.kind == workloads::WorkloadKind::synthetic)
        check_input_file("workload.synthetic.empirical_trace", syn.empirical_trace,
                         "when workload.synthetic.sizes is empirical");
      else if (!empirical && !syn.empirical_trace.empty())
        report_cross({"workload.synthetic.empirical_trace", "workload.synthetic.sizes"},
                     "workload.synthetic.empirical_trace: given, but workload.synthetic.sizes is parametric; set "
                     "sizes: empirical to resample the trace's rows, or remove empirical_trace");
    }
    if (!empirical && syn.duration_distribution == workloads::DurationDistribution::pareto &&
        all_good({"workload.synthetic.duration.pareto_scale", "workload.synthetic.duration.max",
                  "workload.synthetic.duration.distribution"}) &&
        syn.pareto_scale_s > syn.duration_max_s)
      report_cross({"workload.synthetic.duration.pareto_scale", "workload.synthetic.duration.max"},
                   "workload.synthetic.duration.pareto_scale (" + format_quantity(syn.pareto_scale_s, Dimension::time) +
                       ") must be <= workload.synthetic.duration.max (" +
                       format_quantity(syn.duration_max_s, Dimension::time) +
                       "); every drawn duration would be clamped to max");
  }

  // Storage tiers: what platforms::validate_storage_spec cannot see from the platform alone, located in the file.
  void storage_checks(const Scenario& sc) {
    const auto& storage = sc.platform.storage;
    const auto& training = sc.workload.training;
    if (all_good({"platform.storage.stripe_count", "platform.storage.servers"}) &&
        storage.stripe_count > storage.servers) {
      report_cross({"platform.storage.stripe_count", "platform.storage.servers"},
                   "platform.storage.stripe_count: " + std::to_string(storage.stripe_count) +
                       " is more than platform.storage.servers (" + std::to_string(storage.servers) +
                       "); a file cannot be striped over servers that do not exist");
    }
    using workloads::StorageTier;
    const bool no_nvme = storage.nvme.drives == 0;
    if (all_good({"workload.training.checkpoint_tier", "platform.storage.nvme.drives"}) && no_nvme &&
        training.checkpoint_tier == StorageTier::nvme && training.checkpoint_every > 0) {
      report_cross({"workload.training.checkpoint_tier", "platform.storage.nvme.drives"},
                   "workload.training.checkpoint_tier: nvme, but platform.storage.nvme.drives is 0 (the nodes have no "
                   "NVMe)");
    }
    if (all_good({"workload.training.dataset_tier", "platform.storage.nvme.drives"}) && no_nvme &&
        training.dataset_tier == StorageTier::nvme && training.dataset_read_bytes > 0) {
      report_cross({"workload.training.dataset_tier", "platform.storage.nvme.drives"},
                   "workload.training.dataset_tier: nvme, but platform.storage.nvme.drives is 0 (the nodes have no "
                   "NVMe)");
    }
    if (all_good({"workload.training.checkpoint_drain", "workload.training.checkpoint_tier"}) &&
        training.checkpoint_drain != workloads::DrainTarget::none && training.checkpoint_tier != StorageTier::nvme) {
      report_cross({"workload.training.checkpoint_drain", "workload.training.checkpoint_tier"},
                   "workload.training.checkpoint_drain: only checkpoints written to nvme are drained; set "
                   "workload.training.checkpoint_tier: nvme or checkpoint_drain: none");
    }
    const double capacity = storage.nvme.drives * storage.nvme.drive_capacity_bytes;
    if (all_good({"workload.training.checkpoint_size", "workload.training.checkpoint_tier", "platform.storage.nvme.drives",
                  "platform.storage.nvme.capacity"}) &&
        !no_nvme && training.checkpoint_tier == StorageTier::nvme && training.checkpoint_every > 0 &&
        training.checkpoint_bytes > capacity) {
      report_cross({"workload.training.checkpoint_size", "platform.storage.nvme.capacity"},
                   "workload.training.checkpoint_size (" + format_quantity(training.checkpoint_bytes, Dimension::size) +
                       ") does not fit a node's NVMe volume (" + format_quantity(capacity, Dimension::size) +
                       " = nvme.drives x nvme.capacity)");
    }
  }

  // The platform as a whole (fabric constraints, switch radix, ...): platforms::validate_spec names the field
  // ("platform.<key> must be ..."); the message is located at that key, or at the file when the key was not
  // written. Only once every setting read cleanly, so a bad value is not reported twice.
  void platform_checks(const Scenario& sc) {
    if (!diagnostics_.empty()) return;
    try {
      platforms::validate_spec(sc.platform);
    } catch (const platforms::PlatformError& e) {
      std::string field = e.what();
      field = field.substr(0, field.find_first_of(" :"));
      report_cross({field}, e.what());
    }
  }

  // A readable file for a path setting a scenario needs; false (and a diagnostic) when not.
  // An input file named by `setting`: given (else the error also points at `also`, the settings that require it),
  // present, a regular file, readable.
  void check_input_file(const std::string& setting, const std::string& path, const std::string& why,
                        const std::string& noun = "file", std::vector<std::string> also = {}) {
    std::error_code ec;
    if (path.empty()) {
      also.insert(also.begin(), setting);
      report_cross(also, setting + ": missing; it is required " + why);
    } else if (!fs::exists(path, ec)) {
      report_cross({setting}, setting + ": " + noun + " '" + path + "' does not exist");
    } else if (!fs::is_regular_file(path, ec)) {
      report_cross({setting}, setting + ": '" + path + "' is not a regular file");
    } else if (std::ifstream in(path); !in) {
      report_cross({setting}, setting + ": cannot read " + noun + " '" + path + "': " + std::strerror(errno));
    }
  }

  // failures (docs/failures.md): the preset owns its classes' MTBFs; a trace file must exist.
  void failure_checks(const Scenario& sc) {
    const auto& f = sc.failures;
    if (f.preset == workloads::FailurePreset::llama3_54d && all_good({"failures.preset"})) {
      std::set<workloads::ComponentClass> reported; // one message per class, not one per cause
      for (const auto& cause : workloads::llama3_causes()) {
        const std::string path = std::string("failures.") + workloads::to_string(cause.cls) + ".mtbf";
        if (!bad_.contains(path) && f.of(cause.cls).mtbf_s > 0 && reported.insert(cause.cls).second) {
          report_cross({path, "failures.preset"},
                       path + ": the preset llama3_54d sets the MTBF of " + workloads::to_string(cause.cls) +
                           "; leave it out (or use preset: none)");
        }
      }
    }
    if (!f.trace.empty() && all_good({"failures.trace"}))
      check_input_file("failures.trace", f.trace, "", "failure trace");
  }

  // energy (docs/energy.md): a carbon trace must exist and parse (its errors name its file, line and field).
  void energy_checks(const Scenario& sc) {
    const auto& path = sc.energy.carbon_trace;
    if (path.empty() || !all_good({"energy.carbon_trace"})) return;
    const std::size_t before = diagnostics_.size();
    check_input_file("energy.carbon_trace", path, "", "carbon trace");
    if (diagnostics_.size() != before) return;
    try {
      (void)read_carbon_trace(path);
    } catch (const CarbonTraceError& e) {
      report_cross({"energy.carbon_trace"}, std::string("energy.carbon_trace: ") + e.what());
    }
  }

  // workload.inference (docs/inference.md): inputs exist, lengths are consistent, replicas fit the platform and the
  // model fits a replica's HBM.
  void inference_checks(const Scenario& sc) {
    const auto& inf = sc.workload.inference;
    const bool service_only = sc.workload.kind == workloads::WorkloadKind::inference;
    if (service_only && all_good({"workload.inference.replicas"}) && inf.replicas == 0)
      report_cross({"workload.inference.replicas", "workload.kind"},
                   "workload.inference.replicas: 0, but workload.kind inference needs at least one replica");
    if (!service_only && inf.replicas == 0) return;
    if (sc.workload.kind == workloads::WorkloadKind::collective) {
      report_cross({"workload.inference.replicas", "workload.kind"},
                   "workload.inference.replicas: an inference service does not run next to a collective benchmark; "
                   "set replicas: 0 or workload.kind: inference, synthetic or trace");
      return;
    }
    balancer_checks(sc);
    using workloads::ArrivalProcess;
    if (all_good({"workload.inference.name"}) && (inf.name.empty() || inf.name.size() > 16))
      report_cross({"workload.inference.name"}, "workload.inference.name: must have 1 to 16 characters, got '" +
                                                    inf.name + "'");
    if (inf.arrival == ArrivalProcess::trace && all_good({"workload.inference.arrival_trace", "workload.inference.arrival"}))
      check_input_file("workload.inference.arrival_trace", inf.trace_path, "when workload.inference.arrival is trace");
    if (inf.arrival != ArrivalProcess::trace && all_good({"workload.inference.requests", "workload.inference.duration"}) &&
        inf.requests == 0 && inf.duration_s == 0)
      report_cross({"workload.inference.requests", "workload.inference.duration"},
                   "workload.inference.requests: 0 (no count limit) needs a workload.inference.duration > 0, or the "
                   "arrivals would never end");
    if (inf.service_time == workloads::ServiceTimeDistribution::empirical &&
        all_good({"workload.inference.service_time.path", "workload.inference.service_time.distribution"}))
      check_input_file("workload.inference.service_time.path", inf.service_time_path,
                       "when workload.inference.service_time.distribution is empirical");
    for (const char* which : {"prompt_tokens", "output_tokens"}) {
      const auto& tokens = std::string_view(which) == "prompt_tokens" ? inf.prompt_tokens : inf.output_tokens;
      const std::string base = std::string("workload.inference.") + which;
      if (!bad_.contains(base + ".min") && !bad_.contains(base + ".max") && tokens.min > tokens.max)
        report_cross({base + ".min", base + ".max"}, base + ".min (" + std::to_string(tokens.min) + ") must be <= " +
                                                         base + ".max (" + std::to_string(tokens.max) + ")");
    }
    if (!all_good({"workload.inference.model", "workload.inference.gpus_per_replica", "workload.inference.replicas",
                   "workload.inference.hbm_utilization", "platform.gpu", "platform.gpus_per_node",
                   "platform.nodes_per_rack", "platform.racks", "platform.nvlink_domain"}))
      return;
    const double domain =
        sc.platform.gpus_per_node * (sc.platform.nvlink_domain == "rack" ? double(sc.platform.nodes_per_rack) : 1.0);
    if (inf.gpus_per_replica > domain) {
      report_cross({"workload.inference.gpus_per_replica"},
                   "workload.inference.gpus_per_replica: " + std::to_string(inf.gpus_per_replica) +
                       " GPUs exceed one NVLink domain (" + format_number(domain) +
                       " GPUs); a replica's tensor parallelism stays inside one");
      return;
    }
    const double total = double(sc.platform.gpus_per_node) * sc.platform.nodes_per_rack * sc.platform.racks;
    if (double(provisioned_replicas(sc)) * inf.gpus_per_replica > total)
      report_cross({"workload.inference.replicas", "workload.inference.gpus_per_replica", "platform.racks"},
                   "workload.inference.replicas: " + std::to_string(provisioned_replicas(sc)) + " replica(s) of " +
                       std::to_string(inf.gpus_per_replica) + " GPUs need more than the platform's " +
                       format_number(total) + " GPUs");
    try {
      const auto& model = workloads::find_model(inf.model);
      const auto& gpu = platforms::find_gpu(sc.platform.gpu_model);
      (void)workloads::replica_memory(model, inf.gpus_per_replica, gpu.hbm_bytes, inf.hbm_utilization);
    } catch (const workloads::ModelDoesNotFit& e) {
      report_cross({"workload.inference.model", "workload.inference.gpus_per_replica"},
                   std::string("workload.inference.model: ") + e.what() + " (" + sc.platform.gpu_model + ")");
    } catch (const std::invalid_argument& e) {
      report_cross({"workload.inference.gpus_per_replica", "workload.inference.model"},
                   std::string("workload.inference.gpus_per_replica: ") + e.what());
    }
  }

  // policies.weighted.weights, policies.autoscaler.*: consistent with the service's replicas.
  void balancer_checks(const Scenario& sc) {
    const auto& inf = sc.workload.inference;
    const auto& pol = sc.policies;
    const auto& weights = pol.params.weighted_weights;
    if (all_good({"policies.weighted.weights", "workload.inference.replicas", "policies.autoscaler.max_replicas",
                  "policies.autoscaler.policy"}) &&
        !weights.empty()) {
      const int n = provisioned_replicas(sc);
      if (static_cast<int>(weights.size()) != n)
        report_cross({"policies.weighted.weights", "workload.inference.replicas"},
                     "policies.weighted.weights: has " + std::to_string(weights.size()) +
                         " weight(s) but the service has " + std::to_string(n) +
                         " replicas (give one weight per replica, or [] for all 1)");
      else if (std::all_of(weights.begin(), weights.end(), [](double w) { return w == 0; }))
        report_cross({"policies.weighted.weights"}, "policies.weighted.weights: weights must not all be 0");
    }
    if (pol.autoscaler == "none" || !all_good({"policies.autoscaler.policy", "workload.inference.replicas",
                                               "policies.autoscaler.min_replicas", "policies.autoscaler.max_replicas"}))
      return;
    const int max = pol.autoscaler_max_replicas > 0 ? pol.autoscaler_max_replicas : inf.replicas;
    if (pol.autoscaler_min_replicas > inf.replicas || inf.replicas > max)
      report_cross({"policies.autoscaler.min_replicas", "workload.inference.replicas", "policies.autoscaler.max_replicas"},
                   "policies.autoscaler.min_replicas (" + std::to_string(pol.autoscaler_min_replicas) +
                       ") <= workload.inference.replicas (" + std::to_string(inf.replicas) +
                       ") <= policies.autoscaler.max_replicas (" + std::to_string(max) + ") does not hold");
    if (pol.autoscaler == "queue_length" &&
        all_good({"policies.autoscaler.scale_in_queue", "policies.autoscaler.scale_out_queue"}) &&
        !(pol.params.autoscaler_scale_in_queue < pol.params.autoscaler_scale_out_queue))
      report_cross({"policies.autoscaler.scale_in_queue", "policies.autoscaler.scale_out_queue"},
                   "policies.autoscaler.scale_in_queue (" + format_number(pol.params.autoscaler_scale_in_queue) +
                       ") must be < policies.autoscaler.scale_out_queue (" +
                       format_number(pol.params.autoscaler_scale_out_queue) + ")");
  }

  // workload.training 3D parallelism (docs/training-model.md): a model, tp inside one NVLink domain, a valid custom
  // shape; for synthetic jobs (sizes known up front) every GPU count must divide into tp x pp, the global batch into
  // dp x micro_batch, and the first stage must fit in HBM. Trace jobs that do not are skipped and counted at run time.
  void training_checks(const Scenario& sc) {
    const auto& tr = sc.workload.training;
    if (sc.workload.kind == workloads::WorkloadKind::collective) return;
    if (tr.model == "custom" && all_good({"workload.training.model"})) {
      try {
        workloads::resolve_model(tr);
      } catch (const std::invalid_argument& e) {
        report_cross({"workload.training.model"}, std::string("workload.training.custom: ") + e.what());
        return;
      }
    }
    if (tr.global_batch <= 0 || !all_good({"workload.training.global_batch", "workload.training.model",
                                           "workload.training.tp", "workload.training.pp"}))
      return;
    if (tr.model == "none") {
      report_cross({"workload.training.global_batch", "workload.training.model"},
                   "workload.training.global_batch: 3D-parallel training needs workload.training.model (a preset or "
                   "custom)");
      return;
    }
    const auto& p = sc.platform;
    const long domain = p.nvlink_domain == "rack" ? long(p.gpus_per_node) * p.nodes_per_rack : long(p.gpus_per_node);
    if (tr.tp > domain) {
      report_cross({"workload.training.tp", "platform.gpus_per_node"},
                   "workload.training.tp: " + std::to_string(tr.tp) + " is more than the " + std::to_string(domain) +
                       " GPUs of one NVLink domain (platform.gpus_per_node, platform.nvlink_domain): a TP group "
                       "must sit inside one");
      return;
    }
    if (sc.workload.kind != workloads::WorkloadKind::synthetic || !all_good({"workload.synthetic.gpus", "platform.gpu"}))
      return;
    const auto model = workloads::resolve_model(tr);
    const auto& gpu = platforms::find_gpu(p.gpu_model);
    for (const int gpus : sc.workload.synthetic.gpu_values) {
      try {
        workloads::check_layout(model, workloads::parallel_config(tr), gpus, gpu.hbm_bytes, gpu.name);
      } catch (const std::invalid_argument& e) {
        report_cross({"workload.synthetic.gpus", "workload.training.tp", "workload.training.pp",
                      "workload.training.global_batch"},
                     "workload.synthetic.gpus: a " + std::to_string(gpus) + "-GPU job cannot train: " + e.what());
      }
    }
  }

  // workload.collective: the algorithm must suit the op, and the groups must fit on the platform.
  void collective_checks(const Scenario& sc) {
    if (sc.workload.kind != workloads::WorkloadKind::collective) return;
    const auto& col = sc.workload.collective;
    if (all_good({"workload.collective.op", "workload.collective.algorithm"}) &&
        !workloads::accepts(col.op, col.algorithm)) {
      std::string valid = "auto";
      for (const auto a : workloads::valid_algorithms(col.op))
        valid += std::string(", ") + workloads::to_string(a);
      report_cross({"workload.collective.algorithm", "workload.collective.op"},
                   std::string("workload.collective.algorithm: '") + workloads::to_string(col.algorithm) +
                       "' does not apply to op '" + workloads::to_string(col.op) + "' (valid for " +
                       workloads::to_string(col.op) + ": " + valid + ")");
    }
    if (all_good({"workload.collective.ranks", "workload.collective.groups", "platform.gpus_per_node",
                  "platform.nodes_per_rack", "platform.racks"})) {
      const double total = double(sc.platform.gpus_per_node) * sc.platform.nodes_per_rack * sc.platform.racks;
      const double wanted = double(col.ranks) * col.groups;
      if (wanted > total)
        report_cross({"workload.collective.ranks", "workload.collective.groups", "platform.racks"},
                     "workload.collective.ranks: " + std::to_string(col.groups) + " group(s) of " +
                         std::to_string(col.ranks) + " ranks need " + format_number(wanted) +
                         " GPUs but the platform has " + format_number(total) +
                         " (racks x nodes_per_rack x gpus_per_node)");
    }
    // Direct all-to-all is n(n-1) concurrent flows; SimGrid's sharing solver slows with concurrent flows
    // (docs/collectives.md), so the size where a run stops being interactive is refused up front.
    if (col.op == workloads::CollectiveOp::alltoall && all_good({"workload.collective.ranks"}) &&
        col.ranks > max_alltoall_ranks)
      report_cross({"workload.collective.ranks"},
                   "workload.collective.ranks: alltoall over " + std::to_string(col.ranks) + " ranks would be " +
                       format_number(double(col.ranks) * (col.ranks - 1)) + " concurrent flows; at most " +
                       std::to_string(max_alltoall_ranks) + " ranks are supported");
  }
  static constexpr int max_alltoall_ranks = 256;

  std::string file_;
  std::string base_dir_;
  Where root_{1, 1};
  std::map<std::string, std::vector<std::string>> children_; // section ("" = top level) -> its keys, in order
  std::set<std::string> sections_;
  std::vector<std::string> all_paths_;
  std::map<std::string, Source> sources_;
  std::set<std::string> bad_; // settings with an error: cross-checks that read them are skipped
  std::vector<Diagnostic> diagnostics_;
  YAML::Node alerts_node_; // the `alerts:` list as written, read after the settings (it needs workload.kind)
  Where alerts_key_;
};

} // namespace

Scenario load_scenario_text(const std::string& yaml_text, const std::string& display_name,
                            const std::vector<std::string>& overrides, const std::string& base_dir) {
  return Loader(display_name, base_dir).load(yaml_text, overrides);
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
