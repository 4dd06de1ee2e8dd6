#include "policies/placement/spread.hpp"

#include <algorithm>
#include <map>
#include <numeric>

namespace racksim::policies {

std::vector<int> SpreadPlacement::place(const PlacementView& view) {
  const auto& shape = view.shape;
  int want = view.gpus_requested;
  std::vector<int> out;
  if (want <= 0) return out;
  const int total_free = static_cast<int>(std::count(view.gpu_free.begin(), view.gpu_free.end(), std::uint8_t{1}));
  if (total_free < want) return out;

  // Node order: the k-th node of each leaf (leaves by id) for k = 0, 1, ...
  std::map<int, std::vector<int>> by_leaf;
  for (int n = 0; n < shape.nodes; ++n)
    by_leaf[shape.leaf_of_node(n)].push_back(n);
  std::vector<int> order;
  for (std::size_t k = 0; static_cast<int>(order.size()) < shape.nodes; ++k)
    for (const auto& [leaf, nodes] : by_leaf)
      if (k < nodes.size()) order.push_back(nodes[k]);

  std::vector<int> next(static_cast<std::size_t>(shape.nodes), 0); // next GPU offset to look at in each node
  while (want > 0) {
    for (int n : order) {
      if (want == 0) break;
      int& k = next[static_cast<std::size_t>(n)];
      while (k < shape.gpus_per_node && !view.gpu_free[static_cast<std::size_t>(n * shape.gpus_per_node + k)])
        ++k;
      if (k < shape.gpus_per_node) {
        out.push_back(n * shape.gpus_per_node + k);
        ++k;
        --want;
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace racksim::policies
