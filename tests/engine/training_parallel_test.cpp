// One 3D-parallel training job on a tiny idle platform: its iteration time is the closed-form sum of
// docs/training-model.md — pipeline compute with the 1F1B bubble, TP all-reduces on NVLink (alpha-beta), PP
// point-to-point over the fabric, the exposed part of the DP reduce-scatter, the optimizer and the DP all-gather —
// within 1e-6 relative. Every flow's path is pinned first, so a platform change cannot hide behind the formula.

#include "platforms/catalog.hpp"
#include "platforms/topology.hpp"
#include "sim/engine/engine.hpp"
#include "sim/analytic/kernel_timing.hpp"
#include "sim/analytic/ideal.hpp"
#include "sim/config/scenario.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/training/parallel_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace racksim;

namespace {

// 1 rack x 2 nodes x 2 GPUs, NVLink 100 GB/s, one 100 Gb/s NIC per node.
const char* base_yaml = R"(
name: training-parallel-test
seed: 7
calibration: roofline
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
workload:
  kind: synthetic
  synthetic:
    jobs: 1
    mean_interarrival: 1s
    gpus: [4]
    iterations: 1
  training:
    model: tiny
    micro_batch: 1
    checkpoint_every: 0
    max_iterations_per_step: 1
policies:
  scheduler: fifo
  placement: pack
)";

constexpr double kNvlinkBps = 100e9;
constexpr double kNicBps = 100e9 / 8;

sim::Scenario scenario(const std::vector<std::string>& overrides) {
  return sim::load_scenario_text(base_yaml, "training-parallel-test.yaml", overrides, RACKSIM_SOURCE_DIR);
}

workloads::IterationCosts costs(const sim::Scenario& sc) {
  const auto& gpu = platforms::find_gpu("H100-SXM5-80GB");
  const workloads::GpuPeaks peaks = sim::gpu_peaks(gpu.name);
  const workloads::RooflineTimer roofline(peaks);
  return workloads::plan_iteration(workloads::resolve_model(sc.workload.training),
                                   workloads::parallel_config(sc.workload.training), 4, roofline, gpu.hbm_bytes,
                                   gpu.name);
}

double summary(const sim::RunReport& r, const std::string& key) {
  for (const auto& [k, v] : r.results.summary)
    if (k == key) return v;
  throw std::runtime_error("no summary key " + key);
}

struct Paths {
  double nvlink_alpha = 0, fabric_alpha = 0;
};

// The two paths the flows take, pinned: GPU 0 -> GPU 1 is NVLink only; GPU 0 -> GPU 2 is bottlenecked by the NIC.
Paths pinned_paths(const sim::Scenario& sc) {
  const auto topo = platforms::build_topology(sc.platform);
  const auto nv = platforms::gpu_path(topo, 0, 1);
  const auto fabric = platforms::gpu_path(topo, 0, 2);
  EXPECT_DOUBLE_EQ(nv.bandwidth_Bps, kNvlinkBps);
  EXPECT_DOUBLE_EQ(fabric.bandwidth_Bps, kNicBps);
  return {nv.latency_s, fabric.latency_s};
}

// tp 2 x pp 2 (dp 1): TP groups {0,1} and {2,3} on NVLink; stage 0 = node 0, stage 1 = node 1, so the two PP pairs
// (0,2) and (1,3) share each node's one NIC in each direction.
TEST(TrainingParallel, TensorAndPipelineIterationIsTheClosedFormSum) {
  const auto sc = scenario({"workload.training.tp=2", "workload.training.pp=2", "workload.training.global_batch=4"});
  const auto c = costs(sc);
  ASSERT_EQ(c.micro_batches, 4);
  ASSERT_EQ(c.dp, 1);
  const auto p = pinned_paths(sc);
  const double m = 4;
  // Ring of 2: 2(n-1) alpha + 2(n-1)/n S / B per all-reduce.
  const double tp = c.tp_allreduces * (2 * p.nvlink_alpha + c.tp_allreduce_bytes / kNvlinkBps);
  const double pp = 2 * m * p.fabric_alpha + 2 * m * c.pp_bytes_per_microbatch / kNicBps;
  const double expected = c.pipeline_s + c.optimizer_s + tp + pp;
  EXPECT_DOUBLE_EQ(c.pipeline_s, c.fwd_bwd_s * (4.0 + 2 - 1) / 4); // 1F1B bubble
  const auto r = sim::run_simulation(sc);
  const auto& j = r.results.jobs.at(0);
  ASSERT_EQ(j.status, "completed");
  EXPECT_NEAR((j.end_s - j.start_s) / expected, 1.0, 1e-6);
  EXPECT_NEAR(j.comm_s / (tp + pp), 1.0, 1e-6);
  EXPECT_NEAR(j.compute_s / (c.pipeline_s + c.optimizer_s), 1.0, 1e-6);
  // MFU and tokens per second follow from the iteration time.
  const double peak = platforms::find_gpu("H100-SXM5-80GB").peak_bf16_flops;
  EXPECT_NEAR(j.mfu / (c.model_flops / (expected * 4 * peak)), 1.0, 1e-6);
  EXPECT_NEAR(j.tokens_per_s / (4 * 128 / expected), 1.0, 1e-6);
  EXPECT_NEAR(summary(r, "mean_mfu"), j.mfu, 1e-12);
  EXPECT_EQ(summary(r, "jobs_tp_across_nvlink"), 0);
}

