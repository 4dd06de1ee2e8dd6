// Summary metrics, percentiles and step series against values worked out by hand (and, for percentiles,
// against numpy 1.24: the literals below are repr(np.percentile(...)) outputs).

#include "sample_results.hpp"
#include "sim/results/results.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using racksim::sim::compute_summary;
using racksim::sim::JobRecord;
using racksim::sim::percentile;
using racksim::sim::StepSeries;

const std::vector<std::string> summary_names = {
    "jobs_total",          "jobs_completed", "jobs_unfinished", "makespan_s",        "mean_jct_s",   "p50_jct_s",
    "p90_jct_s",           "p99_jct_s",      "mean_queue_s",    "p50_queue_s",       "p99_queue_s",  "gpu_utilization",
    "gpu_hours_allocated", "mean_compute_s", "mean_comm_s",     "mean_checkpoint_s", "comm_fraction"};

std::map<std::string, double> as_map(const std::vector<std::pair<std::string, double>>& summary) {
  return {summary.begin(), summary.end()};
}

std::vector<std::string> names_of(const std::vector<std::pair<std::string, double>>& summary) {
  std::vector<std::string> names;
  for (const auto& entry : summary)
    names.push_back(entry.first);
  return names;
}

TEST(ResultsMetrics, PercentileMatchesNumpyLinear) {
  const std::vector<double> v = {3.7, 1.2, 9.9, 4.4, 0.5, 7.1, 2.2};
  // Exact equality on purpose: the implementation follows numpy's arithmetic step by step.
  EXPECT_EQ(percentile(v, 0), 0.5);
  EXPECT_EQ(percentile(v, 10), 0.92);
  EXPECT_EQ(percentile(v, 25), 1.7000000000000002);
  EXPECT_EQ(percentile(v, 33.3), 2.198);
  EXPECT_EQ(percentile(v, 50), 3.7);
  EXPECT_EQ(percentile(v, 75), 5.75);
  EXPECT_EQ(percentile(v, 90), 8.22);
  EXPECT_EQ(percentile(v, 95), 9.059999999999999);
  EXPECT_EQ(percentile(v, 99), 9.732);
  EXPECT_EQ(percentile(v, 100), 9.9);
  EXPECT_EQ(percentile({42.0}, 37), 42.0);
  EXPECT_EQ(percentile({1.0, 2.0}, 50), 1.5);
  EXPECT_EQ(percentile({0.1, 0.7}, 30), 0.28);
  EXPECT_EQ(percentile({0.1, 0.7}, 70), 0.5199999999999999);
  EXPECT_EQ(percentile({110, 50, 230}, 90), 206.0);
  EXPECT_EQ(percentile({110, 50, 230}, 99), 227.6);
  EXPECT_EQ(percentile({10, 0, 30, 70}, 99), 68.79999999999998);
}

TEST(ResultsMetrics, PercentileEdgeCases) {
  EXPECT_TRUE(std::isnan(percentile({}, 50)));
  EXPECT_TRUE(std::isnan(percentile({1.0, NAN, 3.0}, 50)));
  EXPECT_THROW(percentile({1.0}, -1), std::invalid_argument);
  EXPECT_THROW(percentile({1.0}, 100.5), std::invalid_argument);
  EXPECT_THROW(percentile({1.0}, NAN), std::invalid_argument);
}

TEST(ResultsMetrics, SummaryOfHandMadeJobs) {
  using namespace racksim::sim::testing;
  const auto summary = compute_summary(sample_jobs(), sample_allocated_gpu_s, sample_total_gpus, sample_end_s);
  EXPECT_EQ(names_of(summary), summary_names);
  const auto s = as_map(summary);
  EXPECT_EQ(s.at("jobs_total"), 5);
  EXPECT_EQ(s.at("jobs_completed"), 3);
  EXPECT_EQ(s.at("jobs_unfinished"), 2);
  EXPECT_EQ(s.at("makespan_s"), 250); // last completed end 250 - first submit 0
  // JCTs of the completed jobs: 110 - 0, 55 - 5, 250 - 20 = {110, 50, 230}.
  EXPECT_DOUBLE_EQ(s.at("mean_jct_s"), 130);
  EXPECT_DOUBLE_EQ(s.at("p50_jct_s"), 110);
  EXPECT_DOUBLE_EQ(s.at("p90_jct_s"), 206);   // 110 + 0.8 * 120
  EXPECT_DOUBLE_EQ(s.at("p99_jct_s"), 227.6); // 110 + 0.98 * 120
  // Queueing delays of the jobs that started (1-4): {10, 0, 30, 70}; job 5 never started.
  EXPECT_DOUBLE_EQ(s.at("mean_queue_s"), 27.5);
  EXPECT_DOUBLE_EQ(s.at("p50_queue_s"), 20);   // halfway between 10 and 30
  EXPECT_DOUBLE_EQ(s.at("p99_queue_s"), 68.8); // 30 + 0.97 * 40
  EXPECT_DOUBLE_EQ(s.at("gpu_utilization"), 5800.0 / (32 * 300));
  EXPECT_DOUBLE_EQ(s.at("gpu_hours_allocated"), 5800.0 / 3600);
  EXPECT_DOUBLE_EQ(s.at("mean_compute_s"), (60.0 + 40 + 120) / 3);
  EXPECT_DOUBLE_EQ(s.at("mean_comm_s"), (30.0 + 10 + 60) / 3);
  EXPECT_DOUBLE_EQ(s.at("mean_checkpoint_s"), 10);
  EXPECT_DOUBLE_EQ(s.at("comm_fraction"), 100.0 / 350); // running job 4 excluded
}

