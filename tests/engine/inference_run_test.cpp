// Whole inference runs in a real SimGrid Engine: closed-form queueing results with explicit service times
// (M/M/1, M/D/1, M/M/c), Little's law, the kernel model's iteration times, the KV-cache limit on the batch,
// rejection and dropping. One test per process (gtest_discover_tests). The errors printed here are the ones
// docs/validation.md ("Inference") reports.

#include "platforms/catalog.hpp"
#include "sim/engine/engine.hpp"
#include "sim/analytic/kernel_timing.hpp"
#include "sim/config/scenario.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/inference/inference_model.hpp"
#include "workloads/training/step_model.hpp"

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

const char* base_yaml = R"(
name: inference-test
seed: 7
platform:
  gpu: H100-SXM5-80GB
  gpus_per_node: 4
  nodes_per_rack: 1
  racks: 1
workload:
  kind: inference
  inference:
    model: tiny
    replicas: 1
    gpus_per_replica: 1
)";

sim::RunReport run(const std::vector<std::string>& overrides) {
  const auto scenario = sim::load_scenario_text(base_yaml, "inference-test.yaml", overrides);
  return sim::run_simulation(scenario);
}

std::map<std::string, double> summary_of(const sim::ResultSet& rs) {
  return {rs.summary.begin(), rs.summary.end()};
}

struct Means {
  double sojourn = 0, wait = 0;
  std::size_t completed = 0;
};
Means means(const sim::ResultSet& rs) {
  Means m;
  for (const auto& q : rs.requests) {
    if (q.status != "completed") continue;
    m.sojourn += q.finish_s - q.arrival_s;
    m.wait += q.start_s - q.arrival_s;
    ++m.completed;
  }
  m.sojourn /= static_cast<double>(m.completed);
  m.wait /= static_cast<double>(m.completed);
  return m;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("racksim-inference-engine-" + name);
  std::ofstream(path) << text;
  return path.string();
}

std::string num(double v) {
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

// Queueing runs: explicit service times of mean 1 s, Poisson arrivals, no token effects.
std::vector<std::string> queue_overrides(double rate, const char* distribution, int servers, long requests) {
  return {"workload.inference.rate=" + num(rate), "workload.inference.requests=" + std::to_string(requests),
          "workload.inference.max_batch=" + std::to_string(servers),
          std::string("workload.inference.service_time.distribution=") + distribution,
          "workload.inference.service_time.mean=1s"};
}

// Relative tolerance of the closed-form checks: 2%. With 10^6 requests the standard error of the mean wait is
// about 0.5% at these loads (over seeds 1-5 with 2 x 10^5 requests the errors reached 2.0-2.8%, a standard error
// near 1%, shrinking as 1/sqrt(n)),
// so 2% is about 4 standard errors; the run is deterministic for its seed.
constexpr double tolerance = 0.02;

} // namespace

// M/M/1, rho = 0.5: W = 1 / (mu - lambda) = 2 s, Wq = rho / (mu - lambda) = 1 s, L = rho / (1 - rho) = 1.
TEST(EngineInference, MM1MatchesClosedForm) {
  const auto report = run(queue_overrides(0.5, "exponential", 1, 1000000));
  const auto m = means(report.results);
  ASSERT_EQ(m.completed, 1000000u);
  std::printf("M/M/1 rho=0.5: W %.5f (2, err %+.3f%%), Wq %.5f (1, err %+.3f%%)\n", m.sojourn,
              (m.sojourn / 2 - 1) * 100, m.wait, (m.wait - 1) * 100);
  EXPECT_NEAR(m.sojourn, 2.0, tolerance * 2.0);
  EXPECT_NEAR(m.wait, 1.0, tolerance * 1.0);
  EXPECT_NEAR(summary_of(report.results).at("inference_mean_in_system"), 1.0, tolerance);
}

