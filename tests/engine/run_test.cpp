// Whole runs of the engine on tiny scenarios: the budget rule (a well-placed job on an idle fabric takes exactly
// its duration), stretching under a worse placement, queueing, the horizon, and the recorded time split.

#include "platforms/catalog.hpp"
#include "sim/engine/engine.hpp"
#include "sim/analytic/kernel_timing.hpp"
#include "sim/analytic/ideal.hpp"
#include "sim/config/scenario.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/training/step_model.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include <string>

using namespace racksim;

namespace {

// 1 rack x 2 nodes x 2 GPUs, NVLink 100 GB/s, one 100 Gb/s NIC per node, fast disks.
const char* base_yaml = R"(
name: engine-test
seed: 7
platform:
  gpu: H100-SXM5-80GB
  gpus_per_node: 2
  nodes_per_rack: 2
  racks: 1
  nvlink_bandwidth: 100GBps
  nvlink_latency: 0.5us
  fabric:
    spines: 1
    nics_per_node: 1
    nic_bandwidth: 100Gbps
    link_latency: 1us
  storage:
    servers: 2
    disk_write_bandwidth: 100GBps
    server_link_bandwidth: 100Gbps
workload:
  kind: synthetic
  synthetic:
    jobs: 1
    mean_interarrival: 1s
    gpus: [4]
    duration:
      distribution: constant
      median: 1000s
      min: 1s
      max: 1d
  training:
    iteration_time: 1s
    gradient_size: 1GB
    checkpoint_every: 100
    checkpoint_size: 10GB
    max_iterations_per_step: 50
policies:
  scheduler: fifo
  placement: pack
)";

sim::RunReport run(const std::vector<std::string>& overrides) {
  const auto scenario = sim::load_scenario_text(base_yaml, "engine-test.yaml", overrides, RACKSIM_SOURCE_DIR);
  return sim::run_simulation(scenario);
}

const sim::JobRecord& job(const sim::RunReport& r, std::int64_t id) {
  for (const auto& j : r.results.jobs)
    if (j.id == id) return j;
  throw std::runtime_error("no job " + std::to_string(id));
}

double summary(const sim::RunReport& r, const std::string& key) {
  for (const auto& [k, v] : r.results.summary)
    if (k == key) return v;
  throw std::runtime_error("no summary key " + key);
}

} // namespace

TEST(Run, WellPlacedJobOnIdleFabricTakesExactlyItsDuration) {
  const auto r = run({});
  ASSERT_EQ(r.results.jobs.size(), 1u);
  const auto& j = r.results.jobs[0];
  EXPECT_EQ(j.status, "completed");
  EXPECT_NEAR(j.end_s - j.start_s, 1000.0, 1e-6);
  // 1000 iterations; ring over 4 GPUs on 2 nodes: alpha 3 us, B 12.5 GB/s.
  const double ring = 2 * 3 * 3e-6 + 2 * 3.0 / 4 * 1e9 / 12.5e9;
  EXPECT_NEAR(j.comm_s, 1000 * ring, 1e-6);
  // Checkpoints after iterations 100..900: 9 of them, 10 GB from one 12.5 GB/s node uplink.
  EXPECT_NEAR(j.checkpoint_s, 9 * (10e9 / 12.5e9 + 4.5e-6), 1e-6);
  EXPECT_NEAR(j.compute_s + j.comm_s + j.checkpoint_s, 1000.0, 1e-6);
  EXPECT_EQ(j.nodes, 2);
  EXPECT_EQ(j.racks, 1);
}

TEST(Run, SingleGpuJobHasNoCommunication) {
  const auto r = run({"workload.synthetic.gpus=[1]", "workload.training.checkpoint_every=0"});
  const auto& j = r.results.jobs[0];
  EXPECT_DOUBLE_EQ(j.comm_s, 0.0);
  EXPECT_DOUBLE_EQ(j.checkpoint_s, 0.0);
  EXPECT_NEAR(j.end_s - j.start_s, 1000.0, 1e-6);
  // 1 of 4 GPUs busy from submission to the end; utilisation is measured from t = 0.
  EXPECT_NEAR(summary(r, "gpu_utilization"), 1000.0 / (4 * j.end_s), 1e-9);
}

