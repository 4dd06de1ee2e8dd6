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

int free_of(const Ctx& c, const std::vector<int>& nodes) {
  int f = 0;
  for (int n : nodes)
    f += c.node_free[static_cast<std::size_t>(n)];
  return f;
}

// The domains of `level` among `nodes`, by key (ascending).
std::map<int, std::vector<int>> domains(const ClusterShape& shape, const std::vector<int>& nodes, int level) {
  std::map<int, std::vector<int>> out;
  for (int n : nodes)
    out[key_of(shape, n, level)].push_back(n);
  return out;
}

// Takes `want` GPUs from `nodes` (one domain of `level`), which together have at least `want` free: into the
// smallest sub-domain level that can hold it, best fit; else across sub-domains of level - 1.
void take(Ctx& c, const std::vector<int>& nodes, int want, int level) {
  const auto& shape = c.view.shape;
  if (level == 0) {
    const int g0 = nodes.front() * shape.gpus_per_node;
    for (int g = g0; g < g0 + shape.gpus_per_node && want > 0; ++g)
      if (c.view.gpu_free[static_cast<std::size_t>(g)]) {
        c.out.push_back(g);
        --want;
      }
    return;
  }
  for (int lv = 0; lv < level; ++lv) {
    const auto doms = domains(shape, nodes, lv);
    const std::vector<int>* best = nullptr;
    int best_free = 0;
    for (const auto& [key, ns] : doms) {
      const int f = free_of(c, ns);
      if (f >= want && (!best || f < best_free)) best = &ns, best_free = f;
    }
    if (best) {
      take(c, *best, want, lv);
      return;
    }
  }
  // Across sub-domains of level - 1: whole ones, emptiest first, until the rest fits one, which is best-fitting.
  struct Sub {
    int free;
    std::vector<int> nodes;
  };
  std::vector<Sub> list;
  for (auto& [key, ns] : domains(shape, nodes, level - 1))
    if (const int f = free_of(c, ns); f > 0) list.push_back({f, ns});
  std::stable_sort(list.begin(), list.end(), [](const Sub& a, const Sub& b) { return a.free > b.free; });
  std::vector<std::uint8_t> done(list.size(), 0);
  while (want > 0) {
    std::size_t pick = list.size();
    for (std::size_t i = 0; i < list.size(); ++i)
      if (!done[i] && list[i].free >= want && (pick == list.size() || list[i].free < list[pick].free)) pick = i;
    if (pick == list.size())
      for (std::size_t i = 0; i < list.size() && pick == list.size(); ++i)
        if (!done[i]) pick = i;
    const int n = std::min(want, list[pick].free);
    take(c, list[pick].nodes, n, level - 1);
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
