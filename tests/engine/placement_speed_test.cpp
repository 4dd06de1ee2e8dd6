// Placement changes a job's speed where the fabric is tapered: an 8-GPU data-parallel job on a fat tree of
// 2 pods x 2 racks x 2 nodes x 4 GPUs, one 100 Gb/s NIC per node, leaves 4:1 and pods 4:1 oversubscribed.
//
//   pack, topology_aware: 2 whole nodes under one leaf. The ring all-reduce crosses the fabric between the two
//     nodes only, each NIC carrying one flow per direction: B = 12.5 GB/s.
//   spread: one GPU on each of the 8 nodes (leaves 0,1,2,3,0,1,2,3 in turn). The ring in GPU order visits
//     nodes 0..7 and crosses a leaf uplink between racks and a pod uplink between pods, one flow per direction on
//     each. Leaf uplink = 2 nodes x 12.5 GB/s / 4 = 6.25 GB/s, pod uplink = 2 leaves x 6.25 GB/s / 4 = 3.125 GB/s:
//     B = 3.125 GB/s, a quarter of pack's.
// A ring all-reduce of S = 1 GB over n = 8 moves 2 (n-1)/n S per GPU at the bottleneck B, so per iteration
// pack: 1.75 GB / 12.5 GB/s = 0.14 s, spread: 1.75 GB / 3.125 GB/s = 0.56 s (+ 14 latencies of a few us each):
// spread's comm_s / pack's = 4 within the latency terms (< 0.1%); the tests allow 3.9 to 4.1 (2.5%).
// One placement per process (SimGrid allows one Engine).

#include "sim/engine/engine.hpp"
#include "sim/config/scenario.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

using namespace racksim;

namespace {

const char* base_yaml = R"(
name: placement-speed
seed: 7
platform:
  gpu: H100-SXM5-80GB
  gpus_per_node: 4
  nodes_per_rack: 2
  racks: 4
  nvlink_bandwidth: 100GBps
  fabric:
    kind: fat_tree
    racks_per_pod: 2
    aggregation_per_pod: 2
    core_switches: 2
    nics_per_node: 1
    nic_bandwidth: 100Gbps
    link_latency: 1us
    oversubscription: 4
    pod_oversubscription: 4
workload:
  kind: synthetic
  synthetic:
    jobs: 1
    mean_interarrival: 1s
    gpus: [8]
    duration:
      distribution: constant
      median: 100s
      min: 1s
      max: 1d
  training:
    iteration_time: 1s
    gradient_size: 1GB
    checkpoint_every: 0
    max_iterations_per_step: 50
)";

constexpr double pack_comm_per_iteration = 2.0 * 7 / 8 * 1e9 / 12.5e9;   // 0.14 s
constexpr double spread_comm_per_iteration = 2.0 * 7 / 8 * 1e9 / 3.125e9; // 0.56 s

sim::JobRecord run_with(const std::string& placement) {
  const auto scenario =
      sim::load_scenario_text(base_yaml, "placement-speed.yaml", {"policies.placement=" + placement});
  const auto report = sim::run_simulation(scenario);
  EXPECT_EQ(report.results.jobs.size(), 1u);
  const auto job = report.results.jobs.at(0);
  std::printf("%s: nodes %d racks %d comm_s %.6f run %.6f s\n", placement.c_str(), job.nodes, job.racks, job.comm_s,
              job.end_s - job.start_s);
  return job;
}

} // namespace

TEST(EnginePlacementSpeed, PackKeepsTheJobUnderOneLeaf) {
  const auto job = run_with("pack");
  EXPECT_EQ(job.nodes, 2);
  EXPECT_EQ(job.racks, 1);
  EXPECT_NEAR(job.comm_s / 100, pack_comm_per_iteration, pack_comm_per_iteration * 0.01);
}

TEST(EnginePlacementSpeed, TopologyAwareMatchesPack) {
  const auto job = run_with("topology_aware");
  EXPECT_EQ(job.nodes, 2);
  EXPECT_EQ(job.racks, 1);
  EXPECT_NEAR(job.comm_s / 100, pack_comm_per_iteration, pack_comm_per_iteration * 0.01);
}

TEST(EnginePlacementSpeed, SpreadCrossesTheTaperAndIsFourTimesSlower) {
  const auto job = run_with("spread");
  EXPECT_EQ(job.nodes, 8);
  EXPECT_EQ(job.racks, 4);
  const double ratio = job.comm_s / (100 * pack_comm_per_iteration);
  EXPECT_GT(ratio, 3.9);
  EXPECT_LT(ratio, 4.1);
  EXPECT_NEAR(job.comm_s / 100, spread_comm_per_iteration, spread_comm_per_iteration * 0.025);
  // The extra communication lengthens the run: 100 s of budget (its own compute + pack-like communication) plus
  // the difference, about 100 x (0.56 - 0.14) = 42 s, give or take what the budget rule counts as ideal.
  EXPECT_GT(job.end_s - job.start_s, 100 + 0.9 * 100 * (spread_comm_per_iteration - pack_comm_per_iteration));
}
