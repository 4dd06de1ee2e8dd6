// Topology analyses: BFS distances and path counts, failure domains by connected components and max-flow, and
// the hand-written JSON rendering. Definitions in analysis.hpp and docs/platforms.md ("Analyses").

#include "platforms/analysis.hpp"

#include "platforms/storage.hpp"

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/connected_components.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace racksim::platforms {

namespace {

std::vector<int> bfs_distances(const TopologyGraph& g, Vertex from) {
  std::vector<int> distance(boost::num_vertices(g), -1);
  distance[from] = 0;
  boost::breadth_first_search(
      g, from,
      boost::visitor(boost::make_bfs_visitor(boost::record_distances(distance.data(), boost::on_tree_edge()))));
  return distance;
}

// Counts shortest paths from the BFS source: a vertex at level d+1 gets the sum of the counts of its neighbours
// at level d. BFS examines every level-d vertex before any level-(d+1) vertex, so a count is final when its
// vertex is examined.
class PathCounter : public boost::default_bfs_visitor {
 public:
  PathCounter(std::vector<int>& distance, std::vector<long long>& paths) : distance_(distance), paths_(paths) {}
  void tree_edge(TopologyGraph::edge_descriptor e, const TopologyGraph& g) const {
    const Vertex u = boost::source(e, g);
    const Vertex v = boost::target(e, g);
    distance_[v] = distance_[u] + 1;
    paths_[v] = paths_[u];
  }
  void non_tree_edge(TopologyGraph::edge_descriptor e, const TopologyGraph& g) const {
    const Vertex u = boost::source(e, g);
    const Vertex v = boost::target(e, g);
    if (distance_[v] == distance_[u] + 1) paths_[v] += paths_[u];
  }

 private:
  std::vector<int>& distance_;
  std::vector<long long>& paths_;
};

FailureDomain apply_failure(const Topology& topo, std::string kind, const std::vector<Vertex>& removed) {
  FailureDomain domain;
  domain.kind = std::move(kind);
  Topology damaged = topo;
  std::vector<bool> is_removed(boost::num_vertices(topo.graph), false);
  for (Vertex v : removed) {
    is_removed[v] = true;
    domain.failed.push_back(topo.graph[v].name);
    if (topo.graph[v].kind == VertexKind::gpu) ++domain.gpus_failed;
    if (topo.graph[v].kind == VertexKind::storage_server) ++domain.storage_servers_failed;
    boost::clear_vertex(v, damaged.graph);
  }

  std::vector<int> component(boost::num_vertices(damaged.graph), 0);
  const int num_components = boost::connected_components(damaged.graph, component.data());
  std::vector<int> gpus_in(num_components, 0);
  std::vector<bool> has_storage(num_components, false);
  std::vector<bool> has_object_store(num_components, false);
  for (Vertex v : topo.gpus)
    if (!is_removed[v]) ++gpus_in[component[v]];
  for (Vertex v : topo.storage_servers)
    if (!is_removed[v]) has_storage[component[v]] = true;
  for (Vertex v : topo.object_store_gateways)
    if (!is_removed[v]) has_object_store[component[v]] = true;
  // The surviving fabric is the component with the most surviving GPUs (the first one on a tie).
  const int main_component = static_cast<int>(std::max_element(gpus_in.begin(), gpus_in.end()) - gpus_in.begin());
  for (Vertex v : topo.gpus) {
    if (is_removed[v]) continue;
    if (component[v] != main_component) ++domain.gpus_cut_off;
    if (!has_storage[component[v]]) ++domain.gpus_without_storage;
    if (!has_object_store[component[v]]) ++domain.gpus_without_object_store;
  }
  domain.bisection_Bps = bisection_bandwidth_Bps(damaged);
  return domain;
}

} // namespace

double mean_gpu_hops_formula(const Topology& topo) {
  const double n_gpus = topo.num_gpus();
  if (n_gpus < 2) return 0;
  const double g = topo.spec.gpus_per_node;
  const double n = topo.spec.nodes_per_rack;
  const double r = topo.spec.racks;
  return (2 * (g - 1) + 4 * (n - 1) * g + 6 * (r - 1) * n * g) / (n_gpus - 1);
}

TopologyAnalysis analyze(const Topology& topo) {
  TopologyAnalysis a;
  const TopologyGraph& g = topo.graph;

  if (topo.num_gpus() >= 2) {
    const std::vector<int> distance = bfs_distances(g, topo.gpus[0]);
    double sum = 0;
    for (Vertex v : topo.gpus) {
      a.gpu_diameter_hops = std::max(a.gpu_diameter_hops, distance[v]);
      sum += distance[v];
    }
    a.mean_gpu_hops = sum / (topo.num_gpus() - 1);
  }

  if (topo.num_racks() >= 2) {
    std::vector<int> distance(boost::num_vertices(g), -1);
    std::vector<long long> paths(boost::num_vertices(g), 0);
    distance[topo.leaves[0]] = 0;
    paths[topo.leaves[0]] = 1;
    boost::breadth_first_search(g, topo.leaves[0], boost::visitor(PathCounter(distance, paths)));
    a.leaf_ecmp_paths = paths[topo.leaves[1]];
    a.leaf_ecmp_hops = distance[topo.leaves[1]];
  }

  a.bisection_Bps = bisection_bandwidth_Bps(topo);
  a.bisection_formula_Bps = bisection_formula_Bps(topo);

  // One failure of each kind; by symmetry the first leaf, upper switch, rack and server stand for all of them.
  a.failure_domains.push_back(apply_failure(topo, "leaf", {topo.leaves[0]}));
  if (!topo.aggregations.empty())
    a.failure_domains.push_back(apply_failure(topo, "aggregation", {topo.aggregations[0]}));
  if (!topo.spines.empty()) a.failure_domains.push_back(apply_failure(topo, "spine", {topo.spines[0]}));
  // Rack power: the rack's GPUs, their NVSwitches and the rack's leaf switches (rail_optimized: all its rails).
  std::vector<Vertex> rack;
  for (Vertex v : topo.leaves)
    if (topo.graph[v].rack == 0) rack.push_back(v);
  for (Vertex v : topo.nvswitches)
    if (topo.graph[v].rack == 0) rack.push_back(v);
  for (int gpu = 0; gpu < topo.spec.nodes_per_rack * topo.spec.gpus_per_node; ++gpu)
    rack.push_back(topo.gpus[gpu]);
  a.failure_domains.push_back(apply_failure(topo, "rack_power", rack));
  a.failure_domains.push_back(apply_failure(topo, "storage_server", {topo.storage_servers[0]}));
  a.failure_domains.push_back(apply_failure(topo, "storage_leaf", {topo.storage_leaf}));
  // The object store as a service: its leaf and every gateway.
  std::vector<Vertex> object_store{topo.object_store_leaf};
  object_store.insert(object_store.end(), topo.object_store_gateways.begin(), topo.object_store_gateways.end());
  a.failure_domains.push_back(apply_failure(topo, "object_store", object_store));
  return a;
}

// ---- JSON -------------------------------------------------------------------------------------------------------

std::string number_text(double v, const char* spec) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, v);
  return buf;
}