TEST(ResultsMetrics, SummaryOfNoJobsIsAllZero) {
  const auto summary = compute_summary({}, 0, 0, 0);
  EXPECT_EQ(names_of(summary), summary_names);
  for (const auto& [name, value] : summary)
    EXPECT_EQ(value, 0) << name;
}

TEST(ResultsMetrics, SummaryWithoutCompletedJobs) {
  JobRecord waiting;
  waiting.submit_s = 3;
  waiting.queue_s = 97;
  JobRecord running;
  running.submit_s = 1;
  running.start_s = 11;
  running.status = "running";
  running.queue_s = 10;
  running.comm_s = 5;
  const auto s = as_map(compute_summary({waiting, running}, 800, 8, 100));
  EXPECT_EQ(s.at("jobs_total"), 2);
  EXPECT_EQ(s.at("jobs_completed"), 0);
  EXPECT_EQ(s.at("jobs_unfinished"), 2);
  EXPECT_EQ(s.at("makespan_s"), 0);
  EXPECT_EQ(s.at("mean_jct_s"), 0);
  EXPECT_EQ(s.at("p99_jct_s"), 0);
  EXPECT_EQ(s.at("mean_queue_s"), 10); // only the job that started
  EXPECT_EQ(s.at("gpu_utilization"), 1);
  EXPECT_EQ(s.at("comm_fraction"), 0);
}

StepSeries example_steps() {
  StepSeries s;
  s.set(0, 8);
  s.set(2.5, 16);
  s.set(5, 4);
  s.set(5, 12); // same time: the later event is the state that holds
  s.set(7, 0);
  return s;
}

TEST(ResultsMetrics, StepSeriesSampleHoldsLastValue) {
  const auto ts = example_steps().sample("gpus_allocated", "gpus", 1, 8);
  EXPECT_EQ(ts.name, "gpus_allocated");
  EXPECT_EQ(ts.unit, "gpus");
  EXPECT_EQ(ts.interval_s, 1);
  EXPECT_EQ(ts.time_s, (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(ts.value, (std::vector<double>{8, 8, 8, 16, 16, 12, 12, 0, 0}));
}

TEST(ResultsMetrics, StepSeriesSampleBeforeFirstEventIsZero) {
  StepSeries s;
  s.set(1.5, 3);
  const auto ts = s.sample("x", "u", 1, 2.5);
  EXPECT_EQ(ts.time_s, (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(ts.value, (std::vector<double>{0, 0, 3}));
  EXPECT_EQ(StepSeries{}.sample("x", "u", 2, 4).value, (std::vector<double>{0, 0, 0}));
}

TEST(ResultsMetrics, StepSeriesSampleIncludesEndDespiteRounding) {
  StepSeries s;
  s.set(0.95, 1);
  const auto ts = s.sample("x", "u", 0.1, 1.0); // 1.0 / 0.1 = 9.999999999999998
  ASSERT_EQ(ts.time_s.size(), 11u);
  EXPECT_DOUBLE_EQ(ts.time_s.back(), 1.0);
  EXPECT_EQ(ts.value[9], 0); // 0.9
  EXPECT_EQ(ts.value[10], 1);
}

TEST(ResultsMetrics, StepSeriesSampleRejectsBadArguments) {
  EXPECT_THROW(example_steps().sample("x", "u", 0, 10), std::invalid_argument);
  EXPECT_THROW(example_steps().sample("x", "u", -1, 10), std::invalid_argument);
  EXPECT_THROW(example_steps().sample("x", "u", 1, -1), std::invalid_argument);
}

TEST(ResultsMetrics, StepSeriesIntegral) {
  const StepSeries s = example_steps();
  EXPECT_DOUBLE_EQ(s.integral(8), 8 * 2.5 + 16 * 2.5 + 12 * 2); // 84; the 4 at t=5 lasts no time
  EXPECT_DOUBLE_EQ(s.integral(6), 8 * 2.5 + 16 * 2.5 + 12 * 1);
  EXPECT_DOUBLE_EQ(s.integral(1), 8);
  EXPECT_EQ(s.integral(0), 0);
  StepSeries late;
  late.set(1.5, 3);
  EXPECT_DOUBLE_EQ(late.integral(4), 3 * 2.5);
  EXPECT_EQ(StepSeries{}.integral(10), 0);
}

TEST(ResultsMetrics, StepSeriesToleratesOutOfOrderEvents) {
  StepSeries shuffled;
  shuffled.set(7, 0);
  shuffled.set(2.5, 16);
  shuffled.set(0, 8);
  shuffled.set(5, 4);
  shuffled.set(5, 12);
  EXPECT_EQ(shuffled.sample("x", "u", 1, 8).value, example_steps().sample("x", "u", 1, 8).value);
  EXPECT_DOUBLE_EQ(shuffled.integral(8), 84);
}

TEST(ResultsMetrics, SampleFileSeriesMatchesItsAllocation) {
  using namespace racksim::sim::testing;
  const auto r = sample_result_set();
  ASSERT_EQ(r.timeseries.size(), 2u);
  const auto& allocated = r.timeseries[0];
  ASSERT_EQ(allocated.time_s.size(), 31u); // 0, 10, ..., 300
  // Each 10 s sample holds until the next one; the events all fall on multiples of 5 s, so sampling at 10 s
  // loses the 5 s details but the exact step integral must equal the allocation used for utilisation.
  StepSeries steps;
  steps.set(5, 4);
  steps.set(10, 12);
  steps.set(50, 28);
  steps.set(55, 24);
  steps.set(100, 32);
  steps.set(110, 24);
  steps.set(250, 8);
  EXPECT_DOUBLE_EQ(steps.integral(sample_end_s), sample_allocated_gpu_s);
}

} // namespace
