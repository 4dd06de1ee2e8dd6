// Topology: spec validation, the Boost.Graph build, and the analyses on it (bisection by max-flow, path facts,
// describe). The naming and path rules are stated once, in topology.hpp.

#include "platforms/topology.hpp"

#include "platforms/catalog.hpp"
#include "platforms/storage.hpp"

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/push_relabel_max_flow.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace racksim::platforms {

const char* to_string(VertexKind kind) {
  switch (kind) {
  case VertexKind::gpu:
    return "gpu";
  case VertexKind::nvswitch:
    return "nvswitch";
  case VertexKind::leaf:
    return "leaf";
  case VertexKind::aggregation:
    return "aggregation";
  case VertexKind::spine:
    return "spine";
  case VertexKind::storage_leaf:
    return "storage_leaf";
  case VertexKind::storage_server:
    return "storage_server";
  case VertexKind::object_store_leaf:
    return "object_store_leaf";
  case VertexKind::object_store_gateway:
    return "object_store_gateway";
  case VertexKind::nvme:
    return "nvme";
  }
  return "?";
}

const char* to_string(LinkTier tier) {
  switch (tier) {
  case LinkTier::nvlink:
    return "nvlink";
  case LinkTier::node_leaf:
    return "node_leaf";
  case LinkTier::leaf_spine:
    return "leaf_spine";
  case LinkTier::core:
    return "core";
  case LinkTier::storage:
    return "storage";
  case LinkTier::object_store:
    return "object_store";
  case LinkTier::pcie:
    return "pcie";
  }
  return "?";
}

namespace names {
namespace {
std::string n(int v) {
  return std::to_string(v);
}
} // namespace
std::string gpu(int gpu) {
  return "gpu-" + n(gpu);
}
std::string nvswitch(int node) {
  return "node-" + n(node) + "-nvswitch";
}
std::string rack_nvswitch(int rack) {
  return "rack-" + n(rack) + "-nvswitch";
}
std::string leaf(int rack) {
  return "leaf-" + n(rack);
}
std::string rail_leaf(int rack, int rail) {
  return "leaf-" + n(rack) + "-rail-" + n(rail);
}
std::string aggregation(int pod, int a) {
  return "agg-" + n(pod) + "-" + n(a);
}
std::string spine(int spine) {
  return "spine-" + n(spine);
}
std::string core(int core) {
  return "core-" + n(core);
}
std::string nvlink(int gpu) {
  return "nvlink-gpu-" + n(gpu);
}
std::string node_uplink(int node) {
  return "uplink-node-" + n(node);
}
std::string rack_nics(int rack) {
  return "rack-" + n(rack) + "-nics";
}
std::string gpu_nic(int gpu) {
  return "nic-gpu-" + n(gpu);
}
std::string leaf_spine(int rack, int spine) {
  return "leaf-" + n(rack) + "-spine-" + n(spine);
}
std::string rail_spine(int rack, int rail, int spine) {
  return rail_leaf(rack, rail) + "-spine-" + n(spine);
}
std::string leaf_aggregation(int rack, int a) {
  return "leaf-" + n(rack) + "-agg-" + n(a);
}
std::string aggregation_core(int pod, int a, int core) {
  return aggregation(pod, a) + "-core-" + n(core);
}
std::string local_link(int rack_a, int rack_b) {
  return "local-" + n(rack_a) + "-" + n(rack_b);
}
std::string global_link(int group_a, int group_b) {
  return "global-" + n(group_a) + "-" + n(group_b);
}
std::string leaf_uplink_aggregate(int rack) {
  return "leaf-" + n(rack) + "-uplink";
}
std::string pod_uplink_aggregate(int pod) {
  return "pod-" + n(pod) + "-uplink";
}
} // namespace names

namespace {

std::string number(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

// `field` is the scenario key (docs/scenario-reference.md), so the message points at what the user wrote.
[[noreturn]] void fail(const std::string& field, const std::string& requirement, const std::string& got) {
  throw PlatformError("platform." + field + " must be " + requirement + " (got " + got + ")");
}

void require_count(const char* field, int value) {
  if (value < 1) fail(field, ">= 1", std::to_string(value));
}

void require_finite(const char* field, double value) {
  if (!std::isfinite(value)) fail(field, "a finite number", number(value));
}

void require_positive(const char* field, double value) {
  require_finite(field, value);
  if (!(value > 0)) fail(field, "> 0", number(value));
}

void require_non_negative(const char* field, double value) {
  require_finite(field, value);
  if (!(value >= 0)) fail(field, ">= 0", number(value));
}

} // namespace

namespace {

int ceil_div(double a, double b) {
  return static_cast<int>(std::ceil(a / b - 1e-9));
}

bool is_kind(const PlatformSpec& spec, const char* kind) {
  return spec.fabric.kind == kind;
}

} // namespace

std::vector<SwitchPorts> switch_ports(const PlatformSpec& spec) {
  const FabricSpec& f = spec.fabric;
  std::vector<SwitchPorts> out;
  if (is_kind(spec, "rail_optimized")) {
    const int down = spec.nodes_per_rack;
    const int up = ceil_div(down, f.oversubscription);
    out.push_back({"leaf", down, up});
    out.push_back({"spine", spec.racks * spec.gpus_per_node * ceil_div(up, f.spines), 0});
    return out;
  }
  const int leaf_down = spec.nodes_per_rack * f.nics_per_node;
  if (is_kind(spec, "dragonfly")) {
    out.push_back({"router", leaf_down, (f.racks_per_group - 1) + f.global_links_per_rack});
    return out;
  }
  const int leaf_up = ceil_div(leaf_down, f.oversubscription);
  out.push_back({"leaf", leaf_down, leaf_up});
  if (is_kind(spec, "fat_tree")) {
    const int agg_down = f.racks_per_pod * ceil_div(leaf_up, f.aggregation_per_pod);
    const int agg_up = ceil_div(agg_down, f.pod_oversubscription);
    out.push_back({"aggregation", agg_down, agg_up});
    const int pods = spec.racks / std::max(1, f.racks_per_pod);
    const int cores_per_agg = std::max(1, f.core_switches / std::max(1, f.aggregation_per_pod));
    out.push_back({"core", pods * ceil_div(agg_up, cores_per_agg), 0});
  } else {
    out.push_back({"spine", spec.racks * ceil_div(leaf_up, f.spines), 0});
  }
  return out;
}

void validate_spec(const PlatformSpec& spec) {
  try {
    find_gpu(spec.gpu_model);
  } catch (const std::invalid_argument& e) {
    throw PlatformError(std::string("platform.gpu: ") + e.what());
  }
  require_count("gpus_per_node", spec.gpus_per_node);
  require_count("nodes_per_rack", spec.nodes_per_rack);
  require_count("racks", spec.racks);
  // GPU ids are ints; refuse a platform whose ids would overflow rather than wrap silently.
  const auto total_gpus = static_cast<std::int64_t>(spec.gpus_per_node) * spec.nodes_per_rack * spec.racks;
  if (total_gpus > std::numeric_limits<int>::max())
    fail("racks",
         "such that racks x nodes_per_rack x gpus_per_node <= " + std::to_string(std::numeric_limits<int>::max()),
         std::to_string(total_gpus) + " GPUs");
  require_finite("gpu_efficiency", spec.gpu_efficiency);
  if (!(spec.gpu_efficiency > 0 && spec.gpu_efficiency <= 1))
    fail("gpu_efficiency", "in (0, 1]", number(spec.gpu_efficiency));
  require_non_negative("nvlink_bandwidth", spec.nvlink_bandwidth_Bps);
  require_non_negative("nvlink_latency", spec.nvlink_latency_s);
  if (spec.nvlink_domain != "node" && spec.nvlink_domain != "rack")
    fail("nvlink_domain", "'node' or 'rack'", "'" + spec.nvlink_domain + "'");

  const FabricSpec& fabric = spec.fabric;
  const std::string& kind = fabric.kind;
  if (kind != "leaf_spine" && kind != "fat_tree" && kind != "rail_optimized" && kind != "dragonfly")
    fail("fabric.kind", "one of leaf_spine, fat_tree, rail_optimized, dragonfly", "'" + kind + "'");
  require_count("fabric.spines", fabric.spines);
  require_count("fabric.nics_per_node", fabric.nics_per_node);
  require_positive("fabric.nic_bandwidth", fabric.nic_bandwidth_Bps);
  require_non_negative("fabric.link_latency", fabric.link_latency_s);
  require_finite("fabric.uplink_latency", fabric.uplink_latency_s);
  require_finite("fabric.core_latency", fabric.core_latency_s);
  require_finite("fabric.oversubscription", fabric.oversubscription);
  if (!(fabric.oversubscription >= 1)) fail("fabric.oversubscription", ">= 1", number(fabric.oversubscription));
  if (fabric.switch_radix < 0) fail("fabric.switch_radix", ">= 0 (0 = not checked)", std::to_string(fabric.switch_radix));

  if (kind == "fat_tree") {
    require_count("fabric.racks_per_pod", fabric.racks_per_pod);
    require_count("fabric.aggregation_per_pod", fabric.aggregation_per_pod);
    require_count("fabric.core_switches", fabric.core_switches);
    require_finite("fabric.pod_oversubscription", fabric.pod_oversubscription);
    if (!(fabric.pod_oversubscription >= 1))
      fail("fabric.pod_oversubscription", ">= 1", number(fabric.pod_oversubscription));
    if (spec.racks % fabric.racks_per_pod != 0)
      fail("racks", "a multiple of fabric.racks_per_pod (" + std::to_string(fabric.racks_per_pod) + ") for a fat_tree",
           std::to_string(spec.racks));
    if (fabric.core_switches % fabric.aggregation_per_pod != 0)
      fail("fabric.core_switches",
           "a multiple of fabric.aggregation_per_pod (" + std::to_string(fabric.aggregation_per_pod) +
               "): each aggregation switch connects to core_switches / aggregation_per_pod of them",
           std::to_string(fabric.core_switches));
  }
  if (kind == "rail_optimized") {
    if (fabric.nics_per_node != spec.gpus_per_node)
      fail("fabric.nics_per_node",
           "equal to gpus_per_node (" + std::to_string(spec.gpus_per_node) + ") for rail_optimized: one NIC per GPU",
           std::to_string(fabric.nics_per_node));
  }
  if (spec.nvlink_domain == "rack" && kind != "leaf_spine" && kind != "fat_tree")
    fail("nvlink_domain", "'node' with fabric.kind " + kind + " ('rack' works with leaf_spine and fat_tree)", "'rack'");
  if (kind == "dragonfly") {
    require_count("fabric.racks_per_group", fabric.racks_per_group);
    require_count("fabric.global_links_per_rack", fabric.global_links_per_rack);
    require_non_negative("fabric.local_bandwidth", fabric.local_bandwidth_Bps);
    require_non_negative("fabric.global_bandwidth", fabric.global_bandwidth_Bps);
    if (spec.racks % fabric.racks_per_group != 0)
      fail("racks",
           "a multiple of fabric.racks_per_group (" + std::to_string(fabric.racks_per_group) + ") for a dragonfly",
           std::to_string(spec.racks));
    const int groups = spec.racks / fabric.racks_per_group;
    if (groups > 1 && fabric.racks_per_group * fabric.global_links_per_rack < groups - 1)
      fail("fabric.global_links_per_rack",
           "such that racks_per_group x global_links_per_rack >= groups - 1 (" + std::to_string(groups - 1) +
               "): every pair of groups needs a global link",
           std::to_string(fabric.global_links_per_rack));
  }
  if (fabric.switch_radix > 0)
    for (const SwitchPorts& p : switch_ports(spec))
      if (p.down + p.up > fabric.switch_radix)
        fail("fabric.switch_radix",
             "at least the " + std::to_string(p.down + p.up) + " ports a " + p.kind + " switch needs (" +
                 std::to_string(p.down) + " down + " + std::to_string(p.up) + " up, at NIC speed)",
             std::to_string(fabric.switch_radix));

  validate_storage_spec(spec);
}

int Topology::num_pods() const {
  if (kind() == "fat_tree") return spec.racks / spec.fabric.racks_per_pod;
  if (kind() == "dragonfly") return spec.racks / spec.fabric.racks_per_group;
  return 1;
}

int Topology::pod_of_rack(int rack) const {
  if (kind() == "fat_tree") return rack / spec.fabric.racks_per_pod;
  if (kind() == "dragonfly") return rack / spec.fabric.racks_per_group;
  return 0;
}

namespace {

// Dragonfly: the router (rack) of group `from` that holds the global link to group `to`: the other groups are
// dealt round-robin over the group's routers, in group order.
int dragonfly_gateway(const Topology& topo, int from, int to) {
  const int a = topo.spec.fabric.racks_per_group;
  const int k = to < from ? to : to - 1;
  return from * a + k % a;
}

} // namespace

Topology build_topology(const PlatformSpec& spec) {
  validate_spec(spec);
  const GpuModel& model = find_gpu(spec.gpu_model);
  const FabricSpec& fabric = spec.fabric;
  const std::string& kind = fabric.kind;
  const bool rail = kind == "rail_optimized", fat_tree = kind == "fat_tree", dragonfly = kind == "dragonfly";
  const bool rack_domain = spec.nvlink_domain == "rack";

  Topology topo;
  topo.spec = spec;
  // Unset tier latencies inherit from the tier below (documented in docs/scenario-reference.md).
  FabricSpec& resolved = topo.spec.fabric;
  if (resolved.uplink_latency_s < 0) resolved.uplink_latency_s = resolved.link_latency_s;
  if (resolved.core_latency_s < 0) resolved.core_latency_s = resolved.uplink_latency_s;
  topo.gpu_flops = model.peak_bf16_flops * spec.gpu_efficiency;
  topo.nvlink_Bps = spec.nvlink_bandwidth_Bps > 0 ? spec.nvlink_bandwidth_Bps : model.nvlink_bandwidth_Bps;
  topo.node_uplink_Bps = fabric.nics_per_node * fabric.nic_bandwidth_Bps;
  const double rack_down_Bps = spec.nodes_per_rack * topo.node_uplink_Bps;

  const int num_nodes = spec.racks * spec.nodes_per_rack;
  const int num_gpus = num_nodes * spec.gpus_per_node;
  const int pods = fat_tree ? spec.racks / fabric.racks_per_pod : dragonfly ? spec.racks / fabric.racks_per_group : 1;
  const int num_domains = rack_domain ? spec.racks : num_nodes;
  const int num_leaves = rail ? spec.racks * spec.gpus_per_node : spec.racks;
  const int num_aggs = fat_tree ? pods * fabric.aggregation_per_pod : 0;
  const int num_spines = fat_tree ? fabric.core_switches : dragonfly ? 0 : fabric.spines;

  // Capacities. Oversubscription is downlink : uplink; a layer's uplink capacity is spread evenly over its links.
  if (rail) {
    const double rail_up = spec.nodes_per_rack * fabric.nic_bandwidth_Bps / fabric.oversubscription;
    topo.leaf_spine_Bps = rail_up / fabric.spines;
    topo.leaf_uplink_Bps = spec.gpus_per_node * rail_up;
  } else if (dragonfly) {
    const double local = fabric.local_bandwidth_Bps > 0 ? fabric.local_bandwidth_Bps : fabric.nic_bandwidth_Bps;
    const double global = fabric.global_bandwidth_Bps > 0 ? fabric.global_bandwidth_Bps : fabric.nic_bandwidth_Bps;
    topo.leaf_spine_Bps = local;
    topo.leaf_uplink_Bps = (fabric.racks_per_group - 1) * local;
    if (pods > 1) topo.global_pair_Bps = fabric.racks_per_group * fabric.global_links_per_rack * global / (pods - 1);
  } else {
    topo.leaf_uplink_Bps = rack_down_Bps / fabric.oversubscription;
    topo.leaf_spine_Bps = topo.leaf_uplink_Bps / (fat_tree ? fabric.aggregation_per_pod : fabric.spines);
    if (fat_tree) {
      topo.pod_uplink_Bps = fabric.racks_per_pod * topo.leaf_uplink_Bps / fabric.pod_oversubscription;
      topo.agg_core_Bps = topo.pod_uplink_Bps / fabric.core_switches;
    }
  }

  TopologyGraph& g = topo.graph;
  // Vertices, in a fixed order: GPUs, NVSwitches, leaves, aggregation switches, spines/core, then the storage
  // tiers' (platforms/storage.hpp). They are created in one go and filled in place: add_vertex(props, g) trips GCC 12's
  // -Wmaybe-uninitialized inside Boost's named_graph at -O1 (sanitizer builds), which -Werror would turn into a
  // build failure.
  std::size_t next_vertex = 0;
  g = TopologyGraph(static_cast<std::size_t>(num_gpus) + num_domains + num_leaves + num_aggs + num_spines);
  auto add_vertex = [&g, &next_vertex](VertexProps props) {
    const Vertex v = next_vertex++;
    g[v] = std::move(props);
    return v;
  };
  topo.gpus.reserve(num_gpus);
  for (int gpu = 0; gpu < num_gpus; ++gpu) {
    const int node = gpu / spec.gpus_per_node;
    topo.gpus.push_back(
        add_vertex(VertexProps{VertexKind::gpu, names::gpu(gpu), gpu, node, node / spec.nodes_per_rack}));
  }
  topo.nvswitches.reserve(num_domains);
  for (int d = 0; d < num_domains; ++d)
    topo.nvswitches.push_back(
        rack_domain ? add_vertex(VertexProps{VertexKind::nvswitch, names::rack_nvswitch(d), d, -1, d})
                    : add_vertex(VertexProps{VertexKind::nvswitch, names::nvswitch(d), d, d, d / spec.nodes_per_rack}));
  topo.leaves.reserve(num_leaves);
  for (int l = 0; l < num_leaves; ++l) {
    const int rack = rail ? l / spec.gpus_per_node : l;
    topo.leaves.push_back(add_vertex(VertexProps{
        VertexKind::leaf, rail ? names::rail_leaf(rack, l % spec.gpus_per_node) : names::leaf(rack), l, -1, rack}));
  }
  for (int a = 0; a < num_aggs; ++a) {
    const int pod = a / fabric.aggregation_per_pod;
    topo.aggregations.push_back(add_vertex(VertexProps{
        VertexKind::aggregation, names::aggregation(pod, a % fabric.aggregation_per_pod), a, -1, pod}));
  }
  for (int s = 0; s < num_spines; ++s)
    topo.spines.push_back(
        add_vertex(VertexProps{VertexKind::spine, fat_tree ? names::core(s) : names::spine(s), s, -1, -1}));

  // Edges, in the same order.
  auto add_edge = [&g](Vertex a, Vertex b, LinkTier tier, std::string name, double bw, double lat) {
    boost::add_edge(a, b, EdgeProps{tier, std::move(name), bw, lat}, g);
  };
  for (int gpu = 0; gpu < num_gpus; ++gpu)
    add_edge(topo.gpus[gpu], topo.nvswitches[topo.domain_of_gpu(gpu)], LinkTier::nvlink, names::nvlink(gpu),
             topo.nvlink_Bps, spec.nvlink_latency_s);
  if (rail) {
    for (int gpu = 0; gpu < num_gpus; ++gpu)
      add_edge(topo.gpus[gpu], topo.leaves[topo.rack_of_gpu(gpu) * spec.gpus_per_node + gpu % spec.gpus_per_node],
               LinkTier::node_leaf, names::gpu_nic(gpu), fabric.nic_bandwidth_Bps, fabric.link_latency_s);
  } else if (rack_domain) {
    for (int rack = 0; rack < spec.racks; ++rack)
      add_edge(topo.nvswitches[rack], topo.leaves[rack], LinkTier::node_leaf, names::rack_nics(rack), rack_down_Bps,
               fabric.link_latency_s);
  } else {
    for (int node = 0; node < num_nodes; ++node)
      add_edge(topo.nvswitches[node], topo.leaves[node / spec.nodes_per_rack], LinkTier::node_leaf,
               names::node_uplink(node), topo.node_uplink_Bps, fabric.link_latency_s);
  }
  if (rail) {
    for (int l = 0; l < num_leaves; ++l)
      for (int s = 0; s < fabric.spines; ++s)
        add_edge(topo.leaves[l], topo.spines[s], LinkTier::leaf_spine,
                 names::rail_spine(l / spec.gpus_per_node, l % spec.gpus_per_node, s), topo.leaf_spine_Bps,
                 resolved.uplink_latency_s);
  } else if (fat_tree) {
    const int cores_per_agg = fabric.core_switches / fabric.aggregation_per_pod;
    for (int rack = 0; rack < spec.racks; ++rack)
      for (int a = 0; a < fabric.aggregation_per_pod; ++a)
        add_edge(topo.leaves[rack], topo.aggregations[topo.pod_of_rack(rack) * fabric.aggregation_per_pod + a],
                 LinkTier::leaf_spine, names::leaf_aggregation(rack, a), topo.leaf_spine_Bps, resolved.uplink_latency_s);
    for (int agg = 0; agg < num_aggs; ++agg)
      for (int c = 0; c < cores_per_agg; ++c) {
        const int a = agg % fabric.aggregation_per_pod;
        const int core = a * cores_per_agg + c;
        add_edge(topo.aggregations[agg], topo.spines[core], LinkTier::core,
                 names::aggregation_core(agg / fabric.aggregation_per_pod, a, core), topo.agg_core_Bps,
                 resolved.core_latency_s);
      }
  } else if (dragonfly) {
    const int a = fabric.racks_per_group;
    for (int group = 0; group < pods; ++group)
      for (int r = 0; r < a; ++r)
        for (int q = r + 1; q < a; ++q)
          add_edge(topo.leaves[group * a + r], topo.leaves[group * a + q], LinkTier::leaf_spine,
                   names::local_link(group * a + r, group * a + q), topo.leaf_spine_Bps, resolved.uplink_latency_s);
    for (int i = 0; i < pods; ++i)
      for (int j = i + 1; j < pods; ++j)
        add_edge(topo.leaves[dragonfly_gateway(topo, i, j)], topo.leaves[dragonfly_gateway(topo, j, i)], LinkTier::core,
                 names::global_link(i, j), topo.global_pair_Bps, resolved.core_latency_s);
  } else {
    for (int rack = 0; rack < spec.racks; ++rack)
      for (int s = 0; s < fabric.spines; ++s)
        add_edge(topo.leaves[rack], topo.spines[s], LinkTier::leaf_spine, names::leaf_spine(rack, s),
                 topo.leaf_spine_Bps, resolved.uplink_latency_s);
  }
  // The storage tiers hang off the top switch tier (dragonfly: the first router of each group).
  if (dragonfly)
    for (int group = 0; group < pods; ++group)
      topo.storage_attach.push_back(topo.leaves[group * fabric.racks_per_group]);
  else
    topo.storage_attach = topo.spines;
  add_storage_tiers(topo, topo.storage_attach);
  return topo;
}

double leaf_uplink_aggregate_Bps(const Topology& topo) {
  return topo.leaf_uplink_Bps;
}

// ---- bisection --------------------------------------------------------------------------------------------------

namespace {

// Max-flow runs on integers: with floating-point capacities push-relabel can chase residuals of 1e-6 forever.
// Capacities are scaled so that their total is at most 2^53, which keeps every sum exact in int64 and costs a
// relative error of at most 2^-53 x total / capacity per link (far below anything a planner reads).
using FlowTraits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using FlowGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<boost::edge_capacity_t, std::int64_t,
                    boost::property<boost::edge_residual_capacity_t, std::int64_t,
                                    boost::property<boost::edge_reverse_t, FlowTraits::edge_descriptor>>>>;

void add_arc(FlowGraph& g, std::size_t u, std::size_t v, std::int64_t capacity) {
  auto capacity_map = boost::get(boost::edge_capacity, g);
  auto reverse_map = boost::get(boost::edge_reverse, g);
  const auto forward = boost::add_edge(u, v, g).first;
  const auto backward = boost::add_edge(v, u, g).first;
  capacity_map[forward] = capacity;
  capacity_map[backward] = 0;
  reverse_map[forward] = backward;
  reverse_map[backward] = forward;
}

} // namespace

double bisection_bandwidth_Bps(const Topology& topo) {
  const int half = topo.num_racks() / 2;
  if (half == 0) return 0;
  const TopologyGraph& tg = topo.graph;

  // A GPU's only link is its NVLink, so feeding it with the capacity of its links is the same as feeding it
  // with infinite capacity, and keeps the arithmetic finite.
  std::vector<double> injection(boost::num_vertices(tg), 0.0);
  double total = 0;
  for (auto [e, end] = boost::edges(tg); e != end; ++e) {
    const double bw = tg[*e].bandwidth_Bps;
    injection[boost::source(*e, tg)] += bw;
    injection[boost::target(*e, tg)] += bw;
    total += 2 * bw; // both directions
  }
  for (Vertex gpu : topo.gpus)
    total += injection[gpu];
  const double scale = std::ldexp(1.0, 53) / total;
  auto scaled = [scale](double bw) { return static_cast<std::int64_t>(std::llround(bw * scale)); };

  const std::size_t n = boost::num_vertices(tg);
  const std::size_t source = n;
  const std::size_t sink = n + 1;
  FlowGraph fg(n + 2);
  for (auto [e, end] = boost::edges(tg); e != end; ++e) {
    // The simulator never routes GPU-to-GPU traffic through the storage tiers (a dragonfly's storage and
    // object-store leaves touch every group and would otherwise count as transit switches).
    const LinkTier tier = tg[*e].tier;
    if (tier == LinkTier::storage || tier == LinkTier::object_store || tier == LinkTier::pcie) continue;
    const std::int64_t capacity = scaled(tg[*e].bandwidth_Bps);
    add_arc(fg, boost::source(*e, tg), boost::target(*e, tg), capacity);
    add_arc(fg, boost::target(*e, tg), boost::source(*e, tg), capacity);
  }
  for (int gpu = 0; gpu < topo.num_gpus(); ++gpu) {
    const Vertex v = topo.gpus[gpu];
    if (topo.rack_of_gpu(gpu) < half)
      add_arc(fg, source, v, scaled(injection[v]));
    else
      add_arc(fg, v, sink, scaled(injection[v]));
  }
  const std::int64_t flow = boost::push_relabel_max_flow(fg, source, sink);
  return static_cast<double>(flow) / scale;
}

double bisection_formula_Bps(const Topology& topo) {
  // Racks [0, R/2) send to racks [R/2, R); with an odd R the receiving side is the larger one, so the sending
  // side limits. Each sending rack injects at most min(what its nodes can inject, its uplinks), and each layer
  // above adds its own cut.
  const PlatformSpec& spec = topo.spec;
  const int half = topo.num_racks() / 2;
  if (half == 0) return 0;
  const std::string& kind = topo.kind();
  if (kind == "rail_optimized") {
    const double rack_down = spec.nodes_per_rack * spec.gpus_per_node * spec.fabric.nic_bandwidth_Bps;
    return half * std::min(topo.leaf_uplink_Bps, rack_down);
  }
  const double node_injection = std::min(topo.node_uplink_Bps, spec.gpus_per_node * topo.nvlink_Bps);
  const double rack_down = spec.nodes_per_rack * node_injection;
  if (kind == "dragonfly") {
    // Whole groups on each side: the global links crossing the cut, (G/2) x (G - G/2) pairs.
    const int groups = topo.num_pods();
    const int half_groups = half / spec.fabric.racks_per_group;
    const double crossing = static_cast<double>(half_groups) * (groups - half_groups) * topo.global_pair_Bps;
    return std::min(half * rack_down, crossing);
  }
  const double racks_limit = half * std::min(topo.leaf_uplink_Bps, rack_down);
  if (kind == "fat_tree") {
    if (topo.num_pods() < 2) return racks_limit;
    const int half_pods = half / spec.fabric.racks_per_pod;
    return std::min(racks_limit, half_pods * topo.pod_uplink_Bps);
  }
  return racks_limit;
}

// ---- routes -----------------------------------------------------------------------------------------------------

namespace {

void check_gpu(const Topology& topo, int gpu) {
  if (gpu < 0 || gpu >= topo.num_gpus())
    throw std::out_of_range("GPU " + std::to_string(gpu) + " does not exist (platform has " +
                            std::to_string(topo.num_gpus()) + " GPUs)");
}

Hop nvlink_hop(const Topology& topo, int gpu) {
  return {names::nvlink(gpu), topo.nvlink_Bps, topo.spec.nvlink_latency_s};
}

// From a GPU to its rack's (or scalable unit's) leaf layer, in order.
std::vector<Hop> to_leaf(const Topology& topo, int gpu) {
  const FabricSpec& f = topo.spec.fabric;
  if (topo.kind() == "rail_optimized") return {{names::gpu_nic(gpu), f.nic_bandwidth_Bps, f.link_latency_s}};
  const int rack = topo.rack_of_gpu(gpu);
  if (topo.spec.nvlink_domain == "rack")
    return {nvlink_hop(topo, gpu),
            {names::rack_nics(rack), topo.spec.nodes_per_rack * topo.node_uplink_Bps, f.link_latency_s}};
  return {nvlink_hop(topo, gpu), {names::node_uplink(topo.node_of_gpu(gpu)), topo.node_uplink_Bps, f.link_latency_s}};
}

Hop leaf_up(const Topology& topo, int rack) {
  return {names::leaf_uplink_aggregate(rack), topo.leaf_uplink_Bps, topo.spec.fabric.uplink_latency_s};
}

Hop local_hop(const Topology& topo, int rack_a, int rack_b) {
  return {names::local_link(std::min(rack_a, rack_b), std::max(rack_a, rack_b)), topo.leaf_spine_Bps,
          topo.spec.fabric.uplink_latency_s};
}

// From a rack's leaf up to the switches the storage leaf hangs off (topo.storage_attach), for GPU-to-storage
// routes: leaf_spine / rail: the leaf aggregate; fat_tree: + the pod aggregate; dragonfly: local hop to the
// group's first router.
std::vector<Hop> leaf_to_top(const Topology& topo, int rack) {
  const std::string& kind = topo.kind();
  if (kind == "dragonfly") {
    const int first = topo.pod_of_rack(rack) * topo.spec.fabric.racks_per_group;
    if (first == rack) return {};
    return {local_hop(topo, rack, first)};
  }
  std::vector<Hop> hops{leaf_up(topo, rack)};
  if (kind == "fat_tree")
    hops.push_back({names::pod_uplink_aggregate(topo.pod_of_rack(rack)), topo.pod_uplink_Bps,
                    topo.spec.fabric.core_latency_s});
  return hops;
}

void append(std::vector<Hop>& to, const std::vector<Hop>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

void append_reversed(std::vector<Hop>& to, const std::vector<Hop>& from) {
  to.insert(to.end(), from.rbegin(), from.rend());
}

} // namespace

std::vector<Hop> gpu_route(const Topology& topo, int a, int b) {
  check_gpu(topo, a);
  check_gpu(topo, b);
  if (a == b) return {};
  const bool rail = topo.kind() == "rail_optimized";
  // One NVLink domain: up and down through the NVSwitch (rail: only the GPUs of one node share NVLink).
  if (rail ? topo.node_of_gpu(a) == topo.node_of_gpu(b) : topo.domain_of_gpu(a) == topo.domain_of_gpu(b))
    return {nvlink_hop(topo, a), nvlink_hop(topo, b)};
  std::vector<Hop> route = to_leaf(topo, a);
  const int ra = topo.rack_of_gpu(a), rb = topo.rack_of_gpu(b);
  if (ra != rb) {
    const std::string& kind = topo.kind();
    if (kind == "dragonfly") {
      const int ga = topo.pod_of_rack(ra), gb = topo.pod_of_rack(rb);
      if (ga == gb) {
        route.push_back(local_hop(topo, ra, rb));
      } else {
        const int out = dragonfly_gateway(topo, ga, gb), in = dragonfly_gateway(topo, gb, ga);
        if (out != ra) route.push_back(local_hop(topo, ra, out));
        route.push_back({names::global_link(std::min(ga, gb), std::max(ga, gb)), topo.global_pair_Bps,
                         topo.spec.fabric.core_latency_s});
        if (in != rb) route.push_back(local_hop(topo, in, rb));
      }
    } else if (kind == "fat_tree" && topo.pod_of_rack(ra) != topo.pod_of_rack(rb)) {
      append(route, leaf_to_top(topo, ra));
      append_reversed(route, leaf_to_top(topo, rb));
    } else {
      route.push_back(leaf_up(topo, ra));
      route.push_back(leaf_up(topo, rb));
    }
  }
  append_reversed(route, to_leaf(topo, b));
  return route;
}

std::vector<Hop> gpu_to_top_route(const Topology& topo, int gpu) {
  check_gpu(topo, gpu);
  std::vector<Hop> route = to_leaf(topo, gpu);
  append(route, leaf_to_top(topo, topo.rack_of_gpu(gpu)));
  return route;
}

std::vector<Hop> gpu_to_storage_route(const Topology& topo, int gpu, int server) {
  check_gpu(topo, gpu);
  if (server < 0 || server >= static_cast<int>(topo.storage_servers.size()))
    throw std::out_of_range("storage server " + std::to_string(server) + " does not exist (platform has " +
                            std::to_string(topo.storage_servers.size()) + " servers)");
  const PlatformSpec& spec = topo.spec;
  std::vector<Hop> route = gpu_to_top_route(topo, gpu);
  const int rack = topo.rack_of_gpu(gpu);
  if (topo.kind() == "dragonfly")
    route.push_back({names::storage_leaf_spine(topo.pod_of_rack(rack)), topo.storage_uplink_Bps,
                     spec.fabric.uplink_latency_s});
  else
    route.push_back({names::storage_uplink_aggregate(), storage_uplink_aggregate_Bps(topo), spec.fabric.uplink_latency_s});
  route.push_back({names::storage_server_link(server), spec.storage.server_link_Bps, spec.storage.link_latency_s});
  return route;
}

namespace {

PathFacts facts_of(const std::vector<Hop>& route) {
  if (route.empty()) return {std::numeric_limits<double>::infinity(), 0};
  PathFacts f{std::numeric_limits<double>::infinity(), 0};
  for (const Hop& h : route) {
    f.bandwidth_Bps = std::min(f.bandwidth_Bps, h.bandwidth_Bps);
    f.latency_s += h.latency_s;
  }
  return f;
}

} // namespace

PathFacts gpu_path(const Topology& topo, int gpu_a, int gpu_b) {
  return facts_of(gpu_route(topo, gpu_a, gpu_b));
}

PathFacts gpu_to_storage_path(const Topology& topo, int gpu, int server) {
  return facts_of(gpu_to_storage_route(topo, gpu, server));
}

int gpu_hop_diameter(const Topology& topo) {
  // On the symmetric fabrics every GPU sees the same network (racks, nodes and spines are identical), so the
  // eccentricity of GPU 0 among GPUs is the diameter; on a dragonfly it is GPU 0's eccentricity.
  if (topo.num_gpus() < 2) return 0;
  const TopologyGraph& g = topo.graph;
  std::vector<int> distance(boost::num_vertices(g), 0);
  boost::breadth_first_search(
      g, topo.gpus[0],
      boost::visitor(boost::make_bfs_visitor(boost::record_distances(distance.data(), boost::on_tree_edge()))));
  int diameter = 0;
  for (Vertex v : topo.gpus)
    diameter = std::max(diameter, distance[v]);
  return diameter;
}

// ---- describe ---------------------------------------------------------------------------------------------------

namespace {

std::string with_prefix(double value, const char* const* units, int num_units, const char* suffix) {
  if (std::isinf(value)) return "unlimited";
  int unit = 0;
  while (unit + 1 < num_units && std::fabs(value) >= 1000) {
    value /= 1000;
    ++unit;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g %s%s", value, units[unit], suffix);
  return buf;
}

} // namespace

std::string format_seconds(double seconds) {
  char buf[64];
  if (seconds == 0) return "0 s";
  if (seconds < 1e-6)
    std::snprintf(buf, sizeof buf, "%.4g ns", seconds * 1e9);
  else if (seconds < 1e-3)
    std::snprintf(buf, sizeof buf, "%.4g us", seconds * 1e6);
  else if (seconds < 1)
    std::snprintf(buf, sizeof buf, "%.4g ms", seconds * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.4g s", seconds);
  return buf;
}

std::string format_bytes(double bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (unit + 1 < 6 && bytes >= 1024) {
    bytes /= 1024;
    ++unit;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g %s", bytes, units[unit]);
  return buf;
}

std::string format_bits_per_second(double bytes_per_second) {
  static const char* const units[] = {"", "K", "M", "G", "T", "P", "E"};
  return with_prefix(bytes_per_second * 8, units, 7, "b/s");
}

std::string format_bytes_per_second(double bytes_per_second) {
  static const char* const units[] = {"", "K", "M", "G", "T", "P", "E"};
  return with_prefix(bytes_per_second, units, 7, "B/s");
}

std::string format_flops(double flops) {
  static const char* const units[] = {"", "K", "M", "G", "T", "P", "E"};
  return with_prefix(flops, units, 7, "FLOPS");
}

std::string describe_text(const Topology& topo) {
  const PlatformSpec& spec = topo.spec;
  const FabricSpec& fabric = spec.fabric;
  const GpuModel& model = find_gpu(spec.gpu_model);
  const std::string& kind = topo.kind();
  const int storage_servers = static_cast<int>(topo.storage_servers.size());

  std::ostringstream out;
  out << "platform: " << topo.num_racks() << " racks x " << spec.nodes_per_rack << " nodes x " << spec.gpus_per_node
      << " GPUs = " << topo.num_gpus() << " GPUs, " << topo.num_nodes() << " nodes\n";
  out << "gpu: " << model.name << ", peak bf16 " << format_flops(model.peak_bf16_flops) << " x efficiency "
      << number(spec.gpu_efficiency) << " = " << format_flops(topo.gpu_flops) << " effective; HBM "
      << format_bytes(model.hbm_bytes) << " at " << format_bytes_per_second(model.hbm_bandwidth_Bps) << "; "
      << number(model.max_power_w) << " W max\n";
  out << "aggregate: " << format_flops(topo.gpu_flops * topo.num_gpus()) << " effective, "
      << format_bytes(model.hbm_bytes * topo.num_gpus()) << " HBM\n";
  out << "nvlink domain: " << spec.nvlink_domain << " (" << (spec.nvlink_domain == "rack" ? spec.nodes_per_rack : 1) *
                                                               spec.gpus_per_node
      << " GPUs per NVSwitch)\n";
  out << "switches: " << topo.nvswitches.size() << " nvswitch, " << topo.leaves.size()
      << (kind == "dragonfly" ? " router" : kind == "rail_optimized" ? " rail leaf" : " leaf");
  if (!topo.aggregations.empty()) out << ", " << topo.aggregations.size() << " aggregation";
  if (!topo.spines.empty()) out << ", " << topo.spines.size() << (kind == "fat_tree" ? " core" : " spine");
  out << ", 1 storage leaf, 1 object-store leaf\n";
  // Fabric links by tier: count and the distinct bandwidths and latencies in the graph; then the storage tiers.
  out << "links (bandwidth per direction):\n";
  for (LinkTier tier : {LinkTier::nvlink, LinkTier::node_leaf, LinkTier::leaf_spine, LinkTier::core}) {
    std::map<std::pair<double, double>, int> kinds; // (bandwidth, latency) -> count
    for (auto [e, end] = boost::edges(topo.graph); e != end; ++e)
      if (topo.graph[*e].tier == tier) ++kinds[{topo.graph[*e].bandwidth_Bps, topo.graph[*e].latency_s}];
    if (kinds.empty()) continue;
    out << "  " << to_string(tier) << std::string(12 - std::string(to_string(tier)).size(), ' ');
    bool first = true;
    for (const auto& [bw_lat, count] : kinds) {
      out << (first ? "" : "; ") << count << " x " << format_bits_per_second(bw_lat.first) << " ("
          << format_bytes_per_second(bw_lat.first) << "), latency " << format_seconds(bw_lat.second);
      first = false;
    }
    out << "\n";
  }
  out << describe_storage_links(topo);
  out << describe_storage_tiers(topo);
  out << "fabric: " << kind;
  if (kind == "dragonfly") {
    out << ", " << topo.num_pods() << " groups of " << fabric.racks_per_group << " routers, "
        << fabric.global_links_per_rack << " global links per router; " << format_bits_per_second(topo.global_pair_Bps)
        << " between each pair of groups; simulated with minimal routing (local, global, local)\n";
  } else {
    out << ", oversubscription " << number(fabric.oversubscription) << ":1 (leaf downlink : uplink)";
    if (kind == "fat_tree")
      out << ", " << topo.num_pods() << " pods of " << fabric.racks_per_pod << " racks, pod oversubscription "
          << number(fabric.pod_oversubscription) << ":1";
    out << "; each leaf" << (kind == "fat_tree" ? " and pod" : "")
        << " simulated with one aggregated uplink (fluid ECMP): " << format_bits_per_second(topo.leaf_uplink_Bps)
        << " per " << (kind == "rail_optimized" ? "scalable unit" : "leaf");
    if (kind == "fat_tree") out << ", " << format_bits_per_second(topo.pod_uplink_Bps) << " per pod";
    out << "\n";
  }
  out << "switch ports (at NIC speed):";
  for (const SwitchPorts& p : switch_ports(spec))
    out << " " << p.kind << " " << p.down << " down + " << p.up << " up;";
  out << " radix " << (fabric.switch_radix > 0 ? std::to_string(fabric.switch_radix) : std::string("not checked"))
      << "\n";
  out << "bisection: " << format_bits_per_second(bisection_bandwidth_Bps(topo)) << " (graph max-flow), "
      << format_bits_per_second(bisection_formula_Bps(topo)) << " (formula); racks [0, " << topo.num_racks() / 2
      << ") to [" << topo.num_racks() / 2 << ", " << topo.num_racks() << ")\n";
  out << "diameter: " << gpu_hop_diameter(topo) << " links GPU to GPU\n";
  out << "failure domains: " << topo.num_racks() << " racks, " << topo.leaves.size() << " leaf switches, "
      << topo.num_nodes() << " nodes, " << topo.spines.size() + topo.aggregations.size() << " upper switches, "
      << storage_servers << " storage servers, the object store\n";
  out << "network model: " << (spec.network_model == NetworkModel::rdma ? "rdma" : "tcp") << "\n";
  return out.str();
}

} // namespace racksim::platforms
