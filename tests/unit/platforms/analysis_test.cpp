// Topology analyses: diameter, mean hops, ECMP paths, failure domains and the JSON rendering, checked against
// numbers computed by hand in the comments, and mean hops / diameter against an all-pairs BFS in the test.

#include "platforms/analysis.hpp"

#include <boost/graph/breadth_first_search.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace rp = racksim::platforms;

namespace {

// R racks x n nodes x g GPUs, S spines, one 100 GB/s NIC per node, H100 NVLink (450 GB/s, never the bottleneck
// here), storage servers with 50 GB/s links.
rp::PlatformSpec small_spec(int racks, int nodes, int gpus, int spines, double oversubscription, int servers) {
  rp::PlatformSpec spec;
  spec.racks = racks;
  spec.nodes_per_rack = nodes;
  spec.gpus_per_node = gpus;
  spec.fabric.spines = spines;
  spec.fabric.nics_per_node = 1;
  spec.fabric.nic_bandwidth_Bps = 100e9;
  spec.fabric.oversubscription = oversubscription;
  spec.storage.servers = servers;
  spec.storage.server_link_Bps = 50e9;
  return spec;
}

void expect_close(double actual, double expected) {
  EXPECT_NEAR(actual, expected, std::abs(expected) * 1e-9 + 1e-6) << "actual " << actual << " expected " << expected;
}

const rp::FailureDomain& domain(const rp::TopologyAnalysis& a, const std::string& kind) {
  for (const auto& d : a.failure_domains)
    if (d.kind == kind) return d;
  throw std::runtime_error("no failure domain " + kind);
}

// All-pairs BFS over GPUs, independent of the symmetry argument analyze() relies on.
void all_pairs(const rp::Topology& topo, int& diameter, double& mean) {
  diameter = 0;
  double sum = 0;
  for (rp::Vertex from : topo.gpus) {
    std::vector<int> distance(boost::num_vertices(topo.graph), 0);
    boost::breadth_first_search(
        topo.graph, from,
        boost::visitor(boost::make_bfs_visitor(boost::record_distances(distance.data(), boost::on_tree_edge()))));
    for (rp::Vertex to : topo.gpus) {
      diameter = std::max(diameter, distance[to]);
      sum += distance[to];
    }
  }
  const double n = topo.num_gpus();
  mean = n < 2 ? 0 : sum / (n * (n - 1));
}

} // namespace

// 2 racks x 2 nodes x 2 GPUs, 2 spines, 1:1, 2 storage servers.
// leaf_spine = 2 nodes x 100 GB/s / 1 / 2 spines = 100 GB/s; leaf aggregate 200 GB/s; bisection 200 GB/s.
TEST(PlatformAnalysis, TwoRacksTwoSpines) {
  const rp::Topology topo = rp::build_topology(small_spec(2, 2, 2, 2, 1.0, 2));
  const rp::TopologyAnalysis a = rp::analyze(topo);
  EXPECT_EQ(a.gpu_diameter_hops, 6);
  // From one GPU: 1 GPU at 2 links, 2 at 4, 4 at 6: (2 + 8 + 24) / 7 = 34/7.
  expect_close(a.mean_gpu_hops, 34.0 / 7.0);
  EXPECT_EQ(a.leaf_ecmp_paths, 2);
  EXPECT_EQ(a.leaf_ecmp_hops, 2);
  expect_close(a.bisection_Bps, 200e9);
  expect_close(a.bisection_formula_Bps, 200e9);
  ASSERT_EQ(a.failure_domains.size(), 6u);

  // Leaf 0 down: rack 0's 4 GPUs are cut off from the fabric and from storage; nothing crosses the bisection.
  const auto& leaf = domain(a, "leaf");
  EXPECT_EQ(leaf.failed, std::vector<std::string>{"leaf-0"});
  EXPECT_EQ(leaf.gpus_failed, 0);
  EXPECT_EQ(leaf.gpus_cut_off, 4);
  EXPECT_EQ(leaf.gpus_without_storage, 4);
  expect_close(leaf.bisection_Bps, 0);
  // Spine 0 down: all connected, bisection x (S-1)/S = 100 GB/s.
  const auto& spine = domain(a, "spine");
  EXPECT_EQ(spine.failed, std::vector<std::string>{"spine-0"});
  EXPECT_EQ(spine.gpus_cut_off, 0);
  EXPECT_EQ(spine.gpus_without_storage, 0);
  expect_close(spine.bisection_Bps, 100e9);
  // Rack 0 power: leaf, 2 NVSwitches, 4 GPUs gone; the others stay connected; the sending half is empty.
  const auto& rack = domain(a, "rack_power");
  EXPECT_EQ(rack.failed.size(), 7u);
  EXPECT_EQ(rack.gpus_failed, 4);
  EXPECT_EQ(rack.gpus_cut_off, 0);
  EXPECT_EQ(rack.gpus_without_storage, 0);
  expect_close(rack.bisection_Bps, 0);
  // One of two storage servers: storage still reachable, bisection untouched.
  const auto& server = domain(a, "storage_server");
  EXPECT_EQ(server.failed, std::vector<std::string>{"storage-0"});
  EXPECT_EQ(server.storage_servers_failed, 1);
  EXPECT_EQ(server.gpus_without_storage, 0);
  expect_close(server.bisection_Bps, 200e9);
  // Storage leaf: every GPU loses storage, the GPU fabric is untouched.
  const auto& storage_leaf = domain(a, "storage_leaf");
  EXPECT_EQ(storage_leaf.failed, std::vector<std::string>{"storage-leaf"});
  EXPECT_EQ(storage_leaf.gpus_cut_off, 0);
  EXPECT_EQ(storage_leaf.gpus_without_storage, 8);
  EXPECT_EQ(storage_leaf.gpus_without_object_store, 0);
  expect_close(storage_leaf.bisection_Bps, 200e9);

  // The object store (its leaf and its 4 default gateways): every GPU loses it, nothing else changes.
  const auto& object_store = domain(a, "object_store");
  EXPECT_EQ(object_store.failed.size(), 1u + 4u);
  EXPECT_EQ(object_store.failed.front(), "object-store-leaf");
  EXPECT_EQ(object_store.gpus_cut_off, 0);
  EXPECT_EQ(object_store.gpus_without_storage, 0);
  EXPECT_EQ(object_store.gpus_without_object_store, 8);
  EXPECT_EQ(object_store.storage_servers_failed, 0);
  expect_close(object_store.bisection_Bps, 200e9);
  // A leaf takes its rack off the object store as well as off the file system.
  EXPECT_EQ(domain(a, "leaf").gpus_without_object_store, 4);
}

