// Alert evaluation on hand-made series and summaries: exact raise/clear times (sample-time semantics, "for"),
// flapping, open at the end, summary rules, event fields and summary attributes.

#include "sim/results/alerts.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace racksim::sim;

namespace {

TimeSeries series(const std::string& name, std::vector<double> values, double interval = 10) {
  TimeSeries ts;
  ts.name = name;
  ts.unit = "jobs";
  for (std::size_t i = 0; i < values.size(); ++i)
    ts.time_s.push_back(static_cast<double>(i) * interval);
  ts.value = std::move(values);
  ts.interval_s = interval;
  return ts;
}

AlertRule rule(const std::string& name, const std::string& metric, bool above, double threshold, double for_s = 0,
               bool is_series = true) {
  AlertRule r;
  r.name = name;
  r.metric = metric;
  r.above = above;
  r.threshold = threshold;
  r.for_s = for_s;
  r.series = is_series;
  return r;
}

std::vector<std::pair<std::string, double>> times(const std::vector<EventRecord>& events) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& e : events)
    out.emplace_back(e.kind, e.time_s);
  return out;
}

using Times = std::vector<std::pair<std::string, double>>;

} // namespace

TEST(Alerts, AboveRaisesAtFirstSampleOverAndClearsAtFirstSampleNotOver) {
  // t:      0  10  20  30  40  50
  // value:  0   5 101 150 100   3   -> above 100 strictly: holds at 20, 30; 40 (== 100) does not hold.
  const auto r =
      evaluate_series_rule(rule("q", "queue_length", true, 100), series("queue_length", {0, 5, 101, 150, 100, 3}));
  EXPECT_EQ(times(r.events), (Times{{"alert_raise", 20}, {"alert_clear", 40}}));
  EXPECT_EQ(r.raised, 1);
  EXPECT_DOUBLE_EQ(r.seconds, 20);
  EXPECT_DOUBLE_EQ(r.events[0].value, 101);
  EXPECT_DOUBLE_EQ(r.events[1].value, 100);
  EXPECT_EQ(r.events[0].component, "q");
  EXPECT_EQ(r.events[0].cause, "above:100");
  EXPECT_EQ(r.events[0].job, -1);
}

TEST(Alerts, BelowWithPercentThreshold) {
  // 50% = 0.5: below holds at 0.4 (t=10) and 0.49 (t=20); 0.5 itself does not.
  const auto r = evaluate_series_rule(rule("u", "util", false, 0.5), series("util", {0.9, 0.4, 0.49, 0.5, 0.6}));
  EXPECT_EQ(times(r.events), (Times{{"alert_raise", 10}, {"alert_clear", 30}}));
  EXPECT_EQ(r.events[0].cause, "below:0.5");
  EXPECT_DOUBLE_EQ(r.seconds, 20);
}

TEST(Alerts, ForDelaysTheRaiseUntilTheConditionHeldThatLong) {
  // Holds from t=10 on; for 30 s: raised at the first sample with t - 10 >= 30, i.e. t = 40.
  const auto r = evaluate_series_rule(rule("q", "q", true, 1, 30), series("q", {0, 2, 2, 2, 2, 2, 0}));
  EXPECT_EQ(times(r.events), (Times{{"alert_raise", 40}, {"alert_clear", 60}}));
  EXPECT_DOUBLE_EQ(r.seconds, 20);
  // A for longer than any run never raises.
  const auto never = evaluate_series_rule(rule("q", "q", true, 1, 45), series("q", {0, 2, 2, 2, 2, 2, 0}));
  EXPECT_TRUE(never.events.empty());
  EXPECT_EQ(never.raised, 0);
}

