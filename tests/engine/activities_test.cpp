// The SimGrid activities against closed forms computed by hand from the platform numbers: a lone transfer
// (sum of latencies + S/B), the ring all-reduce (alpha-beta: 2(n-1) alpha + 2(n-1)/n S/B), bandwidth sharing of
// two rings on one uplink, and a striped checkpoint write (disk- or network-bound).

#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "sim/engine/activities.hpp"
#include "sim/analytic/ideal.hpp"

#include <simgrid/s4u.hpp>

#include <gtest/gtest.h>

#include <functional>

namespace sg4 = simgrid::s4u;
using namespace racksim;

namespace {

// 2 racks x 2 nodes x 2 GPUs; NVLink 100 GB/s (0.5 us); one 100 Gb/s NIC per node (12.5 GB/s, 1 us links);
// 2 spines, non-blocking: each leaf's aggregated spine link carries 2 x 12.5 GB/s.
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
  spec.storage.server_link_Bps = 12.5e9;
  spec.storage.link_latency_s = 1e-6;
  return spec;
}

// Builds the platform in a fresh Engine, runs `body` in an actor on the controller, returns simulated seconds.
double simulate(const platforms::PlatformSpec& spec, const std::function<void(const platforms::SimPlatform&)>& body) {
  int argc = 2;
  char arg0[] = "engine_test", arg1[] = "--log=root.thres:critical";
  char* argv[] = {arg0, arg1, nullptr};
  sg4::Engine engine(&argc, argv);
  platforms::configure_network_model(spec.network_model);
  const auto topo = platforms::build_topology(spec);
  const auto platform = platforms::build_simgrid_platform(topo);
  double elapsed = -1;
  sg4::Actor::create("test", platform.controller, [&] {
    const double t0 = sg4::Engine::get_clock();
    body(platform);
    elapsed = sg4::Engine::get_clock() - t0;
  });
  engine.run();
  return elapsed;
}

void transfer(sg4::Host* a, sg4::Host* b, double bytes) {
  sg4::Comm::sendto_async(a, b, static_cast<std::uint64_t>(bytes))->wait();
}

} // namespace

TEST(Activities, LoneTransferAcrossRacksIsLatencyPlusSizeOverBottleneck) {
  // GPU 0 (rack 0) -> GPU 4 (rack 1): nvlink 0.5 + uplink 1 + leaf 1 + leaf 1 + uplink 1 + nvlink 0.5 = 5 us.
  const double t = simulate(small_spec(), [](const auto& p) { transfer(p.gpu_hosts[0], p.gpu_hosts[4], 1e9); });
  EXPECT_NEAR(t, 5e-6 + 1e9 / 12.5e9, 1e-12);
}

TEST(Activities, LoneTransferInsideANodeUsesNvlinkOnly) {
  const double t = simulate(small_spec(), [](const auto& p) { transfer(p.gpu_hosts[0], p.gpu_hosts[1], 1e9); });
  EXPECT_NEAR(t, 1e-6 + 1e9 / 100e9, 1e-12);
}

TEST(Activities, TcpModelIsSlowerThanRdmaByTheLv08Factors) {
  auto spec = small_spec();
  spec.network_model = platforms::NetworkModel::tcp;
  const double t = simulate(spec, [](const auto& p) { transfer(p.gpu_hosts[0], p.gpu_hosts[4], 1e9); });
  // LV08: bandwidth x 0.97, latency x 13.01.
  EXPECT_NEAR(t, 13.01 * 5e-6 + 1e9 / (0.97 * 12.5e9), 1e-6);
}

TEST(Activities, RingAllReduceMatchesAlphaBetaAcrossNodes) {
  // 4 GPUs on 2 nodes of rack 0: ring 0->1 (nvlink), 1->2 (cross node), 2->3, 3->0 (cross node).
  // alpha = 0.5 + 1 + 1 + 0.5 us = 3 us; B = 12.5 GB/s (node uplink).
  const double bytes = 1 << 30, n = 4;
  const double t = simulate(small_spec(), [&](const auto& p) {
    sim::ring_allreduce({p.gpu_hosts[0], p.gpu_hosts[1], p.gpu_hosts[2], p.gpu_hosts[3]}, bytes, 1, 3e-6);
  });
  const double expected = 2 * (n - 1) * 3e-6 + 2 * (n - 1) / n * bytes / 12.5e9;
  EXPECT_NEAR(t / expected, 1.0, 1e-9);
}

