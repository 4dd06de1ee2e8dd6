// Load balancers and the autoscaler in whole inference runs (real SimGrid Engine, explicit service times):
// power-of-d against Mitzenmacher's supermarket-model limit, random against M/M/1, jsq below both, and the
// autoscaler's reaction to a step in load. One test per process (SimGrid allows one Engine); the ordering
// jsq <= power_of_d(2) < random follows from each run's bound against the same constants.

#include "sim/engine/engine.hpp"
#include "sim/config/scenario.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace racksim;

namespace {

// 100 single-GPU replicas, each a single server (max_batch 1) with exponential service times of mean 1 s, Poisson
// arrivals at lambda = 0.9 per replica (90/s in all).
const char* supermarket_yaml = R"(
name: supermarket
seed: 11
platform:
  gpu: H100-SXM5-80GB
  gpus_per_node: 4
  nodes_per_rack: 5
  racks: 5
workload:
  kind: inference
  inference:
    model: tiny
    replicas: 100
    gpus_per_replica: 1
    rate: 90
    max_batch: 1
    service_time:
      distribution: exponential
      mean: 1s
)";

constexpr double lambda = 0.9;

// The supermarket model's limiting mean sojourn time for n -> infinity (Mitzenmacher 2001):
// T_d(lambda) = sum_{i >= 1} lambda^((d^i - d) / (d - 1)); d = 2, lambda = 0.9: 2.614057.
double supermarket_limit(int d) {
  double t = 0;
  for (int i = 1; i < 60; ++i)
    t += std::pow(lambda, (std::pow(d, i) - d) / (d - 1));
  return t;
}

// Mean sojourn (finish - arrival) of the completed requests that arrived after `warmup_s` (the run starts empty,
// so the first requests see shorter queues than the steady state).
double mean_sojourn(const sim::ResultSet& rs, double warmup_s) {
  double sum = 0;
  long n = 0;
  for (const auto& q : rs.requests)
    if (q.status == "completed" && q.arrival_s >= warmup_s) {
      sum += q.finish_s - q.arrival_s;
      ++n;
    }
  return n ? sum / static_cast<double>(n) : 0;
}

double run_supermarket(const std::string& balancer, long requests, int d = 2) {
  const auto scenario = sim::load_scenario_text(
      supermarket_yaml, "supermarket.yaml",
      {"policies.load_balancer=" + balancer, "policies.power_of_d.d=" + std::to_string(d),
       "workload.inference.requests=" + std::to_string(requests)});
  const auto report = sim::run_simulation(scenario);
  const double t = mean_sojourn(report.results, 100);
  std::printf("%s (d=%d): mean sojourn %.4f s over %ld requests\n", balancer.c_str(), d, t, requests);
  return t;
}

std::map<std::string, double> summary_of(const sim::ResultSet& rs) {
  return {rs.summary.begin(), rs.summary.end()};
}

} // namespace

TEST(EngineLoadBalancing, SupermarketLimitIsExact) {
  EXPECT_NEAR(supermarket_limit(2), 2.614057, 1e-6);
  EXPECT_NEAR(supermarket_limit(3), 2.027856, 1e-6);
}

// power_of_d, d = 2: the measured mean sojourn lies just above the n -> infinity limit T_2(0.9) = 2.614 s.
// Finite n = 100 makes it slightly larger (fewer replicas to choose from); see the tolerance note in the
// docs/inference.md "Load balancers" section for the measured offset.
TEST(EngineLoadBalancing, PowerOfTwoApproachesTheSupermarketLimit) {
  const double t = run_supermarket("power_of_d", 200000);
  const double limit = supermarket_limit(2);
  EXPECT_GT(t, limit * 0.98);
  EXPECT_LT(t, limit * 1.06);
  EXPECT_LT(t, 0.5 / (1 - lambda)); // far below random's M/M/1 (10 s)
}

