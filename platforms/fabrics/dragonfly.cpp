#include "platforms/fabrics/dragonfly.hpp"

#include "platforms/fabrics/shared.hpp"

#include <algorithm>

namespace racksim::platforms {

using namespace fabric_util;

namespace {

Hop local_hop(const Topology& topo, int rack_a, int rack_b) {
  return {names::local_link(std::min(rack_a, rack_b), std::max(rack_a, rack_b)), topo.leaf_spine_Bps,
          topo.spec.fabric.uplink_latency_s};
}

} // namespace

int Dragonfly::gateway(const PlatformSpec& spec, int from, int to) {
  const int a = spec.fabric.racks_per_group;
  const int k = to < from ? to : to - 1;
  return from * a + k % a;
}

void Dragonfly::validate(const PlatformSpec& spec) const {
  const FabricSpec& f = spec.fabric;
  require_node_nvlink_domain(spec);
  require_count("fabric.racks_per_group", f.racks_per_group);
  require_count("fabric.global_links_per_rack", f.global_links_per_rack);
  require_non_negative("fabric.local_bandwidth", f.local_bandwidth_Bps);
  require_non_negative("fabric.global_bandwidth", f.global_bandwidth_Bps);
  if (spec.racks % f.racks_per_group != 0)
    fail("racks", "a multiple of fabric.racks_per_group (" + std::to_string(f.racks_per_group) + ") for a dragonfly",
         std::to_string(spec.racks));
  const int groups = spec.racks / f.racks_per_group;
  if (groups > 1 && f.racks_per_group * f.global_links_per_rack < groups - 1)
    fail("fabric.global_links_per_rack",
         "such that racks_per_group x global_links_per_rack >= groups - 1 (" + std::to_string(groups - 1) +
             "): every pair of groups needs a global link",
         std::to_string(f.global_links_per_rack));
}

std::vector<SwitchPorts> Dragonfly::switch_ports(const PlatformSpec& spec) const {
  const FabricSpec& f = spec.fabric;
  return {{"router", spec.nodes_per_rack * f.nics_per_node, (f.racks_per_group - 1) + f.global_links_per_rack}};
}

void Dragonfly::build_graph(Topology& topo) const {
  const FabricSpec& f = topo.spec.fabric;
  const int groups = topo.num_pods(), a = f.racks_per_group;
  const double local = f.local_bandwidth_Bps > 0 ? f.local_bandwidth_Bps : f.nic_bandwidth_Bps;
  const double global = f.global_bandwidth_Bps > 0 ? f.global_bandwidth_Bps : f.nic_bandwidth_Bps;
  topo.leaf_spine_Bps = local;
  topo.leaf_uplink_Bps = (a - 1) * local;
  if (groups > 1) topo.global_pair_Bps = a * f.global_links_per_rack * global / (groups - 1);

  add_rack_leaves(topo);
  add_node_leaf_links(topo);
  for (int group = 0; group < groups; ++group)
    for (int r = 0; r < a; ++r)
      for (int q = r + 1; q < a; ++q)
        add_edge(topo, topo.leaves[group * a + r], topo.leaves[group * a + q], LinkTier::leaf_spine,
                 names::local_link(group * a + r, group * a + q), topo.leaf_spine_Bps, f.uplink_latency_s);
  for (int i = 0; i < groups; ++i)
    for (int j = i + 1; j < groups; ++j)
      add_edge(topo, topo.leaves[gateway(topo.spec, i, j)], topo.leaves[gateway(topo.spec, j, i)], LinkTier::core,
               names::global_link(i, j), topo.global_pair_Bps, f.core_latency_s);
  for (int group = 0; group < groups; ++group)
    topo.storage_attach.push_back(topo.leaves[group * a]);
}

std::vector<Hop> Dragonfly::rack_route(const Topology& topo, int rack_a, int rack_b) const {
  const int ga = topo.pod_of_rack(rack_a), gb = topo.pod_of_rack(rack_b);
  if (ga == gb) return {local_hop(topo, rack_a, rack_b)};
  std::vector<Hop> route;
  const int out = gateway(topo.spec, ga, gb), in = gateway(topo.spec, gb, ga);
  if (out != rack_a) route.push_back(local_hop(topo, rack_a, out));
  route.push_back(
      {names::global_link(std::min(ga, gb), std::max(ga, gb)), topo.global_pair_Bps, topo.spec.fabric.core_latency_s});
  if (in != rack_b) route.push_back(local_hop(topo, in, rack_b));
  return route;
}

std::vector<Hop> Dragonfly::rack_to_top(const Topology& topo, int rack) const {
  const int first = topo.pod_of_rack(rack) * topo.spec.fabric.racks_per_group; // the group's storage_attach
  if (first == rack) return {};
  return {local_hop(topo, rack, first)};
}

double Dragonfly::bisection_formula_Bps(const Topology& topo) const {
  // Whole groups on each side: the global links crossing the cut, (G/2) x (G - G/2) pairs, at most what the
  // sending racks inject (exact when the local links are not the bottleneck).
  const int half = topo.num_racks() / 2;
  const int groups = topo.num_pods();
  const int half_groups = half / topo.spec.fabric.racks_per_group;
  const double crossing = static_cast<double>(half_groups) * (groups - half_groups) * topo.global_pair_Bps;
  return std::min(half * rack_injection_Bps(topo), crossing);
}

void Dragonfly::build_zones(const Topology& topo, ZoneBuilder& builder) const {
  // The racks of a group in a full zone (one local link per pair of routers), the groups in the full root zone
  // (one aggregated global link per pair of groups, between the routers that hold it).
  const ZoneRef root = builder.root(ZoneRouting::full);
  const int a = topo.spec.fabric.racks_per_group;
  const int groups = topo.num_pods();
  std::vector<ZoneRef> group_zones;
  std::vector<std::vector<ZoneBuilder::Rack>> racks(groups);
  for (int group = 0; group < groups; ++group) {
    const ZoneRef gz = builder.zone("group-" + std::to_string(group), ZoneRouting::full, root);
    for (int r = 0; r < a; ++r)
      racks[group].push_back(builder.rack(group * a + r, gz));
    for (int r = 0; r < a; ++r)
      for (int q = r + 1; q < a; ++q) {
        const LinkRef local = builder.link(names::local_link(group * a + r, group * a + q), topo.leaf_spine_Bps,
                                           topo.spec.fabric.uplink_latency_s);
        builder.route(gz, racks[group][r].zone, racks[group][r].centre, racks[group][q].zone, racks[group][q].centre,
                      {local});
      }
    builder.seal(gz);
    group_zones.push_back(gz);
  }
  for (int i = 0; i < groups; ++i)
    for (int j = i + 1; j < groups; ++j) {
      const int out = gateway(topo.spec, i, j) % a, in = gateway(topo.spec, j, i) % a;
      const LinkRef global =
          builder.link(names::global_link(i, j), topo.global_pair_Bps, topo.spec.fabric.core_latency_s);
      builder.route(root, group_zones[i], racks[i][out].centre, group_zones[j], racks[j][in].centre, {global});
    }
  for (int group = 0; group < groups; ++group)
    builder.storage_attach(group_zones[group], racks[group][0].centre);
}

std::string Dragonfly::describe_switches(const Topology& topo) const {
  return std::to_string(topo.leaves.size()) + " router";
}

std::string Dragonfly::describe(const Topology& topo) const {
  const FabricSpec& f = topo.spec.fabric;
  return ", " + std::to_string(topo.num_pods()) + " groups of " + std::to_string(f.racks_per_group) + " routers, " +
         std::to_string(f.global_links_per_rack) + " global links per router; " +
         format_bits_per_second(topo.global_pair_Bps) +
         " between each pair of groups; simulated with minimal routing (local, global, local)";
}

} // namespace racksim::platforms
