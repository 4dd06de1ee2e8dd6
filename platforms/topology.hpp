#pragma once
// The platform as a Boost.Graph graph: GPUs, NVSwitches, fabric switches, storage servers and the links between
// them. Everything else (SimGrid build, describe, analyses) is derived from this graph. docs/platforms.md has
// the pictures; the fluid links the simulator uses are listed by gpu_route (below).
//
// Vertices (in this order; names are unique and stable, the SimGrid build reuses them):
//   gpu-<g>                    one per GPU, g = 0 .. racks*nodes_per_rack*gpus_per_node - 1; node g / gpus_per_node
//   node-<n>-nvswitch          NVLink domain of a node (nvlink_domain: node), or
//   rack-<r>-nvswitch          of a whole rack (nvlink_domain: rack, e.g. GB200 NVL72)
//   leaf-<r>                   one switch per rack (leaf_spine, fat_tree; dragonfly: the rack's router), or
//   leaf-<r>-rail-<k>          rail_optimized: one switch per rack ("scalable unit") and GPU position k
//   agg-<p>-<a>                fat_tree: aggregation switches of pod p
//   spine-<s> / core-<c>       leaf_spine and rail_optimized spines / fat_tree core switches (topo.spines)
//   storage-leaf, storage-<k>  the storage tiers, attached to topo.storage_attach by add_storage_tiers, which owns
//   object-store-leaf, ...     their rules (platforms/storage.hpp): PFS, object store, node-<n>-nvme
// Edges (undirected, full duplex; bandwidth is per direction), by tier:
//   nvlink      nvlink-gpu-<g>          gpu -- its NVSwitch                 nvlink_Bps
//   node_leaf   uplink-node-<n>         node NVSwitch -- leaf               nics_per_node x nic
//               rack-<r>-nics           rack NVSwitch -- leaf (rack domain) nodes_per_rack x nics_per_node x nic
//               nic-gpu-<g>             gpu -- its rail leaf (rail)         nic
//   leaf_spine  leaf-<r>-spine-<s>      leaf -- spine / leaf -- agg         leaf_spine_Bps (below)
//               leaf-<r>-rail-<k>-spine-<s> (rail), leaf-<r>-agg-<a> (fat_tree), local-<r>-<q> (dragonfly, r < q)
//   core        agg-<p>-<a>-core-<c>    fat_tree aggregation -- core        agg_core_Bps
//               global-<i>-<j>          dragonfly group i -- group j (i<j)  global_pair_Bps (one aggregated edge)
//   storage     storage-leaf-spine-<i>  storage leaf -- storage_attach[i]   storage_uplink_Bps
//               storage-<k>-link        server -- storage leaf              storage.server_link_Bps
//   object_store, pcie         the object store's and NVMe's links (platforms/storage.hpp)
//
// Fluid ECMP. The simulator does not route over individual switches of one layer: it models the links of one
// switch (or pod) to the layer above as ONE aggregated link (leaf-<r>-uplink, pod-<p>-uplink,
// storage-leaf-uplink), a fluid max-min model with perfect ECMP splitting. The graph keeps the individual links
// because bisection, ECMP counts and failure domains need them.

#include "platforms/spec.hpp"

#include <boost/graph/adjacency_list.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::platforms {

class Fabric; // platforms/fabrics/fabric.hpp

enum class VertexKind {
  gpu,
  nvswitch,
  leaf,
  aggregation,
  spine,
  storage_leaf,
  storage_server,
  object_store_leaf, // storage tiers: platforms/storage.hpp
  object_store_gateway,
  nvme
};
const char* to_string(VertexKind kind);

struct VertexProps {
  VertexKind kind = VertexKind::gpu;
  std::string name;
  int index = 0; // index within its kind (GPU id, node id, leaf id, ...)
  int node = -1; // GPUs and NVSwitches of a node domain: node id
  int rack = -1; // GPUs, NVSwitches, leaves: rack id; aggregation switches: pod id
};