// random = power_of_d with d = 1: each replica is an independent M/M/1, T = 1 / (1 - lambda) = 10 s.
TEST(EngineLoadBalancing, RandomIsMM1) {
  const double t = run_supermarket("random", 200000);
  EXPECT_NEAR(t, 1 / (1 - lambda), 0.08 / (1 - lambda));
  EXPECT_GT(t, supermarket_limit(2) * 1.06); // random > power_of_d(2)'s upper bound above
}

// jsq sees every queue: below power_of_d(2)'s lower bound, and at least the service time.
TEST(EngineLoadBalancing, JsqBeatsPowerOfTwo) {
  const double t = run_supermarket("jsq", 100000);
  EXPECT_LT(t, supermarket_limit(2) * 0.98);
  EXPECT_GT(t, 0.95);
}

// A step in load: arrivals every 2 s until 100 s, every 0.1 s until 300 s, then every 2 s until 600 s; each request
// takes exactly 1 s on a single-server replica. queue_length (scale out above 2 waiting per active replica,
// in below 0.5) checks every 5 s and a new replica takes requests 20 s after the decision.
TEST(EngineLoadBalancing, AutoscalerFollowsAStepInLoad) {
  const auto trace = std::filesystem::temp_directory_path() / "racksim-autoscaler-step.txt";
  {
    std::ofstream out(trace);
    for (int i = 0; i < 50; ++i)
      out << i * 2.0 << "\n";
    for (int i = 0; i < 2000; ++i)
      out << 100 + i * 0.1 << "\n";
    for (int i = 0; i < 150; ++i)
      out << 300 + i * 2.0 << "\n";
  }
  const char* yaml = R"(
name: autoscaler-step
seed: 3
platform:
  gpu: H100-SXM5-80GB
  gpus_per_node: 4
  nodes_per_rack: 4
  racks: 1
workload:
  kind: inference
  inference:
    model: tiny
    replicas: 1
    gpus_per_replica: 1
    arrival: trace
    requests: 2200
    max_batch: 1
    service_time:
      distribution: deterministic
      mean: 1s
policies:
  load_balancer: jsq
  autoscaler:
    policy: queue_length
    min_replicas: 1
    max_replicas: 16
    interval: 5s
    provisioning_delay: 20s
    scale_out_queue: 2
    scale_in_queue: 0.5
output:
  timeseries_interval: 1s
)";
  const auto scenario =
      sim::load_scenario_text(yaml, "autoscaler-step.yaml", {"workload.inference.arrival_trace=" + trace.string()});
  const auto report = sim::run_simulation(scenario);
  const auto& rs = report.results;
  const sim::TimeSeries* series = nullptr;
  for (const auto& ts : rs.timeseries)
    if (ts.name == "inference_replicas") series = &ts;
  ASSERT_NE(series, nullptr);
  // The first scale-out decision is at 105 s (at 100 s the queue has just started); its replica is active at 125 s.
  double first_up = -1, peak = 0;
  for (std::size_t i = 0; i < series->time_s.size(); ++i) {
    if (first_up < 0 && series->value[i] > 1) first_up = series->time_s[i];
    peak = std::max(peak, series->value[i]);
  }
  EXPECT_DOUBLE_EQ(first_up, 125);
  for (std::size_t i = 0; i < series->time_s.size(); ++i)
    if (series->time_s[i] < 125) {
      EXPECT_EQ(series->value[i], 1) << series->time_s[i];
    }
  EXPECT_GE(peak, 10); // 10 requests/s of 1 s each need at least 10 servers
  EXPECT_LE(peak, 16);
  // After the load drops (300 s) and the backlog drains, the service shrinks back to one replica.
  EXPECT_EQ(series->value.back(), 1);
  const auto s = summary_of(rs);
  EXPECT_GT(s.at("inference_scale_events"), 2 * (peak - 1) - 1); // up to the peak and back down
  EXPECT_GT(s.at("inference_replicas_mean"), 1);
  EXPECT_LT(s.at("inference_replicas_mean"), peak);
  EXPECT_EQ(s.at("inference_completed"), 2200);
  std::printf("peak %g replicas, mean %.3f, %g scale events, end %.1f s\n", peak, s.at("inference_replicas_mean"),
              s.at("inference_scale_events"), series->time_s.back());
}
