// Whole runs with the storage tiers: checkpoints to NVMe and to the object store keep the budget rule (a well-placed
// job on an idle fabric takes exactly its duration, the checkpoint time is the tier's closed form), a drain to the
// object store runs in the background and slows the job only through the fabric it shares, and data-set reads are
// hidden behind compute until they are slower than it.

#include "sim/engine/engine.hpp"
#include "sim/config/scenario.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace racksim;

namespace {

// 1 rack x 2 nodes x 2 GPUs, one 100 Gb/s NIC per node (12.5 GB/s), 1 spine; 2 PFS servers with fast disks; one
// 4-GPU job of 1000 s, 1 s iterations, 1 GB gradients, a 10 GB checkpoint every 100 iterations, 50 per step.
// Paths: GPU 0 to a PFS server or an object-store gateway: 0.5 + 1 + 1 + 1 + 1 us = 4.5 us.
const char* base_yaml = R"(
name: storage-run-test
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
    nvme:
      drives: 2
      write_bandwidth: 2GBps
      read_bandwidth: 3GBps
    object_store:
      gateways: 2
      bandwidth: 20GBps
      stream_bandwidth: 1GBps
      request_latency: 10ms
      request_size: 1GB
      streams: 4
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
  const auto scenario = sim::load_scenario_text(base_yaml, "storage-run-test.yaml", overrides, RACKSIM_SOURCE_DIR);
  return sim::run_simulation(scenario);
}

double summary(const sim::RunReport& r, const std::string& key) {
  for (const auto& [k, v] : r.results.summary)
    if (k == key) return v;
  throw std::runtime_error("no summary key " + key);
}

bool has_summary(const sim::RunReport& r, const std::string& key) {
  for (const auto& [k, v] : r.results.summary)
    if (k == key) return true;
  return false;
}

// Ring over 4 GPUs on 2 nodes: alpha 3 us, B 12.5 GB/s.
const double ring = 2 * 3 * 3e-6 + 2 * 3.0 / 4 * 1e9 / 12.5e9;
// 10 GB to the object store: 10 requests of 1 GB in rounds of 4, 4, 2; every flow capped at 1 GB/s (4 flows share
// the 12.5 GB/s uplink at most 3.125 each, 2 per 10 GB/s gateway): each round 10 ms + 4.5 us + 1 s.
const double object_store_checkpoint = 3 * (10e-3 + 4.5e-6 + 1.0);

} // namespace

TEST(StorageRun, CheckpointsToNvmeKeepTheBudgetRule) {
  const auto r = run({"workload.training.checkpoint_tier=nvme"});
  const auto& j = r.results.jobs.at(0);
  EXPECT_NEAR(j.end_s - j.start_s, 1000.0, 1e-6);
  // 9 checkpoints of 10 GB at 2 drives x 2 GB/s.
  EXPECT_NEAR(j.checkpoint_s, 9 * 10e9 / 4e9, 1e-6);
  EXPECT_NEAR(j.comm_s, 1000 * ring, 1e-6);
  EXPECT_FALSE(has_summary(r, "checkpoint_drains"));
}

TEST(StorageRun, CheckpointsToTheObjectStoreKeepTheBudgetRule) {
  const auto r = run({"workload.training.checkpoint_tier=object_store"});
  const auto& j = r.results.jobs.at(0);
  EXPECT_NEAR(j.end_s - j.start_s, 1000.0, 1e-6);
  EXPECT_NEAR(j.checkpoint_s, 9 * object_store_checkpoint, 1e-6);
}

TEST(StorageRun, DrainToTheObjectStoreRunsInTheBackgroundAndSharesTheFabric) {
  // One iteration per step (0.87 s compute, 0.12 s all-reduce), so a 3 s drain overlaps several all-reduces.
  const auto r = run({"workload.training.checkpoint_tier=nvme", "workload.training.checkpoint_drain=object_store",
                      "workload.training.max_iterations_per_step=1"});
  const auto& j = r.results.jobs.at(0);
  // The job waits only for the NVMe writes...
  EXPECT_NEAR(j.checkpoint_s, 9 * 10e9 / 4e9, 1e-6);
  EXPECT_EQ(summary(r, "checkpoint_drains"), 9.0);
  // ...and each drain (NVMe read at 6 GB/s pipelined with the upload) takes what the upload takes alone: its four
  // 1 GB/s streams get their cap on node 0's uplink even next to the all-reduce, which keeps the rest of it.
  EXPECT_NEAR(summary(r, "checkpoint_drain_mean_s"), object_store_checkpoint, 1e-6);
  EXPECT_NEAR(summary(r, "checkpoint_drain_max_s"), object_store_checkpoint, 1e-6);
  // The all-reduce loses 4 GB/s of node 0's uplink while a drain overlaps it, so the job runs past its duration.
  EXPECT_GT(j.end_s - j.start_s, 1000.0 + 1e-3);
  EXPECT_GT(j.comm_s, 1000 * ring + 1e-3);
}

TEST(StorageRun, DatasetReadsFasterThanComputeAreHidden) {
  // 1 GB per GPU per iteration from the PFS: per 50-iteration step each node reads 100 GB through its 12.5 GB/s
  // uplink (8 s), far less than the step's ~43.6 s of compute.
  const auto r = run({"workload.training.dataset_read_size=1GB"});
  const auto& j = r.results.jobs.at(0);
  EXPECT_NEAR(j.end_s - j.start_s, 1000.0, 1e-6);
}

TEST(StorageRun, DatasetReadsSlowerThanComputeStretchTheComputePhase) {
  // 10 GB per GPU per iteration: each node reads 1 TB per step; 2 nodes x 2 servers = 4 flows, 2 per 12.5 GB/s
  // server link, each node's pair fills its 12.5 GB/s uplink: 80 s + 4.5 us per step (disks: 2 x 500 GB at
  // 20 GB/s = 50 s, hidden), 20 steps.
  const auto r = run({"workload.training.dataset_read_size=10GB"});
  const auto& j = r.results.jobs.at(0);
  EXPECT_NEAR(j.compute_s, 20 * (80.0 + 4.5e-6), 1e-6);
  EXPECT_NEAR(j.comm_s, 1000 * ring, 1e-6);
}

TEST(StorageRun, DatasetReadsFromNvmeNeverLeaveTheNode) {
  // 4 GB per GPU per iteration from NVMe: 400 GB per node per step at 6 GB/s = 66.67 s per step, 20 steps;
  // the all-reduce is untouched.
  const auto r = run({"workload.training.dataset_tier=nvme", "workload.training.dataset_read_size=4GB"});
  const auto& j = r.results.jobs.at(0);
  EXPECT_NEAR(j.compute_s, 20 * 400e9 / 6e9, 1e-6);
  EXPECT_NEAR(j.comm_s, 1000 * ring, 1e-6);
}
