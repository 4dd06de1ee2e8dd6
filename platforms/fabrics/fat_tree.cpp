#include "platforms/fabrics/fat_tree.hpp"

#include "platforms/fabrics/shared.hpp"

#include <algorithm>

namespace racksim::platforms {

using namespace fabric_util;

void FatTree::validate(const PlatformSpec& spec) const {
  const FabricSpec& f = spec.fabric;
  require_count("fabric.racks_per_pod", f.racks_per_pod);
  require_count("fabric.aggregation_per_pod", f.aggregation_per_pod);
  require_count("fabric.core_switches", f.core_switches);
  require_finite("fabric.pod_oversubscription", f.pod_oversubscription);
  if (!(f.pod_oversubscription >= 1)) fail("fabric.pod_oversubscription", ">= 1", number(f.pod_oversubscription));
  if (spec.racks % f.racks_per_pod != 0)
    fail("racks", "a multiple of fabric.racks_per_pod (" + std::to_string(f.racks_per_pod) + ") for a fat_tree",
         std::to_string(spec.racks));
  if (f.core_switches % f.aggregation_per_pod != 0)
    fail("fabric.core_switches",
         "a multiple of fabric.aggregation_per_pod (" + std::to_string(f.aggregation_per_pod) +
             "): each aggregation switch connects to core_switches / aggregation_per_pod of them",
         std::to_string(f.core_switches));
}

std::vector<SwitchPorts> FatTree::switch_ports(const PlatformSpec& spec) const {
  const FabricSpec& f = spec.fabric;
  const int leaf_down = spec.nodes_per_rack * f.nics_per_node;
  const int leaf_up = ceil_div(leaf_down, f.oversubscription);
  const int agg_down = f.racks_per_pod * ceil_div(leaf_up, f.aggregation_per_pod);
  const int agg_up = ceil_div(agg_down, f.pod_oversubscription);
  const int pods = spec.racks / std::max(1, f.racks_per_pod);
  const int cores_per_agg = std::max(1, f.core_switches / std::max(1, f.aggregation_per_pod));
  return {{"leaf", leaf_down, leaf_up},
          {"aggregation", agg_down, agg_up},
          {"core", pods * ceil_div(agg_up, cores_per_agg), 0}};
}

void FatTree::build_graph(Topology& topo) const {
  const FabricSpec& f = topo.spec.fabric;
  const int pods = topo.num_pods(), per_pod = f.aggregation_per_pod;
  // Oversubscription is downlink : uplink; a layer's uplink capacity is spread evenly over its links.
  topo.leaf_uplink_Bps = rack_down_Bps(topo) / f.oversubscription;
  topo.leaf_spine_Bps = topo.leaf_uplink_Bps / per_pod;
  topo.pod_uplink_Bps = f.racks_per_pod * topo.leaf_uplink_Bps / f.pod_oversubscription;
  topo.agg_core_Bps = topo.pod_uplink_Bps / f.core_switches;

  TopologyGraph& g = topo.graph;
  add_rack_leaves(topo);
  for (int a = 0; a < pods * per_pod; ++a)
    topo.aggregations.push_back(append_vertex(
        g, VertexProps{VertexKind::aggregation, names::aggregation(a / per_pod, a % per_pod), a, -1, a / per_pod}));
  for (int c = 0; c < f.core_switches; ++c)
    topo.spines.push_back(append_vertex(g, VertexProps{VertexKind::spine, names::core(c), c, -1, -1}));

  add_node_leaf_links(topo);
  for (int rack = 0; rack < topo.spec.racks; ++rack)
    for (int a = 0; a < per_pod; ++a)
      add_edge(topo, topo.leaves[rack], topo.aggregations[topo.pod_of_rack(rack) * per_pod + a], LinkTier::leaf_spine,
               names::leaf_aggregation(rack, a), topo.leaf_spine_Bps, f.uplink_latency_s);
  const int cores_per_agg = f.core_switches / per_pod;
  for (int agg = 0; agg < pods * per_pod; ++agg)
    for (int c = 0; c < cores_per_agg; ++c) {
      const int a = agg % per_pod;
      const int core = a * cores_per_agg + c;
      add_edge(topo, topo.aggregations[agg], topo.spines[core], LinkTier::core,
               names::aggregation_core(agg / per_pod, a, core), topo.agg_core_Bps, f.core_latency_s);
    }
  topo.storage_attach = topo.spines;
}

std::vector<Hop> FatTree::rack_route(const Topology& topo, int rack_a, int rack_b) const {
  if (topo.pod_of_rack(rack_a) == topo.pod_of_rack(rack_b)) // turns at the pod's aggregation layer
    return {leaf_uplink_hop(topo, rack_a), leaf_uplink_hop(topo, rack_b)};
  std::vector<Hop> route = rack_to_top(topo, rack_a);
  const std::vector<Hop> down = rack_to_top(topo, rack_b);
  route.insert(route.end(), down.rbegin(), down.rend());
  return route;
}

std::vector<Hop> FatTree::rack_to_top(const Topology& topo, int rack) const {
  return {leaf_uplink_hop(topo, rack),
          {names::pod_uplink_aggregate(topo.pod_of_rack(rack)), topo.pod_uplink_Bps, topo.spec.fabric.core_latency_s}};
}

double FatTree::bisection_formula_Bps(const Topology& topo) const {
  // The racks' cut as for a leaf-spine, then the pods' uplinks when each half holds whole pods.
  const int half = topo.num_racks() / 2;
  const double racks_limit = half * std::min(topo.leaf_uplink_Bps, rack_injection_Bps(topo));
  if (topo.num_pods() < 2) return racks_limit;
  const int half_pods = half / topo.spec.fabric.racks_per_pod;
  return std::min(racks_limit, half_pods * topo.pod_uplink_Bps);
}

void FatTree::build_zones(const Topology& topo, ZoneBuilder& builder) const {
  // Racks sit directly in the root star (a pod zone between them would need a gateway outside the racks, which
  // SimGrid's recursive route resolution does not reach): a rack's route to the core is its leaf uplink then its
  // pod's uplink, and racks of one pod reach each other through bypass routes that turn at the aggregation layer
  // (both leaf uplinks, no pod uplink).
  const ZoneRef root = builder.root(ZoneRouting::star);
  const int per_pod = topo.spec.fabric.racks_per_pod;
  std::vector<ZoneBuilder::Rack> racks;
  std::vector<std::vector<LinkRef>> uplinks; // by rack: rack_uplink, without the pod's
  for (int pod = 0; pod < topo.num_pods(); ++pod) {
    const LinkRef pod_up =
        builder.link(names::pod_uplink_aggregate(pod), topo.pod_uplink_Bps, topo.spec.fabric.core_latency_s);
    for (int rack = pod * per_pod; rack < (pod + 1) * per_pod; ++rack) {
      racks.push_back(builder.rack(rack, root));
      uplinks.push_back(builder.rack_uplink(rack));
      std::vector<LinkRef> route = uplinks.back();
      route.push_back(pod_up);
      builder.route(root, racks.back().zone, racks.back().centre, {}, {}, route);
    }
  }
  for (int pod = 0; pod < topo.num_pods(); ++pod)
    for (int ra = pod * per_pod; ra < (pod + 1) * per_pod; ++ra)
      for (int rb = pod * per_pod; rb < (pod + 1) * per_pod; ++rb)
        if (ra != rb)
          builder.bypass_route(root, racks[ra].zone, racks[ra].centre, racks[rb].zone, racks[rb].centre, uplinks[ra],
                               std::vector<LinkRef>(uplinks[rb].rbegin(), uplinks[rb].rend()));
}

std::string FatTree::describe_switches(const Topology& topo) const {
  return std::to_string(topo.leaves.size()) + " leaf, " + std::to_string(topo.aggregations.size()) + " aggregation, " +
         std::to_string(topo.spines.size()) + " core";
}

std::string FatTree::describe(const Topology& topo) const {
  const FabricSpec& f = topo.spec.fabric;
  return ", oversubscription " + number(f.oversubscription) + ":1 (leaf downlink : uplink), " +
         std::to_string(topo.num_pods()) + " pods of " + std::to_string(f.racks_per_pod) +
         " racks, pod oversubscription " + number(f.pod_oversubscription) +
         ":1; each leaf and pod simulated with one aggregated uplink (fluid ECMP): " +
         format_bits_per_second(topo.leaf_uplink_Bps) + " per leaf, " + format_bits_per_second(topo.pod_uplink_Bps) +
         " per pod";
}

} // namespace racksim::platforms
