#pragma once
// The platform as a Boost.Graph graph: GPUs, NVSwitches, leaf and spine switches, storage servers and the
// links between them. Everything else (SimGrid build, describe, analyses) is derived from this graph.
//
// Vertices (in this order in the graph; names are unique and stable, the SimGrid build reuses them):
//   gpu-<g>              one per GPU, g = 0 .. racks*nodes_per_rack*gpus_per_node - 1
//   node-<n>-nvswitch    one per node (the node's NVLink/NVSwitch fabric, one switch vertex)
//   leaf-<r>             one top-of-rack switch per rack
//   spine-<s>            one per spine
//   storage-leaf         the switch the storage servers hang off; it has one link to every spine
//   storage-<k>          one per storage server (one disk volume each)
//   object-store-leaf, object-store-gw-<k>, node-<n>-nvme: the other storage tiers, see platforms/storage.hpp
//                        (the storage vertices and edges are added by add_storage_tiers, which owns their rules)
// Edges (undirected, full duplex; bandwidth is per direction):
//   nvlink-gpu-<g>              gpu-<g> -- node-<n>-nvswitch      tier nvlink      nvlink_Bps, nvlink_latency_s
//   uplink-node-<n>             node-<n>-nvswitch -- leaf-<r>     tier node_leaf   nics_per_node x NIC bandwidth,
//                                                                                  fabric.link_latency_s
//   leaf-<r>-spine-<s>          leaf-<r> -- spine-<s>             tier leaf_spine  leaf_spine_Bps (below),
//                                                                                  fabric.link_latency_s
//   storage-leaf-spine-<s>      storage-leaf -- spine-<s>         tier storage     storage_uplink_Bps (below),
//                                                                                  fabric.link_latency_s
//   storage-<k>-link            storage-<k> -- storage-leaf       tier storage     storage.server_link_Bps,
//                                                                                  storage.link_latency_s
//   leaf_spine_Bps     = nodes_per_rack x node_uplink_Bps / oversubscription / spines
//   storage_uplink_Bps = (storage.uplink_Bps, or servers x server_link_Bps when 0) / spines
//
// Fluid ECMP. The SimGrid build models a leaf's S spine links as ONE aggregated link of S x leaf_spine_Bps
// (suggested name leaf-<r>-uplink) and the storage leaf's as one of S x storage_uplink_Bps (storage-leaf-uplink),
// each with latency fabric.link_latency_s: a fluid max-min model with perfect ECMP splitting. The graph keeps
// the individual links because bisection and failure domains (one spine down) need them.
//
// Path rules (gpu_path, gpu_to_storage_path) follow the routes the simulator uses, with the aggregation above:
//   same GPU        bandwidth +infinity, latency 0 (no transfer happens; callers skip the network)
//   same node       nvlink up, nvlink down                                      bw nvlink, lat 2 x nvlink_lat
//   same rack       nvlink, uplink, uplink, nvlink                              bw min(nvlink, node uplink),
//                                                                               lat 2 x nvlink_lat + 2 x link_lat
//   across racks    nvlink, uplink, leaf aggregate (up), leaf aggregate (down), uplink, nvlink
//                   bw min(nvlink, node uplink, spines x leaf_spine_Bps), lat 2 x nvlink_lat + 4 x link_lat
//   GPU -> storage  nvlink, uplink, leaf aggregate, storage-leaf aggregate, server link
//                   bw min(nvlink, node uplink, spines x leaf_spine_Bps, spines x storage_uplink_Bps,
//                   server link), lat nvlink_lat + 3 x link_lat + storage.link_latency_s

#include "platforms/spec.hpp"

#include <boost/graph/adjacency_list.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::platforms {

enum class VertexKind {
  gpu,
  nvswitch,
  leaf,
  spine,
  storage_leaf,
  storage_server,
  object_store_leaf,    // storage tiers: platforms/storage.hpp
  object_store_gateway,
  nvme
};
const char* to_string(VertexKind kind);

struct VertexProps {
  VertexKind kind = VertexKind::gpu;
  std::string name;
  int index = 0; // index within its kind (GPU id, node id, leaf id, ...)
  int node = -1; // GPUs and NVSwitches: node id
  int rack = -1; // GPUs, NVSwitches, leaves: rack id
};

enum class LinkTier { nvlink, node_leaf, leaf_spine, storage, object_store, pcie }; // the last two: storage.hpp
constexpr int num_link_tiers = 6;
const char* to_string(LinkTier tier);

struct EdgeProps {
  LinkTier tier = LinkTier::nvlink;
  std::string name;
  double bandwidth_Bps = 0; // per direction (links are full duplex)
  double latency_s = 0;
};

using TopologyGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, VertexProps, EdgeProps>;
using Vertex = TopologyGraph::vertex_descriptor;

