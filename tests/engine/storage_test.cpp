// The storage tiers in a real SimGrid Engine against closed forms computed by hand: PFS striping (disk time / k
// until the network limits), two writers sharing the PFS as max-min fairness says, node-local NVMe (shared by the
// node's GPUs, never on the fabric) and the object store (per-request latency paid per request, stream caps).
// Each case also checks sim/analytic/ideal.hpp's closed form against the same number.

#include "platforms/simgrid_platform.hpp"
#include "platforms/storage.hpp"
#include "platforms/topology.hpp"
#include "sim/analytic/ideal.hpp"
#include "sim/engine/storage_io.hpp"

#include <simgrid/s4u.hpp>

#include <gtest/gtest.h>

#include <functional>

namespace sg4 = simgrid::s4u;
using namespace racksim;
using workloads::StorageTier;

namespace {

// 2 racks x 2 nodes x 2 GPUs; NVLink 100 GB/s (0.5 us); one 100 Gb/s NIC per node (12.5 GB/s, 1 us links); 2 spines,
// non-blocking (leaf aggregate 25 GB/s). PFS: 4 servers, 1 GB/s disks, 12.5 GB/s server links (1 us).
// GPU 0 -> PFS server: nvlink 0.5 + uplink 1 + leaf 1 + storage leaf 1 + server link 1 = 4.5 us.
// GPU 0 -> object-store gateway: nvlink 0.5 + uplink 1 + leaf 1 + object-store leaf 1 + gateway link 1 = 4.5 us.
platforms::PlatformSpec small_spec() {
  platforms::PlatformSpec spec;
  spec.gpus_per_node = 2;
  spec.nodes_per_rack = 2;
  spec.racks = 2;
  spec.nvlink_bandwidth_Bps = 100e9;
  spec.nvlink_latency_s = 0.5e-6;
  spec.fabric.spines = 2;
  spec.fabric.nics_per_node = 1;
  spec.fabric.nic_bandwidth_Bps = 12.5e9;
  spec.fabric.link_latency_s = 1e-6;
  spec.storage.servers = 4;
  spec.storage.disk_write_Bps = 1e9;
  spec.storage.disk_read_Bps = 2e9;
  spec.storage.server_link_Bps = 12.5e9;
  spec.storage.link_latency_s = 1e-6;
  spec.storage.nvme.drives = 2;
  spec.storage.nvme.drive_write_Bps = 2e9; // volume: 4 GB/s write
  spec.storage.nvme.drive_read_Bps = 3e9;  // volume: 6 GB/s read
  spec.storage.object_store.gateways = 2;
  spec.storage.object_store.bandwidth_Bps = 20e9; // 10 GB/s per gateway
  spec.storage.object_store.stream_Bps = 1e9;
  spec.storage.object_store.request_latency_s = 10e-3;
  spec.storage.object_store.request_bytes = 1e9;
  spec.storage.object_store.streams = 1;
  return spec;
}

constexpr double path_latency = 4.5e-6;

struct Sim {
  platforms::Topology topo;
  platforms::SimPlatform platform;
};

// Builds the platform in a fresh Engine, runs `body` in an actor on the controller, returns simulated seconds.
double simulate(const platforms::PlatformSpec& spec, const std::function<void(const Sim&)>& body) {
  int argc = 2;
  char arg0[] = "storage_test", arg1[] = "--log=root.thres:critical";
  char* argv[] = {arg0, arg1, nullptr};
  sg4::Engine engine(&argc, argv);
  platforms::configure_network_model(spec.network_model);
  Sim sim{platforms::build_topology(spec), {}};
  sim.platform = platforms::build_simgrid_platform(sim.topo);
  double elapsed = -1;
  sg4::Actor::create("test", sim.platform.controller, [&] {
    const double t0 = sg4::Engine::get_clock();
    body(sim);
    elapsed = sg4::Engine::get_clock() - t0;
  });
  engine.run();
  return elapsed;
}

// Runs `body` in its own actor and returns its simulated end time via `end`.
sg4::ActorPtr spawn(const Sim& sim, const std::string& name, double& end, std::function<void()> body) {
  return sg4::Actor::create(name, sim.platform.controller, [&end, body] {
    body();
    end = sg4::Engine::get_clock();
  });
}

} // namespace

// ---- PFS striping ---------------------------------------------------------------------------------------------