// Trace: job 0 (1 GPU, 100 s), job 1 (2 GPUs, 1000 s), job 2 (1 GPU, 3000 s), all at t = 0.
// first_fit: job 0 -> GPU 0, job 1 -> GPUs 1,2 (across nodes), job 2 -> GPU 3.
// pack:      job 0 -> GPU 0, job 1 -> GPUs 2,3 (one node),     job 2 -> GPU 1.
// (SimGrid allows one Engine per process, so each placement is its own test.)
std::vector<std::string> fragmentation_trace(const std::string& placement) {
  return {"workload.kind=trace", "workload.trace.format=chronus_philly",
          "workload.trace.path=" + std::string(RACKSIM_SOURCE_DIR) + "/tests/engine/data/fragmentation.csv",
          "workload.training.checkpoint_every=0", "policies.placement=" + placement};
}

TEST(Run, PackedPlacementKeepsTheTraceDuration) {
  const auto r = run(fragmentation_trace("pack"));
  EXPECT_EQ(job(r, 1).nodes, 1);
  EXPECT_NEAR(job(r, 1).end_s - job(r, 1).start_s, 1000.0, 1e-6);
  EXPECT_NEAR(job(r, 0).end_s, 100.0, 1e-6);
  EXPECT_NEAR(job(r, 2).end_s, 3000.0, 1e-6);
}

TEST(Run, ScatteredPlacementStretchesTheJob) {
  const auto r = run(fragmentation_trace("first_fit"));
  EXPECT_EQ(job(r, 1).nodes, 2);
  // Per iteration (1 GB gradients, n = 2): ideal ring inside a node = 2 x 1 us + 1 GB / 100 GB/s; across nodes
  // = 2 x 3 us + 1 GB / 12.5 GB/s. Compute time is the same in both, so the stretch is 1000 x the difference.
  const double ideal = 2 * 1e-6 + 1e9 / 100e9, actual = 2 * 3e-6 + 1e9 / 12.5e9;
  EXPECT_NEAR(job(r, 1).end_s - job(r, 1).start_s, 1000.0 + 1000 * (actual - ideal), 1e-6);
  EXPECT_NEAR(job(r, 1).comm_s, 1000 * actual, 1e-6);
  // Single-GPU jobs keep their durations.
  EXPECT_NEAR(job(r, 0).end_s, 100.0, 1e-6);
  EXPECT_NEAR(job(r, 2).end_s, 3000.0, 1e-6);
}

TEST(Run, FifoQueuesJobsThatDoNotFit) {
  // Three 4-GPU jobs on 4 GPUs, arriving 1 s apart (constant inter-arrival is not available: use a trace-free
  // synthetic run with a tiny mean inter-arrival so all arrive before the first finishes).
  const auto r = run({"workload.synthetic.jobs=3", "workload.synthetic.mean_interarrival=1ms",
                      "workload.training.checkpoint_every=0"});
  ASSERT_EQ(r.results.jobs.size(), 3u);
  double prev_end = 0;
  for (const auto& j : r.results.jobs) {
    EXPECT_EQ(j.status, "completed");
    EXPECT_NEAR(j.end_s - j.start_s, 1000.0, 1e-6);
    EXPECT_GE(j.start_s, prev_end - 1e-9); // one at a time
    EXPECT_NEAR(j.queue_s, j.start_s - j.submit_s, 1e-12);
    prev_end = j.end_s;
  }
  EXPECT_NEAR(summary(r, "gpu_utilization"), 3000.0 / (r.results.jobs.back().end_s), 1e-6);
  EXPECT_EQ(summary(r, "jobs_completed"), 3);
}

TEST(Run, HorizonStopsTheRunAndReportsUnfinishedJobs) {
  const auto r = run({"horizon=1500s", "workload.synthetic.jobs=3", "workload.synthetic.mean_interarrival=1ms",
                      "workload.training.checkpoint_every=0"});
  ASSERT_EQ(r.results.jobs.size(), 3u);
  EXPECT_EQ(r.results.jobs[0].status, "completed");
  EXPECT_EQ(r.results.jobs[1].status, "running");
  EXPECT_EQ(r.results.jobs[2].status, "queued");
  EXPECT_DOUBLE_EQ(r.results.jobs[2].start_s, -1);
  EXPECT_EQ(summary(r, "jobs_completed"), 1);
  EXPECT_DOUBLE_EQ(summary(r, "simulated_s"), 1500);
}

