// The top-level settings and platform.* (docs/platforms.md). Defaults live in Scenario and platforms/spec.hpp.

#include "sim/config/settings_table.hpp"

#include "platforms/catalog.hpp"
#include "platforms/fabrics/registry.hpp"

#include <string>
#include <vector>

namespace racksim::sim::table {
namespace {

// GPUs, nodes, racks and the scale-out fabric.
void add_cluster(std::vector<Setting>& t) {
  using ST = SettingType;
  using platforms::NetworkModel;
  t.push_back(name_field(
      "platform.gpu", [](auto& s) -> auto& { return s.platform.gpu_model; }, platforms::gpu_names,
      "GPU model, by its exact name in the GPU catalog"));
  t.push_back(field(
      "platform.gpus_per_node", ST::integer, [](auto& s) -> auto& { return s.platform.gpus_per_node; }, closed(1, 72),
      "GPUs", "GPUs in one node, joined by NVLink/NVSwitch"));
  t.push_back(field(
      "platform.nodes_per_rack", ST::integer, [](auto& s) -> auto& { return s.platform.nodes_per_rack; }, at_least(1),
      "nodes", "nodes in one rack, behind one leaf (top-of-rack) switch"));
  t.push_back(field(
      "platform.racks", ST::integer, [](auto& s) -> auto& { return s.platform.racks; }, at_least(1), "racks",
      "number of racks"));
  t.push_back(field(
      "platform.gpu_efficiency", ST::real, [](auto& s) -> auto& { return s.platform.gpu_efficiency; }, left_open(0, 1),
      "", "achieved / peak dense bf16 rate for training compute (the GPU host speed is peak x this)"));
  t.push_back(field(
      "platform.nvlink_bandwidth", ST::bandwidth, [](auto& s) -> auto& { return s.platform.nvlink_bandwidth_Bps; },
      at_least(0), "", "NVLink bandwidth per GPU, per direction; 0 = the GPU catalog's figure"));
  t.push_back(field(
      "platform.nvlink_latency", ST::time, [](auto& s) -> auto& { return s.platform.nvlink_latency_s; }, at_least(0),
      "", "latency of one NVLink hop inside a node"));
  t.push_back(enum_field(
      "platform.network_model", [](auto& s) -> auto& { return s.platform.network_model; },
      std::vector<std::pair<std::string, NetworkModel>>{{"rdma", NetworkModel::rdma}, {"tcp", NetworkModel::tcp}},
      "rdma: CM02 with factors 1 (T = latency + S/B exactly); tcp: SimGrid's TCP-calibrated LV08"));
  t.push_back(name_field(
      "platform.nvlink_domain", [](auto& s) -> auto& { return s.platform.nvlink_domain; },
      [] {
        return std::vector<std::string>{"node", "rack"};
      },
      "GPUs joined by one NVSwitch: 'node' (its gpus_per_node) or 'rack' (all GPUs of a rack, e.g. GB200 NVL72: "
      "18 nodes x 4 GPUs; leaf_spine and fat_tree only)"));
  t.push_back(name_field(
      "platform.fabric.kind", [](auto& s) -> auto& { return s.platform.fabric.kind; },
      [] { return platforms::fabric_kinds(); },
      "scale-out fabric topology (docs/platforms.md, Fabrics)"));
  t.push_back(field(
      "platform.fabric.spines", ST::integer, [](auto& s) -> auto& { return s.platform.fabric.spines; }, at_least(1),
      "switches", "leaf_spine, rail_optimized: spine switches; every leaf has one uplink to each"));
  t.push_back(field(
      "platform.fabric.nics_per_node", ST::integer, [](auto& s) -> auto& { return s.platform.fabric.nics_per_node; },
      at_least(1), "NICs", "scale-out NICs per node, each on its own leaf port (rail_optimized: = gpus_per_node)"));
  t.push_back(field(
      "platform.fabric.nic_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.fabric.nic_bandwidth_Bps; }, above(0), "",
      "bandwidth of one NIC, per direction"));
  t.push_back(field(
      "platform.fabric.link_latency", ST::time, [](auto& s) -> auto& { return s.platform.fabric.link_latency_s; },
      at_least(0), "", "latency of one node-leaf link"));
  t.push_back(field(
      "platform.fabric.uplink_latency", ST::time, [](auto& s) -> auto& { return s.platform.fabric.uplink_latency_s; },
      any(), "",
      "latency of one leaf-spine, leaf-aggregation or dragonfly local link; negative (the default) = link_latency"));
  t.push_back(field(
      "platform.fabric.core_latency", ST::time, [](auto& s) -> auto& { return s.platform.fabric.core_latency_s; },
      any(), "",
      "latency of one fat_tree aggregation-core or dragonfly global link; negative (the default) = uplink_latency"));
  t.push_back(field(
      "platform.fabric.oversubscription", ST::real, [](auto& s) -> auto& { return s.platform.fabric.oversubscription; },
      at_least(1), "", "leaf downlink : uplink capacity; 1 = non-blocking (not used by dragonfly)"));
  t.push_back(field(
      "platform.fabric.switch_radix", ST::integer, [](auto& s) -> auto& { return s.platform.fabric.switch_radix; },
      at_least(0), "ports",
      "ports per switch at NIC speed; a platform whose switches need more is refused; 0 = not checked"));
  t.push_back(field(
      "platform.fabric.racks_per_pod", ST::integer, [](auto& s) -> auto& { return s.platform.fabric.racks_per_pod; },
      at_least(1), "racks", "fat_tree: racks (leaf switches) per pod; racks must be a multiple"));
  t.push_back(field(
      "platform.fabric.aggregation_per_pod", ST::integer,
      [](auto& s) -> auto& { return s.platform.fabric.aggregation_per_pod; }, at_least(1), "switches",
      "fat_tree: aggregation switches per pod; every leaf of the pod uplinks to each"));
  t.push_back(field(
      "platform.fabric.core_switches", ST::integer, [](auto& s) -> auto& { return s.platform.fabric.core_switches; },
      at_least(1), "switches",
      "fat_tree: core switches, a multiple of aggregation_per_pod; aggregation switch a of every pod uplinks to "
      "core switches a x c .. a x c + c - 1, c = core_switches / aggregation_per_pod"));
  t.push_back(field(
      "platform.fabric.pod_oversubscription", ST::real,
      [](auto& s) -> auto& { return s.platform.fabric.pod_oversubscription; }, at_least(1), "",
      "fat_tree: aggregation downlink : uplink capacity; 1 = non-blocking"));
  t.push_back(field(
      "platform.fabric.racks_per_group", ST::integer,
      [](auto& s) -> auto& { return s.platform.fabric.racks_per_group; }, at_least(1), "racks",
      "dragonfly: routers (one per rack) per group, joined all-to-all by local links"));
  t.push_back(field(
      "platform.fabric.global_links_per_rack", ST::integer,
      [](auto& s) -> auto& { return s.platform.fabric.global_links_per_rack; }, at_least(1), "links",
      "dragonfly: global links per router; a group's links are spread evenly over the other groups"));
  t.push_back(field(
      "platform.fabric.local_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.fabric.local_bandwidth_Bps; }, at_least(0), "",
      "dragonfly: one local (router-router) link, per direction; 0 = nic_bandwidth"));
  t.push_back(field(
      "platform.fabric.global_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.fabric.global_bandwidth_Bps; }, at_least(0), "",
      "dragonfly: one global link, per direction; 0 = nic_bandwidth"));
}

// platform.storage: the parallel file system, node-local NVMe and the object store.
void add_storage(std::vector<Setting>& t) {
  using ST = SettingType;
  t.push_back(field(
      "platform.storage.servers", ST::integer, [](auto& s) -> auto& { return s.platform.storage.servers; }, at_least(1),
      "servers", "parallel file system servers, one disk volume each"));
  t.push_back(field(
      "platform.storage.disk_read_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.disk_read_Bps; }, above(0), "",
      "disk read bandwidth of one storage server"));
  t.push_back(field(
      "platform.storage.disk_write_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.disk_write_Bps; }, above(0), "",
      "disk write bandwidth of one storage server"));
  t.push_back(field(
      "platform.storage.server_link_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.server_link_Bps; }, above(0), "",
      "network link of one storage server, per direction"));
  t.push_back(field(
      "platform.storage.uplink_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.uplink_Bps; }, at_least(0), "",
      "storage leaf to spines; 0 = the sum of the server links (non-blocking)"));
  t.push_back(field(
      "platform.storage.link_latency", ST::time, [](auto& s) -> auto& { return s.platform.storage.link_latency_s; },
      at_least(0), "", "latency of one storage network link"));
  t.push_back(field(
      "platform.storage.stripe_count", ST::integer, [](auto& s) -> auto& { return s.platform.storage.stripe_count; },
      at_least(0), "servers",
      "parallel file system servers one file is striped over (<= servers; round-robin from a per-job offset); 0 = "
      "all"));
  t.push_back(field(
      "platform.storage.stripe_size", ST::size, [](auto& s) -> auto& { return s.platform.storage.stripe_bytes; },
      at_least(0), "", "stripe unit, dealt round-robin to the file's servers; 0 = an even split (the fluid limit)"));
  t.push_back(field(
      "platform.storage.nvme.drives", ST::integer, [](auto& s) -> auto& { return s.platform.storage.nvme.drives; },
      at_least(0), "drives", "node-local NVMe drives per node (one RAID-0 volume); 0 = no NVMe tier"));
  t.push_back(field(
      "platform.storage.nvme.read_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.nvme.drive_read_Bps; }, above(0), "",
      "sequential read bandwidth of one NVMe drive"));
  t.push_back(field(
      "platform.storage.nvme.write_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.nvme.drive_write_Bps; }, above(0), "",
      "sequential write bandwidth of one NVMe drive"));
  t.push_back(field(
      "platform.storage.nvme.capacity", ST::size,
      [](auto& s) -> auto& { return s.platform.storage.nvme.drive_capacity_bytes; }, above(0), "",
      "capacity of one NVMe drive"));
  t.push_back(field(
      "platform.storage.nvme.pcie_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.nvme.pcie_Bps; }, above(0), "",
      "a node's GPUs to its NVMe volume over PCIe, per direction; caps the volume's bandwidth"));
  t.push_back(field(
      "platform.storage.object_store.gateways", ST::integer,
      [](auto& s) -> auto& { return s.platform.storage.object_store.gateways; }, at_least(1), "servers",
      "object-store front-end servers; each gets bandwidth / gateways, requests go round-robin over them"));
  t.push_back(field(
      "platform.storage.object_store.bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.object_store.bandwidth_Bps; }, above(0), "",
      "aggregate object-store bandwidth over all gateways, per direction"));
  t.push_back(field(
      "platform.storage.object_store.stream_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.object_store.stream_Bps; }, above(0), "",
      "most one request (one stream) can move"));
  t.push_back(field(
      "platform.storage.object_store.request_latency", ST::time,
      [](auto& s) -> auto& { return s.platform.storage.object_store.request_latency_s; }, at_least(0), "",
      "paid by every request before its first byte moves"));
  t.push_back(field(
      "platform.storage.object_store.request_size", ST::size,
      [](auto& s) -> auto& { return s.platform.storage.object_store.request_bytes; }, above(0), "",
      "bytes per request (multi-part upload part, ranged GET); the last request holds the remainder"));
  t.push_back(field(
      "platform.storage.object_store.streams", ST::integer,
      [](auto& s) -> auto& { return s.platform.storage.object_store.streams; }, at_least(1), "requests",
      "requests a client keeps in flight at once"));
}

} // namespace

void add_top_level_settings(std::vector<Setting>& t) {
  using ST = SettingType;
  // Top level.
  Setting name = field(
      "name", ST::string, [](auto& s) -> auto& { return s.name; }, any(), "", "scenario name, stored with the results");
  name.required = true;
  t.push_back(std::move(name));
  t.push_back(field(
      "seed", ST::unsigned_integer, [](auto& s) -> auto& { return s.seed; }, any(), "",
      "root of every random stream; each component derives its own stream from it"));
  t.push_back(field(
      "horizon", ST::time, [](auto& s) -> auto& { return s.horizon_s; }, at_least(0), "",
      "stop the simulation at this simulated time; 0 = run until every job has finished"));
  t.push_back(field(
      "calibration", ST::path, [](auto& s) -> auto& { return s.calibration; }, any(), "",
      "kernel timings for the step-time model: 'roofline' (GPU catalog peaks x efficiency curves) or a calibration "
      "file (.h5) from racksim-calibrate"));
}

void add_platform_settings(std::vector<Setting>& t) {
  add_cluster(t);
  add_storage(t);
}

} // namespace racksim::sim::table
