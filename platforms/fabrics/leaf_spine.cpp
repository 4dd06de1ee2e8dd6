#include "platforms/fabrics/leaf_spine.hpp"

#include "platforms/fabrics/shared.hpp"

#include <algorithm>

namespace racksim::platforms {

using namespace fabric_util;

void LeafSpine::validate(const PlatformSpec&) const {} // spines, oversubscription: validate_spec checks them

std::vector<SwitchPorts> LeafSpine::switch_ports(const PlatformSpec& spec) const {
  const FabricSpec& f = spec.fabric;
  const int leaf_down = spec.nodes_per_rack * f.nics_per_node;
  const int leaf_up = ceil_div(leaf_down, f.oversubscription);
  return {{"leaf", leaf_down, leaf_up}, {"spine", spec.racks * ceil_div(leaf_up, f.spines), 0}};
}

void LeafSpine::build_graph(Topology& topo) const {
  const FabricSpec& f = topo.spec.fabric;
  // Oversubscription is downlink : uplink; the uplink capacity is spread evenly over the leaf's spine links.
  topo.leaf_uplink_Bps = rack_down_Bps(topo) / f.oversubscription;
  topo.leaf_spine_Bps = topo.leaf_uplink_Bps / f.spines;
  add_rack_leaves(topo);
  for (int s = 0; s < f.spines; ++s)
    topo.spines.push_back(append_vertex(topo.graph, VertexProps{VertexKind::spine, names::spine(s), s, -1, -1}));
  add_node_leaf_links(topo);
  for (int rack = 0; rack < topo.spec.racks; ++rack)
    for (int s = 0; s < f.spines; ++s)
      add_edge(topo, topo.leaves[rack], topo.spines[s], LinkTier::leaf_spine, names::leaf_spine(rack, s),
               topo.leaf_spine_Bps, f.uplink_latency_s);
  topo.storage_attach = topo.spines;
}

std::vector<Hop> LeafSpine::rack_route(const Topology& topo, int rack_a, int rack_b) const {
  return {leaf_uplink_hop(topo, rack_a), leaf_uplink_hop(topo, rack_b)};
}

std::vector<Hop> LeafSpine::rack_to_top(const Topology& topo, int rack) const {
  return {leaf_uplink_hop(topo, rack)};
}

double LeafSpine::bisection_formula_Bps(const Topology& topo) const {
  // Each sending rack injects at most min(what its nodes can inject, its uplinks).
  return topo.num_racks() / 2 * std::min(topo.leaf_uplink_Bps, rack_injection_Bps(topo));
}

void LeafSpine::build_zones(const Topology& topo, ZoneBuilder& builder) const {
  star_of_racks(topo, builder);
}

std::string LeafSpine::describe_switches(const Topology& topo) const {
  return std::to_string(topo.leaves.size()) + " leaf, " + std::to_string(topo.spines.size()) + " spine";
}

std::string LeafSpine::describe(const Topology& topo) const {
  return ", oversubscription " + number(topo.spec.fabric.oversubscription) +
         ":1 (leaf downlink : uplink); each leaf simulated with one aggregated uplink (fluid ECMP): " +
         format_bits_per_second(topo.leaf_uplink_Bps) + " per leaf";
}

} // namespace racksim::platforms