// M/D/1, rho = 0.7: Pollaczek-Khinchine Wq = rho / (2 mu (1 - rho)) = 7/6 s, W = Wq + 1.
TEST(EngineInference, MD1MatchesPollaczekKhinchine) {
  const auto report = run(queue_overrides(0.7, "deterministic", 1, 1000000));
  const auto m = means(report.results);
  const double wq = 0.7 / (2 * 0.3);
  std::printf("M/D/1 rho=0.7: W %.5f (%.5f, err %+.3f%%), Wq %.5f (%.5f, err %+.3f%%)\n", m.sojourn, wq + 1,
              (m.sojourn / (wq + 1) - 1) * 100, m.wait, wq, (m.wait / wq - 1) * 100);
  EXPECT_NEAR(m.wait, wq, tolerance * wq);
  EXPECT_NEAR(m.sojourn, wq + 1, tolerance * (wq + 1));
  // Every service takes exactly 1 s, and the first token comes with the last.
  for (std::size_t i = 0; i < 1000; ++i) {
    const auto& q = report.results.requests[i];
    ASSERT_NEAR(q.finish_s - q.start_s, 1.0, 1e-9);
    ASSERT_EQ(q.first_token_s, q.finish_s);
  }
}

// M/M/c with c = max_batch = 4 servers, lambda = 3, mu = 1 (rho = 0.75): Erlang C.
TEST(EngineInference, MMcMatchesErlangC) {
  const int c = 4;
  const double lambda = 3, a = lambda, rho = a / c;
  double sum = 0, term = 1;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term / (1 - rho); // a^c / c! / (1 - rho)
  const double erlang_c = top / (sum + top);
  const double wq = erlang_c / (c - lambda);
  const auto report = run(queue_overrides(lambda, "exponential", c, 500000));
  const auto m = means(report.results);
  std::printf("M/M/4 rho=0.75: Wq %.5f (Erlang C %.5f, err %+.3f%%), W %.5f (%.5f, err %+.3f%%)\n", m.wait, wq,
              (m.wait / wq - 1) * 100, m.sojourn, wq + 1, (m.sojourn / (wq + 1) - 1) * 100);
  EXPECT_NEAR(m.wait, wq, 2 * tolerance * wq); // Wq ~ 0.51 s is a small mean of a skewed variable: 4%
  EXPECT_NEAR(m.sojourn, wq + 1, tolerance * (wq + 1));
}

// Little's law L = lambda W on a kernel-model run with two replicas: the time-average number in the system, from the
// engine's own arrival/finish bookkeeping, equals completion rate x mean end-to-end latency.
TEST(EngineInference, LittlesLawHoldsOnTheKernelModel) {
  const auto report =
      run({"workload.inference.replicas=2", "workload.inference.rate=40", "workload.inference.requests=3000",
           "policies.load_balancer=least_outstanding", "workload.inference.prompt_tokens.median=200",
           "workload.inference.output_tokens.median=50"});
  const auto s = summary_of(report.results);
  ASSERT_EQ(s.at("inference_completed"), 3000);
  const double l = s.at("inference_mean_in_system");
  const double lambda_w = s.at("inference_throughput_rps") * s.at("inference_mean_e2e_s");
  std::printf("Little: L %.9g, lambda W %.9g\n", l, lambda_w);
  EXPECT_NEAR(l, lambda_w, 1e-9 * l);
  std::vector<int> per_replica(2, 0);
  for (const auto& q : report.results.requests) {
    ASSERT_LE(q.arrival_s, q.start_s);
    ASSERT_LT(q.start_s, q.first_token_s);
    ASSERT_LE(q.first_token_s, q.finish_s);
    ASSERT_EQ(q.finish_s > q.first_token_s, q.output_tokens > 1);
    ++per_replica[static_cast<std::size_t>(q.replica)];
  }
  // Light load: replica 0 wins the ties of least_outstanding, but both serve.
  EXPECT_GT(per_replica[0], 1000);
  EXPECT_GT(per_replica[1], 500);
  ASSERT_EQ(report.results.jobs.size(), 2u);
  EXPECT_EQ(report.results.jobs[0].kind, "inference");
}