std::string exact_number_text(double v) {
  for (const char* spec : {"%.15g", "%.16g"}) {
    const auto text = number_text(v, spec);
    if (std::strtod(text.c_str(), nullptr) == v) return text;
  }
  return number_text(v, "%.17g");
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
        out += buf;
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

namespace {

// JSON has no infinity or NaN; they become null.
std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  return buf;
}

std::string json_link(int count, double bandwidth_Bps) {
  return "{\"count\": " + std::to_string(count) + ", \"bandwidth_Bps\": " + json_number(bandwidth_Bps) +
         ", \"total_Bps\": " + json_number(count * bandwidth_Bps) + "}";
}

} // namespace

std::string analysis_json(const Topology& topo, const TopologyAnalysis& a) {
  const TopologyGraph& g = topo.graph;
  int nvlink = 0, node_leaf = 0, leaf_spine = 0, core = 0, storage_leaf_spine = 0, storage_server = 0;
  int object_store_leaf_spine = 0, object_store_gateway = 0, pcie = 0;
  double node_leaf_Bps = 0, core_Bps = 0;
  for (auto [e, end] = boost::edges(g); e != end; ++e) {
    switch (g[*e].tier) {
    case LinkTier::nvlink:
      ++nvlink;
      break;
    case LinkTier::node_leaf:
      ++node_leaf;
      node_leaf_Bps = g[*e].bandwidth_Bps; // one kind per platform: node uplinks, rack NICs or GPU NICs
      break;
    case LinkTier::leaf_spine:
      ++leaf_spine;
      break;
    case LinkTier::core:
      ++core;
      core_Bps = g[*e].bandwidth_Bps; // one kind per platform: fat_tree aggregation-core or dragonfly global links
      break;
    case LinkTier::storage:
      // The storage tier holds two kinds of link: storage leaf to the fabric, and server to storage leaf.
      if (g[boost::source(*e, g)].kind == VertexKind::storage_server ||
          g[boost::target(*e, g)].kind == VertexKind::storage_server)
        ++storage_server;
      else
        ++storage_leaf_spine;
      break;
    case LinkTier::object_store:
      if (g[boost::source(*e, g)].kind == VertexKind::object_store_gateway ||
          g[boost::target(*e, g)].kind == VertexKind::object_store_gateway)
        ++object_store_gateway;
      else
        ++object_store_leaf_spine;
      break;
    case LinkTier::pcie:
      ++pcie;
      break;
    }
  }

  std::ostringstream out;
  out << "{\n";
  out << "  \"fabric\": " << json_string(topo.spec.fabric.kind) << ",\n";
  out << "  \"nvlink_domain\": " << json_string(topo.spec.nvlink_domain) << ",\n";
  out << "  \"counts\": {\"gpus\": " << topo.num_gpus() << ", \"nodes\": " << topo.num_nodes()
      << ", \"racks\": " << topo.num_racks() << ", \"pods\": " << topo.num_pods()
      << ", \"leaves\": " << topo.leaves.size() << ", \"aggregations\": " << topo.aggregations.size()
      << ", \"spines\": " << topo.spines.size()
      << ", \"storage_leaves\": 1, \"storage_servers\": " << topo.storage_servers.size()
      << ", \"object_store_gateways\": " << topo.object_store_gateways.size() << ", \"nvme\": " << topo.nvme.size()
      << "},\n";
  out << "  \"links\": {\n";
  out << "    \"nvlink\": " << json_link(nvlink, topo.nvlink_Bps) << ",\n";
  out << "    \"node_leaf\": " << json_link(node_leaf, node_leaf_Bps) << ",\n";
  out << "    \"leaf_spine\": " << json_link(leaf_spine, topo.leaf_spine_Bps) << ",\n";
  out << "    \"core\": " << json_link(core, core_Bps) << ",\n";
  out << "    \"storage_leaf_spine\": " << json_link(storage_leaf_spine, topo.storage_uplink_Bps) << ",\n";
  out << "    \"storage_server\": " << json_link(storage_server, topo.spec.storage.server_link_Bps) << ",\n";
  out << "    \"object_store_leaf_spine\": " << json_link(object_store_leaf_spine, topo.object_store_uplink_Bps)
      << ",\n";
  out << "    \"object_store_gateway\": " << json_link(object_store_gateway, object_store_gateway_Bps(topo)) << ",\n";
  out << "    \"pcie\": " << json_link(pcie, std::max(nvme_read_Bps(topo.spec), nvme_write_Bps(topo.spec))) << "\n";
  out << "  },\n";
  out << "  \"bisection_Bps\": {\"graph\": " << json_number(a.bisection_Bps)
      << ", \"formula\": " << json_number(a.bisection_formula_Bps) << "},\n";
  out << "  \"gpu_diameter_hops\": " << a.gpu_diameter_hops << ",\n";
  out << "  \"mean_gpu_hops\": " << json_number(a.mean_gpu_hops) << ",\n";
  out << "  \"leaf_ecmp_paths\": " << a.leaf_ecmp_paths << ",\n";
  out << "  \"leaf_ecmp_hops\": " << a.leaf_ecmp_hops << ",\n";
  out << "  \"failure_domains\": [";
  for (std::size_t i = 0; i < a.failure_domains.size(); ++i) {
    const FailureDomain& d = a.failure_domains[i];
    out << (i == 0 ? "\n" : ",\n") << "    {\"kind\": " << json_string(d.kind) << ", \"failed\": [";
    for (std::size_t k = 0; k < d.failed.size(); ++k)
      out << (k == 0 ? "" : ", ") << json_string(d.failed[k]);
    out << "], \"gpus_failed\": " << d.gpus_failed << ", \"gpus_cut_off\": " << d.gpus_cut_off
        << ", \"gpus_without_storage\": " << d.gpus_without_storage
        << ", \"gpus_without_object_store\": " << d.gpus_without_object_store
        << ", \"storage_servers_failed\": " << d.storage_servers_failed
        << ", \"bisection_Bps\": " << json_number(d.bisection_Bps) << "}";
  }
  out << (a.failure_domains.empty() ? "]\n" : "\n  ]\n");
  out << "}\n";
  return out.str();
}

} // namespace racksim::platforms
