#include "policies/placement/pack.hpp"

#include <algorithm>
#include <numeric>

namespace racksim::policies {

namespace {

// Takes up to `want` free GPUs of `node`, lowest ids first.
void take_from_node(const PlacementView& view, int node, int want, std::vector<int>& out) {
  const int g0 = node * view.shape.gpus_per_node;
  for (int g = g0; g < g0 + view.shape.gpus_per_node && want > 0; ++g)
    if (view.gpu_free[static_cast<std::size_t>(g)]) {
      out.push_back(g);
      --want;
    }
}

// Fills `want` GPUs from `nodes`, emptiest nodes first (fewest nodes touched).
void take_from_nodes(const PlacementView& view, std::vector<int> nodes, const std::vector<int>& node_free, int want,
                     std::vector<int>& out) {
  std::stable_sort(nodes.begin(), nodes.end(), [&](int a, int b) { return node_free[a] > node_free[b]; });
  for (int node : nodes) {
    if (want <= 0) break;
    const int take = std::min(want, node_free[static_cast<std::size_t>(node)]);
    take_from_node(view, node, take, out);
    want -= take;
  }
}

} // namespace

std::vector<int> PackPlacement::place(const PlacementView& view) {
  const auto& shape = view.shape;
  const int want = view.gpus_requested;
  std::vector<int> out;
  if (want <= 0) return out;

  std::vector<int> node_free(static_cast<std::size_t>(shape.nodes), 0);
  for (int g = 0; g < shape.total_gpus(); ++g)
    node_free[static_cast<std::size_t>(shape.node_of(g))] += view.gpu_free[g];
  const int racks = (shape.nodes + shape.nodes_per_rack - 1) / shape.nodes_per_rack;
  std::vector<int> rack_free(static_cast<std::size_t>(racks), 0);
  for (int n = 0; n < shape.nodes; ++n)
    rack_free[static_cast<std::size_t>(shape.rack_of_node(n))] += node_free[n];
  if (std::accumulate(rack_free.begin(), rack_free.end(), 0) < want) return out;

  auto nodes_of_rack = [&](int rack) {
    std::vector<int> nodes;
    for (int n = rack * shape.nodes_per_rack; n < std::min(shape.nodes, (rack + 1) * shape.nodes_per_rack); ++n)
      nodes.push_back(n);
    return nodes;
  };

  if (want <= shape.gpus_per_node) {
    // Best-fit node; ties: the fuller rack, then the lower index.
    int best = -1;
    for (int n = 0; n < shape.nodes; ++n) {
      if (node_free[n] < want) continue;
      if (best < 0 || node_free[n] < node_free[best] ||
          (node_free[n] == node_free[best] && rack_free[shape.rack_of_node(n)] < rack_free[shape.rack_of_node(best)]))
        best = n;
    }
    if (best >= 0) {
      take_from_node(view, best, want, out);
      return out;
    }
  }

  // Best-fit rack that holds the whole job.
  int best_rack = -1;
  for (int r = 0; r < racks; ++r)
    if (rack_free[r] >= want && (best_rack < 0 || rack_free[r] < rack_free[best_rack])) best_rack = r;
  if (best_rack >= 0) {
    take_from_nodes(view, nodes_of_rack(best_rack), node_free, want, out);
  } else {
    // Spans racks: emptiest racks first, so the job touches as few racks as possible.
    std::vector<int> order(static_cast<std::size_t>(racks));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return rack_free[a] > rack_free[b]; });
    int remaining = want;
    for (int r : order) {
      if (remaining <= 0) break;
      const int take = std::min(remaining, rack_free[static_cast<std::size_t>(r)]);
      take_from_nodes(view, nodes_of_rack(r), node_free, take, out);
      remaining -= take;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace racksim::policies
