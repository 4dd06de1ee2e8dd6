// Topology graph: shape, names, validation messages, bisection (max-flow vs closed form) and path facts, all
// checked against numbers computed by hand in the comments.

#include "platforms/topology.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

namespace rp = racksim::platforms;

namespace {

// The spec defaults: H100 (NVLink 450 GB/s per direction), 8 GPUs/node, 4 nodes/rack, 2 racks, 4 spines,
// 8 x 400 Gb/s NICs per node (node uplink 400 GB/s), 1:1, 4 storage servers with 50 GB/s links.
rp::PlatformSpec base_spec() {
  return rp::PlatformSpec{};
}

std::map<rp::VertexKind, int> vertex_counts(const rp::Topology& topo) {
  std::map<rp::VertexKind, int> counts;
  for (auto [v, end] = boost::vertices(topo.graph); v != end; ++v)
    ++counts[topo.graph[*v].kind];
  return counts;
}

std::map<rp::LinkTier, int> edge_counts(const rp::Topology& topo) {
  std::map<rp::LinkTier, int> counts;
  for (auto [e, end] = boost::edges(topo.graph); e != end; ++e)
    ++counts[topo.graph[*e].tier];
  return counts;
}

const rp::EdgeProps* find_edge(const rp::Topology& topo, const std::string& name) {
  for (auto [e, end] = boost::edges(topo.graph); e != end; ++e)
    if (topo.graph[*e].name == name) return &topo.graph[*e];
  return nullptr;
}

// Relative comparison: max-flow runs on scaled integers, so allow a relative error far below planning accuracy.
void expect_close(double actual, double expected) {
  EXPECT_NEAR(actual, expected, std::abs(expected) * 1e-9) << "actual " << actual << " expected " << expected;
}

} // namespace

// ---- shape ------------------------------------------------------------------------------------------------------

TEST(PlatformTopology, DefaultShapeCounts) {
  const rp::Topology topo = rp::build_topology(base_spec());
  EXPECT_EQ(topo.num_gpus(), 64);
  EXPECT_EQ(topo.num_nodes(), 8);
  EXPECT_EQ(topo.num_racks(), 2);
  const auto v = vertex_counts(topo);
  EXPECT_EQ(v.at(rp::VertexKind::gpu), 64);
  EXPECT_EQ(v.at(rp::VertexKind::nvswitch), 8);
  EXPECT_EQ(v.at(rp::VertexKind::leaf), 2);
  EXPECT_EQ(v.at(rp::VertexKind::spine), 4);
  EXPECT_EQ(v.at(rp::VertexKind::storage_leaf), 1);
  EXPECT_EQ(v.at(rp::VertexKind::storage_server), 4);
  // Storage tiers at their defaults: an object store of 4 gateways, 8 NVMe drives per node (one volume each).
  EXPECT_EQ(v.at(rp::VertexKind::object_store_leaf), 1);
  EXPECT_EQ(v.at(rp::VertexKind::object_store_gateway), 4);
  EXPECT_EQ(v.at(rp::VertexKind::nvme), 8);
  EXPECT_EQ(boost::num_vertices(topo.graph), 83u + 1 + 4 + 8);
  const auto e = edge_counts(topo);
  EXPECT_EQ(e.at(rp::LinkTier::nvlink), 64);
  EXPECT_EQ(e.at(rp::LinkTier::node_leaf), 8);
  EXPECT_EQ(e.at(rp::LinkTier::leaf_spine), 8);  // 2 leaves x 4 spines
  EXPECT_EQ(e.at(rp::LinkTier::storage), 4 + 4); // 4 storage-leaf-spine + 4 server links
  EXPECT_EQ(e.at(rp::LinkTier::object_store), 4 + 4); // 4 object-store-leaf-spine + 4 gateway links
  EXPECT_EQ(e.at(rp::LinkTier::pcie), 8);             // one per node
  EXPECT_EQ(boost::num_edges(topo.graph), 88u + 8 + 8);
}