enum class LinkTier { nvlink, node_leaf, leaf_spine, core, storage, object_store, pcie }; // last two: storage.hpp
constexpr int num_link_tiers = 7;
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
  std::vector<Vertex> gpus;           // by GPU id: GPU g is on node g / gpus_per_node
  std::vector<Vertex> nvswitches;     // by NVLink domain (node, or rack when nvlink_domain is rack)
  std::vector<Vertex> leaves;         // by rack (rail_optimized: rack x gpus_per_node + rail)
  std::vector<Vertex> aggregations;   // fat_tree: pod x aggregation_per_pod + a
  std::vector<Vertex> spines;         // spines (leaf_spine, rail_optimized) or core switches (fat_tree)
  std::vector<Vertex> storage_attach; // where the storage leaf connects: the spines / core, or (dragonfly) the
                                      // first router of each group
  // Storage tiers (platforms/storage.hpp, filled by add_storage_tiers).
  Vertex storage_leaf{};
  std::vector<Vertex> storage_servers;
  Vertex object_store_leaf{};
  std::vector<Vertex> object_store_gateways;
  std::vector<Vertex> nvme; // by node; empty when platform.storage.nvme.drives = 0

  // Derived link capacities, per direction.
  double gpu_flops = 0;               // effective per-GPU rate: peak bf16 x efficiency
  double nvlink_Bps = 0;              // GPU <-> NVSwitch
  double node_uplink_Bps = 0;         // one node's NICs: nics_per_node x nic bandwidth
  double leaf_uplink_Bps = 0;         // one leaf's (rail: one rack's rail leaves') links to the layer above, in total
  double leaf_spine_Bps = 0;          // one leaf <-> spine / aggregation link (dragonfly: one local link)
  double pod_uplink_Bps = 0;          // fat_tree: one pod's aggregation <-> core links, in total
  double agg_core_Bps = 0;            // fat_tree: one aggregation <-> core link
  double global_pair_Bps = 0;         // dragonfly: the global links between one pair of groups, in total
  double storage_uplink_Bps = 0;      // storage leaf <-> one storage_attach switch
  double object_store_uplink_Bps = 0; // object-store leaf <-> one storage_attach switch
  int storage_top_links = 0;          // storage_attach.size(): switches each of those two leaves is linked to

  // The fabric kind (platforms/fabrics/): the registry entry of spec.fabric.kind, set by build_topology. Code that
  // differs by kind asks it (or its traits), never compares spec.fabric.kind.
  const Fabric* fabric_kind = nullptr;
  const Fabric& fabric() const { return *fabric_kind; }
  int num_gpus() const { return static_cast<int>(gpus.size()); }
  int num_nodes() const { return num_gpus() / spec.gpus_per_node; }
  int num_racks() const { return spec.racks; }
  int num_pods() const; // fat_tree: pods; dragonfly: groups; otherwise 1
  int node_of_gpu(int gpu) const { return gpu / spec.gpus_per_node; }
  int rack_of_node(int node) const { return node / spec.nodes_per_rack; }
  int rack_of_gpu(int gpu) const { return rack_of_node(node_of_gpu(gpu)); }
  int pod_of_rack(int rack) const; // fat_tree pod, dragonfly group; 0 otherwise
  // NVLink domain of a GPU (an index into nvswitches): its node, or its rack when nvlink_domain is rack.
  int domain_of_gpu(int gpu) const { return spec.nvlink_domain == "rack" ? rack_of_gpu(gpu) : node_of_gpu(gpu); }
};

// Validates the spec (throws PlatformError naming the field) and builds the graph.
Topology build_topology(const PlatformSpec& spec);
// Adds a vertex to a graph under construction (the fabric kinds' and storage tiers' builders).
Vertex append_vertex(TopologyGraph& g, VertexProps props);

// Bisection bandwidth (bytes/s, one direction) computed on the graph as a max-flow between the first and the
// second half of the racks (GPU to GPU). Requires at least two racks; returns 0 for a single rack.
double bisection_bandwidth_Bps(const Topology& topo);
// The same by closed form for the fabric's kind (docs/platforms.md, "Bisection"); exact when each half holds
// whole pods (fat_tree) or groups (dragonfly) and, for dragonfly, the local links are not the bottleneck.
double bisection_formula_Bps(const Topology& topo);

