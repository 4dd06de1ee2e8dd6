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
std::string gpu(int gpu) {
  return "gpu-" + std::to_string(gpu);
}
std::string nvswitch(int node) {
  return "node-" + std::to_string(node) + "-nvswitch";
}
std::string leaf(int rack) {
  return "leaf-" + std::to_string(rack);
}
std::string spine(int spine) {
  return "spine-" + std::to_string(spine);
}
std::string nvlink(int gpu) {
  return "nvlink-gpu-" + std::to_string(gpu);
}
std::string node_uplink(int node) {
  return "uplink-node-" + std::to_string(node);
}
std::string leaf_spine(int rack, int spine) {
  return "leaf-" + std::to_string(rack) + "-spine-" + std::to_string(spine);
}
std::string leaf_uplink_aggregate(int rack) {
  return "leaf-" + std::to_string(rack) + "-uplink";
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

  const FabricSpec& fabric = spec.fabric;
  if (fabric.kind != "leaf_spine")
    fail("fabric.kind", "'leaf_spine' (the only fabric in this release)", "'" + fabric.kind + "'");
  require_count("fabric.spines", fabric.spines);
  require_count("fabric.nics_per_node", fabric.nics_per_node);
  require_positive("fabric.nic_bandwidth", fabric.nic_bandwidth_Bps);
  require_non_negative("fabric.link_latency", fabric.link_latency_s);
  require_finite("fabric.oversubscription", fabric.oversubscription);
  if (!(fabric.oversubscription >= 1)) fail("fabric.oversubscription", ">= 1", number(fabric.oversubscription));

  validate_storage_spec(spec);
}

Topology build_topology(const PlatformSpec& spec) {
  validate_spec(spec);
  const GpuModel& model = find_gpu(spec.gpu_model);
  const FabricSpec& fabric = spec.fabric;

  Topology topo;
  topo.spec = spec;
  topo.gpu_flops = model.peak_bf16_flops * spec.gpu_efficiency;
  topo.nvlink_Bps = spec.nvlink_bandwidth_Bps > 0 ? spec.nvlink_bandwidth_Bps : model.nvlink_bandwidth_Bps;
  topo.node_uplink_Bps = fabric.nics_per_node * fabric.nic_bandwidth_Bps;
  // Oversubscription is leaf downlink : uplink; the uplink capacity is spread evenly over the spines.
  topo.leaf_spine_Bps = spec.nodes_per_rack * topo.node_uplink_Bps / fabric.oversubscription / fabric.spines;

  const int num_nodes = spec.racks * spec.nodes_per_rack;
  const int num_gpus = num_nodes * spec.gpus_per_node;
  TopologyGraph& g = topo.graph;

  // Vertices, in a fixed order: GPUs, NVSwitches, leaves, spines, then the storage tiers'. They are
  // created in one go and filled in place: add_vertex(props, g) trips GCC 12's -Wmaybe-uninitialized inside
  // Boost's named_graph at -O1 (sanitizer builds), which -Werror would turn into a build failure.
  std::size_t next_vertex = 0;
  g = TopologyGraph(static_cast<std::size_t>(num_gpus) + num_nodes + spec.racks + fabric.spines);
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
  topo.nvswitches.reserve(num_nodes);
  for (int node = 0; node < num_nodes; ++node)
    topo.nvswitches.push_back(
        add_vertex(VertexProps{VertexKind::nvswitch, names::nvswitch(node), node, node, node / spec.nodes_per_rack}));
  topo.leaves.reserve(spec.racks);
  for (int rack = 0; rack < spec.racks; ++rack)
    topo.leaves.push_back(add_vertex(VertexProps{VertexKind::leaf, names::leaf(rack), rack, -1, rack}));
  topo.spines.reserve(fabric.spines);
  for (int spine = 0; spine < fabric.spines; ++spine)
    topo.spines.push_back(add_vertex(VertexProps{VertexKind::spine, names::spine(spine), spine, -1, -1}));

  // Edges, in the same order.
  for (int gpu = 0; gpu < num_gpus; ++gpu)
    boost::add_edge(topo.gpus[gpu], topo.nvswitches[gpu / spec.gpus_per_node],
                    EdgeProps{LinkTier::nvlink, names::nvlink(gpu), topo.nvlink_Bps, spec.nvlink_latency_s}, g);
  for (int node = 0; node < num_nodes; ++node)
    boost::add_edge(
        topo.nvswitches[node], topo.leaves[node / spec.nodes_per_rack],
        EdgeProps{LinkTier::node_leaf, names::node_uplink(node), topo.node_uplink_Bps, fabric.link_latency_s}, g);
  for (int rack = 0; rack < spec.racks; ++rack)
    for (int spine = 0; spine < fabric.spines; ++spine)
      boost::add_edge(
          topo.leaves[rack], topo.spines[spine],
          EdgeProps{LinkTier::leaf_spine, names::leaf_spine(rack, spine), topo.leaf_spine_Bps, fabric.link_latency_s},
          g);
  // The storage tiers hang off the top switch tier.
  add_storage_tiers(topo, topo.spines);
  return topo;
}

