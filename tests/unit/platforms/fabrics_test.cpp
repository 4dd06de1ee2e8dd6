// The fabric kinds on the graph: bisection by max-flow equals each kind's closed form on regular cases (computed
// by hand below), the routes the simulator uses, switch counts, and what one failure cuts off or degrades.

#include "platforms/analysis.hpp"
#include "platforms/topology.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rp = racksim::platforms;

namespace {

// 2 nodes x 2 GPUs per rack, one 100 Gb/s NIC per node, NVLink 100 GB/s.
rp::PlatformSpec base(int racks) {
  rp::PlatformSpec spec;
  spec.gpus_per_node = 2;
  spec.nodes_per_rack = 2;
  spec.racks = racks;
  spec.nvlink_bandwidth_Bps = 100e9;
  spec.fabric.spines = 2;
  spec.fabric.nics_per_node = 1;
  spec.fabric.nic_bandwidth_Bps = 12.5e9;
  spec.storage.servers = 2;
  return spec;
}

rp::PlatformSpec fat_tree(double pod_oversubscription) {
  auto spec = base(8);
  spec.fabric.kind = "fat_tree";
  spec.fabric.racks_per_pod = 2;
  spec.fabric.aggregation_per_pod = 2;
  spec.fabric.core_switches = 4;
  spec.fabric.pod_oversubscription = pod_oversubscription;
  return spec;
}

rp::PlatformSpec rail(double oversubscription) {
  auto spec = base(4);
  spec.fabric.kind = "rail_optimized";
  spec.gpus_per_node = 4;
  spec.fabric.nics_per_node = 4;
  spec.fabric.oversubscription = oversubscription;
  return spec;
}

rp::PlatformSpec dragonfly() {
  auto spec = base(8);
  spec.fabric.kind = "dragonfly";
  spec.fabric.racks_per_group = 2;
  spec.fabric.global_links_per_rack = 2;
  return spec;
}

void expect_close(double got, double want) {
  EXPECT_NEAR(got, want, want * 1e-12) << "got " << got << ", want " << want;
}

const rp::FailureDomain& domain(const rp::TopologyAnalysis& a, const std::string& kind) {
  for (const auto& d : a.failure_domains)
    if (d.kind == kind) return d;
  throw std::runtime_error("no failure domain " + kind);
}

std::vector<std::string> links(const std::vector<rp::Hop>& route) {
  std::vector<std::string> out;
  for (const auto& h : route)
    out.push_back(h.link);
  return out;
}

} // namespace

TEST(Fabrics, FatTreeCountsCapacitiesAndBisection) {
  const auto topo = rp::build_topology(fat_tree(2));
  EXPECT_EQ(topo.num_pods(), 4);
  EXPECT_EQ(topo.aggregations.size(), 8u);
  EXPECT_EQ(topo.spines.size(), 4u);
  EXPECT_EQ(topo.graph[topo.spines[0]].name, "core-0");
  // Leaf: 2 nodes x 12.5 GB/s down, non-blocking up over 2 aggregation switches; pod: 2 leaves x 25 GB/s down,
  // 2:1 up over 4 core links.
  expect_close(topo.leaf_uplink_Bps, 25e9);
  expect_close(topo.leaf_spine_Bps, 12.5e9);
  expect_close(topo.pod_uplink_Bps, 25e9);
  expect_close(topo.agg_core_Bps, 6.25e9);
  // Half the racks = 2 whole pods: min(4 racks x 25 GB/s, 2 pods x 25 GB/s) = 50 GB/s.
  expect_close(rp::bisection_formula_Bps(topo), 50e9);
  expect_close(rp::bisection_bandwidth_Bps(topo), 50e9);
  // Non-blocking pods: the racks limit, 4 x 25 GB/s.
  const auto full = rp::build_topology(fat_tree(1));
  expect_close(rp::bisection_formula_Bps(full), 100e9);
  expect_close(rp::bisection_bandwidth_Bps(full), 100e9);
}