TEST(PlatformTopology, OtherShapesCounts) {
  struct Shape {
    int gpus_per_node, nodes_per_rack, racks, spines, servers;
  };
  for (const Shape s : {Shape{4, 2, 3, 2, 1}, Shape{8, 16, 8, 8, 6}, Shape{1, 1, 1, 1, 1}}) {
    rp::PlatformSpec spec = base_spec();
    spec.gpus_per_node = s.gpus_per_node;
    spec.nodes_per_rack = s.nodes_per_rack;
    spec.racks = s.racks;
    spec.fabric.spines = s.spines;
    spec.storage.servers = s.servers;
    const rp::Topology topo = rp::build_topology(spec);
    const int nodes = s.nodes_per_rack * s.racks;
    const int gpus = nodes * s.gpus_per_node;
    SCOPED_TRACE(gpus);
    const auto v = vertex_counts(topo);
    EXPECT_EQ(v.at(rp::VertexKind::gpu), gpus);
    EXPECT_EQ(v.at(rp::VertexKind::nvswitch), nodes);
    EXPECT_EQ(v.at(rp::VertexKind::leaf), s.racks);
    EXPECT_EQ(v.at(rp::VertexKind::spine), s.spines);
    EXPECT_EQ(v.at(rp::VertexKind::storage_leaf), 1);
    EXPECT_EQ(v.at(rp::VertexKind::storage_server), s.servers);
    const auto e = edge_counts(topo);
    EXPECT_EQ(e.at(rp::LinkTier::nvlink), gpus);
    EXPECT_EQ(e.at(rp::LinkTier::node_leaf), nodes);
    EXPECT_EQ(e.at(rp::LinkTier::leaf_spine), s.racks * s.spines);
    EXPECT_EQ(e.at(rp::LinkTier::storage), s.spines + s.servers);
    EXPECT_EQ(topo.gpus.size(), static_cast<size_t>(gpus));
    EXPECT_EQ(topo.storage_servers.size(), static_cast<size_t>(s.servers));
  }
}

TEST(PlatformTopology, NamesAreUniqueStableAndIndexed) {
  const rp::Topology topo = rp::build_topology(base_spec());
  const auto& g = topo.graph;
  std::set<std::string> names;
  for (auto [v, end] = boost::vertices(g); v != end; ++v)
    EXPECT_TRUE(names.insert(g[*v].name).second) << g[*v].name;
  for (auto [e, end] = boost::edges(g); e != end; ++e)
    EXPECT_TRUE(names.insert(g[*e].name).second) << g[*e].name;

  EXPECT_EQ(g[topo.gpus[37]].name, "gpu-37");
  EXPECT_EQ(g[topo.gpus[37]].node, 4);
  EXPECT_EQ(g[topo.gpus[37]].rack, 1);
  EXPECT_EQ(g[topo.nvswitches[5]].name, "node-5-nvswitch");
  EXPECT_EQ(g[topo.nvswitches[5]].rack, 1);
  EXPECT_EQ(g[topo.leaves[1]].name, "leaf-1");
  EXPECT_EQ(g[topo.spines[3]].name, "spine-3");
  EXPECT_EQ(g[topo.storage_leaf].name, "storage-leaf");
  EXPECT_EQ(g[topo.storage_servers[2]].name, "storage-2");
  EXPECT_EQ(g[topo.storage_servers[2]].index, 2);

  for (const char* link :
       {"nvlink-gpu-37", "uplink-node-5", "leaf-1-spine-3", "storage-leaf-spine-3", "storage-2-link"})
    EXPECT_NE(find_edge(topo, link), nullptr) << link;
  EXPECT_EQ(rp::names::leaf_uplink_aggregate(1), "leaf-1-uplink");
  EXPECT_EQ(rp::names::storage_uplink_aggregate(), "storage-leaf-uplink");
}

