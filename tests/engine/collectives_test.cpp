// Collectives at flow granularity (workloads::plan_collective run by sim::run_collective) against the alpha-beta
// closed forms of sim/analytic/ideal.hpp and against times worked out by hand from the platform numbers. Every flow is a
// SimGrid flow here (no analytic shortcut) unless a test says otherwise. One Engine per test process.

#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "sim/engine/activities.hpp"
#include "sim/analytic/ideal.hpp"
#include "workloads/collective/collective.hpp"

#include <simgrid/s4u.hpp>

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace sg4 = simgrid::s4u;
using namespace racksim;
using workloads::CollectiveAlgorithm;
using workloads::CollectiveOp;

namespace {

constexpr double nic_Bps = 12.5e9;   // one 100 Gb/s NIC per node
constexpr double nvlink_Bps = 100e9; // per GPU, per direction

// racks x nodes_per_rack x gpus_per_node; NVLink 0.5 us, fabric links 1 us, one NIC per node, 2 spines.
platforms::PlatformSpec spec(int racks, int nodes_per_rack, int gpus_per_node, double oversubscription = 1) {
  platforms::PlatformSpec s;
  s.gpus_per_node = gpus_per_node;
  s.nodes_per_rack = nodes_per_rack;
  s.racks = racks;
  s.nvlink_bandwidth_Bps = nvlink_Bps;
  s.nvlink_latency_s = 0.5e-6;
  s.fabric.spines = 2;
  s.fabric.nics_per_node = 1;
  s.fabric.nic_bandwidth_Bps = nic_Bps;
  s.fabric.link_latency_s = 1e-6;
  s.fabric.oversubscription = oversubscription;
  return s;
}

// Path latencies on these platforms: same node 1 us, same rack 3 us, across racks 5 us.
constexpr double alpha_node = 1e-6, alpha_rack = 3e-6, alpha_cross = 5e-6;

struct Outcome {
  double time_s = -1;  // simulated
  double ideal_s = -1; // latency steps + most loaded link, from the routes
};

// Runs `op` with `algorithm` over GPUs [first, first + n) in a fresh Engine.
Outcome run(const platforms::PlatformSpec& s, CollectiveOp op, CollectiveAlgorithm algorithm, int n, double bytes,
            bool analytic_private = false, int first = 0) {
  int argc = 2;
  char arg0[] = "collectives_test", arg1[] = "--log=root.thres:critical";
  char* argv[] = {arg0, arg1, nullptr};
  sg4::Engine engine(&argc, argv);
  platforms::configure_network_model(s.network_model);
  const auto topo = platforms::build_topology(s);
  const auto platform = platforms::build_simgrid_platform(topo);
  std::vector<sg4::Host*> hosts;
  std::vector<int> rank_node;
  for (int g = first; g < first + n; ++g) {
    hosts.push_back(platform.gpu_hosts[static_cast<std::size_t>(g)]);
    rank_node.push_back(topo.node_of_gpu(g));
  }
  const auto phases = workloads::plan_collective(op, algorithm, bytes, rank_node);
  Outcome out;
  out.ideal_s = 0;
  std::vector<sim::PhaseCosts> costs;
  for (const auto& phase : phases) {
    costs.push_back(sim::phase_costs(hosts, phase, analytic_private));
    out.ideal_s += phase.alpha_steps * costs.back().alpha_s + costs.back().bandwidth_s;
  }
  sg4::Actor::create("test", platform.controller, [&] {
    const double t0 = sg4::Engine::get_clock();
    sim::run_collective(hosts, phases, costs);
    out.time_s = sg4::Engine::get_clock() - t0;
  });
  engine.run();
  return out;
}

} // namespace

// 8 GPUs = both racks of 2 nodes x 2 GPUs: the ring crosses racks (alpha 5 us), bottleneck the 12.5 GB/s NIC.
void check_ring_allreduce(double bytes, bool analytic_private) {
  const auto out = run(spec(2, 2, 2), CollectiveOp::allreduce, CollectiveAlgorithm::ring, 8, bytes, analytic_private);
  const double hand = 2 * 7 * alpha_cross + 2.0 * 7 / 8 * bytes / nic_Bps; // T = 2(n-1) a + 2(n-1)/n S/B
  EXPECT_NEAR(out.time_s / hand, 1.0, 0.01);
  EXPECT_NEAR(out.time_s / hand, 1.0, 1e-9); // what the model actually achieves
  EXPECT_NEAR(sim::ring_allreduce_ab_s(8, bytes, alpha_cross, nic_Bps), hand, 1e-15);
  EXPECT_NEAR(out.ideal_s / hand, 1.0, 1e-12);
}

