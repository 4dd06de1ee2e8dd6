#pragma once
// leaf_spine: one leaf per rack, every leaf linked to each of fabric.spines spines (leaf-<r>-spine-<s>); the
// leaf's uplinks carry its nodes' capacity / fabric.oversubscription. Between racks a transfer crosses the two
// leaves' aggregated uplinks (leaf-a-uplink, leaf-b-uplink). docs/platforms.md, "Fabrics".

#include "platforms/fabrics/fabric.hpp"

namespace racksim::platforms {

class LeafSpine final : public Fabric {
 public:
  const char* name() const override { return "leaf_spine"; }
  LeafLayer leaf_layer() const override { return LeafLayer::rack; }
  StorageUplinks storage_uplinks() const override { return StorageUplinks::aggregated; }
  bool allows_rack_nvlink_domain() const override { return true; }
  void validate(const PlatformSpec& spec) const override;
  std::vector<SwitchPorts> switch_ports(const PlatformSpec& spec) const override;
  int racks_per_pod(const PlatformSpec& spec) const override { return spec.racks; }
  void build_graph(Topology& topo) const override;
  std::vector<Hop> rack_route(const Topology& topo, int rack_a, int rack_b) const override;
  std::vector<Hop> rack_to_top(const Topology& topo, int rack) const override;
  double bisection_formula_Bps(const Topology& topo) const override;
  void build_zones(const Topology& topo, ZoneBuilder& builder) const override;
  std::string describe_switches(const Topology& topo) const override;
  std::string describe(const Topology& topo) const override;
};

} // namespace racksim::platforms