// One request alone: TTFT is the prefill iteration's time, and each further token one decode step over a context
// one longer, exactly as the kernel model (roofline on the catalog's H100) gives them; the exec on the GPU host
// takes that time.
TEST(EngineInference, IterationsTakeTheKernelModelTime) {
  const std::string trace = write_temp("one.csv", "0.5,100,5\n");
  const auto report = run({"workload.inference.arrival=trace", "workload.inference.arrival_trace=" + trace});
  ASSERT_EQ(report.results.requests.size(), 1u);
  const auto& q = report.results.requests[0];
  const auto& gpu = platforms::find_gpu("H100-SXM5-80GB");
  const workloads::GpuPeaks peaks = sim::gpu_peaks(gpu.name);
  const workloads::RooflineTimer timer(peaks);
  const workloads::IterationModel model(workloads::find_model("tiny"), 1, timer, 0, 0);
  const double prefill = model.time_s({100}, {});
  double decode = 0;
  for (std::int64_t g = 1; g < 5; ++g)
    decode += model.time_s({}, {100 + g});
  EXPECT_EQ(q.start_s, 0.5);
  EXPECT_NEAR(q.first_token_s - q.arrival_s, prefill, 1e-12);
  EXPECT_NEAR(q.finish_s - q.first_token_s, decode, 1e-12);
  EXPECT_EQ(q.status, "completed");
  EXPECT_NE(report.results.meta.calibration.find("roofline:H100"), std::string::npos);
}

// KV capacity for exactly 3 sequences of 100 + 50 tokens (hbm_utilization chosen so): of 10 simultaneous requests
// 3 start at once and the next 3 when those finish; a request of 100 + 1000 tokens can never fit and is rejected.
TEST(EngineInference, KvCapacityLimitsTheBatchAndRejectsWhatNeverFits) {
  const double hbm = platforms::find_gpu("H100-SXM5-80GB").hbm_bytes;
  const double weights = workloads::weight_bytes(workloads::find_model("tiny"));
  const double utilization = (weights + 599.5 * 2048) / hbm; // capacity floor(599.5) = 599 tokens = 3 x 150 + 149
  std::string rows;
  for (int i = 0; i < 10; ++i)
    rows += "0,100,50\n";
  rows += "0,100,1000\n";
  const std::string trace = write_temp("kv.csv", rows);
  const auto report = run({"workload.inference.arrival=trace", "workload.inference.arrival_trace=" + trace,
                           "workload.inference.hbm_utilization=" + num(utilization)});
  const auto s = summary_of(report.results);
  EXPECT_EQ(s.at("inference_kv_capacity_tokens"), 599);
  EXPECT_EQ(s.at("inference_rejected"), 1);
  EXPECT_EQ(s.at("inference_completed"), 10);
  EXPECT_EQ(report.results.requests[10].status, "rejected");
  std::map<double, int> starts;
  for (int i = 0; i < 10; ++i)
    ++starts[report.results.requests[static_cast<std::size_t>(i)].start_s];
  std::vector<int> sizes;
  for (const auto& [t, n] : starts)
    sizes.push_back(n);
  EXPECT_EQ(sizes, (std::vector<int>{3, 3, 3, 1}));
  EXPECT_EQ(s.at("inference_slo_attainment"), 10.0 / 11);
}

// max_queue: one server busy for 1 s, two may wait, later arrivals are dropped; SLOs count them as misses.
TEST(EngineInference, FullQueueDropsArrivals) {
  const std::string trace = write_temp("drop.csv", "0\n0.1\n0.2\n0.3\n0.4\n2.5\n");
  const auto report = run({"workload.inference.arrival=trace", "workload.inference.arrival_trace=" + trace,
                           "workload.inference.max_batch=1", "workload.inference.max_queue=2",
                           "workload.inference.service_time.distribution=deterministic",
                           "workload.inference.service_time.mean=1s", "workload.inference.slo.e2e=2.5s"});
  const auto s = summary_of(report.results);
  EXPECT_EQ(s.at("inference_dropped"), 2);
  EXPECT_EQ(s.at("inference_completed"), 4);
  EXPECT_EQ(report.results.requests[3].status, "dropped");
  EXPECT_EQ(report.results.requests[4].status, "dropped");
  EXPECT_DOUBLE_EQ(report.results.requests[2].finish_s, 3.0);
  // e2e: 1, 1.9, 2.8 (miss), dropped, dropped, 1.5 (starts at 3, the server is busy until then: 3 - 2.5 + 1)
  EXPECT_DOUBLE_EQ(report.results.requests[5].finish_s, 4.0);
  EXPECT_DOUBLE_EQ(s.at("inference_slo_attainment"), 3.0 / 6);
}