TEST(Activities, RingAllReduceAcrossRacksAndAggregatedIterations) {
  // 8 GPUs, both racks: cross-rack edges 3->4 and 7->0: alpha = 5 us, B = 12.5 GB/s; 10 iterations in one step.
  const double bytes = 256e6, n = 8, iters = 10;
  const double t = simulate(small_spec(), [&](const auto& p) { sim::ring_allreduce(p.gpu_hosts, bytes, iters, 5e-6); });
  const double expected = iters * (2 * (n - 1) * 5e-6 + 2 * (n - 1) / n * bytes / 12.5e9);
  EXPECT_NEAR(t / expected, 1.0, 1e-9);
}

TEST(Activities, IdealRingFormulaAgreesWithSimulation) {
  const auto spec = small_spec();
  const auto topo = platforms::build_topology(spec);
  const std::vector<int> gpus{0, 1, 2, 3, 4, 5};
  const double bytes = 512e6;
  const double formula = sim::ring_allreduce_s(topo, gpus, bytes);
  double alpha = 0;
  for (std::size_t i = 0; i < gpus.size(); ++i)
    alpha = std::max(alpha, platforms::gpu_path(topo, gpus[i], gpus[(i + 1) % gpus.size()]).latency_s);
  const double t = simulate(spec, [&](const auto& p) {
    std::vector<sg4::Host*> hosts;
    for (int g : gpus)
      hosts.push_back(p.gpu_hosts[g]);
    sim::ring_allreduce(hosts, bytes, 1, alpha);
  });
  EXPECT_NEAR(t / formula, 1.0, 1e-9);
}

TEST(Activities, TwoGpuRingAcrossNodesAlone) {
  // Rings {0,2} and {1,3} both cross node 0's and node 1's uplinks in both directions.
  const double bytes = 1e9;
  const double alone = simulate(small_spec(), [&](const auto& p) {
    sim::ring_allreduce({p.gpu_hosts[0], p.gpu_hosts[2]}, bytes, 1, 3e-6);
  });
  EXPECT_NEAR(alone, 2 * 3e-6 + bytes / 12.5e9, 1e-12);
}

TEST(Activities, TwoConcurrentRingsOnOneUplinkTakeTwiceAsLong) {
  const double bytes = 1e9;
  const double both = simulate(small_spec(), [&](const auto& p) {
    auto other = sg4::Actor::create("ring-b", p.controller, [&] {
      sim::ring_allreduce({p.gpu_hosts[1], p.gpu_hosts[3]}, bytes, 1, 3e-6);
    });
    sim::ring_allreduce({p.gpu_hosts[0], p.gpu_hosts[2]}, bytes, 1, 3e-6);
    other->join();
  });
  // Bytes per ring edge = 2(n-1)/n S = S; two flows share 12.5 GB/s.
  EXPECT_NEAR(both, 2 * 3e-6 + 2 * bytes / 12.5e9, 1e-9);
}

TEST(Activities, CheckpointIsDiskBoundWhenDisksAreSlow) {
  // 8 GB over 4 servers at 1 GB/s each: 2 s of disk; the network (12.5 GB/s) needs 0.64 s.
  const auto spec = small_spec();
  const double t =
      simulate(spec, [](const auto& p) { sim::striped_write(p.gpu_hosts[0], p.storage_hosts, p.storage_disks, 8e9); });
  EXPECT_NEAR(t, 2.0, 1e-9);
  EXPECT_NEAR(sim::checkpoint_write_s(platforms::build_topology(spec), 0, 8e9), 2.0, 1e-9);
}

TEST(Activities, CheckpointIsNetworkBoundWhenDisksAreFast) {
  // Disks at 100 GB/s: the writer's node uplink (12.5 GB/s) is the bottleneck for all four stripes.
  // Path GPU 0 -> storage: nvlink 0.5 + uplink 1 + leaf 1 + storage leaf 1 + server link 1 = 4.5 us.
  auto spec = small_spec();
  spec.storage.disk_write_Bps = 100e9;
  const double t =
      simulate(spec, [](const auto& p) { sim::striped_write(p.gpu_hosts[0], p.storage_hosts, p.storage_disks, 8e9); });
  EXPECT_NEAR(t, 4.5e-6 + 8e9 / 12.5e9, 1e-9);
  EXPECT_NEAR(sim::checkpoint_write_s(platforms::build_topology(spec), 0, 8e9), t, 1e-9);
}