TEST(Fabrics, FatTreeRoutesStayInThePodWhenTheyCan) {
  const auto topo = rp::build_topology(fat_tree(2));
  // GPU 0 (rack 0) to GPU 4 (rack 1, same pod) and to GPU 8 (rack 2, pod 1).
  EXPECT_EQ(links(rp::gpu_route(topo, 0, 4)),
            (std::vector<std::string>{"nvlink-gpu-0", "uplink-node-0", "leaf-0-uplink", "leaf-1-uplink",
                                      "uplink-node-2", "nvlink-gpu-4"}));
  EXPECT_EQ(links(rp::gpu_route(topo, 0, 8)),
            (std::vector<std::string>{"nvlink-gpu-0", "uplink-node-0", "leaf-0-uplink", "pod-0-uplink", "pod-1-uplink",
                                      "leaf-2-uplink", "uplink-node-4", "nvlink-gpu-8"}));
  expect_close(rp::gpu_path(topo, 0, 8).bandwidth_Bps, 12.5e9);
}

TEST(Fabrics, RailOptimizedCountsRoutesAndBisection) {
  const auto topo = rp::build_topology(rail(2));
  EXPECT_EQ(topo.leaves.size(), 16u); // 4 scalable units x 4 rails
  EXPECT_EQ(topo.graph[topo.leaves[5]].name, "leaf-1-rail-1");
  // A rail leaf: 2 nodes x 12.5 GB/s down, 2:1 up; a scalable unit's 4 rails in total.
  expect_close(topo.leaf_spine_Bps, 6.25e9);
  expect_close(topo.leaf_uplink_Bps, 50e9);
  // Half the units (2) x min(50 GB/s up, 2 nodes x 4 GPUs x 12.5 GB/s) = 100 GB/s.
  expect_close(rp::bisection_formula_Bps(topo), 100e9);
  expect_close(rp::bisection_bandwidth_Bps(topo), 100e9);
  // GPU 0 and GPU 5 (node 1, rail 1, same unit): their own NICs only; GPU 0 and GPU 1: NVLink.
  EXPECT_EQ(links(rp::gpu_route(topo, 0, 5)), (std::vector<std::string>{"nic-gpu-0", "nic-gpu-5"}));
  EXPECT_EQ(links(rp::gpu_route(topo, 0, 1)), (std::vector<std::string>{"nvlink-gpu-0", "nvlink-gpu-1"}));
  EXPECT_EQ(links(rp::gpu_route(topo, 0, 8)),
            (std::vector<std::string>{"nic-gpu-0", "leaf-0-uplink", "leaf-1-uplink", "nic-gpu-8"}));
}

TEST(Fabrics, DragonflyGlobalLinksRoutesAndBisection) {
  const auto topo = rp::build_topology(dragonfly());
  EXPECT_EQ(topo.num_pods(), 4);
  EXPECT_TRUE(topo.spines.empty());
  // A group's 2 routers x 2 global links over the 3 other groups: 4/3 links of 12.5 GB/s per pair.
  expect_close(topo.global_pair_Bps, 4 * 12.5e9 / 3);
  // Groups {0, 1} vs {2, 3}: 4 pairs cross, min(4 racks x 25 GB/s, 4 x 16.7 GB/s).
  expect_close(rp::bisection_formula_Bps(topo), 4 * topo.global_pair_Bps);
  expect_close(rp::bisection_bandwidth_Bps(topo), 4 * topo.global_pair_Bps);
  // Gateways: the other groups dealt round-robin over a group's routers. Group 0 -> 2 leaves from rack 1; group
  // 2 -> 0 arrives at rack 4. GPU 0 (rack 0) to GPU 20 (rack 5, group 2): local 0-1, global 0-2, local 4-5.
  EXPECT_EQ(links(rp::gpu_route(topo, 0, 20)),
            (std::vector<std::string>{"nvlink-gpu-0", "uplink-node-0", "local-0-1", "global-0-2", "local-4-5",
                                      "uplink-node-10", "nvlink-gpu-20"}));
  expect_close(rp::gpu_path(topo, 0, 20).bandwidth_Bps, 12.5e9);
}

