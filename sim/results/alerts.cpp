#include "sim/results/alerts.hpp"

#include "sim/results/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace racksim::sim {

namespace {

bool holds(const AlertRule& rule, double v) {
  return rule.above ? v > rule.threshold : v < rule.threshold;
}

EventRecord alert_event(const AlertRule& rule, const char* kind, double t, double v) {
  EventRecord e;
  e.time_s = t;
  e.kind = kind;
  e.component = rule.name;
  e.value = v;
  e.cause = alert_cause(rule);
  return e;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

} // namespace

std::vector<std::string> alert_series_names(const std::string& run_kind, bool autoscaled) {
  // The scenario loader knows the run kind, not whether a training run has an inference service, so a training run
  // is checked as one without: the service's series (kind `service`) are only offered in inference runs.
  const metrics::RunKinds kind = run_kind == "inference"    ? metrics::inference
                                 : run_kind == "collective" ? metrics::collective
                                                            : metrics::training;
  std::vector<std::string> names;
  for (const auto& m : metrics::metric_table()) {
    if (m.section != metrics::Section::series || (m.kinds & kind) == 0) continue;
    if (m.only == metrics::Only::always || (m.only == metrics::Only::autoscaler && autoscaled))
      names.emplace_back(m.name);
  }
  return names;
}

std::vector<std::string> all_alert_series_names() {
  std::vector<std::string> names;
  for (const auto& m : metrics::metric_table())
    if (m.section == metrics::Section::series) names.emplace_back(m.name);
  return names;
}

std::string alert_cause(const AlertRule& rule) {
  const std::string prefix = rule.above ? "above:" : "below:";
  for (int digits = 10; digits >= 1; --digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", digits, rule.threshold);
    const std::string text = prefix + buf;
    if (text.size() <= alert_name_bytes) return text;
  }
  return prefix.substr(0, prefix.size() - 1); // unreachable: "%.1g" of a double is at most 7 characters
}

SeriesAlert evaluate_series_rule(const AlertRule& rule, const TimeSeries& series) {
  SeriesAlert out;
  const std::size_t n = std::min(series.time_s.size(), series.value.size());
  bool in_run = false, raised = false;
  double run_start = 0, raised_at = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = series.time_s[i], v = series.value[i];
    if (!holds(rule, v)) { // NaN never holds
      if (raised) {
        out.events.push_back(alert_event(rule, "alert_clear", t, v));
        out.seconds += t - raised_at;
      }
      in_run = raised = false;
      continue;
    }
    if (!in_run) in_run = true, run_start = t;
    if (!raised && t - run_start >= rule.for_s) {
      raised = true;
      raised_at = t;
      ++out.raised;
      out.events.push_back(alert_event(rule, "alert_raise", t, v));
    }
  }
  if (raised) out.seconds += series.time_s[n - 1] - raised_at;
  return out;
}

AlertOutcome evaluate_alerts(const std::vector<AlertRule>& rules, const ResultSet& results, double end_s,
                             const std::string& source_file) {
  AlertOutcome out;
  int total = 0;
  for (const auto& rule : rules) {
    const auto ts = std::find_if(results.timeseries.begin(), results.timeseries.end(),
                                 [&](const TimeSeries& s) { return s.name == rule.metric; });
    const auto attr = std::find_if(results.summary.begin(), results.summary.end(),
                                   [&](const auto& kv) { return kv.first == rule.metric; });
    int raised = 0;
    double seconds = 0;
    if (ts != results.timeseries.end() && (rule.series || attr == results.summary.end())) {
      auto r = evaluate_series_rule(rule, *ts);
      raised = r.raised;
      seconds = r.seconds;
      out.events.insert(out.events.end(), r.events.begin(), r.events.end());
    } else if (attr != results.summary.end() && !rule.series) {
      if (holds(rule, attr->second)) {
        raised = 1;
        out.events.push_back(alert_event(rule, "alert_raise", end_s, attr->second));
      }
    } else {
      std::vector<std::string> series_names, summary_names;
      for (const auto& s : results.timeseries)
        series_names.push_back(s.name);
      for (const auto& [k, v] : results.summary)
        summary_names.push_back(k);
      const std::string where =
          source_file.empty() ? std::string("alerts") : source_file + ":" + std::to_string(rule.line) + ": alerts";
      throw AlertError(where + ": rule '" + rule.name + "': metric '" + rule.metric +
                       "' is neither a time series nor a summary attribute of this run (series: " + join(series_names) +
                       "; summary: " + join(summary_names) + ")");
    }
    total += raised;
    out.summary.emplace_back("alert." + rule.name + ".raised", raised);
    out.summary.emplace_back("alert." + rule.name + ".seconds", seconds);
  }
  out.summary.insert(out.summary.begin(), {"alerts_raised", static_cast<double>(total)});
  std::stable_sort(out.events.begin(), out.events.end(),
                   [](const EventRecord& a, const EventRecord& b) { return a.time_s < b.time_s; });
  return out;
}

void apply_alerts(const std::vector<AlertRule>& rules, ResultSet& results, const std::string& source_file) {
  if (rules.empty()) return;
  double end_s = 0;
  const auto sim = std::find_if(results.summary.begin(), results.summary.end(),
                                [](const auto& kv) { return kv.first == "simulated_s"; });
  if (sim != results.summary.end()) {
    end_s = sim->second;
  } else {
    for (const auto& s : results.timeseries)
      if (!s.time_s.empty()) end_s = std::max(end_s, s.time_s.back());
  }
  auto outcome = evaluate_alerts(rules, results, end_s, source_file);
  const auto middle = results.events.size();
  results.events.insert(results.events.end(), outcome.events.begin(), outcome.events.end());
  std::inplace_merge(results.events.begin(), results.events.begin() + static_cast<std::ptrdiff_t>(middle),
                     results.events.end(),
                     [](const EventRecord& a, const EventRecord& b) { return a.time_s < b.time_s; });
  results.summary.insert(results.summary.end(), outcome.summary.begin(), outcome.summary.end());
}

} // namespace racksim::sim