TEST(PlatformTopology, EdgeCapacitiesAndLatencies) {
  rp::PlatformSpec spec = base_spec();
  spec.fabric.oversubscription = 2;
  spec.fabric.link_latency_s = 2e-6;
  spec.storage.link_latency_s = 3e-6;
  const rp::Topology topo = rp::build_topology(spec);

  EXPECT_DOUBLE_EQ(topo.gpu_flops, 989.4e12 * 0.4);
  EXPECT_DOUBLE_EQ(topo.nvlink_Bps, 450e9);                 // from the catalog
  EXPECT_DOUBLE_EQ(topo.node_uplink_Bps, 8 * 50e9);         // 8 NICs x 400 Gb/s
  EXPECT_DOUBLE_EQ(topo.leaf_spine_Bps, 4 * 400e9 / 2 / 4); // 4 nodes x 400 GB/s / 2:1 / 4 spines = 200 GB/s
  EXPECT_DOUBLE_EQ(topo.storage_uplink_Bps, 4 * 50e9 / 4);  // uplink 0 = 4 servers x 50 GB/s, over 4 spines
  EXPECT_DOUBLE_EQ(rp::leaf_uplink_aggregate_Bps(topo), 800e9);
  EXPECT_DOUBLE_EQ(rp::storage_uplink_aggregate_Bps(topo), 200e9);

  const auto* nvlink = find_edge(topo, "nvlink-gpu-0");
  ASSERT_NE(nvlink, nullptr);
  EXPECT_EQ(nvlink->tier, rp::LinkTier::nvlink);
  EXPECT_DOUBLE_EQ(nvlink->bandwidth_Bps, 450e9);
  EXPECT_DOUBLE_EQ(nvlink->latency_s, 0.5e-6);
  const auto* uplink = find_edge(topo, "uplink-node-0");
  EXPECT_EQ(uplink->tier, rp::LinkTier::node_leaf);
  EXPECT_DOUBLE_EQ(uplink->bandwidth_Bps, 400e9);
  EXPECT_DOUBLE_EQ(uplink->latency_s, 2e-6);
  const auto* leaf_spine = find_edge(topo, "leaf-0-spine-1");
  EXPECT_EQ(leaf_spine->tier, rp::LinkTier::leaf_spine);
  EXPECT_DOUBLE_EQ(leaf_spine->bandwidth_Bps, 200e9);
  EXPECT_DOUBLE_EQ(leaf_spine->latency_s, 2e-6);
  const auto* storage_spine = find_edge(topo, "storage-leaf-spine-0");
  EXPECT_EQ(storage_spine->tier, rp::LinkTier::storage);
  EXPECT_DOUBLE_EQ(storage_spine->bandwidth_Bps, 50e9);
  EXPECT_DOUBLE_EQ(storage_spine->latency_s, 2e-6); // a fabric link
  const auto* server = find_edge(topo, "storage-0-link");
  EXPECT_EQ(server->tier, rp::LinkTier::storage);
  EXPECT_DOUBLE_EQ(server->bandwidth_Bps, 50e9);
  EXPECT_DOUBLE_EQ(server->latency_s, 3e-6);
}

TEST(PlatformTopology, ExplicitNvlinkAndStorageUplinkOverrideDefaults) {
  rp::PlatformSpec spec = base_spec();
  spec.gpu_model = "A100-SXM4-80GB";
  spec.nvlink_bandwidth_Bps = 100e9;
  spec.storage.uplink_Bps = 100e9;
  spec.gpu_efficiency = 0.5;
  const rp::Topology topo = rp::build_topology(spec);
  EXPECT_DOUBLE_EQ(topo.nvlink_Bps, 100e9);
  EXPECT_DOUBLE_EQ(topo.storage_uplink_Bps, 25e9);
  EXPECT_DOUBLE_EQ(topo.gpu_flops, 156e12); // 312 TFLOPS x 0.5
}

// ---- validation -------------------------------------------------------------------------------------------------