// 4 racks x 2 nodes x 2 GPUs, 3 spines, 2:1, one storage server.
// leaf_spine = 2 x 100 GB/s / 2 / 3 = 33.3 GB/s; leaf aggregate 100 GB/s; bisection = 2 racks x 100 = 200 GB/s.
TEST(PlatformAnalysis, FourRacksThreeSpinesOversubscribed) {
  const rp::Topology topo = rp::build_topology(small_spec(4, 2, 2, 3, 2.0, 1));
  const rp::TopologyAnalysis a = rp::analyze(topo);
  EXPECT_EQ(a.gpu_diameter_hops, 6);
  // 1 GPU at 2, 2 at 4, 12 at 6: (2 + 8 + 72) / 15 = 82/15.
  expect_close(a.mean_gpu_hops, 82.0 / 15.0);
  EXPECT_EQ(a.leaf_ecmp_paths, 3);
  expect_close(a.bisection_Bps, 200e9);

  const auto& leaf = domain(a, "leaf");
  EXPECT_EQ(leaf.gpus_cut_off, 4);
  EXPECT_EQ(leaf.gpus_without_storage, 4);
  expect_close(leaf.bisection_Bps, 100e9); // only rack 1 still sends to racks 2, 3
  const auto& spine = domain(a, "spine");
  EXPECT_EQ(spine.gpus_cut_off, 0);
  expect_close(spine.bisection_Bps, 200e9 * 2 / 3);
  const auto& rack = domain(a, "rack_power");
  EXPECT_EQ(rack.gpus_failed, 4);
  EXPECT_EQ(rack.gpus_cut_off, 0);
  expect_close(rack.bisection_Bps, 100e9);
  // The only storage server: all 16 GPUs lose storage.
  const auto& server = domain(a, "storage_server");
  EXPECT_EQ(server.storage_servers_failed, 1);
  EXPECT_EQ(server.gpus_without_storage, 16);
  EXPECT_EQ(server.gpus_cut_off, 0);
  expect_close(server.bisection_Bps, 200e9);
  EXPECT_EQ(domain(a, "storage_leaf").gpus_without_storage, 16);
}

// One rack x 2 nodes x 2 GPUs: no spine path between leaves, no bisection.
TEST(PlatformAnalysis, SingleRack) {
  const rp::Topology topo = rp::build_topology(small_spec(1, 2, 2, 2, 1.0, 1));
  const rp::TopologyAnalysis a = rp::analyze(topo);
  EXPECT_EQ(a.gpu_diameter_hops, 4);
  expect_close(a.mean_gpu_hops, 10.0 / 3.0); // 1 at 2, 2 at 4
  EXPECT_EQ(a.leaf_ecmp_paths, 0);
  EXPECT_EQ(a.bisection_Bps, 0);
  // The leaf takes all 4 GPUs off storage; they split into two nodes, one of which counts as the fabric.
  EXPECT_EQ(domain(a, "leaf").gpus_cut_off, 2);
  EXPECT_EQ(domain(a, "leaf").gpus_without_storage, 4);
  EXPECT_EQ(domain(a, "rack_power").gpus_failed, 4);
}