TEST(Collectives, RingAllReduceOf1MiBMatchesAlphaBetaWithinOnePercent) {
  check_ring_allreduce(1 << 20, false);
}

TEST(Collectives, RingAllReduceOf1GBMatchesAlphaBetaWithinOnePercent) {
  check_ring_allreduce(1e9, false);
}

// The intra-node edges (6 of 8) are alone on their NVLinks: timed by formula, the result is the same.
TEST(Collectives, RingAllReduceWithAnalyticPrivateFlowsIsUnchanged) {
  check_ring_allreduce(1e9, true);
}

TEST(Collectives, RingBusBandwidthEqualsTheLinkBandwidthWhenUncontended) {
  // One GPU per node, 8 nodes in one rack: every ring edge has its own 12.5 GB/s NIC path.
  const double bytes = 4.0 * (1 << 30);
  const auto out = run(spec(1, 8, 1), CollectiveOp::allreduce, CollectiveAlgorithm::ring, 8, bytes);
  const double algbw = bytes / out.time_s;
  const double busbw = algbw * workloads::bus_factor(CollectiveOp::allreduce, 8);
  EXPECT_NEAR(busbw / nic_Bps, 1.0, 0.01);
  // Exactly: busbw = B / (1 + 2(n-1) alpha B / (2(n-1)/n S)) = B x (1 - 7e-5) here.
  EXPECT_NEAR(busbw, nic_Bps * (2.0 * 7 / 8 * bytes / nic_Bps) / (2.0 * 7 / 8 * bytes / nic_Bps + 14 * alpha_rack),
              1e-3 * 1e-6 * nic_Bps);
}

void check_ring_gather(CollectiveOp op) {
  const double bytes = 2e9;
  const auto out = run(spec(2, 2, 2), op, CollectiveAlgorithm::ring, 8, bytes);
  const double hand = 7 * alpha_cross + 7.0 / 8 * bytes / nic_Bps; // (n-1) a + (n-1)/n S/B
  EXPECT_NEAR(out.time_s / hand, 1.0, 1e-9);
  EXPECT_NEAR(sim::ring_allgather_ab_s(8, bytes, alpha_cross, nic_Bps) / hand, 1.0, 1e-15);
}

TEST(Collectives, RingAllGatherMatchesAlphaBeta) {
  check_ring_gather(CollectiveOp::allgather);
}

TEST(Collectives, RingReduceScatterMatchesAlphaBeta) {
  check_ring_gather(CollectiveOp::reducescatter);
}

TEST(Collectives, TreeAllReduceMatchesItsClosedForm) {
  // NCCL double binary tree over 8 GPUs, one per node: depth 3, the busiest rank moves 2S per direction
  // (S/2 up + 2 x S/2 down in the tree where it is interior, S/2 up where it is a leaf).
  const double bytes = 1e9;
  const auto out = run(spec(1, 8, 1), CollectiveOp::allreduce, CollectiveAlgorithm::tree, 8, bytes);
  const double hand = 2 * 3 * alpha_rack + 2 * bytes / nic_Bps;
  EXPECT_NEAR(out.time_s / hand, 1.0, 1e-9);
  EXPECT_NEAR(sim::tree_allreduce_ab_s(8, bytes, alpha_rack, nic_Bps) / hand, 1.0, 1e-15);
}

TEST(Collectives, BroadcastChainAndTreeMatchTheirClosedForms) {
  const double bytes = 1e9;
  const auto chain = run(spec(1, 8, 1), CollectiveOp::broadcast, CollectiveAlgorithm::ring, 8, bytes);
  EXPECT_NEAR(chain.time_s / (7 * alpha_rack + bytes / nic_Bps), 1.0, 1e-9); // (n-1) a + S/B
  EXPECT_NEAR(sim::chain_broadcast_ab_s(8, bytes, alpha_rack, nic_Bps) / (7 * alpha_rack + bytes / nic_Bps), 1, 1e-15);
}

TEST(Collectives, TreeBroadcastMatchesItsClosedForm) {
  // NCCL binary tree 0 -> 4 -> {2, 6} -> {1, 3, 5, 7}: depth 3, ranks 4, 2, 6 send S to two children each.
  const double bytes = 1e9;
  const auto tree = run(spec(1, 8, 1), CollectiveOp::broadcast, CollectiveAlgorithm::tree, 8, bytes);
  const double hand = 3 * alpha_rack + 2 * bytes / nic_Bps;
  EXPECT_NEAR(tree.time_s / hand, 1.0, 1e-9);
  EXPECT_NEAR(sim::tree_broadcast_ab_s(8, bytes, alpha_rack, nic_Bps) / hand, 1.0, 1e-15);
}