TEST(PlatformTopology, ValidationMessagesNameTheField) {
  using Mutator = std::function<void(rp::PlatformSpec&)>;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<Mutator, std::string>> cases = {
      {[](auto& s) { s.gpu_model = "X100"; },
       "platform.gpu: unknown GPU model 'X100' (known: A100-SXM4-80GB, H100-SXM5-80GB, H200-SXM-141GB)"},
      {[](auto& s) { s.gpus_per_node = 0; }, "platform.gpus_per_node must be >= 1 (got 0)"},
      {[](auto& s) { s.nodes_per_rack = -2; }, "platform.nodes_per_rack must be >= 1 (got -2)"},
      {[](auto& s) { s.racks = 0; }, "platform.racks must be >= 1 (got 0)"},
      {[](auto& s) {
         s.racks = 1000000;
         s.nodes_per_rack = 1000;
       },
       "platform.racks must be such that racks x nodes_per_rack x gpus_per_node <= 2147483647 (got 8000000000 GPUs)"},
      {[](auto& s) { s.gpu_efficiency = 0; }, "platform.gpu_efficiency must be in (0, 1] (got 0)"},
      {[](auto& s) { s.gpu_efficiency = 1.5; }, "platform.gpu_efficiency must be in (0, 1] (got 1.5)"},
      {[nan](auto& s) { s.gpu_efficiency = nan; }, "platform.gpu_efficiency must be a finite number (got nan)"},
      {[](auto& s) { s.nvlink_bandwidth_Bps = -1; }, "platform.nvlink_bandwidth must be >= 0 (got -1)"},
      {[](auto& s) { s.nvlink_latency_s = -1e-6; }, "platform.nvlink_latency must be >= 0 (got -1e-06)"},
      {[](auto& s) { s.fabric.kind = "torus"; },
       "platform.fabric.kind must be one of leaf_spine, fat_tree, rail_optimized, dragonfly (got 'torus')"},
      {[](auto& s) { s.fabric.kind = "fat_tree"; },
       "platform.racks must be a multiple of fabric.racks_per_pod (4) for a fat_tree (got 2)"},
      {[](auto& s) {
         s.fabric.kind = "fat_tree";
         s.fabric.racks_per_pod = 1;
         s.fabric.core_switches = 6;
       },
       "platform.fabric.core_switches must be a multiple of fabric.aggregation_per_pod (4): each aggregation switch "
       "connects to core_switches / aggregation_per_pod of them (got 6)"},
      {[](auto& s) { s.fabric.kind = "rail_optimized"; s.fabric.nics_per_node = 4; },
       "platform.fabric.nics_per_node must be equal to gpus_per_node (8) for rail_optimized: one NIC per GPU (got 4)"},
      {[](auto& s) {
         s.fabric.kind = "dragonfly";
         s.racks = 12;
         s.fabric.racks_per_group = 2;
         s.fabric.global_links_per_rack = 2;
       },
       "platform.fabric.global_links_per_rack must be such that racks_per_group x global_links_per_rack >= groups - 1 "
       "(5): every pair of groups needs a global link (got 2)"},
      {[](auto& s) { s.nvlink_domain = "pod"; }, "platform.nvlink_domain must be 'node' or 'rack' (got 'pod')"},
      {[](auto& s) { s.fabric.kind = "dragonfly"; s.fabric.racks_per_group = 2; s.nvlink_domain = "rack"; },
       "platform.nvlink_domain must be 'node' with fabric.kind dragonfly ('rack' works with leaf_spine and fat_tree) "
       "(got 'rack')"},
      {[](auto& s) { s.fabric.switch_radix = 40; },
       "platform.fabric.switch_radix must be at least the 64 ports a leaf switch needs (32 down + 32 up, at NIC "
       "speed) (got 40)"},
      {[](auto& s) { s.fabric.spines = 0; }, "platform.fabric.spines must be >= 1 (got 0)"},
      {[](auto& s) { s.fabric.nics_per_node = 0; }, "platform.fabric.nics_per_node must be >= 1 (got 0)"},
      {[](auto& s) { s.fabric.nic_bandwidth_Bps = 0; }, "platform.fabric.nic_bandwidth must be > 0 (got 0)"},
      {[inf](auto& s) { s.fabric.nic_bandwidth_Bps = inf; },
       "platform.fabric.nic_bandwidth must be a finite number (got inf)"},
      {[](auto& s) { s.fabric.link_latency_s = -1; }, "platform.fabric.link_latency must be >= 0 (got -1)"},
      {[](auto& s) { s.fabric.oversubscription = 0.5; }, "platform.fabric.oversubscription must be >= 1 (got 0.5)"},
      {[](auto& s) { s.storage.servers = 0; }, "platform.storage.servers must be >= 1 (got 0)"},
      {[](auto& s) { s.storage.disk_read_Bps = 0; }, "platform.storage.disk_read_bandwidth must be > 0 (got 0)"},
      {[](auto& s) { s.storage.disk_write_Bps = -5; }, "platform.storage.disk_write_bandwidth must be > 0 (got -5)"},
      {[](auto& s) { s.storage.server_link_Bps = 0; }, "platform.storage.server_link_bandwidth must be > 0 (got 0)"},
      {[](auto& s) { s.storage.uplink_Bps = -1; }, "platform.storage.uplink_bandwidth must be >= 0 (got -1)"},
      {[](auto& s) { s.storage.link_latency_s = -1; }, "platform.storage.link_latency must be >= 0 (got -1)"},
  };
  for (const auto& [mutate, message] : cases) {
    rp::PlatformSpec spec = base_spec();
    mutate(spec);
    try {
      rp::build_topology(spec);
      ADD_FAILURE() << "no error, expected: " << message;
    } catch (const rp::PlatformError& e) {
      EXPECT_EQ(std::string(e.what()), message);
    }
    EXPECT_THROW(rp::validate_spec(spec), rp::PlatformError) << message;
  }
  EXPECT_NO_THROW(rp::validate_spec(base_spec()));
}

