#pragma once
// rail_optimized: one NIC per GPU (fabric.nics_per_node = gpus_per_node). GPU k of every node of a rack
// ("scalable unit") is on that rack's rail leaf k (leaf-<r>-rail-<k>, nic-gpu-<g>); every rail leaf links to each
// of fabric.spines spines (leaf-<r>-rail-<k>-spine-<s>; oversubscription per rail leaf). Within a unit a transfer
// costs the two GPUs' NICs only (NCCL's PXN: NVLink to the GPU on the destination's rail, NVLink not charged);
// between units it crosses the two units' aggregated rail uplinks. NVLink domain: node only. docs/platforms.md.

#include "platforms/fabrics/fabric.hpp"

namespace racksim::platforms {

class RailOptimized final : public Fabric {
 public:
  const char* name() const override { return "rail_optimized"; }
  LeafLayer leaf_layer() const override { return LeafLayer::rails; }
  StorageUplinks storage_uplinks() const override { return StorageUplinks::aggregated; }
  bool allows_rack_nvlink_domain() const override { return false; }
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
