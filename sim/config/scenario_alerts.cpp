// The scenario's `alerts:` list (docs/alerts.md): a list of rules, not settings, so it is read apart from the
// settings table, after it (a rule's metric is checked against the series the run kind records).

#include "sim/config/loader.hpp"

#include "sim/config/settings.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

namespace racksim::sim::detail {

// The `alerts:` list (docs/alerts.md): one map per rule. Series metrics are checked against what this run kind
// records; any other name is taken as a /summary attribute and checked when the run ends.
void Loader::read_alerts(Scenario& sc) {
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

} // namespace racksim::sim::detail