// 2 nodes x 4 GPUs in one rack: intra-node ring reduce-scatter over NVLink (3 x 1 us, 3/4 S at 100 GB/s), 4 rails of
// S/4 across the nodes sharing the node's 12.5 GB/s uplink (2 x 3 us, 2(m-1)/m S = S through it), intra-node
// all-gather (as the reduce-scatter).
void check_hierarchical_allreduce(bool analytic_private) {
  const double bytes = 1e9;
  const auto out =
      run(spec(1, 2, 4), CollectiveOp::allreduce, CollectiveAlgorithm::hierarchical, 8, bytes, analytic_private);
  const double hand = 2 * (3 * alpha_node + 0.75 * bytes / nvlink_Bps) + 2 * alpha_rack + bytes / nic_Bps;
  EXPECT_NEAR(out.time_s / hand, 1.0, 1e-9);
  EXPECT_NEAR(sim::hierarchical_allreduce_ab_s(4, 2, bytes, alpha_node, nvlink_Bps, alpha_rack, nic_Bps) / hand, 1.0,
              1e-15);
  EXPECT_NEAR(out.ideal_s / hand, 1.0, 1e-12);
}

TEST(Collectives, HierarchicalAllReduceMatchesItsClosedForm) {
  check_hierarchical_allreduce(false);
}

// Its intra-node rings are private (one flow per NVLink direction): timed by formula, the result is the same.
TEST(Collectives, HierarchicalAllReduceWithAnalyticPrivateFlowsIsUnchanged) {
  check_hierarchical_allreduce(true);
}

TEST(Collectives, HierarchicalAllGatherMatchesItsClosedForm) {
  const double bytes = 1e9;
  const auto out = run(spec(1, 2, 4), CollectiveOp::allgather, CollectiveAlgorithm::hierarchical, 8, bytes);
  const double hand = alpha_rack + 0.5 * bytes / nic_Bps + 3 * alpha_node + 0.75 * bytes / nvlink_Bps;
  EXPECT_NEAR(out.time_s / hand, 1.0, 1e-9);
  EXPECT_NEAR(sim::hierarchical_allgather_ab_s(4, 2, bytes, alpha_node, nvlink_Bps, alpha_rack, nic_Bps) / hand, 1.0,
              1e-15);
}

TEST(Collectives, AllToAllOnANonBlockingFabricIsBoundByTheNics) {
  // 4 racks x 4 nodes x 1 GPU, 16 ranks: each sends S/16 to 15 others (3 in its rack, 12 across) through its own
  // 12.5 GB/s NIC; the leaf's spine capacity is 4 x 12.5 = 50 GB/s and carries only 48 x S/16 at the NIC-bound rate.
  // The NIC is busy from the first arrivals (in-rack paths, 3 us) to the end: T = 3 us + (15/16) S / B.
  const double bytes = 1.6e9;
  const auto out = run(spec(4, 4, 1), CollectiveOp::alltoall, CollectiveAlgorithm::direct, 16, bytes);
  EXPECT_NEAR(out.time_s, alpha_rack + 15.0 / 16 * bytes / nic_Bps, 1e-9);
  // The closed form takes the largest path latency once: 2 us above, 2e-5 relative.
  EXPECT_NEAR(out.time_s / sim::direct_alltoall_ab_s(16, bytes, alpha_cross, nic_Bps), 1.0, 1e-4);
}

TEST(Collectives, TwoToOneOversubscriptionHalvesCrossLeafBandwidthUnderAllToAll) {
  // Same all-to-all on a 2:1 leaf: spine capacity per leaf 4 x 12.5 / 2 = 25 GB/s, half the non-blocking 50 GB/s.
  // Cross-rack bytes leaving one leaf: 4 ranks x 12 peers x S/16 = 3S, all at the leaf's share: the leaf link is
  // busy from the cross-rack flows' start (5 us) to the end, T = 5 us + 3S / 25 GB/s; the in-rack flows finish
  // earlier on what the NICs have left.
  const double bytes = 1.6e9, leaf_nonblocking_Bps = 4 * nic_Bps;
  const auto out = run(spec(4, 4, 1, 2.0), CollectiveOp::alltoall, CollectiveAlgorithm::direct, 16, bytes);
  EXPECT_NEAR(out.time_s, alpha_cross + 3 * bytes / (leaf_nonblocking_Bps / 2), 1e-9);
  const double cross_leaf_Bps = 3 * bytes / (out.time_s - alpha_cross);
  EXPECT_NEAR(cross_leaf_Bps / leaf_nonblocking_Bps, 0.5, 1e-9);
  EXPECT_NEAR(out.ideal_s, out.time_s, 1e-9); // the link-load bound finds the leaf link
}