TEST(Run, TimeSeriesTrackAllocationAndQueue) {
  const auto r = run({"workload.synthetic.jobs=3", "workload.synthetic.mean_interarrival=1ms",
                      "workload.training.checkpoint_every=0", "output.timeseries_interval=100s"});
  const sim::TimeSeries* alloc = nullptr;
  const sim::TimeSeries* queue = nullptr;
  for (const auto& ts : r.results.timeseries) {
    if (ts.name == "gpus_allocated") alloc = &ts;
    if (ts.name == "queue_length") queue = &ts;
  }
  ASSERT_NE(alloc, nullptr);
  ASSERT_NE(queue, nullptr);
  ASSERT_GE(alloc->value.size(), 30u);
  EXPECT_DOUBLE_EQ(alloc->time_s[5], 500.0);
  EXPECT_DOUBLE_EQ(alloc->value[5], 4.0);
  EXPECT_DOUBLE_EQ(queue->value[5], 2.0);  // two jobs waiting behind the first
  EXPECT_DOUBLE_EQ(queue->value[15], 1.0); // one waiting behind the second
  EXPECT_DOUBLE_EQ(queue->value[25], 0.0);
}

TEST(Run, SyntheticJobLargerThanClusterIsRejectedBeforeRunning) {
  EXPECT_THROW(run({"workload.synthetic.gpus=[8]"}), sim::ScenarioError);
}

// Work-defined jobs with a model: the run time follows from the step-time model's compute time.
std::vector<std::string> model_job(const std::string& calibration) {
  return {"workload.synthetic.iterations=200", "workload.training.model=tiny", "workload.synthetic.gpus=[1]",
          "workload.training.checkpoint_every=0", "calibration=" + calibration};
}

double expected_tiny_compute_s(const std::string& calibration_path) {
  const auto& gpu = platforms::find_gpu("H100-SXM5-80GB");
  const workloads::GpuPeaks peaks = sim::gpu_peaks(gpu.name);
  const workloads::RooflineTimer roofline(peaks);
  const auto calls = workloads::iteration_calls(workloads::find_model("tiny"), {}, 1);
  if (calibration_path.empty()) return workloads::predict_s(calls, roofline);
  const workloads::CalibratedTimer calibrated(workloads::load_calibration(calibration_path), roofline);
  return workloads::predict_s(calls, calibrated);
}

TEST(Run, WorkDefinedJobRunsItsIterationsAtTheRooflineModelTime) {
  const auto r = run(model_job("roofline"));
  const double per_iteration = expected_tiny_compute_s("");
  ASSERT_GT(per_iteration, 0);
  EXPECT_NEAR(summary(r, "model_compute_s_per_iteration") / per_iteration, 1.0, 1e-12);
  const auto& j = r.results.jobs[0];
  EXPECT_EQ(j.timing, "roofline");
  EXPECT_NEAR((j.end_s - j.start_s) / (200 * per_iteration), 1.0, 1e-9);
  EXPECT_EQ(r.results.meta.calibration.rfind("roofline:H100", 0), 0u) << r.results.meta.calibration;
}

TEST(Run, WorkDefinedJobUsesTheCalibrationFileWhenGiven) {
  const std::string fixture = std::string(RACKSIM_SOURCE_DIR) + "/tests/data/calibration-fixture.h5";
  const auto r = run(model_job(fixture));
  const double per_iteration = expected_tiny_compute_s(fixture);
  const auto& j = r.results.jobs[0];
  EXPECT_EQ(j.timing, "calibration");
  EXPECT_NEAR((j.end_s - j.start_s) / (200 * per_iteration), 1.0, 1e-9);
  EXPECT_NE(r.results.meta.calibration.find("sha256:"), std::string::npos) << r.results.meta.calibration;
  // The fixture's kernels are not the roofline's: the model time must differ.
  EXPECT_GT(std::fabs(per_iteration / expected_tiny_compute_s("") - 1.0), 0.01);
}

TEST(Run, DurationDefinedJobWithModelKeepsItsDuration) {
  // A model sets the iteration count and gradient size, but a duration-defined job still takes its duration.
  const auto r = run({"workload.training.model=tiny", "workload.training.checkpoint_every=0"});
  const auto& j = r.results.jobs[0];
  EXPECT_EQ(j.timing, "duration");
  EXPECT_NEAR(j.end_s - j.start_s, 1000.0, 1e-6);
}
