// Inference replicas under the platform's failures (docs/inference.md, "Failures"): a replica with a failed GPU
// leaves the balancer, its requests are re-routed up to workload.inference.max_retries times (then fail), and it
// rejoins at the repair. Deterministic: failure traces and arrival traces, explicit service times where the times
// are asserted. One test per process (gtest_discover_tests).

#include "sim/engine/engine.hpp"
#include "sim/config/scenario.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace racksim;

namespace {

// Two 1-GPU replicas, one per node (node:1 holds replica 1).
const char* base_yaml = R"(
name: inference-failures-test
seed: 7
platform:
  gpu: H100-SXM5-80GB
  gpus_per_node: 1
  nodes_per_rack: 2
  racks: 1
workload:
  kind: inference
  inference:
    model: tiny
    replicas: 2
    gpus_per_replica: 1
policies:
  load_balancer: round_robin
)";

sim::RunReport run(const std::vector<std::string>& overrides) {
  const auto scenario = sim::load_scenario_text(base_yaml, "inference-failures-test.yaml", overrides);
  return sim::run_simulation(scenario);
}

std::map<std::string, double> summary_of(const sim::ResultSet& rs) {
  return {rs.summary.begin(), rs.summary.end()};
}

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("racksim-inference-failures-" + name);
  std::ofstream(path) << text;
  return path.string();
}

const std::string node1_trace = std::string(RACKSIM_SOURCE_DIR) + "/tests/engine/data/inference_failure.csv";

// Arrivals at 0, 0.1, 0.2, 0.3 (round robin: 0 and 2 on replica 0, 1 and 3 on replica 1), 1.0, 3.0, 3.0; each served
// in 1 s by one of 4 servers per replica. node:1 fails at 0.5 for 2 s.
std::vector<std::string> explicit_case(const std::string& failure_trace) {
  const std::string arrivals = write_temp("arrivals.csv", "0\n0.1\n0.2\n0.3\n1.0\n3.0\n3.0\n");
  return {"workload.inference.arrival=trace", "workload.inference.arrival_trace=" + arrivals,
          "workload.inference.max_batch=4", "workload.inference.service_time.distribution=deterministic",
          "workload.inference.service_time.mean=1s", "failures.trace=" + failure_trace};
}

} // namespace

// The requests running on replica 1 when it fails (1 and 3) restart on replica 0 at the failure time, keeping
// their arrival times; none is lost; replica 1 is down over [0.5, 2.5] and takes requests again afterwards.
TEST(EngineInferenceFailures, FailedReplicaRequestsRetryOnTheOther) {
  const auto report = run(explicit_case(node1_trace));
  const auto& rs = report.results;
  const auto s = summary_of(rs);
  EXPECT_EQ(s.at("inference_completed"), 7);
  EXPECT_EQ(s.at("inference_retries"), 2);
  EXPECT_EQ(s.at("inference_requests_failed"), 0);
  EXPECT_EQ(s.at("inference_unfinished"), 0);
  EXPECT_EQ(s.at("failures"), 1);
  ASSERT_EQ(rs.requests.size(), 7u);
  for (int id : {1, 3}) {
    const auto& q = rs.requests[static_cast<std::size_t>(id)];
    EXPECT_EQ(q.status, "completed");
    EXPECT_EQ(q.replica, 0) << id;
    EXPECT_DOUBLE_EQ(q.arrival_s, 0.1 * id);
    EXPECT_DOUBLE_EQ(q.start_s, 0.5);
    EXPECT_DOUBLE_EQ(q.finish_s, 1.5);
  }
  EXPECT_DOUBLE_EQ(rs.requests[0].finish_s, 1.0);
  EXPECT_DOUBLE_EQ(rs.requests[2].finish_s, 1.2);
  EXPECT_EQ(rs.requests[4].replica, 0); // replica 1 is down at 1.0
  EXPECT_DOUBLE_EQ(rs.requests[4].finish_s, 2.0);
  // At 3.0 both replicas are up again: round robin spreads the two arrivals over them.
  EXPECT_NE(rs.requests[5].replica, rs.requests[6].replica);
  EXPECT_DOUBLE_EQ(rs.requests[5].finish_s, 4.0);
  EXPECT_DOUBLE_EQ(rs.requests[6].finish_s, 4.0);

  std::vector<std::string> kinds;
  for (const auto& e : rs.events)
    kinds.push_back(e.kind);
  ASSERT_EQ(kinds, (std::vector<std::string>{"failure", "replica_down", "repair", "replica_up"}))
      << "events in time order, each cause before its effect";
  EXPECT_DOUBLE_EQ(rs.events[0].time_s, 0.5);
  EXPECT_EQ(rs.events[0].component, "node:1");
  EXPECT_DOUBLE_EQ(rs.events[0].value, 2);
  EXPECT_DOUBLE_EQ(rs.events[1].time_s, 0.5);
  EXPECT_EQ(rs.events[1].job, 1);
  EXPECT_DOUBLE_EQ(rs.events[2].time_s, 2.5);
  EXPECT_DOUBLE_EQ(rs.events[3].time_s, 2.5);
  EXPECT_EQ(rs.events[3].job, 1);
}