// Tensor parallelism: a 2-GPU replica adds its NVLink all-reduces to every iteration, recorded as comm time.
TEST(EngineInference, TensorParallelReplicaRecordsNvlinkTime) {
  const auto report =
      run({"workload.inference.gpus_per_replica=2", "workload.inference.requests=50", "workload.inference.rate=100"});
  ASSERT_EQ(report.results.jobs.size(), 1u);
  EXPECT_EQ(report.results.jobs[0].gpus, 2);
  EXPECT_GT(report.results.jobs[0].comm_s, 0);
  EXPECT_EQ(summary_of(report.results).at("inference_completed"), 50);
}

// A horizon ends the run with requests still waiting or running; only requests that arrived are recorded.
TEST(EngineInference, HorizonLeavesUnfinishedRequests) {
  const auto scenario = sim::load_scenario_text(
      std::string(base_yaml) + "horizon: 10s\n", "inference-test.yaml",
      {"workload.inference.rate=2", "workload.inference.requests=100", "workload.inference.max_batch=1",
       "workload.inference.service_time.distribution=deterministic", "workload.inference.service_time.mean=1s"});
  const auto report = sim::run_simulation(scenario);
  const auto s = summary_of(report.results);
  EXPECT_LT(s.at("inference_requests"), 30);
  EXPECT_GT(s.at("inference_unfinished"), 5);
  EXPECT_EQ(s.at("simulated_s"), 10);
  for (const auto& q : report.results.requests)
    ASSERT_LE(q.arrival_s, 10);
}

// A service next to training jobs (workload.kind synthetic, workload.inference.replicas > 0): the replicas take
// their GPUs first, the jobs share the rest, both run in one Engine and both are recorded.
namespace {
const char* corun_yaml = R"(
name: inference-corun
seed: 3
platform:
  gpu: H100-SXM5-80GB
  gpus_per_node: 4
  nodes_per_rack: 1
  racks: 1
workload:
  kind: synthetic
  synthetic:
    jobs: 6
    mean_interarrival: 10s
    gpus: [2]
    duration: {distribution: constant, median: 100s, min: 1s, max: 1d}
  training:
    checkpoint_every: 0
  inference:
    model: tiny
    replicas: 2
    rate: 5
    requests: 500
policies:
  placement: first_fit
)";
} // namespace

TEST(EngineInference, ServiceRunsNextToTrainingJobs) {
  const auto report = sim::run_simulation(sim::load_scenario_text(corun_yaml, "corun.yaml"));
  const auto& rs = report.results;
  const auto s = summary_of(rs);
  EXPECT_EQ(s.at("inference_completed"), 500);
  EXPECT_EQ(s.at("jobs_completed"), 6);
  ASSERT_EQ(rs.jobs.size(), 6u); // training jobs only: replicas are not /jobs rows here
  // Two GPUs are left for 2-GPU jobs: they run one at a time, 100 s each.
  double last_end = 0;
  for (const auto& j : rs.jobs) {
    EXPECT_EQ(j.kind, "training");
    last_end = std::max(last_end, j.end_s);
  }
  EXPECT_GE(last_end, 600 - 1e-6);
  // The service's 2 GPUs are allocated from the start.
  const auto& allocated = rs.timeseries.front();
  ASSERT_EQ(allocated.name, "gpus_allocated");
  EXPECT_EQ(allocated.value.front(), 2); // the first job arrives later
  EXPECT_EQ(*std::max_element(allocated.value.begin(), allocated.value.end()), 4);
  EXPECT_NE(rs.meta.calibration.find("inference service: roofline"), std::string::npos) << rs.meta.calibration;
}

TEST(EngineInference, JobLargerThanWhatTheServiceLeavesIsARunError) {
  const auto scenario = sim::load_scenario_text(corun_yaml, "corun.yaml", {"workload.synthetic.gpus=[4]"});
  try {
    sim::run_simulation(scenario);
    FAIL() << "no error";
  } catch (const sim::RunError& e) {
    EXPECT_NE(std::string(e.what()).find("asks for 4 GPUs but the cluster has 2 besides the inference service's"),
              std::string::npos)
        << e.what();
  }
}