TEST(Alerts, ForRestartsAfterEveryBreak) {
  // Flapping: runs [10,20], [40,50], [70..90]; for 20 s only the last (70 -> 90) lasts long enough.
  const auto r = evaluate_series_rule(rule("f", "q", true, 0, 20), series("q", {0, 1, 1, 0, 1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(times(r.events), (Times{{"alert_raise", 90}}));
  EXPECT_DOUBLE_EQ(r.seconds, 0); // raised at the last sample: open, 0 s so far
}

TEST(Alerts, FlappingWithoutForRaisesEveryTime) {
  const auto r = evaluate_series_rule(rule("f", "q", true, 0), series("q", {1, 0, 1, 0, 1, 0}));
  EXPECT_EQ(times(r.events), (Times{{"alert_raise", 0},
                                    {"alert_clear", 10},
                                    {"alert_raise", 20},
                                    {"alert_clear", 30},
                                    {"alert_raise", 40},
                                    {"alert_clear", 50}}));
  EXPECT_EQ(r.raised, 3);
  EXPECT_DOUBLE_EQ(r.seconds, 30);
}

TEST(Alerts, StillRaisedAtTheEndStaysOpenAndCountsToTheLastSample) {
  const auto r = evaluate_series_rule(rule("o", "q", true, 5), series("q", {0, 0, 9, 9, 9}, 60));
  EXPECT_EQ(times(r.events), (Times{{"alert_raise", 120}}));
  EXPECT_DOUBLE_EQ(r.seconds, 120); // 120 .. 240
}

TEST(Alerts, NanNeverHolds) {
  const auto r = evaluate_series_rule(rule("n", "q", false, 5), series("q", {std::nan(""), 1, std::nan("")}));
  EXPECT_EQ(times(r.events), (Times{{"alert_raise", 10}, {"alert_clear", 20}}));
}

TEST(Alerts, CauseFitsInSixteenBytes) {
  EXPECT_EQ(alert_cause(rule("x", "m", true, 100)), "above:100");
  EXPECT_EQ(alert_cause(rule("x", "m", false, 0.99)), "below:0.99");
  for (const double t : {1.0 / 3, 123456789.123, -1.5e-300, 6.02214076e23}) {
    const auto c = alert_cause(rule("x", "m", true, t));
    EXPECT_LE(c.size(), 16u) << c;
    EXPECT_EQ(c.rfind("above:", 0), 0u);
  }
}

TEST(Alerts, SummaryRulesRaiseOnceAtTheEnd) {
  ResultSet rs;
  rs.summary = {{"inference_slo_attainment", 0.97}, {"gpu_utilization", 0.8}, {"simulated_s", 500}};
  const std::vector<AlertRule> rules{rule("slo", "inference_slo_attainment", false, 0.99, 0, false),
                                     rule("util", "gpu_utilization", false, 0.5, 0, false)};
  const auto out = evaluate_alerts(rules, rs, 500);
  ASSERT_EQ(out.events.size(), 1u);
  EXPECT_EQ(out.events[0].kind, "alert_raise");
  EXPECT_EQ(out.events[0].component, "slo");
  EXPECT_DOUBLE_EQ(out.events[0].time_s, 500);
  EXPECT_DOUBLE_EQ(out.events[0].value, 0.97);
  const std::vector<std::pair<std::string, double>> expected{{"alerts_raised", 1},
                                                             {"alert.slo.raised", 1},
                                                             {"alert.slo.seconds", 0},
                                                             {"alert.util.raised", 0},
                                                             {"alert.util.seconds", 0}};
  EXPECT_EQ(out.summary, expected);
}

TEST(Alerts, ApplyMergesEventsInTimeOrderAfterSameTimeRows) {
  ResultSet rs;
  rs.timeseries.push_back(series("queue_length", {0, 3, 3, 0}));
  rs.summary = {{"simulated_s", 35}};
  EventRecord failure;
  failure.time_s = 10;
  failure.kind = "failure";
  EventRecord repair;
  repair.time_s = 25;
  repair.kind = "repair";
  rs.events = {failure, repair};
  apply_alerts({rule("q", "queue_length", true, 2)}, rs);
  std::vector<std::string> kinds;
  for (const auto& e : rs.events)
    kinds.push_back(e.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"failure", "alert_raise", "repair", "alert_clear"}));
  EXPECT_DOUBLE_EQ(rs.summary.back().second, 20); // alert.q.seconds: 10 .. 30
}

TEST(Alerts, UnknownMetricNamesTheRuleTheLineAndTheValidNames) {
  ResultSet rs;
  rs.timeseries.push_back(series("queue_length", {0}));
  rs.summary = {{"mean_jct_s", 1}};
  auto r = rule("typo", "mean_jtc_s", true, 1, 0, false);
  r.line = 12;
  try {
    (void)evaluate_alerts({r}, rs, 0, "s.yaml");
    FAIL() << "no error";
  } catch (const AlertError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("s.yaml:12"), std::string::npos) << what;
    EXPECT_NE(what.find("'typo'"), std::string::npos) << what;
    EXPECT_NE(what.find("mean_jtc_s"), std::string::npos) << what;
    EXPECT_NE(what.find("queue_length"), std::string::npos) << what;
    EXPECT_NE(what.find("mean_jct_s"), std::string::npos) << what;
  }
}

TEST(Alerts, NoRulesLeaveTheResultsAlone) {
  ResultSet rs;
  rs.summary = {{"x", 1}};
  apply_alerts({}, rs);
  EXPECT_EQ(rs.summary.size(), 1u);
  EXPECT_TRUE(rs.events.empty());
}

// The series a rule may name come from the metric table (sim/results/metrics.cpp), by run kind.
TEST(Alerts, SeriesByRunKindComeFromTheMetricTable) {
  using Names = std::vector<std::string>;
  EXPECT_EQ(alert_series_names("training", false), (Names{"gpus_allocated", "queue_length", "power_w"}));
  EXPECT_EQ(alert_series_names("training", true), (Names{"gpus_allocated", "queue_length", "power_w"}));
  EXPECT_EQ(alert_series_names("collective", false), (Names{"gpus_allocated", "queue_length", "power_w"}));
  EXPECT_EQ(alert_series_names("inference", false),
            (Names{"gpus_allocated", "queue_length", "power_w", "requests_in_system"}));
  EXPECT_EQ(alert_series_names("inference", true),
            (Names{"gpus_allocated", "queue_length", "power_w", "requests_in_system", "inference_replicas"}));
  EXPECT_EQ(all_alert_series_names(),
            (Names{"gpus_allocated", "queue_length", "power_w", "requests_in_system", "inference_replicas"}));
}
