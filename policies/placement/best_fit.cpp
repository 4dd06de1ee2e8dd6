#include "policies/placement/best_fit.hpp"

#include <algorithm>
#include <numeric>

namespace racksim::policies {

std::vector<int> BestFitPlacement::place(const PlacementView& view) {
  const auto& shape = view.shape;
  int want = view.gpus_requested;
  std::vector<int> out;
  if (want <= 0) return out;
  std::vector<int> node_free(static_cast<std::size_t>(shape.nodes), 0);
  for (int g = 0; g < shape.total_gpus(); ++g)
    node_free[static_cast<std::size_t>(shape.node_of(g))] += view.gpu_free[static_cast<std::size_t>(g)];
  if (std::accumulate(node_free.begin(), node_free.end(), 0) < want) return out;

  std::vector<std::uint8_t> used(static_cast<std::size_t>(shape.nodes), 0);
  const auto take = [&](int node, int count) {
    const int g0 = node * shape.gpus_per_node;
    for (int g = g0; g < g0 + shape.gpus_per_node && count > 0; ++g)
      if (view.gpu_free[static_cast<std::size_t>(g)]) {
        out.push_back(g);
        --count;
      }
    used[static_cast<std::size_t>(node)] = 1;
  };
  while (want > 0) {
    // The best-fitting node for what is left, if one can hold it all.
    int fit = -1;
    for (int n = 0; n < shape.nodes; ++n)
      if (!used[n] && node_free[n] >= want && (fit < 0 || node_free[n] < node_free[fit])) fit = n;
    if (fit >= 0) {
      take(fit, want);
      break;
    }
    // Otherwise the fullest node that still has a free GPU, all of its free GPUs.
    int fullest = -1;
    for (int n = 0; n < shape.nodes; ++n)
      if (!used[n] && node_free[n] > 0 && (fullest < 0 || node_free[n] < node_free[fullest])) fullest = n;
    take(fullest, node_free[static_cast<std::size_t>(fullest)]);
    want -= node_free[static_cast<std::size_t>(fullest)];
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace racksim::policies
