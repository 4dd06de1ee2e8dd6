#include "policies/placement/topology_aware.hpp"

#include <algorithm>
#include <map>
#include <numeric>

namespace racksim::policies {

namespace {

struct Ctx {
  const PlacementView& view;
  std::vector<int> node_free;
  std::vector<int>& out;
};

// The domain key of `node` at `level`: 0 node, 1 leaf, 2 pod, 3 the whole cluster.
int key_of(const ClusterShape& shape, int node, int level) {
  switch (level) {
  case 0: return node;
  case 1: return shape.leaf_of_node(node);
  case 2: return shape.pod_of_node(node);
  default: return 0;
  }
}

// Takes `want` GPUs from `nodes` (all in one domain of `level`), which together have at least `want` free.
void take(Ctx& c, const std::vector<int>& nodes, int want, int level) {
  const auto& shape = c.view.shape;
  if (level == 0) {
    const int node = nodes.front();
    const int g0 = node * shape.gpus_per_node;
    for (int g = g0; g < g0 + shape.gpus_per_node && want > 0; ++g)
      if (c.view.gpu_free[static_cast<std::size_t>(g)]) {
        c.out.push_back(g);
        --want;
      }
    return;
  }
  // Sub-domains (level - 1), in id order.
  std::map<int, std::vector<int>> subs;
  for (int n : nodes)
    subs[key_of(shape, n, level - 1)].push_back(n);
  struct Sub {
    int free;
    const std::vector<int>* nodes;
  };
  std::vector<Sub> list;
  for (const auto& [key, ns] : subs) {
    int f = 0;
    for (int n : ns)
      f += c.node_free[static_cast<std::size_t>(n)];
    if (f > 0) list.push_back({f, &ns});
  }
  // One sub-domain holds it all: the best-fitting one.
  const Sub* fit = nullptr;
  for (const auto& s : list)
    if (s.free >= want && (!fit || s.free < fit->free)) fit = &s;
  if (fit) {
    take(c, *fit->nodes, want, level - 1);
    return;
  }
  // Otherwise whole sub-domains, emptiest first, until the rest fits one; that one best-fitting.
  std::stable_sort(list.begin(), list.end(), [](const Sub& a, const Sub& b) { return a.free > b.free; });
  std::vector<std::uint8_t> done(list.size(), 0);
  while (want > 0) {
    std::size_t pick = list.size();
    for (std::size_t i = 0; i < list.size(); ++i)
      if (!done[i] && list[i].free >= want && (pick == list.size() || list[i].free < list[pick].free)) pick = i;
    if (pick == list.size()) {
      for (std::size_t i = 0; i < list.size(); ++i)
        if (!done[i]) {
          pick = i;
          break;
        }
    }
    const int n = std::min(want, list[pick].free);
    take(c, *list[pick].nodes, n, level - 1);
    done[pick] = 1;
    want -= n;
  }
}

} // namespace

std::vector<int> TopologyAwarePlacement::place(const PlacementView& view) {
  const auto& shape = view.shape;
  std::vector<int> out;
  const int want = view.gpus_requested;
  if (want <= 0) return out;
  Ctx c{view, std::vector<int>(static_cast<std::size_t>(shape.nodes), 0), out};
  for (int g = 0; g < shape.total_gpus(); ++g)
    c.node_free[static_cast<std::size_t>(shape.node_of(g))] += view.gpu_free[static_cast<std::size_t>(g)];
  if (std::accumulate(c.node_free.begin(), c.node_free.end(), 0) < want) return out;
  std::vector<int> all(static_cast<std::size_t>(shape.nodes));
  std::iota(all.begin(), all.end(), 0);
  take(c, all, want, 3);
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace racksim::policies
