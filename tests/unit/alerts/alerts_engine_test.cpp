// A real run with alerts: the alert events of a quickstart-sized training run match what the rules say about the
// recorded series, computed here independently from the samples.

#include "sim/engine/engine.hpp"
#include "sim/config/scenario.hpp"

#include <gtest/gtest.h>

using namespace racksim::sim;

TEST(AlertsEngine, QueueAlertsFollowTheRecordedSeries) {
  // 32 H100s, 40 jobs arriving faster than they finish: the queue builds up.
  const auto scenario = load_scenario_text(R"(
name: alerts-engine
seed: 3
platform: {gpu: H100-SXM5-80GB, gpus_per_node: 8, nodes_per_rack: 2, racks: 2}
workload:
  kind: synthetic
  synthetic:
    jobs: 40
    mean_interarrival: 2min
    gpus: [1, 4, 8, 16]
    duration: {distribution: lognormal, median: 30min, sigma: 0.5, min: 5min, max: 2h}
output: {timeseries_interval: 1min}
alerts:
  - {name: queued, metric: queue_length, above: 2}
  - {name: queued_10min, metric: queue_length, above: 2, for: 10min}
  - {name: busy, metric: gpu_utilization, above: 0.1}
  - {name: powered, metric: power_w, above: 0}
)",
                                           "engine.yaml");
  const auto rs = run_simulation(scenario).results;
  const TimeSeries* queue = nullptr;
  for (const auto& ts : rs.timeseries)
    if (ts.name == "queue_length") queue = &ts;
  ASSERT_NE(queue, nullptr);

  // Independently: every maximal run of samples with value > 2; with for 10 min, those lasting >= 600 s raise at
  // start + 600 (the samples are 60 s apart, so start + 600 is a sample time).
  std::vector<std::pair<double, double>> runs; // (first sample time, first sample time after the run or -1)
  for (std::size_t i = 0; i < queue->value.size(); ++i) {
    const bool over = queue->value[i] > 2;
    if (over && (runs.empty() || runs.back().second >= 0)) runs.emplace_back(queue->time_s[i], -1);
    if (!over && !runs.empty() && runs.back().second < 0) runs.back().second = queue->time_s[i];
  }
  ASSERT_GE(runs.size(), 1u) << "the scenario must queue more than 2 jobs at some point";
  std::vector<double> raise, clear, raise_for;
  for (const auto& [start, end] : runs) {
    raise.push_back(start);
    if (end >= 0) clear.push_back(end);
    const double last = end >= 0 ? end - 60 : queue->time_s.back();
    if (last - start >= 600) raise_for.push_back(start + 600);
  }
  std::vector<double> got_raise, got_clear, got_raise_for;
  double last_time = -1;
  for (const auto& e : rs.events) {
    EXPECT_GE(e.time_s, last_time) << "events in time order";
    last_time = e.time_s;
    if (e.component == "queued" && e.kind == "alert_raise") got_raise.push_back(e.time_s);
    if (e.component == "queued" && e.kind == "alert_clear") got_clear.push_back(e.time_s);
    if (e.component == "queued_10min" && e.kind == "alert_raise") got_raise_for.push_back(e.time_s);
    if (e.component == "queued") {
      EXPECT_EQ(e.cause, "above:2");
    }
    if (e.component == "powered") { // the facility always draws power: raised at the first sample, never cleared
      EXPECT_EQ(e.kind, "alert_raise");
      EXPECT_EQ(e.time_s, 0);
      EXPECT_GT(e.value, 0);
    }
  }
  EXPECT_EQ(got_raise, raise);
  EXPECT_EQ(got_clear, clear);
  EXPECT_EQ(got_raise_for, raise_for);

  const auto value = [&](const std::string& name) {
    for (const auto& [k, v] : rs.summary)
      if (k == name) return v;
    ADD_FAILURE() << "no summary " << name;
    return -1.0;
  };
  double util = value("gpu_utilization");
  EXPECT_EQ(value("alert.queued.raised"), static_cast<double>(raise.size()));
  EXPECT_EQ(value("alert.queued_10min.raised"), static_cast<double>(raise_for.size()));
  EXPECT_EQ(value("alert.busy.raised"), util > 0.1 ? 1.0 : 0.0);
  EXPECT_EQ(value("alert.powered.raised"), 1.0);
  EXPECT_EQ(value("alert.powered.seconds"), queue->time_s.back()); // power_w is sampled like queue_length
  EXPECT_EQ(value("alerts_raised"), static_cast<double>(raise.size() + raise_for.size()) + (util > 0.1 ? 1 : 0) + 1);
}