TEST(PlatformTopology, BoundaryValuesAreAccepted) {
  rp::PlatformSpec spec = base_spec();
  spec.gpu_efficiency = 1;
  spec.nvlink_latency_s = 0;
  spec.fabric.link_latency_s = 0;
  spec.fabric.oversubscription = 1;
  spec.storage.link_latency_s = 0;
  EXPECT_NO_THROW(rp::build_topology(spec));
}

// ---- bisection --------------------------------------------------------------------------------------------------

TEST(PlatformBisection, GraphMatchesFormulaAcrossShapes) {
  for (int racks : {2, 3, 4, 8}) {
    for (double oversubscription : {1.0, 2.0, 3.0, 1.5}) {
      for (int spines : {1, 4, 6}) {
        rp::PlatformSpec spec = base_spec();
        spec.racks = racks;
        spec.fabric.oversubscription = oversubscription;
        spec.fabric.spines = spines;
        const rp::Topology topo = rp::build_topology(spec);
        SCOPED_TRACE("racks " + std::to_string(racks) + " oversubscription " + std::to_string(oversubscription) +
                     " spines " + std::to_string(spines));
        // Each rack's uplink is 4 nodes x 400 GB/s / oversubscription, whatever the spine count; R/2 racks send.
        const double expected = (racks / 2) * 1600e9 / oversubscription;
        expect_close(rp::bisection_formula_Bps(topo), expected);
        expect_close(rp::bisection_bandwidth_Bps(topo), expected);
      }
    }
  }
}

TEST(PlatformBisection, HandComputedValues) {
  rp::PlatformSpec spec = base_spec();
  expect_close(rp::bisection_bandwidth_Bps(rp::build_topology(spec)), 1.6e12); // 1 rack x 4 x 400 GB/s
  spec.racks = 4;
  expect_close(rp::bisection_bandwidth_Bps(rp::build_topology(spec)), 3.2e12);
  spec.racks = 8;
  expect_close(rp::bisection_bandwidth_Bps(rp::build_topology(spec)), 6.4e12);
  spec.fabric.oversubscription = 3;
  expect_close(rp::bisection_bandwidth_Bps(rp::build_topology(spec)), 4 * 1600e9 / 3);
}

TEST(PlatformBisection, TwoToOneIsHalfOfOneToOne) {
  rp::PlatformSpec spec = base_spec();
  spec.racks = 4;
  const double full = rp::bisection_bandwidth_Bps(rp::build_topology(spec));
  spec.fabric.oversubscription = 2;
  const double half = rp::bisection_bandwidth_Bps(rp::build_topology(spec));
  expect_close(half, full / 2);
}