double leaf_uplink_aggregate_Bps(const Topology& topo) {
  return topo.spec.fabric.spines * topo.leaf_spine_Bps;
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

double leaf_spine_bisection_formula_Bps(const Topology& topo) {
  // Racks [0, R/2) send to racks [R/2, R); with an odd R the receiving side is the larger one, so the sending
  // side limits: each of its racks sends at most min(its spine uplinks, what its nodes can inject).
  const int half = topo.num_racks() / 2;
  const double rack_up = leaf_uplink_aggregate_Bps(topo);
  const double node_injection = std::min(topo.node_uplink_Bps, topo.spec.gpus_per_node * topo.nvlink_Bps);
  const double rack_down = topo.spec.nodes_per_rack * node_injection;
  return half * std::min(rack_up, rack_down);
}

// ---- paths ------------------------------------------------------------------------------------------------------

namespace {

void check_gpu(const Topology& topo, int gpu) {
  if (gpu < 0 || gpu >= topo.num_gpus())
    throw std::out_of_range("GPU " + std::to_string(gpu) + " does not exist (platform has " +
                            std::to_string(topo.num_gpus()) + " GPUs)");
}

} // namespace

PathFacts gpu_path(const Topology& topo, int gpu_a, int gpu_b) {
  check_gpu(topo, gpu_a);
  check_gpu(topo, gpu_b);
  const PlatformSpec& spec = topo.spec;
  if (gpu_a == gpu_b) return {std::numeric_limits<double>::infinity(), 0};
  if (topo.node_of_gpu(gpu_a) == topo.node_of_gpu(gpu_b)) return {topo.nvlink_Bps, 2 * spec.nvlink_latency_s};
  const double lat_nvlink = 2 * spec.nvlink_latency_s;
  const double bw_node = std::min(topo.nvlink_Bps, topo.node_uplink_Bps);
  if (topo.rack_of_gpu(gpu_a) == topo.rack_of_gpu(gpu_b)) return {bw_node, lat_nvlink + 2 * spec.fabric.link_latency_s};
  return {std::min(bw_node, leaf_uplink_aggregate_Bps(topo)), lat_nvlink + 4 * spec.fabric.link_latency_s};
}

int gpu_hop_diameter(const Topology& topo) {
  // Every GPU sees the same network up to symmetry (racks, nodes and spines are identical), so the eccentricity
  // of GPU 0 among GPUs is the diameter.
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

  int links[num_link_tiers] = {};
  for (auto [e, end] = boost::edges(topo.graph); e != end; ++e)
    ++links[static_cast<int>(topo.graph[*e].tier)];
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
  out << "switches: " << topo.num_nodes() << " nvswitch (one per node), " << topo.num_racks() << " leaf, "
      << topo.spines.size() << " spine, 1 storage leaf, 1 object-store leaf\n";
  out << "links (bandwidth per direction):\n";
  out << "  nvlink      " << links[static_cast<int>(LinkTier::nvlink)] << " x "
      << format_bits_per_second(topo.nvlink_Bps) << " (" << format_bytes_per_second(topo.nvlink_Bps) << "), latency "
      << format_seconds(spec.nvlink_latency_s) << "\n";
  out << "  node_leaf   " << links[static_cast<int>(LinkTier::node_leaf)] << " x "
      << format_bits_per_second(topo.node_uplink_Bps) << " (" << fabric.nics_per_node << " NICs x "
      << format_bits_per_second(fabric.nic_bandwidth_Bps) << "), latency " << format_seconds(fabric.link_latency_s)
      << "\n";
  out << "  leaf_spine  " << links[static_cast<int>(LinkTier::leaf_spine)] << " x "
      << format_bits_per_second(topo.leaf_spine_Bps) << " (" << format_bits_per_second(leaf_uplink_aggregate_Bps(topo))
      << " per leaf), latency " << format_seconds(fabric.link_latency_s) << "\n";
  out << describe_storage_links(topo);
  out << describe_storage_tiers(topo);
  out << "fabric: " << fabric.kind << ", oversubscription " << number(fabric.oversubscription)
      << ":1 (leaf downlink : uplink); spine layer simulated as one aggregated link per leaf\n";
  out << "bisection: " << format_bits_per_second(bisection_bandwidth_Bps(topo)) << " (graph max-flow), "
      << format_bits_per_second(leaf_spine_bisection_formula_Bps(topo)) << " (formula); racks [0, "
      << topo.num_racks() / 2 << ") to [" << topo.num_racks() / 2 << ", " << topo.num_racks() << ")\n";
  out << "diameter: " << gpu_hop_diameter(topo) << " links GPU to GPU\n";
  out << "failure domains: " << topo.num_racks() << " racks (leaf switch), " << topo.num_nodes() << " nodes, "
      << fabric.spines << " spines, " << storage_servers << " storage servers, the object store\n";
  out << "network model: " << (spec.network_model == NetworkModel::rdma ? "rdma" : "tcp") << "\n";
  return out.str();
}

} // namespace racksim::platforms
