#include "platforms/fabrics/rail_optimized.hpp"

#include "platforms/fabrics/shared.hpp"

#include <algorithm>

namespace racksim::platforms {

using namespace fabric_util;

void RailOptimized::validate(const PlatformSpec& spec) const {
  if (spec.fabric.nics_per_node != spec.gpus_per_node)
    fail("fabric.nics_per_node",
         "equal to gpus_per_node (" + std::to_string(spec.gpus_per_node) + ") for rail_optimized: one NIC per GPU",
         std::to_string(spec.fabric.nics_per_node));
  require_node_nvlink_domain(spec);
}

std::vector<SwitchPorts> RailOptimized::switch_ports(const PlatformSpec& spec) const {
  const FabricSpec& f = spec.fabric;
  const int down = spec.nodes_per_rack;
  const int up = ceil_div(down, f.oversubscription);
  return {{"leaf", down, up}, {"spine", spec.racks * spec.gpus_per_node * ceil_div(up, f.spines), 0}};
}

void RailOptimized::build_graph(Topology& topo) const {
  const PlatformSpec& spec = topo.spec;
  const FabricSpec& f = spec.fabric;
  const int gpn = spec.gpus_per_node;
  // A rail leaf's uplinks carry its nodes' NICs / oversubscription; a unit's rails together are its uplink.
  const double rail_up = spec.nodes_per_rack * f.nic_bandwidth_Bps / f.oversubscription;
  topo.leaf_spine_Bps = rail_up / f.spines;
  topo.leaf_uplink_Bps = gpn * rail_up;

  TopologyGraph& g = topo.graph;
  for (int l = 0; l < spec.racks * gpn; ++l)
    topo.leaves.push_back(
        append_vertex(g, VertexProps{VertexKind::leaf, names::rail_leaf(l / gpn, l % gpn), l, -1, l / gpn}));
  for (int s = 0; s < f.spines; ++s)
    topo.spines.push_back(append_vertex(g, VertexProps{VertexKind::spine, names::spine(s), s, -1, -1}));

  for (int gpu = 0; gpu < topo.num_gpus(); ++gpu)
    add_edge(topo, topo.gpus[gpu], topo.leaves[topo.rack_of_gpu(gpu) * gpn + gpu % gpn], LinkTier::node_leaf,
             names::gpu_nic(gpu), f.nic_bandwidth_Bps, f.link_latency_s);
  for (int l = 0; l < spec.racks * gpn; ++l)
    for (int s = 0; s < f.spines; ++s)
      add_edge(topo, topo.leaves[l], topo.spines[s], LinkTier::leaf_spine, names::rail_spine(l / gpn, l % gpn, s),
               topo.leaf_spine_Bps, f.uplink_latency_s);
  topo.storage_attach = topo.spines;
}

std::vector<Hop> RailOptimized::rack_route(const Topology& topo, int rack_a, int rack_b) const {
  return {leaf_uplink_hop(topo, rack_a), leaf_uplink_hop(topo, rack_b)};
}

std::vector<Hop> RailOptimized::rack_to_top(const Topology& topo, int rack) const {
  return {leaf_uplink_hop(topo, rack)};
}

double RailOptimized::bisection_formula_Bps(const Topology& topo) const {
  // A unit injects through its GPUs' NICs (NVLink does not reach the other units), at most its rail uplinks.
  const PlatformSpec& spec = topo.spec;
  const double rack_down = spec.nodes_per_rack * spec.gpus_per_node * spec.fabric.nic_bandwidth_Bps;
  return topo.num_racks() / 2 * std::min(topo.leaf_uplink_Bps, rack_down);
}

void RailOptimized::build_zones(const Topology& topo, ZoneBuilder& builder) const {
  star_of_racks(topo, builder); // a rack zone's centre stands for its rail leaves (LeafLayer::rails)
}

std::string RailOptimized::describe_switches(const Topology& topo) const {
  return std::to_string(topo.leaves.size()) + " rail leaf, " + std::to_string(topo.spines.size()) + " spine";
}

std::string RailOptimized::describe(const Topology& topo) const {
  return ", oversubscription " + number(topo.spec.fabric.oversubscription) +
         ":1 (leaf downlink : uplink); each leaf simulated with one aggregated uplink (fluid ECMP): " +
         format_bits_per_second(topo.leaf_uplink_Bps) + " per scalable unit";
}

} // namespace racksim::platforms
