// Topology: spec validation, the Boost.Graph build, and the analyses on it (bisection by max-flow, path facts,
// describe). The naming and path rules are stated once, in topology.hpp.

#include "platforms/topology.hpp"

#include "platforms/catalog.hpp"
#include "platforms/fabrics/registry.hpp"
#include "platforms/fabrics/shared.hpp"
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

using fabric_util::fail;
using fabric_util::number;
using fabric_util::require_count;
using fabric_util::require_finite;
using fabric_util::require_non_negative;
using fabric_util::require_positive;

std::vector<SwitchPorts> switch_ports(const PlatformSpec& spec) {
  return find_fabric(spec.fabric.kind).switch_ports(spec);
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
  const Fabric& fabric_kind = find_fabric(fabric.kind);
  require_count("fabric.spines", fabric.spines);
  require_count("fabric.nics_per_node", fabric.nics_per_node);
  require_positive("fabric.nic_bandwidth", fabric.nic_bandwidth_Bps);
  require_non_negative("fabric.link_latency", fabric.link_latency_s);
  require_finite("fabric.uplink_latency", fabric.uplink_latency_s);
  require_finite("fabric.core_latency", fabric.core_latency_s);
  require_finite("fabric.oversubscription", fabric.oversubscription);
  if (!(fabric.oversubscription >= 1)) fail("fabric.oversubscription", ">= 1", number(fabric.oversubscription));
  if (fabric.switch_radix < 0)
    fail("fabric.switch_radix", ">= 0 (0 = not checked)", std::to_string(fabric.switch_radix));
  fabric_kind.validate(spec);
  if (fabric.switch_radix > 0)
    for (const SwitchPorts& p : fabric_kind.switch_ports(spec))
      if (p.down + p.up > fabric.switch_radix)
        fail("fabric.switch_radix",
             "at least the " + std::to_string(p.down + p.up) + " ports a " + p.kind + " switch needs (" +
                 std::to_string(p.down) + " down + " + std::to_string(p.up) + " up, at NIC speed)",
             std::to_string(fabric.switch_radix));

  validate_storage_spec(spec);
}

int Topology::num_pods() const {
  return spec.racks / fabric().racks_per_pod(spec);
}

int Topology::pod_of_rack(int rack) const {
  return rack / fabric().racks_per_pod(spec);
}

Topology build_topology(const PlatformSpec& spec) {
  validate_spec(spec);
  const GpuModel& model = find_gpu(spec.gpu_model);
  const FabricSpec& fabric = spec.fabric;
  const bool rack_domain = spec.nvlink_domain == "rack";

  Topology topo;
  topo.spec = spec;
  topo.fabric_kind = &find_fabric(fabric.kind);
  // Unset tier latencies inherit from the tier below (documented in docs/scenario-reference.md).
  FabricSpec& resolved = topo.spec.fabric;
  if (resolved.uplink_latency_s < 0) resolved.uplink_latency_s = resolved.link_latency_s;
  if (resolved.core_latency_s < 0) resolved.core_latency_s = resolved.uplink_latency_s;
  topo.gpu_flops = model.peak_bf16_flops * spec.gpu_efficiency;
  topo.nvlink_Bps = spec.nvlink_bandwidth_Bps > 0 ? spec.nvlink_bandwidth_Bps : model.nvlink_bandwidth_Bps;
  topo.node_uplink_Bps = fabric.nics_per_node * fabric.nic_bandwidth_Bps;

  const int num_nodes = spec.racks * spec.nodes_per_rack;
  const int num_gpus = num_nodes * spec.gpus_per_node;
  const int num_domains = rack_domain ? spec.racks : num_nodes;

  TopologyGraph& g = topo.graph;
  // Vertices, in a fixed order: GPUs, NVSwitches, then the fabric's switches (leaves, aggregation switches,
  // spines/core) and the storage tiers' (platforms/storage.hpp), appended by their builders. The GPUs and
  // NVSwitches are created in one go and filled in place (append_vertex says why).
  g = TopologyGraph(static_cast<std::size_t>(num_gpus) + num_domains);
  Vertex next_vertex = 0;
  topo.gpus.reserve(num_gpus);
  for (int gpu = 0; gpu < num_gpus; ++gpu) {
    const int node = gpu / spec.gpus_per_node;
    g[next_vertex] = VertexProps{VertexKind::gpu, names::gpu(gpu), gpu, node, node / spec.nodes_per_rack};
    topo.gpus.push_back(next_vertex++);
  }
  topo.nvswitches.reserve(num_domains);
  for (int d = 0; d < num_domains; ++d) {
    g[next_vertex] = rack_domain ? VertexProps{VertexKind::nvswitch, names::rack_nvswitch(d), d, -1, d}
                                 : VertexProps{VertexKind::nvswitch, names::nvswitch(d), d, d, d / spec.nodes_per_rack};
    topo.nvswitches.push_back(next_vertex++);
  }
  // Edges, in the same order: NVLink, then the fabric's from the node side up, then the storage tiers'.
  for (int gpu = 0; gpu < num_gpus; ++gpu)
    boost::add_edge(topo.gpus[gpu], topo.nvswitches[topo.domain_of_gpu(gpu)],
                    EdgeProps{LinkTier::nvlink, names::nvlink(gpu), topo.nvlink_Bps, spec.nvlink_latency_s}, g);
  topo.fabric().build_graph(topo);
  add_storage_tiers(topo, topo.storage_attach);
  return topo;
}