// 8 servers with 5 GB/s disks; 8 GB from GPU 0 striped over k of them: disk 8e9 / (k x 5e9) = 1.6 / k s; network
// 4.5 us + 8e9 / 12.5e9 (the node uplink; k server links give k x 12.5 GB/s) = 0.6400045 s. The disk time halves
// with k until the network limits at k = 4: 1.6, 0.8, then 0.6400045 s for k = 4 and 8.
class PfsStriping : public ::testing::TestWithParam<std::pair<int, double>> {};

TEST_P(PfsStriping, DiskTimeDividesByStripeCountUntilTheNetworkLimits) {
  auto spec = small_spec();
  spec.storage.servers = 8;
  spec.storage.disk_write_Bps = 5e9;
  spec.storage.stripe_count = GetParam().first;
  const double t = simulate(spec, [](const Sim& s) {
    sim::StorageClient(s.topo, s.platform).write(StorageTier::pfs, 0, 0, 8e9);
  });
  EXPECT_NEAR(t, GetParam().second, 1e-9);
  EXPECT_NEAR(sim::pfs_write_s(platforms::build_topology(spec), 0, 8e9, 0), GetParam().second, 1e-12);
}

INSTANTIATE_TEST_SUITE_P(StripeCounts, PfsStriping,
                         ::testing::Values(std::pair{1, 1.6}, std::pair{2, 0.8}, std::pair{4, 4.5e-6 + 0.64},
                                           std::pair{8, 4.5e-6 + 0.64}));

TEST(StoragePfs, StripeUnitsDealtRoundRobinMakeTheFullestServerTheDiskBound) {
  // 6 GB in 1 GB units over k = 4 of 8 servers from writer 1 (offset 4): servers 4, 5 get 2 units, 6, 7 one each.
  // Disk: the fullest server, 2e9 / 1e9 = 2 s; network 6e9 / 12.5e9 = 0.48 s.
  auto spec = small_spec();
  spec.storage.servers = 8;
  spec.storage.stripe_count = 4;
  spec.storage.stripe_bytes = 1e9;
  const double t = simulate(spec, [](const Sim& s) {
    sim::StorageClient(s.topo, s.platform).write(StorageTier::pfs, 0, 1, 6e9);
  });
  EXPECT_NEAR(t, 2.0, 1e-9);
  EXPECT_NEAR(sim::pfs_write_s(platforms::build_topology(spec), 0, 6e9, 1), 2.0, 1e-12);
}

TEST(StoragePfs, ReadIsDiskReadBoundWithEvenStripes) {
  // 8 GB read over 4 servers at 2 GB/s: 1 s of disk; network 0.64 s.
  const double t = simulate(small_spec(), [](const Sim& s) {
    sim::StorageClient(s.topo, s.platform).read(StorageTier::pfs, 0, 0, 8e9);
  });
  EXPECT_NEAR(t, 1.0, 1e-9);
  EXPECT_NEAR(sim::pfs_read_s(platforms::build_topology(small_spec()), 0, 8e9, 0), 1.0, 1e-12);
}

TEST(StoragePfs, TwoWritersShareTheDisksFairly) {
  // GPU 0 (node 0) and GPU 2 (node 1), 4 GB each over the same 4 servers: each disk holds two 1 GB Ios sharing
  // 1 GB/s, so both end at 2 s (1 s each when alone); the uplinks (12.5 GB/s each) need 0.32 s.
  double end_a = -1, end_b = -1;
  simulate(small_spec(), [&](const Sim& s) {
    const sim::StorageClient client(s.topo, s.platform);
    auto a = spawn(s, "a", end_a, [&] { client.write(StorageTier::pfs, 0, 0, 4e9); });
    auto b = spawn(s, "b", end_b, [&] { client.write(StorageTier::pfs, 2, 1, 4e9); });
    a->join();
    b->join();
  });
  EXPECT_NEAR(end_a, 2.0, 1e-9);
  EXPECT_NEAR(end_b, 2.0, 1e-9);
}

