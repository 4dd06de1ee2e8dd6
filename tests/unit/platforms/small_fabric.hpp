#pragma once
// A small platform every registered fabric kind accepts (tests/unit/platforms/registry_test.cpp,
// tests/engine/fabric_routes_test.cpp): 4 racks x 2 nodes x 2 GPUs, one 100 Gb/s NIC per GPU, non-blocking; fat_tree:
// 2 pods of 2 racks; dragonfly: 2 groups of 2 routers. A new kind whose rules this breaks adapts it here.

#include "platforms/spec.hpp"

#include <string>

namespace racksim::platforms::testing {

inline PlatformSpec small_fabric_spec(const std::string& kind) {
  PlatformSpec spec;
  spec.fabric.kind = kind;
  spec.gpus_per_node = 2;
  spec.nodes_per_rack = 2;
  spec.racks = 4;
  spec.nvlink_bandwidth_Bps = 100e9;
  spec.nvlink_latency_s = 0.5e-6;
  spec.fabric.spines = 2;
  spec.fabric.nics_per_node = 2;
  spec.fabric.nic_bandwidth_Bps = 12.5e9;
  spec.fabric.link_latency_s = 1e-6;
  spec.fabric.uplink_latency_s = 2e-6;
  spec.fabric.core_latency_s = 3e-6;
  spec.fabric.racks_per_pod = 2;
  spec.fabric.aggregation_per_pod = 2;
  spec.fabric.core_switches = 4;
  spec.fabric.racks_per_group = 2;
  spec.fabric.global_links_per_rack = 1;
  spec.storage.servers = 2;
  return spec;
}

} // namespace racksim::platforms::testing