// The BFS-from-GPU-0 values and the counting formula match an all-pairs BFS.
TEST(PlatformAnalysis, MeanHopsMatchAllPairsBfs) {
  const rp::PlatformSpec specs[] = {small_spec(2, 2, 2, 2, 1.0, 2), small_spec(4, 2, 2, 3, 2.0, 1),
                                    small_spec(3, 3, 2, 4, 1.5, 2), small_spec(1, 1, 4, 1, 1.0, 1),
                                    small_spec(5, 1, 1, 2, 1.0, 1), small_spec(1, 1, 1, 1, 1.0, 1)};
  for (const auto& spec : specs) {
    const rp::Topology topo = rp::build_topology(spec);
    const rp::TopologyAnalysis a = rp::analyze(topo);
    int diameter = 0;
    double mean = 0;
    all_pairs(topo, diameter, mean);
    SCOPED_TRACE(std::to_string(spec.racks) + "x" + std::to_string(spec.nodes_per_rack) + "x" +
                 std::to_string(spec.gpus_per_node));
    EXPECT_EQ(a.gpu_diameter_hops, diameter);
    EXPECT_EQ(a.gpu_diameter_hops, rp::gpu_hop_diameter(topo));
    expect_close(a.mean_gpu_hops, mean);
    expect_close(rp::mean_gpu_hops_formula(topo), mean);
    if (spec.racks >= 2) {
      EXPECT_EQ(a.leaf_ecmp_paths, spec.fabric.spines);
    }
  }
}

// The JSON parses (Python's json module through popen) and carries the expected values.
TEST(PlatformAnalysis, JsonParsesWithExpectedValues) {
  const rp::Topology topo = rp::build_topology(small_spec(4, 2, 2, 3, 2.0, 1));
  const std::string json = rp::analysis_json(topo, rp::analyze(topo));
  EXPECT_NE(json.find("\"leaf_ecmp_paths\": 3"), std::string::npos);
  EXPECT_NE(json.find("\"gpu_diameter_hops\": 6"), std::string::npos);
  EXPECT_EQ(json.find("inf"), std::string::npos);

  if (!std::ifstream("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3 to parse the JSON";
  const std::string path = ::testing::TempDir() + "racksim_analysis_test.json";
  std::ofstream(path) << json;
  const std::string script =
      "import json,sys\n"
      "d=json.load(sys.stdin)\n"
      "c=d['counts']; l=d['links']\n"
      "print(c['gpus'],c['nodes'],c['racks'],c['leaves'],c['spines'],c['storage_leaves'],c['storage_servers'])\n"
      "print(*[l[k]['count'] for k in ('nvlink','node_leaf','leaf_spine','storage_leaf_spine','storage_server')])\n"
      "print(c['object_store_gateways'], c['nvme'], *[l[k]['count'] for k in ('object_store_leaf_spine',"
      "'object_store_gateway','pcie')], round(l['object_store_gateway']['bandwidth_Bps']/1e6))\n"
      "print(round(l['node_leaf']['bandwidth_Bps']/1e6), round(l['leaf_spine']['total_Bps']/1e6))\n"
      "print(round(d['bisection_Bps']['graph']/1e6), round(d['bisection_Bps']['formula']/1e6))\n"
      "print(d['gpu_diameter_hops'], d['leaf_ecmp_paths'], d['leaf_ecmp_hops'], round(d['mean_gpu_hops']*15))\n"
      "print(*[f['kind']+':'+','.join(f['failed'][:1])+':'+str(f['gpus_cut_off'])+':'+str(f['gpus_without_storage'])"
      "+':'+str(f['gpus_without_object_store']) for f in d['failure_domains']])\n";
  const std::string script_path = ::testing::TempDir() + "racksim_analysis_test.py";
  std::ofstream(script_path) << script;
  const std::string command = "/usr/bin/python3 " + script_path + " < " + path;
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[256];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr)
    output += buf;
  EXPECT_EQ(pclose(pipe), 0) << json;
  // In MB/s: node uplink 100 GB/s; leaf_spine total = 12 links x 33.3 GB/s = 400 GB/s; bisection 200 GB/s (the
  // graph value is a scaled-integer max-flow, within 1e-9 relative, hence the rounding).
  // Object store at its defaults: 4 gateways of 50 GB/s / 4 = 12.5 GB/s; 8 NVMe volumes (one per node), 3 + 4
  // object-store links. Domains: kind:first failed:cut off:without PFS:without object store.
  EXPECT_EQ(output, "16 8 4 4 3 1 1\n"
                    "16 8 12 3 1\n"
                    "4 8 3 4 8 12500\n"
                    "100000 400000\n"
                    "200000 200000\n"
                    "6 3 2 82\n"
                    "leaf:leaf-0:4:4:4 spine:spine-0:0:0:0 rack_power:leaf-0:0:0:0 storage_server:storage-0:0:16:0 "
                    "storage_leaf:storage-leaf:0:16:0 object_store:object-store-leaf:0:0:16\n")
      << json;
}