// tp 2 x dp 2: DP groups {0,2} and {1,3} (ring of 2: one step, (n-1)/n S per flow) share each NIC; the gradient
// reduce-scatter runs beside the last micro-batch's backward and only its excess is exposed; the all-gather is not.
TEST(TrainingParallel, DataParallelCommunicationOverlapsTheLastBackward) {
  const auto sc = scenario({"workload.training.tp=2", "workload.training.global_batch=4"});
  const auto c = costs(sc);
  ASSERT_EQ(c.dp, 2);
  ASSERT_EQ(c.micro_batches, 2);
  const auto p = pinned_paths(sc);
  const double tp = c.tp_allreduces * (2 * p.nvlink_alpha + c.tp_allreduce_bytes / kNvlinkBps);
  const double rs = p.fabric_alpha + 2 * (c.dp_grad_bytes / 2) / kNicBps;
  const double ag = p.fabric_alpha + 2 * (c.dp_param_bytes / 2) / kNicBps;
  ASSERT_GT(rs, c.overlap_s); // the case where some of it is exposed
  const double expected = c.pipeline_s - c.overlap_s + tp + std::max(rs, c.overlap_s) + c.optimizer_s + ag;
  const auto r = sim::run_simulation(sc);
  const auto& j = r.results.jobs.at(0);
  EXPECT_NEAR((j.end_s - j.start_s) / expected, 1.0, 1e-6);
  EXPECT_NEAR(j.comm_s / (tp + rs - c.overlap_s + ag), 1.0, 1e-6);
}

// The same overlap with a backward longer than the reduce-scatter: nothing of it is exposed.
TEST(TrainingParallel, HiddenReduceScatterCostsNothing) {
  const auto sc = scenario({"workload.training.tp=2", "workload.training.global_batch=4",
                            "platform.fabric.nic_bandwidth=100Tbps", "platform.nvlink_bandwidth=100TBps"});
  const auto c = costs(sc);
  const auto topo = platforms::build_topology(sc.platform);
  const auto fabric = platforms::gpu_path(topo, 0, 2);
  const auto nv = platforms::gpu_path(topo, 0, 1);
  const double rs = fabric.latency_s + c.dp_grad_bytes / fabric.bandwidth_Bps;
  ASSERT_LT(rs, c.overlap_s);
  const double tp = c.tp_allreduces * (2 * nv.latency_s + c.tp_allreduce_bytes / nv.bandwidth_Bps);
  const double ag = fabric.latency_s + c.dp_param_bytes / fabric.bandwidth_Bps;
  const double expected = c.pipeline_s + tp + c.optimizer_s + ag;
  const auto r = sim::run_simulation(sc);
  const auto& j = r.results.jobs.at(0);
  EXPECT_NEAR((j.end_s - j.start_s) / expected, 1.0, 1e-6);
}