// A platform that cannot exist (zero racks, negative bandwidth, unknown GPU, ...).
class PlatformError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Topology {
  PlatformSpec spec;
  TopologyGraph graph;
  std::vector<Vertex> gpus;       // by GPU id: GPU g is on node g / gpus_per_node
  std::vector<Vertex> nvswitches; // by node id
  std::vector<Vertex> leaves;     // by rack id
  std::vector<Vertex> spines;
  // Storage tiers (platforms/storage.hpp, filled by add_storage_tiers).
  Vertex storage_leaf{};
  std::vector<Vertex> storage_servers;
  Vertex object_store_leaf{};
  std::vector<Vertex> object_store_gateways;
  std::vector<Vertex> nvme; // by node; empty when platform.storage.nvme.drives = 0

  // Derived link capacities, per direction.
  double gpu_flops = 0;          // effective per-GPU rate: peak bf16 x efficiency
  double nvlink_Bps = 0;         // GPU <-> NVSwitch
  double node_uplink_Bps = 0;    // NVSwitch <-> leaf: nics_per_node x nic bandwidth
  double leaf_spine_Bps = 0;     // one leaf <-> one spine link
  double storage_uplink_Bps = 0; // storage leaf <-> one spine link
  double object_store_uplink_Bps = 0; // object-store leaf <-> one spine link
  int storage_top_links = 0;          // top-tier switches each of those two leaves is linked to

  int num_gpus() const { return static_cast<int>(gpus.size()); }
  int num_nodes() const { return static_cast<int>(nvswitches.size()); }
  int num_racks() const { return static_cast<int>(leaves.size()); }
  int node_of_gpu(int gpu) const { return gpu / spec.gpus_per_node; }
  int rack_of_node(int node) const { return node / spec.nodes_per_rack; }
  int rack_of_gpu(int gpu) const { return rack_of_node(node_of_gpu(gpu)); }
};

// Validates the spec (throws PlatformError naming the field) and builds the graph.
Topology build_topology(const PlatformSpec& spec);

// Bisection bandwidth (bytes/s, one direction) computed on the graph as a max-flow between the first and the
// second half of the racks (GPU to GPU). Requires at least two racks; returns 0 for a single rack.
double bisection_bandwidth_Bps(const Topology& topo);
// The same by formula for a two-tier leaf-spine: min(half the racks' uplinks, half the racks' downlinks).
double leaf_spine_bisection_formula_Bps(const Topology& topo);

// Uncontended-path facts used by the workload model to turn a trace duration into compute time.
struct PathFacts {
  double bandwidth_Bps = 0; // bottleneck bandwidth of the path
  double latency_s = 0;     // sum of link latencies
};
// Both throw std::out_of_range for a GPU id or server index that does not exist.
PathFacts gpu_path(const Topology& topo, int gpu_a, int gpu_b);
PathFacts gpu_to_storage_path(const Topology& topo, int gpu, int server);

// Throws PlatformError naming the first bad field, e.g. "platform.fabric.spines must be >= 1 (got 0)".
// build_topology calls it; exposed so callers can check a spec without building the graph.
void validate_spec(const PlatformSpec& spec);

// Capacity of one leaf's (resp. the storage leaf's) aggregated spine link, per direction (fluid ECMP, above).
double leaf_uplink_aggregate_Bps(const Topology& topo);
double storage_uplink_aggregate_Bps(const Topology& topo);

// Largest number of links on a shortest GPU-to-GPU route (BFS on the graph): 2 within one node, 4 within one
// rack, 6 across racks.
int gpu_hop_diameter(const Topology& topo);

// Multi-line, human-readable platform facts for `racksim describe`: counts per vertex kind and link tier,
// per-tier bandwidth, storage, effective GPU rate, bisection (graph and formula), oversubscription, diameter,
// failure domains.
std::string describe_text(const Topology& topo);

// Readable quantities for describe: network bandwidth in bits ("400 Gb/s", "3.2 Tb/s"), memory/disk bandwidth in
// bytes ("3.35 TB/s"), rates ("989.4 TFLOPS").
std::string format_bits_per_second(double bytes_per_second);
std::string format_bytes_per_second(double bytes_per_second);
std::string format_flops(double flops);
std::string format_seconds(double seconds); // "0 s", "500 ns", "1.5 us", "50 ms", "2 s"
std::string format_bytes(double bytes);     // binary prefixes: "16 GiB"

// Stable vertex and link names (see the top of this file). The SimGrid build uses the same functions.
namespace names {
std::string gpu(int gpu);
std::string nvswitch(int node);
std::string leaf(int rack);
std::string spine(int spine);
std::string storage_leaf();
std::string storage_server(int server);
std::string nvlink(int gpu);
std::string node_uplink(int node);
std::string leaf_spine(int rack, int spine);
std::string storage_leaf_spine(int spine);
std::string storage_server_link(int server);
std::string leaf_uplink_aggregate(int rack); // "leaf-<r>-uplink", for the fluid-ECMP aggregated link
std::string storage_uplink_aggregate();      // "storage-leaf-uplink"
} // namespace names

} // namespace racksim::platforms