TEST(PlatformBisection, SingleRackIsZero) {
  rp::PlatformSpec spec = base_spec();
  spec.racks = 1;
  const rp::Topology topo = rp::build_topology(spec);
  EXPECT_EQ(rp::bisection_bandwidth_Bps(topo), 0);
  EXPECT_EQ(rp::bisection_formula_Bps(topo), 0);
}

TEST(PlatformBisection, LimitedByNodeInjectionWhenNvlinkIsSlow) {
  // 2 GPUs per node at 10 GB/s NVLink inject 20 GB/s per node, 80 GB/s per rack: below the 1.6 TB/s of uplinks.
  rp::PlatformSpec spec = base_spec();
  spec.gpus_per_node = 2;
  spec.nvlink_bandwidth_Bps = 10e9;
  spec.racks = 4;
  const rp::Topology topo = rp::build_topology(spec);
  expect_close(rp::bisection_bandwidth_Bps(topo), 2 * 80e9);
  expect_close(rp::bisection_formula_Bps(topo), 2 * 80e9);
}

TEST(PlatformBisection, LargePlatformCompletes) {
  // 16 racks x 32 nodes x 8 GPUs = 4096 GPUs, 8 spines; 1:1 so each sending rack gives 32 x 400 GB/s.
  rp::PlatformSpec spec = base_spec();
  spec.racks = 16;
  spec.nodes_per_rack = 32;
  spec.fabric.spines = 8;
  const rp::Topology topo = rp::build_topology(spec);
  expect_close(rp::bisection_bandwidth_Bps(topo), 8 * 32 * 400e9);
}

// ---- paths ------------------------------------------------------------------------------------------------------

TEST(PlatformPaths, SameGpuIsFree) {
  const rp::Topology topo = rp::build_topology(base_spec());
  const rp::PathFacts p = rp::gpu_path(topo, 5, 5);
  EXPECT_TRUE(std::isinf(p.bandwidth_Bps));
  EXPECT_EQ(p.latency_s, 0);
}

TEST(PlatformPaths, SameNodeIsTwoNvlinkHops) {
  const rp::Topology topo = rp::build_topology(base_spec());
  const rp::PathFacts p = rp::gpu_path(topo, 0, 7);
  EXPECT_DOUBLE_EQ(p.bandwidth_Bps, 450e9);
  EXPECT_DOUBLE_EQ(p.latency_s, 2 * 0.5e-6);
}

TEST(PlatformPaths, SameRackCrossesTheLeaf) {
  const rp::Topology topo = rp::build_topology(base_spec());
  const rp::PathFacts p = rp::gpu_path(topo, 0, 8); // node 0 -> node 1, rack 0
  EXPECT_DOUBLE_EQ(p.bandwidth_Bps, 400e9);         // min(NVLink 450, node uplink 400)
  EXPECT_DOUBLE_EQ(p.latency_s, 2 * 0.5e-6 + 2 * 1e-6);
  const rp::PathFacts back = rp::gpu_path(topo, 8, 0);
  EXPECT_DOUBLE_EQ(back.bandwidth_Bps, p.bandwidth_Bps);
  EXPECT_DOUBLE_EQ(back.latency_s, p.latency_s);
}

TEST(PlatformPaths, CrossRackUsesTheAggregatedSpineLayer) {
  rp::PlatformSpec spec = base_spec();
  rp::Topology topo = rp::build_topology(spec);
  rp::PathFacts p = rp::gpu_path(topo, 0, 32); // rack 0 -> rack 1
  EXPECT_DOUBLE_EQ(p.bandwidth_Bps, 400e9);    // leaf aggregate 4 x 400 GB/s is not the bottleneck
  EXPECT_DOUBLE_EQ(p.latency_s, 2 * 0.5e-6 + 4 * 1e-6);

  // 8:1 with 4 nodes per rack: the leaf aggregate is 4 x 400 / 8 = 200 GB/s, spread over 4 spines of 50 GB/s
  // each; the fluid-ECMP path sees the 200 GB/s aggregate, not one 50 GB/s spine link.
  spec.fabric.oversubscription = 8;
  topo = rp::build_topology(spec);
  p = rp::gpu_path(topo, 0, 63);
  EXPECT_DOUBLE_EQ(p.bandwidth_Bps, 200e9);
}

