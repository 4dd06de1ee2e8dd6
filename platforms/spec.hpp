#pragma once
// Plain description of a platform as the scenario states it: sizes, link speeds, storage. No SimGrid here.
// All quantities are SI: bytes, seconds, bytes per second, FLOP/s.

#include <string>

namespace racksim::platforms {

// How SimGrid shares and delays bandwidth on the fabric. See docs/network-model.md.
enum class NetworkModel {
  rdma, // CM02, latency and bandwidth factors 1, no TCP cross-traffic: T = sum(latency) + S/B exactly
  tcp   // SimGrid's default LV08 (TCP-calibrated factors, reverse ack flows)
};

struct FabricSpec {
  std::string kind = "leaf_spine"; // the only fabric in this release
  int spines = 4;
  int nics_per_node = 8;                // each NIC has its own leaf port
  double nic_bandwidth_Bps = 400e9 / 8; // 400 Gb/s per NIC, per direction
  double link_latency_s = 1e-6;         // per fabric link (node-leaf, leaf-spine)
  double oversubscription = 1.0;        // leaf downlink capacity : uplink capacity (1 = non-blocking)
};

struct StorageSpec {
  int servers = 4;                    // parallel file system servers, one disk volume each
  double disk_read_Bps = 20e9;        // per server
  double disk_write_Bps = 10e9;       // per server
  double server_link_Bps = 400e9 / 8; // each server's NIC
  double uplink_Bps = 0;              // storage leaf to spines; 0 = sum of server links (non-blocking)
  double link_latency_s = 1e-6;
};

struct PlatformSpec {
  std::string gpu_model = "H100-SXM5-80GB"; // a name from the GPU catalog (platforms/catalog.hpp)
  int gpus_per_node = 8;
  int nodes_per_rack = 4; // one leaf (top-of-rack) switch per rack
  int racks = 2;
  double gpu_efficiency = 0.4;     // achieved / peak dense bf16 rate for training compute
  double nvlink_bandwidth_Bps = 0; // per GPU, per direction; 0 = from the catalog
  double nvlink_latency_s = 0.5e-6;
  FabricSpec fabric;
  StorageSpec storage;
  NetworkModel network_model = NetworkModel::rdma;
};

} // namespace racksim::platforms