// One link of a fluid route: an aggregated link as the simulator has it (names above and in docs).
struct Hop {
  std::string link;
  double bandwidth_Bps = 0;
  double latency_s = 0;
};
// The links a transfer from GPU a to GPU b crosses in the simulator, in order (empty for a == b). The SimGrid
// build creates exactly these routes (tests/unit/platforms compare them). Throws std::out_of_range for bad ids.
std::vector<Hop> gpu_route(const Topology& topo, int gpu_a, int gpu_b);
std::vector<Hop> gpu_to_storage_route(const Topology& topo, int gpu, int server);
// From a GPU up to the switch its rack reaches the storage_attach tier through (the part of a storage route the
// PFS and the object store share): the GPU's way to its leaf, then leaf_spine / rail_optimized: the leaf's
// aggregated uplink; fat_tree: + the pod's; dragonfly: a local hop to the group's first router (if not that).
std::vector<Hop> gpu_to_top_route(const Topology& topo, int gpu);

// Uncontended-path facts used by the workload model to turn a trace duration into compute time: the bottleneck
// and the latency sum of the route above (same GPU: bandwidth +infinity, latency 0).
struct PathFacts {
  double bandwidth_Bps = 0; // bottleneck bandwidth of the path
  double latency_s = 0;     // sum of link latencies
};
PathFacts gpu_path(const Topology& topo, int gpu_a, int gpu_b);
PathFacts gpu_to_storage_path(const Topology& topo, int gpu, int server);

// Throws PlatformError naming the first bad field, e.g. "platform.fabric.spines must be >= 1 (got 0)".
// build_topology calls it; exposed so callers can check a spec without building the graph.
void validate_spec(const PlatformSpec& spec);

// Capacity of one leaf's (resp. the storage leaf's) aggregated uplink, per direction (fluid ECMP, above).
double leaf_uplink_aggregate_Bps(const Topology& topo);
double storage_uplink_aggregate_Bps(const Topology& topo);

// Ports each switch kind needs ("leaf", "aggregation", "spine", "router"), each at NIC speed; validate_spec
// refuses a platform whose switches need more than fabric.switch_radix ports.
struct SwitchPorts {
  std::string kind;
  int down = 0, up = 0; // dragonfly routers: up = local + global links
};
std::vector<SwitchPorts> switch_ports(const PlatformSpec& spec); // the fabric kind's; PlatformError if unknown

// Largest number of links on a shortest GPU-to-GPU route (BFS on the graph from GPU 0); on a leaf-spine: 2 within
// one node, 4 within one rack, 6 across racks.
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
std::string rack_nvswitch(int rack);
std::string leaf(int rack);
std::string rail_leaf(int rack, int rail);
std::string aggregation(int pod, int a);
std::string spine(int spine);
std::string core(int core);
std::string storage_leaf();
std::string storage_server(int server);
std::string nvlink(int gpu);
std::string node_uplink(int node);
std::string rack_nics(int rack);
std::string gpu_nic(int gpu);
std::string leaf_spine(int rack, int spine);
std::string rail_spine(int rack, int rail, int spine);
std::string leaf_aggregation(int rack, int a);
std::string aggregation_core(int pod, int a, int core);
std::string local_link(int rack_a, int rack_b);    // dragonfly, rack_a < rack_b
std::string global_link(int group_a, int group_b); // dragonfly, group_a < group_b
std::string storage_leaf_spine(int spine);
std::string storage_server_link(int server);
std::string leaf_uplink_aggregate(int rack); // "leaf-<r>-uplink", for the fluid-ECMP aggregated link
std::string pod_uplink_aggregate(int pod);   // "pod-<p>-uplink"
std::string storage_uplink_aggregate();      // "storage-leaf-uplink"
} // namespace names

} // namespace racksim::platforms