Vertex append_vertex(TopologyGraph& g, VertexProps props) {
  // boost::add_vertex(props, g) trips GCC 12's -Wmaybe-uninitialized inside Boost's named_graph at -O1 (sanitizer
  // builds), which -Werror would turn into a build failure.
  const Vertex v = boost::add_vertex(g);
  g[v] = std::move(props);
  return v;
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
  // side limits: each kind's closed form (platforms/fabrics/).
  if (topo.num_racks() / 2 == 0) return 0;
  return topo.fabric().bisection_formula_Bps(topo);
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
  if (topo.fabric().leaf_layer() == LeafLayer::rails)
    return {{names::gpu_nic(gpu), f.nic_bandwidth_Bps, f.link_latency_s}};
  const int rack = topo.rack_of_gpu(gpu);
  if (topo.spec.nvlink_domain == "rack")
    return {nvlink_hop(topo, gpu),
            {names::rack_nics(rack), topo.spec.nodes_per_rack * topo.node_uplink_Bps, f.link_latency_s}};
  return {nvlink_hop(topo, gpu), {names::node_uplink(topo.node_of_gpu(gpu)), topo.node_uplink_Bps, f.link_latency_s}};
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
  // One NVLink domain: up and down through the NVSwitch.
  if (topo.domain_of_gpu(a) == topo.domain_of_gpu(b)) return {nvlink_hop(topo, a), nvlink_hop(topo, b)};
  std::vector<Hop> route = to_leaf(topo, a);
  const int ra = topo.rack_of_gpu(a), rb = topo.rack_of_gpu(b);
  if (ra != rb) append(route, topo.fabric().rack_route(topo, ra, rb));
  append_reversed(route, to_leaf(topo, b));
  return route;
}

std::vector<Hop> gpu_to_top_route(const Topology& topo, int gpu) {
  check_gpu(topo, gpu);
  std::vector<Hop> route = to_leaf(topo, gpu);
  append(route, topo.fabric().rack_to_top(topo, topo.rack_of_gpu(gpu)));
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
  if (topo.fabric().storage_uplinks() == StorageUplinks::per_pod)
    route.push_back(
        {names::storage_leaf_spine(topo.pod_of_rack(rack)), topo.storage_uplink_Bps, spec.fabric.uplink_latency_s});
  else
    route.push_back(
        {names::storage_uplink_aggregate(), storage_uplink_aggregate_Bps(topo), spec.fabric.uplink_latency_s});
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
  const Fabric& fabric_kind = topo.fabric();
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
  out << "nvlink domain: " << spec.nvlink_domain << " ("
      << (spec.nvlink_domain == "rack" ? spec.nodes_per_rack : 1) * spec.gpus_per_node << " GPUs per NVSwitch)\n";
  out << "switches: " << topo.nvswitches.size() << " nvswitch, " << fabric_kind.describe_switches(topo);
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
  out << "fabric: " << fabric_kind.name() << fabric_kind.describe(topo) << "\n";
  out << "switch ports (at NIC speed):";
  for (const SwitchPorts& p : fabric_kind.switch_ports(spec))
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
