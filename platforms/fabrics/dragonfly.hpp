#pragma once
// dragonfly: one router (leaf-<r>) per rack. The routers of a group of fabric.racks_per_group are joined
// all-to-all by local links (local-<r>-<q>, local_bandwidth); each router has global_links_per_rack global links
// (global_bandwidth), a group's spread evenly over the other groups and simulated as one aggregated link per pair
// of groups (global-<i>-<j>, tier core). Minimal routing: local hop to the router holding the global link, the
// global link, local hop from the far router. No top tier: the storage leaves link to the first router of each
// group (StorageUplinks::per_pod). NVLink domain: node only. docs/platforms.md, "Fabrics".

#include "platforms/fabrics/fabric.hpp"

namespace racksim::platforms {

class Dragonfly final : public Fabric {
 public:
  const char* name() const override { return "dragonfly"; }
  LeafLayer leaf_layer() const override { return LeafLayer::rack; }
  StorageUplinks storage_uplinks() const override { return StorageUplinks::per_pod; }
  bool allows_rack_nvlink_domain() const override { return false; }
  void validate(const PlatformSpec& spec) const override;
  std::vector<SwitchPorts> switch_ports(const PlatformSpec& spec) const override;
  int racks_per_pod(const PlatformSpec& spec) const override { return spec.fabric.racks_per_group; }
  void build_graph(Topology& topo) const override;
  std::vector<Hop> rack_route(const Topology& topo, int rack_a, int rack_b) const override;
  std::vector<Hop> rack_to_top(const Topology& topo, int rack) const override;
  double bisection_formula_Bps(const Topology& topo) const override;
  void build_zones(const Topology& topo, ZoneBuilder& builder) const override;
  std::string describe_switches(const Topology& topo) const override;
  std::string describe(const Topology& topo) const override;

  // The router (rack) of group `from` that holds the global link to group `to`: the other groups are dealt
  // round-robin over the group's routers, in group order.
  static int gateway(const PlatformSpec& spec, int from, int to);
};

} // namespace racksim::platforms
