#pragma once
// fat_tree: three tiers. Racks form pods of fabric.racks_per_pod; every leaf links to each of its pod's
// fabric.aggregation_per_pod aggregation switches (agg-<p>-<a>, leaf-<r>-agg-<a>; leaf oversubscription), and
// aggregation switch a of every pod to core switches a·c ... a·c+c-1, c = core_switches / aggregation_per_pod
// (agg-<p>-<a>-core-<c>, tier core; pod_oversubscription). Routes: same pod, the two leaf uplinks; other pod, plus
// the two pods' aggregated uplinks (pod-<p>-uplink). docs/platforms.md, "Fabrics".

#include "platforms/fabrics/fabric.hpp"

namespace racksim::platforms {

class FatTree final : public Fabric {
 public:
  const char* name() const override { return "fat_tree"; }
  LeafLayer leaf_layer() const override { return LeafLayer::rack; }
  StorageUplinks storage_uplinks() const override { return StorageUplinks::aggregated; }
  bool allows_rack_nvlink_domain() const override { return true; }
  void validate(const PlatformSpec& spec) const override;
  std::vector<SwitchPorts> switch_ports(const PlatformSpec& spec) const override;
  int racks_per_pod(const PlatformSpec& spec) const override { return spec.fabric.racks_per_pod; }
  void build_graph(Topology& topo) const override;
  std::vector<Hop> rack_route(const Topology& topo, int rack_a, int rack_b) const override;
  std::vector<Hop> rack_to_top(const Topology& topo, int rack) const override;
  double bisection_formula_Bps(const Topology& topo) const override;
  void build_zones(const Topology& topo, ZoneBuilder& builder) const override;
  std::string describe_switches(const Topology& topo) const override;
  std::string describe(const Topology& topo) const override;
};

} // namespace racksim::platforms