TEST(PlatformPaths, GpuToStorage) {
  rp::PlatformSpec spec = base_spec();
  rp::Topology topo = rp::build_topology(spec);
  rp::PathFacts p = rp::gpu_to_storage_path(topo, 40, 3);
  EXPECT_DOUBLE_EQ(p.bandwidth_Bps, 50e9); // the server's 50 GB/s link
  // nvlink 0.5 us + uplink 1 us + leaf->spine 1 us + spine->storage leaf 1 us + server link 1 us
  EXPECT_DOUBLE_EQ(p.latency_s, 0.5e-6 + 3e-6 + 1e-6);

  // A thin storage uplink (100 GB/s over 4 spines) with fat server links: the uplink aggregate is the bottleneck.
  spec.storage.uplink_Bps = 100e9;
  spec.storage.server_link_Bps = 400e9;
  spec.storage.link_latency_s = 5e-6;
  topo = rp::build_topology(spec);
  p = rp::gpu_to_storage_path(topo, 0, 0);
  EXPECT_DOUBLE_EQ(p.bandwidth_Bps, 100e9);
  EXPECT_DOUBLE_EQ(p.latency_s, 0.5e-6 + 3e-6 + 5e-6);
}

TEST(PlatformPaths, OutOfRangeIdsThrow) {
  const rp::Topology topo = rp::build_topology(base_spec());
  EXPECT_THROW(rp::gpu_path(topo, 0, 64), std::out_of_range);
  EXPECT_THROW(rp::gpu_path(topo, -1, 0), std::out_of_range);
  EXPECT_THROW(rp::gpu_to_storage_path(topo, 0, 4), std::out_of_range);
  EXPECT_THROW(rp::gpu_to_storage_path(topo, 64, 0), std::out_of_range);
}

// ---- describe ---------------------------------------------------------------------------------------------------

TEST(PlatformDescribe, DiameterByShape) {
  rp::PlatformSpec spec = base_spec();
  EXPECT_EQ(rp::gpu_hop_diameter(rp::build_topology(spec)), 6);
  spec.racks = 1;
  EXPECT_EQ(rp::gpu_hop_diameter(rp::build_topology(spec)), 4);
  spec.nodes_per_rack = 1;
  EXPECT_EQ(rp::gpu_hop_diameter(rp::build_topology(spec)), 2);
  spec.gpus_per_node = 1;
  EXPECT_EQ(rp::gpu_hop_diameter(rp::build_topology(spec)), 0);
}

TEST(PlatformDescribe, Formats) {
  EXPECT_EQ(rp::format_bits_per_second(50e9), "400 Gb/s");
  EXPECT_EQ(rp::format_bits_per_second(1.6e12), "12.8 Tb/s");
  EXPECT_EQ(rp::format_bits_per_second(0), "0 b/s");
  EXPECT_EQ(rp::format_bytes_per_second(3.35e12), "3.35 TB/s");
  EXPECT_EQ(rp::format_bytes_per_second(12.5e12), "12.5 TB/s");
  EXPECT_EQ(rp::format_flops(989.4e12), "989.4 TFLOPS");
  EXPECT_EQ(rp::format_bits_per_second(std::numeric_limits<double>::infinity()), "unlimited");
}

TEST(PlatformDescribe, TextStatesTheFacts) {
  const rp::Topology topo = rp::build_topology(base_spec());
  const std::string text = rp::describe_text(topo);
  for (const char* fact :
       {"2 racks x 4 nodes x 8 GPUs = 64 GPUs, 8 nodes", "H100-SXM5-80GB", "395.8 TFLOPS effective",
        "nvlink      64 x 3.6 Tb/s", "node_leaf   8 x 3.2 Tb/s", "leaf_spine  8 x 3.2 Tb/s", "12.8 Tb/s per leaf",
        "4 servers", "bisection: 12.8 Tb/s (graph max-flow), 12.8 Tb/s (formula)", "oversubscription 1:1",
        "diameter: 6", "failure domains: 2 racks"})
    EXPECT_NE(text.find(fact), std::string::npos) << "missing '" << fact << "' in:\n" << text;
}