TEST(Fabrics, RackNvlinkDomainJoinsTheWholeRack) {
  auto spec = base(2);
  spec.nvlink_domain = "rack";
  const auto topo = rp::build_topology(spec);
  EXPECT_EQ(topo.nvswitches.size(), 2u);
  EXPECT_EQ(topo.graph[topo.nvswitches[1]].name, "rack-1-nvswitch");
  // GPUs 0 and 3 are on different nodes of rack 0: NVLink only.
  EXPECT_EQ(links(rp::gpu_route(topo, 0, 3)), (std::vector<std::string>{"nvlink-gpu-0", "nvlink-gpu-3"}));
  expect_close(rp::gpu_path(topo, 0, 3).bandwidth_Bps, 100e9);
  EXPECT_EQ(links(rp::gpu_route(topo, 0, 4)),
            (std::vector<std::string>{"nvlink-gpu-0", "rack-0-nics", "leaf-0-uplink", "leaf-1-uplink", "rack-1-nics",
                                      "nvlink-gpu-4"}));
  expect_close(rp::bisection_formula_Bps(topo), 25e9);
  expect_close(rp::bisection_bandwidth_Bps(topo), 25e9);
}

TEST(Fabrics, SwitchRadixIsChecked) {
  auto spec = fat_tree(2);
  // Leaf: 2 NIC ports down + 2 up (non-blocking); aggregation: 2 leaves x 1 port down + 1 up (2:1); core: one port
  // to an aggregation switch of each of the 4 pods.
  const auto ports = rp::switch_ports(spec);
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0].kind, "leaf");
  EXPECT_EQ(ports[0].down + ports[0].up, 4);
  EXPECT_EQ(ports[1].kind, "aggregation");
  EXPECT_EQ(ports[1].down, 2);
  EXPECT_EQ(ports[1].up, 1);
  EXPECT_EQ(ports[2].kind, "core");
  EXPECT_EQ(ports[2].down, 4);
  spec.fabric.switch_radix = 4;
  EXPECT_NO_THROW(rp::build_topology(spec));
  spec.fabric.switch_radix = 3;
  try {
    rp::build_topology(spec);
    ADD_FAILURE() << "radix 3 accepted";
  } catch (const rp::PlatformError& e) {
    EXPECT_EQ(std::string(e.what()), "platform.fabric.switch_radix must be at least the 4 ports a leaf switch needs "
                                     "(2 down + 2 up, at NIC speed) (got 3)");
  }
}

TEST(Fabrics, ASpineFailureReroutesALeafFailureCutsOffExactlyItsNodes) {
  // Leaf-spine, 4 racks, 2 spines: one spine down leaves every GPU connected and halves the uplinks.
  auto spec = base(4);
  const auto leaf_spine = rp::analyze(rp::build_topology(spec));
  EXPECT_EQ(domain(leaf_spine, "spine").gpus_cut_off, 0);
  expect_close(domain(leaf_spine, "spine").bisection_Bps, leaf_spine.bisection_Bps / 2);
  EXPECT_EQ(domain(leaf_spine, "leaf").gpus_cut_off, 4); // its 2 nodes x 2 GPUs
  // Fat tree: an aggregation switch or core switch down cuts nobody off; a leaf cuts its rack off.
  const auto ft = rp::analyze(rp::build_topology(fat_tree(2)));
  EXPECT_EQ(domain(ft, "aggregation").gpus_cut_off, 0);
  EXPECT_EQ(domain(ft, "spine").gpus_cut_off, 0);
  expect_close(domain(ft, "spine").bisection_Bps, ft.bisection_Bps * 3 / 4); // one of 4 core switches
  EXPECT_EQ(domain(ft, "leaf").gpus_cut_off, 4);
  // Rail-optimized: one rail leaf down cuts nobody off (its GPUs still reach the others over NVLink).
  const auto ro = rp::analyze(rp::build_topology(rail(1)));
  EXPECT_EQ(domain(ro, "leaf").gpus_cut_off, 0);
  EXPECT_EQ(domain(ro, "rack_power").gpus_failed, 8);
  EXPECT_EQ(domain(ro, "rack_power").gpus_cut_off, 0);
  // Dragonfly: a router down cuts off its rack; the others still reach each other through other groups.
  const auto df = rp::analyze(rp::build_topology(dragonfly()));
  EXPECT_EQ(domain(df, "leaf").gpus_cut_off, 4);
}
