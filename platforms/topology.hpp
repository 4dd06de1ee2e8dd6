#pragma once
// The platform as a Boost.Graph graph: GPUs, NVSwitches, leaf and spine switches, storage servers and the
// links between them. Everything else (SimGrid build, describe, analyses) is derived from this graph.

#include "platforms/spec.hpp"

#include <boost/graph/adjacency_list.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::platforms {

enum class VertexKind { gpu, nvswitch, leaf, spine, storage_leaf, storage_server };
const char* to_string(VertexKind kind);

struct VertexProps {
  VertexKind kind = VertexKind::gpu;
  std::string name;
  int index = 0; // index within its kind (GPU id, node id, leaf id, ...)
  int node = -1; // GPUs and NVSwitches: node id
  int rack = -1; // GPUs, NVSwitches, leaves: rack id
};

enum class LinkTier { nvlink, node_leaf, leaf_spine, storage };
const char* to_string(LinkTier tier);

struct EdgeProps {
  LinkTier tier = LinkTier::nvlink;
  std::string name;
  double bandwidth_Bps = 0; // per direction (links are full duplex)
  double latency_s = 0;
};

using TopologyGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, VertexProps, EdgeProps>;
using Vertex = TopologyGraph::vertex_descriptor;

// A platform that cannot exist (zero racks, negative bandwidth, unknown GPU, ...).
class PlatformError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct Topology {
  PlatformSpec spec;
  TopologyGraph graph;
  std::vector<Vertex> gpus;            // by GPU id: GPU g is on node g / gpus_per_node
  std::vector<Vertex> nvswitches;      // by node id
  std::vector<Vertex> leaves;          // by rack id
  std::vector<Vertex> spines;
  Vertex storage_leaf{};
  std::vector<Vertex> storage_servers;

  // Derived link capacities, per direction.
  double gpu_flops = 0;                // effective per-GPU rate: peak bf16 x efficiency
  double nvlink_Bps = 0;               // GPU <-> NVSwitch
  double node_uplink_Bps = 0;          // NVSwitch <-> leaf: nics_per_node x nic bandwidth
  double leaf_spine_Bps = 0;           // one leaf <-> one spine link
  double storage_uplink_Bps = 0;       // storage leaf <-> one spine link

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
PathFacts gpu_path(const Topology& topo, int gpu_a, int gpu_b);
PathFacts gpu_to_storage_path(const Topology& topo, int gpu, int server);

} // namespace racksim::platforms
