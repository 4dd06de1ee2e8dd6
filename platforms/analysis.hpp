#pragma once
// Topology analyses on the Boost.Graph platform graph (no SimGrid): GPU-to-GPU diameter and mean hop count by
// BFS, ECMP path count between two leaves, failure domains (what one failed leaf, spine, rack, storage server or
// the storage leaf cuts off, and the bisection left), and a JSON rendering for `racksim describe --json`.
// Definitions and the JSON fields: docs/platforms.md, section "Analyses".

#include "platforms/topology.hpp"

#include <string>
#include <vector>

namespace racksim::platforms {

// What one failure takes away. The failed vertices are removed (all their links cleared); connectivity is then
// read from boost::connected_components and the bisection from bisection_bandwidth_Bps on the damaged graph.
struct FailureDomain {
  std::string kind; // "leaf", "aggregation", "spine", "rack_power", "storage_server", "storage_leaf", "object_store"
  std::vector<std::string> failed; // names of the removed vertices (the first of each kind, by symmetry)
  int gpus_failed = 0;             // GPUs among the removed vertices (rack_power only)
  int gpus_cut_off = 0;            // surviving GPUs outside the component that holds the most surviving GPUs
  int gpus_without_storage = 0;    // surviving GPUs with no path to any surviving storage server
  int gpus_without_object_store = 0; // surviving GPUs with no path to any surviving object-store gateway
  int storage_servers_failed = 0;  // storage servers among the removed vertices
  double bisection_Bps = 0;        // bisection_bandwidth_Bps of the damaged graph (same rack halves)
};

struct TopologyAnalysis {
  int gpu_diameter_hops = 0;        // largest shortest-path link count between two GPUs (BFS)
  double mean_gpu_hops = 0;         // mean shortest-path link count over ordered pairs of distinct GPUs (BFS)
  long long leaf_ecmp_paths = 0;    // number of shortest leaf-0 to leaf-1 paths (BFS path counting); 0 if 1 rack
  int leaf_ecmp_hops = 0;           // their length in links (2 on a leaf-spine); 0 if 1 rack
  double bisection_Bps = 0;         // bisection_bandwidth_Bps (graph max-flow)
  double bisection_formula_Bps = 0; // leaf_spine_bisection_formula_Bps
  std::vector<FailureDomain> failure_domains; // leaf, spine, rack_power, storage_server, storage_leaf, object_store
};

// Every GPU is equivalent to every other (racks, nodes and spines are identical), so one BFS from GPU 0 gives
// both the eccentricity (= diameter) and the mean distance (sum / (N - 1)) exactly.
TopologyAnalysis analyze(const Topology& topo);

// Mean GPU-to-GPU hop count by counting: from one GPU, g-1 GPUs at 2 links (same node), (n-1)g at 4 (same
// rack), (R-1)ng at 6 (other racks); divided by N-1. 0 for a single GPU. Cross-check for the BFS value.
double mean_gpu_hops_formula(const Topology& topo);

// One JSON object (fields documented in docs/platforms.md, "Analyses"):
//   fabric, nvlink_domain (strings)
//   counts          {gpus, nodes, racks, pods, leaves, aggregations, spines, storage_leaves, storage_servers, object_store_gateways,
//                   nvme}
//   links           {nvlink, node_leaf, leaf_spine, storage_leaf_spine, storage_server, object_store_leaf_spine,
//                   object_store_gateway, pcie}: each
//                   {count, bandwidth_Bps (one link, per direction), total_Bps (count x bandwidth)}
//   bisection_Bps   {graph, formula}
//   gpu_diameter_hops, mean_gpu_hops, leaf_ecmp_paths, leaf_ecmp_hops
//   failure_domains [{kind, failed [names], gpus_failed, gpus_cut_off, gpus_without_storage,
//                     gpus_without_object_store, storage_servers_failed, bisection_Bps}]
// Numbers are printed with %.17g (round-trip exact); strings are JSON-escaped.
std::string analysis_json(const Topology& topo, const TopologyAnalysis& analysis);

// A JSON string literal for `s`, quotes included: ", \ and control characters escaped (shared by every JSON
// writer in racksim: describe --json, compare --format json).
std::string json_string(const std::string& s);

// A number as printf's `spec` prints it, with nan, inf and -inf spelled out (tables of compare and regress).
std::string number_text(double v, const char* spec = "%.6g");
// The shortest of %.15g, %.16g, %.17g that reads back as v (0.05, not 0.050000000000000003): JSON and CSV numbers.
std::string exact_number_text(double v);

} // namespace racksim::platforms
