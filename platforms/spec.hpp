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

// The scale-out fabric (docs/platforms.md, "Fabrics"). Every kind shares the node side (nics_per_node NICs of
// nic_bandwidth per node, link_latency to the first switch); the fields of the other kinds are ignored.
struct FabricSpec {
  std::string kind = "leaf_spine";      // a name from platforms/fabrics/registry.hpp
  int spines = 4;                       // leaf_spine, rail_optimized: spine switches (every leaf uplinks to each)
  int nics_per_node = 8;                // each NIC has its own leaf port (rail_optimized: one NIC per GPU)
  double nic_bandwidth_Bps = 400e9 / 8; // 400 Gb/s per NIC, per direction
  double link_latency_s = 1e-6;         // node-leaf links
  double uplink_latency_s = -1; // leaf-spine, leaf-aggregation, dragonfly local links; < 0 = link_latency
  double core_latency_s = -1;   // fat_tree aggregation-core links, dragonfly global links; < 0 = uplink latency
  double oversubscription = 1.0;        // leaf downlink capacity : uplink capacity (1 = non-blocking)
  int switch_radix = 0;                 // ports per switch (each at NIC speed); 0 = not checked
  // fat_tree: racks are grouped into pods; each pod's aggregation switches connect to core switches.
  int racks_per_pod = 4;
  int aggregation_per_pod = 4;           // every leaf of the pod uplinks to each
  int core_switches = 4;                 // each aggregation switch of a pod uplinks to core_switches / aggregation_per_pod
  double pod_oversubscription = 1.0;     // aggregation downlink : uplink capacity
  // dragonfly: one router (leaf) per rack; routers of a group are joined all-to-all by local links; groups by
  // global links, spread evenly over the other groups (one aggregated global link per pair of groups).
  int racks_per_group = 4;
  int global_links_per_rack = 2;
  double local_bandwidth_Bps = 0;  // one router-router link; 0 = nic_bandwidth
  double global_bandwidth_Bps = 0; // one global link; 0 = nic_bandwidth
};

// Node-local NVMe: a RAID-0 volume of `drives` drives per node, reached from the node's GPUs over PCIe, never
// over the fabric. Defaults: NVIDIA DGX H100 user guide, "8 x 3.84 TB NVMe U.2" data cache per system; per-drive
// figures are the order of magnitude of PCIe Gen4 x4 U.2 datacenter datasheets (Samsung PM1733 3.84 TB: 7.0 GB/s
// sequential read, 3.8 GB/s sequential write); PCIe Gen5 x16 carries ~63 GB/s per direction.
struct NvmeSpec {
  int drives = 8;                      // per node; 0 = the nodes have no NVMe tier
  double drive_read_Bps = 7.0e9;       // per drive, sequential
  double drive_write_Bps = 3.8e9;      // per drive, sequential
  double drive_capacity_bytes = 3.84e12;
  double pcie_Bps = 64e9;              // the node's GPUs <-> its drives, per direction (caps the volume)
};

// An S3-class object store behind `gateways` front-end servers that hang off the top switch tier. An object is
// moved as requests (multi-part upload / ranged GET) of request_bytes, at most `streams` in flight per client;
// every request pays request_latency_s (first byte) and runs at most at stream_Bps. Defaults: AWS "Best practices
// design patterns: optimizing Amazon S3 performance" (one request per ~85-90 MB/s of desired throughput; first-byte
// latency of S3 Standard roughly 100-200 ms, on-premises S3-compatible stores tens of ms), boto3's multipart
// default chunk is 8 MiB (large checkpoints use 64-128 MiB parts); 4 gateways with a 100 Gb/s NIC each.
struct ObjectStoreSpec {
  int gateways = 4;
  double bandwidth_Bps = 4 * 100e9 / 8; // aggregate over the gateways (each gets bandwidth / gateways)
  double stream_Bps = 90e6;             // one request's stream
  double request_latency_s = 50e-3;     // per request, before its first byte moves
  double request_bytes = 64.0 * 1024 * 1024;
  int streams = 16; // concurrent requests per client (per writing GPU / reading node)
};

// The storage tiers. The parallel file system (the `pfs` tier) keeps its historical keys directly under
// platform.storage; NVMe and the object store have their own sections. See docs/platforms.md, "Storage".
struct StorageSpec {
  int servers = 4;                    // parallel file system servers, one disk volume each
  double disk_read_Bps = 20e9;        // per server
  double disk_write_Bps = 10e9;       // per server
  double server_link_Bps = 400e9 / 8; // each server's NIC
  double uplink_Bps = 0;              // storage leaf to spines; 0 = sum of server links (non-blocking)
  double link_latency_s = 1e-6;
  int stripe_count = 0;     // servers one file is striped over; 0 = all of them (<= servers)
  double stripe_bytes = 0;  // stripe unit, round-robin over the file's servers; 0 = even split (fluid limit)
  NvmeSpec nvme;
  ObjectStoreSpec object_store;
};

struct PlatformSpec {
  std::string gpu_model = "H100-SXM5-80GB"; // a name from the GPU catalog (platforms/catalog.hpp)
  int gpus_per_node = 8;
  int nodes_per_rack = 4; // one leaf (top-of-rack) switch per rack
  int racks = 2;
  double gpu_efficiency = 0.4;     // achieved / peak dense bf16 rate for training compute
  double nvlink_bandwidth_Bps = 0; // per GPU, per direction; 0 = from the catalog
  double nvlink_latency_s = 0.5e-6;
  std::string nvlink_domain = "node"; // node: NVLink joins a node's GPUs; rack: all GPUs of a rack (e.g. NVL72)
  FabricSpec fabric;
  StorageSpec storage;
  NetworkModel network_model = NetworkModel::rdma;
};

} // namespace racksim::platforms