TEST(StoragePfs, TwoWritersShareTheStorageUplinkAsMaxMinSays) {
  // Fast disks, storage uplink 10 GB/s. A writes 4 GB, B 2 GB, from different nodes: max-min gives each 5 GB/s until
  // B ends at 0.4 s, then A gets the whole 10 GB/s (its own uplink allows 12.5) for its last 2 GB: 0.6 s.
  auto spec = small_spec();
  spec.storage.disk_write_Bps = 100e9;
  spec.storage.uplink_Bps = 10e9;
  double end_a = -1, end_b = -1;
  simulate(spec, [&](const Sim& s) {
    const sim::StorageClient client(s.topo, s.platform);
    auto a = spawn(s, "a", end_a, [&] { client.write(StorageTier::pfs, 0, 0, 4e9); });
    auto b = spawn(s, "b", end_b, [&] { client.write(StorageTier::pfs, 2, 1, 2e9); });
    a->join();
    b->join();
  });
  EXPECT_NEAR(end_b, path_latency + 0.4, 1e-9);
  EXPECT_NEAR(end_a, path_latency + 0.6, 1e-9);
  // Alone, A would take 4e9 / 10e9.
  EXPECT_NEAR(sim::pfs_write_s(platforms::build_topology(spec), 0, 4e9, 0), path_latency + 0.4, 1e-12);
}

// ---- NVMe -----------------------------------------------------------------------------------------------------

TEST(StorageNvme, LoneWriteIsSizeOverTheVolumeBandwidth) {
  // 2 drives x 2 GB/s = 4 GB/s (PCIe 64 GB/s does not limit): 8 GB in 2 s, no latency.
  const double t = simulate(small_spec(), [](const Sim& s) {
    sim::StorageClient(s.topo, s.platform).write(StorageTier::nvme, 0, 0, 8e9);
  });
  EXPECT_NEAR(t, 2.0, 1e-9);
  EXPECT_NEAR(sim::nvme_write_s(platforms::build_topology(small_spec()), 8e9), 2.0, 1e-12);
}

TEST(StorageNvme, PcieCapsTheVolume) {
  // 8 drives x 3 GB/s read = 24 GB/s, PCIe 16 GB/s: 32 GB in 2 s.
  auto spec = small_spec();
  spec.storage.nvme.drives = 8;
  spec.storage.nvme.pcie_Bps = 16e9;
  const double t = simulate(spec, [](const Sim& s) {
    sim::StorageClient(s.topo, s.platform).read(StorageTier::nvme, 0, 0, 32e9);
  });
  EXPECT_NEAR(t, 2.0, 1e-9);
  EXPECT_NEAR(sim::nvme_read_s(platforms::build_topology(spec), 32e9), 2.0, 1e-12);
}

TEST(StorageNvme, GpusOfOneNodeShareItsVolumeAndOtherNodesDoNot) {
  // GPUs 0 and 1 (node 0) write 4 GB each: 8 GB through one 4 GB/s volume, 2 s for both. GPU 2 (node 1) writes
  // 4 GB to its own volume at the same time: 1 s.
  double end0 = -1, end1 = -1, end2 = -1;
  simulate(small_spec(), [&](const Sim& s) {
    const sim::StorageClient client(s.topo, s.platform);
    auto a = spawn(s, "g0", end0, [&] { client.write(StorageTier::nvme, 0, 0, 4e9); });
    auto b = spawn(s, "g1", end1, [&] { client.write(StorageTier::nvme, 1, 1, 4e9); });
    auto c = spawn(s, "g2", end2, [&] { client.write(StorageTier::nvme, 2, 2, 4e9); });
    a->join();
    b->join();
    c->join();
  });
  EXPECT_NEAR(end0, 2.0, 1e-9);
  EXPECT_NEAR(end1, 2.0, 1e-9);
  EXPECT_NEAR(end2, 1.0, 1e-9);
}