// max_retries 0: the requests in flight on the failed replica fail at the failure time; the others complete.
TEST(EngineInferenceFailures, NoRetriesFailsInFlightRequests) {
  auto overrides = explicit_case(node1_trace);
  overrides.push_back("workload.inference.max_retries=0");
  const auto report = run(overrides);
  const auto& rs = report.results;
  const auto s = summary_of(rs);
  EXPECT_EQ(s.at("inference_retries"), 0);
  EXPECT_EQ(s.at("inference_requests_failed"), 2);
  EXPECT_EQ(s.at("inference_completed"), 5);
  EXPECT_EQ(s.at("inference_unfinished"), 0);
  for (int id : {1, 3}) {
    EXPECT_EQ(rs.requests[static_cast<std::size_t>(id)].status, "failed");
    EXPECT_DOUBLE_EQ(rs.requests[static_cast<std::size_t>(id)].finish_s, 0.5);
  }
}

// Every replica down (rack power takes both nodes over [0.5, 2.5]): the requests in flight and the arrival at 1.0
// wait for a replica and start at the repair.
TEST(EngineInferenceFailures, RequestsWaitWhileNoReplicaIsUp) {
  const auto report = run(explicit_case(write_temp("rack.csv", "time,component,duration\n0.5,rack_power:0,2\n")));
  const auto& rs = report.results;
  const auto s = summary_of(rs);
  EXPECT_EQ(s.at("inference_completed"), 7);
  EXPECT_EQ(s.at("inference_retries"), 4);
  for (int id : {0, 1, 2, 3, 4}) {
    EXPECT_DOUBLE_EQ(rs.requests[static_cast<std::size_t>(id)].start_s, 2.5) << id;
    EXPECT_DOUBLE_EQ(rs.requests[static_cast<std::size_t>(id)].finish_s, 3.5) << id;
  }
  int down = 0, up = 0;
  for (const auto& e : rs.events) {
    down += e.kind == "replica_down";
    up += e.kind == "replica_up";
  }
  EXPECT_EQ(down, 2);
  EXPECT_EQ(up, 2);
}

// Continuous batching on the kernel model: a replica failing mid-stream has its iteration discarded and its
// requests re-run elsewhere; every request completes.
TEST(EngineInferenceFailures, KernelModelReplicaFailureLosesNoRequest) {
  const std::string failures = write_temp("mid.csv", "time,component,duration\n0.5,gpu:1,0.3\n");
  const auto report = run({"workload.inference.rate=200", "workload.inference.requests=200",
                           "workload.inference.output_tokens.median=200", "failures.trace=" + failures});
  const auto& rs = report.results;
  const auto s = summary_of(rs);
  EXPECT_EQ(s.at("inference_completed"), 200);
  EXPECT_EQ(s.at("inference_requests_failed"), 0);
  EXPECT_GT(s.at("inference_retries"), 0);
  for (const auto& q : rs.requests) {
    EXPECT_LE(q.arrival_s, q.start_s) << q.id;
    if (q.arrival_s > 0.5 && q.arrival_s < 0.8) {
      EXPECT_EQ(q.replica, 0) << q.id;
    }
  }
}

// Without failures nothing about failures is recorded.
TEST(EngineInferenceFailures, NoFailuresNoFailureOutputs) {
  const auto report = run({"workload.inference.requests=20", "workload.inference.rate=100"});
  const auto s = summary_of(report.results);
  EXPECT_EQ(s.count("inference_retries"), 0u);
  EXPECT_TRUE(report.results.events.empty());
}