// Aggregation: 20 iterations in one step (one exec, flows of 20x the volume, 20x the latency steps) take 20x the
// closed form of one iteration on an idle platform.
TEST(TrainingParallel, AggregatedStepTakesKTimesOneIteration) {
  const auto sc = scenario({"workload.training.tp=2", "workload.training.pp=2", "workload.training.global_batch=4",
                            "workload.synthetic.iterations=20", "workload.training.max_iterations_per_step=20"});
  const auto c = costs(sc);
  const auto p = pinned_paths(sc);
  const double m = 4;
  const double tp = c.tp_allreduces * (2 * p.nvlink_alpha + c.tp_allreduce_bytes / kNvlinkBps);
  const double pp = 2 * m * p.fabric_alpha + 2 * m * c.pp_bytes_per_microbatch / kNicBps;
  const double expected = 20 * (c.pipeline_s + c.optimizer_s + tp + pp);
  const auto r = sim::run_simulation(sc);
  const auto& j = r.results.jobs.at(0);
  EXPECT_NEAR((j.end_s - j.start_s) / expected, 1.0, 1e-6);
}

// Interleaved 1F1B on a 4-layer custom model (tp 2, pp 2, v 2): bubble 1 + (pp - 1) / (v m), and v x the sends.
TEST(TrainingParallel, InterleavedScheduleShrinksTheBubbleAndMultipliesTheSends) {
  const auto sc =
      scenario({"workload.training.model=custom", "workload.training.custom.layers=4",
                "workload.training.custom.hidden=256", "workload.training.custom.heads=4",
                "workload.training.custom.seq=128", "workload.training.custom.vocab=1000", "workload.training.tp=2",
                "workload.training.pp=2", "workload.training.virtual_stages=2", "workload.training.global_batch=4"});
  const auto c = costs(sc);
  EXPECT_DOUBLE_EQ(c.pipeline_s, c.fwd_bwd_s * (1 + 1.0 / 8));
  const auto p = pinned_paths(sc);
  const double sends = 8; // m v
  const double tp = c.tp_allreduces * (2 * p.nvlink_alpha + c.tp_allreduce_bytes / kNvlinkBps);
  const double pp = 2 * sends * p.fabric_alpha + 2 * sends * c.pp_bytes_per_microbatch / kNicBps;
  const double expected = c.pipeline_s + c.optimizer_s + tp + pp;
  const auto r = sim::run_simulation(sc);
  const auto& j = r.results.jobs.at(0);
  EXPECT_NEAR((j.end_s - j.start_s) / expected, 1.0, 1e-6);
}

// checkpoint_bytes_per_param: the checkpoint is parameters x 14 bytes, written like any checkpoint (its ideal time).
TEST(TrainingParallel, CheckpointSizeDerivedFromTheModel) {
  const auto sc = scenario({"workload.training.tp=2", "workload.training.pp=2", "workload.training.global_batch=4",
                            "workload.synthetic.iterations=2", "workload.training.checkpoint_every=1",
                            "workload.training.checkpoint_bytes_per_param=14"});
  const auto r = sim::run_simulation(sc);
  const auto& j = r.results.jobs.at(0);
  const auto topo = platforms::build_topology(sc.platform);
  const double bytes = 14 * 2'610'432.0; // tiny's parameters
  EXPECT_NEAR(j.checkpoint_s / sim::storage_write_s(topo, workloads::StorageTier::pfs, 0, bytes, j.id), 1.0, 1e-6);
}

// Trace jobs come in any size: those that do not suit the layout (here 1-GPU jobs with tp 2) are skipped and counted.
TEST(TrainingParallel, TraceJobsThatDoNotSuitTheLayoutAreSkippedAndCounted) {
  const auto sc = sim::load_scenario(std::string(RACKSIM_SOURCE_DIR) + "/examples/gavel-philly.yaml",
                                     {"workload.training.model=gpt3-1.3b", "workload.training.global_batch=64",
                                      "workload.training.tp=2", "workload.trace.limit=100",
                                      "workload.training.max_iterations_per_step=100000"});
  const auto r = sim::run_simulation(sc);
  const double skipped = summary(r, "jobs_skipped_parallelism");
  EXPECT_GT(skipped, 0);
  EXPECT_EQ(static_cast<double>(r.results.jobs.size()) + skipped, 100);
  for (const auto& j : r.results.jobs) {
    EXPECT_EQ(j.gpus % 2, 0) << "job " << j.id;
    EXPECT_GT(j.mfu, 0) << "job " << j.id;
  }
}

// A TP degree larger than the NVLink domain is refused before anything runs.
TEST(TrainingParallel, TensorParallelLargerThanTheNvlinkDomainIsAScenarioError) {
  EXPECT_THROW(scenario({"workload.training.tp=4", "workload.training.global_batch=4"}), sim::ScenarioError);
}

} // namespace