TEST(StorageNvme, NeverTouchesAFabricLinkEvenWhenTheFabricIsSaturated) {
  // GPU 0 writes 8 GB to NVMe (2 s alone) while a 12.5 GB transfer GPU 0 -> GPU 4 saturates node 0's uplink and
  // its leaf's spine link (1 s + 5 us alone). Neither slows the other, and the uplink carries exactly the transfer.
  double end_nvme = -1, end_flow = -1, uplink_usage = -1, usage_after = -1;
  simulate(small_spec(), [&](const Sim& s) {
    auto a = spawn(s, "nvme", end_nvme, [&] { sim::StorageClient(s.topo, s.platform).write(StorageTier::nvme, 0, 0, 8e9); });
    auto b = spawn(s, "flow", end_flow, [&] {
      sg4::Comm::sendto_async(s.platform.gpu_hosts[0], s.platform.gpu_hosts[4], 12'500'000'000ULL)->wait();
    });
    sg4::this_actor::sleep_for(0.5);
    uplink_usage = sg4::SplitDuplexLink::by_name("uplink-node-0")->get_link_up()->get_usage();
    sg4::this_actor::sleep_for(1.0); // t = 1.5: the transfer is over, the NVMe write is not
    usage_after = sg4::SplitDuplexLink::by_name("uplink-node-0")->get_link_up()->get_usage();
    a->join();
    b->join();
  });
  EXPECT_NEAR(end_nvme, 2.0, 1e-9);
  EXPECT_NEAR(end_flow, 5e-6 + 1.0, 1e-9);
  EXPECT_NEAR(uplink_usage, 12.5e9, 1e-3);
  EXPECT_EQ(usage_after, 0.0);
}

// ---- object store ---------------------------------------------------------------------------------------------

TEST(StorageObjectStore, RequestLatencyIsPaidPerRequest) {
  // One stream: 4 requests of 1 GB one after the other, each 10 ms + 4.5 us + 1e9 / 1 GB/s (the stream cap).
  const double t = simulate(small_spec(), [](const Sim& s) {
    sim::StorageClient(s.topo, s.platform).write(StorageTier::object_store, 0, 0, 4e9);
  });
  const double expected = 4 * (10e-3 + path_latency + 1.0);
  EXPECT_NEAR(t, expected, 1e-9);
  EXPECT_NEAR(sim::object_store_transfer_s(platforms::build_topology(small_spec()), 0, 4e9, 0), expected, 1e-12);
}

TEST(StorageObjectStore, TenfoldLatencyAddsNineRequestLatenciesPerRequest) {
  // As above with 100 ms per request: 4 x 90 ms more. The last request is a 0.5 GB remainder (3.5 GB in 1 GB parts).
  auto spec = small_spec();
  spec.storage.object_store.request_latency_s = 100e-3;
  const double t = simulate(spec, [](const Sim& s) {
    sim::StorageClient(s.topo, s.platform).read(StorageTier::object_store, 0, 0, 3.5e9);
  });
  const double expected = 4 * (100e-3 + path_latency) + 3.5;
  EXPECT_NEAR(t, expected, 1e-9);
  EXPECT_NEAR(sim::object_store_transfer_s(platforms::build_topology(spec), 0, 3.5e9, 0), expected, 1e-12);
}

TEST(StorageObjectStore, ConcurrentStreamsPayOneLatencyPerRoundAndShareTheUplink) {
  // 16 streams of at most 4 GB/s: the 4 requests form one round; 4 flows share the writer's 12.5 GB/s uplink
  // (3.125 GB/s each, below the stream cap; 2 per gateway = 6.25 of its 10 GB/s): 10 ms + 4.5 us + 4e9 / 12.5e9.
  auto spec = small_spec();
  spec.storage.object_store.streams = 16;
  spec.storage.object_store.stream_Bps = 4e9;
  const double t = simulate(spec, [](const Sim& s) {
    sim::StorageClient(s.topo, s.platform).write(StorageTier::object_store, 0, 0, 4e9);
  });
  const double expected = 10e-3 + path_latency + 0.32;
  EXPECT_NEAR(t, expected, 1e-9);
  EXPECT_NEAR(sim::object_store_transfer_s(platforms::build_topology(spec), 0, 4e9, 0), expected, 1e-12);
}

TEST(StorageObjectStore, GatewayLinksLimitManyStreams) {
  // 1 gateway of 2 GB/s, 4 streams capped at 1 GB/s: the gateway link (0.5 GB/s each) is the bottleneck: 4e9 / 2e9.
  auto spec = small_spec();
  spec.storage.object_store.gateways = 1;
  spec.storage.object_store.bandwidth_Bps = 2e9;
  spec.storage.object_store.streams = 4;
  const double t = simulate(spec, [](const Sim& s) {
    sim::StorageClient(s.topo, s.platform).write(StorageTier::object_store, 0, 0, 4e9);
  });
  const double expected = 10e-3 + path_latency + 2.0;
  EXPECT_NEAR(t, expected, 1e-9);
  EXPECT_NEAR(sim::object_store_transfer_s(platforms::build_topology(spec), 0, 4e9, 0), expected, 1e-12);
}
