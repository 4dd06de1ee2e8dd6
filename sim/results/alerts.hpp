#pragma once
// Threshold alerts over a run's results (the scenario's `alerts:` list; docs/alerts.md). Evaluated once, after the
// run, on the recorded time series samples and /summary attributes: pure functions on a ResultSet, no SimGrid.
//
// A series rule raises at the first sample time where its condition (value strictly above / below the threshold)
// has held at every sample for at least `for` seconds (Prometheus-style "for"), and clears at the first sample
// where it no longer holds; one still raised at the last sample stays open (no clear event). A summary rule raises
// once, at the end of the run, when the attribute violates it.

#include "sim/results/results.hpp"

#include <string>
#include <vector>

namespace racksim::sim {

struct AlertRule {
  std::string name;   // <= 16 bytes (stored in /events' fixed-length strings), unique in a scenario
  std::string metric; // a time series name (/timeseries/<name>) or a /summary attribute
  bool above = true;  // true: alert while value > threshold; false: while value < threshold
  double threshold = 0;
  double for_s = 0;    // series rules: how long the condition must hold before raising
  bool series = false; // set by the scenario loader: metric names a series of this run kind
  int line = 0;        // where the rule is in the scenario file (0 = unknown), for end-of-run errors
};

inline constexpr std::size_t alert_name_bytes = 16;

// The time series a run records, by run kind ("training", "inference", "collective") and whether an autoscaler
// runs, from the metric table (metrics.hpp). Alert rules are validated against these before the run.
std::vector<std::string> alert_series_names(const std::string& run_kind, bool autoscaled);
// Every series name any run kind records (to say "not recorded by this run kind" rather than "unknown").
std::vector<std::string> all_alert_series_names();

// "above:100", "below:0.99": the threshold in at most 16 bytes (the /events cause field).
std::string alert_cause(const AlertRule& rule);

struct AlertOutcome {
  std::vector<EventRecord> events;                     // alert_raise / alert_clear rows, in time order
  std::vector<std::pair<std::string, double>> summary; // alerts_raised, alert.<name>.raised, alert.<name>.seconds
};

class AlertError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One series rule on one series: the raise/clear events and the seconds raised (an open alert counts until the
// last sample). Samples at time_s[i] hold value[i].
struct SeriesAlert {
  std::vector<EventRecord> events;
  int raised = 0;
  double seconds = 0;
};
SeriesAlert evaluate_series_rule(const AlertRule& rule, const TimeSeries& series);

// Every rule on a run's results. end_s is the end of the run (summary rules raise then). Throws AlertError when a
// rule's metric is in neither the series nor the summary (the message names the rule, its line in source_file and
// the valid names).
AlertOutcome evaluate_alerts(const std::vector<AlertRule>& rules, const ResultSet& results, double end_s,
                             const std::string& source_file = "");

// evaluate_alerts, then merges the events into results.events in time order (alert rows after other rows at the
// same time) and appends the summary attributes. No-op without rules.
void apply_alerts(const std::vector<AlertRule>& rules, ResultSet& results, const std::string& source_file = "");

} // namespace racksim::sim
