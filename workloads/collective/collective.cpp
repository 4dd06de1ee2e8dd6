#include "workloads/collective/collective.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace racksim::workloads {

const char* to_string(CollectiveOp op) {
  switch (op) {
  case CollectiveOp::allreduce:
    return "allreduce";
  case CollectiveOp::allgather:
    return "allgather";
  case CollectiveOp::reducescatter:
    return "reducescatter";
  case CollectiveOp::alltoall:
    return "alltoall";
  case CollectiveOp::broadcast:
    return "broadcast";
  }
  return "?";
}

const char* to_string(CollectiveAlgorithm algorithm) {
  switch (algorithm) {
  case CollectiveAlgorithm::automatic:
    return "auto";
  case CollectiveAlgorithm::ring:
    return "ring";
  case CollectiveAlgorithm::tree:
    return "tree";
  case CollectiveAlgorithm::hierarchical:
    return "hierarchical";
  case CollectiveAlgorithm::direct:
    return "direct";
  }
  return "?";
}

std::vector<CollectiveAlgorithm> valid_algorithms(CollectiveOp op) {
  using A = CollectiveAlgorithm;
  switch (op) {
  case CollectiveOp::allreduce:
    return {A::ring, A::tree, A::hierarchical};
  case CollectiveOp::allgather:
  case CollectiveOp::reducescatter:
    return {A::ring, A::hierarchical};
  case CollectiveOp::alltoall:
    return {A::direct};
  case CollectiveOp::broadcast:
    return {A::ring, A::tree};
  }
  return {};
}

bool accepts(CollectiveOp op, CollectiveAlgorithm algorithm) {
  if (algorithm == CollectiveAlgorithm::automatic) return true;
  const auto valid = valid_algorithms(op);
  return std::find(valid.begin(), valid.end(), algorithm) != valid.end();
}

CollectiveAlgorithm resolve_algorithm(CollectiveOp op, CollectiveAlgorithm algorithm) {
  if (algorithm != CollectiveAlgorithm::automatic) return algorithm;
  return valid_algorithms(op).front();
}

double bus_factor(CollectiveOp op, int ranks) {
  const double n = ranks;
  switch (op) {
  case CollectiveOp::allreduce:
    return 2 * (n - 1) / n;
  case CollectiveOp::allgather:
  case CollectiveOp::reducescatter:
  case CollectiveOp::alltoall:
    return (n - 1) / n;
  case CollectiveOp::broadcast:
    return 1;
  }
  return 1;
}

namespace {

// ncclGetBtree (NCCL src/graph/trees.cc), parent only: children follow from the parents.
int btree_parent(int ranks, int rank) {
  if (rank == 0) return -1;
  int bit = 1;
  for (; bit < ranks; bit <<= 1)
    if (bit & rank) break;
  int up = (rank ^ bit) | (bit << 1);
  if (up >= ranks) up = rank ^ bit;
  return up;
}

std::vector<TreeNode> tree_from_parents(const std::vector<int>& parent) {
  std::vector<TreeNode> tree(parent.size());
  for (std::size_t r = 0; r < parent.size(); ++r) {
    tree[r].parent = parent[r];
    if (parent[r] >= 0) tree[static_cast<std::size_t>(parent[r])].children.push_back(static_cast<int>(r));
  }
  return tree;
}

// One ring over `ranks` (in that order), each edge carrying `edge_bytes`.
void add_ring(std::vector<RankFlow>& flows, const std::vector<int>& ranks, double edge_bytes) {
  const std::size_t k = ranks.size();
  if (k < 2) return;
  for (std::size_t i = 0; i < k; ++i)
    flows.push_back({ranks[i], ranks[(i + 1) % k], edge_bytes});
}

CollectivePhase ring_phase(std::string name, const std::vector<std::vector<int>>& rings, double edge_bytes,
                           double alpha_steps) {
  CollectivePhase phase{std::move(name), {}, alpha_steps};
  for (const auto& ring : rings)
    add_ring(phase.flows, ring, edge_bytes);
  return phase;
}

std::vector<CollectivePhase> hierarchical_plan(CollectiveOp op, double bytes, const std::vector<int>& rank_node) {
  // Nodes in order of their first rank; a rank's local index is its position among its node's ranks.
  std::vector<std::vector<int>> nodes;
  std::map<int, std::size_t> node_index;
  for (std::size_t r = 0; r < rank_node.size(); ++r) {
    const auto [it, inserted] = node_index.emplace(rank_node[r], nodes.size());
    if (inserted) nodes.emplace_back();
    nodes[it->second].push_back(static_cast<int>(r));
  }
  const std::size_t g = nodes.front().size();
  for (const auto& node : nodes)
    if (node.size() != g)
      throw std::invalid_argument("hierarchical needs the same number of ranks on every node; the placement put " +
                                  std::to_string(g) + " on one node and " + std::to_string(node.size()) +
                                  " on another");
  const double gd = static_cast<double>(g), md = static_cast<double>(nodes.size());
  // Rail j: the j-th rank of every node.
  std::vector<std::vector<int>> rails(g);
  for (std::size_t j = 0; j < g; ++j)
    for (const auto& node : nodes)
      rails[j].push_back(node[j]);

  std::vector<CollectivePhase> phases;
  const auto intra = [&](const char* name, double factor) {
    if (g > 1) phases.push_back(ring_phase(name, nodes, factor * (gd - 1) / gd * bytes, factor * (gd - 1)));
  };
  const auto inter = [&](const char* name, double factor) {
    if (nodes.size() > 1)
      phases.push_back(ring_phase(name, rails, factor * (md - 1) / md * bytes / gd, factor * (md - 1)));
  };
  switch (op) {
  case CollectiveOp::allreduce:
    intra("intra-node reduce-scatter", 1);
    inter("inter-node all-reduce", 2);
    intra("intra-node all-gather", 1);
    break;
  case CollectiveOp::allgather:
    inter("inter-node all-gather", 1);
    intra("intra-node all-gather", 1);
    break;
  case CollectiveOp::reducescatter:
    intra("intra-node reduce-scatter", 1);
    inter("inter-node reduce-scatter", 1);
    break;
  default:
    throw std::invalid_argument(std::string("hierarchical does not apply to ") + to_string(op));
  }
  return phases;
}

} // namespace

std::vector<TreeNode> nccl_btree(int ranks) {
  std::vector<int> parent(static_cast<std::size_t>(std::max(ranks, 0)));
  for (int r = 0; r < ranks; ++r)
    parent[static_cast<std::size_t>(r)] = btree_parent(ranks, r);
  return tree_from_parents(parent);
}

std::vector<TreeNode> nccl_dtree_second(int ranks) {
  std::vector<int> parent(static_cast<std::size_t>(std::max(ranks, 0)));
  for (int r = 0; r < ranks; ++r) {
    int p = 0;
    if (ranks % 2 == 1) { // shift by one
      const int u = btree_parent(ranks, (r - 1 + ranks) % ranks);
      p = u == -1 ? -1 : (u + 1) % ranks;
    } else { // mirror
      const int u = btree_parent(ranks, ranks - 1 - r);
      p = u == -1 ? -1 : ranks - 1 - u;
    }
    parent[static_cast<std::size_t>(r)] = p;
  }
  return tree_from_parents(parent);
}

int tree_depth(const std::vector<TreeNode>& tree) {
  int depth = 0;
  for (std::size_t r = 0; r < tree.size(); ++r) {
    int d = 0;
    for (int p = tree[r].parent; p >= 0; p = tree[static_cast<std::size_t>(p)].parent)
      ++d;
    depth = std::max(depth, d);
  }
  return depth;
}

std::vector<CollectivePhase> plan_collective(CollectiveOp op, CollectiveAlgorithm algorithm, double bytes,
                                             const std::vector<int>& rank_node) {
  const int n = static_cast<int>(rank_node.size());
  if (n < 2) throw std::invalid_argument("a collective needs at least 2 ranks");
  if (!accepts(op, algorithm))
    throw std::invalid_argument(std::string("algorithm ") + to_string(algorithm) + " does not apply to " +
                                to_string(op));
  algorithm = resolve_algorithm(op, algorithm);
  const double nd = n;
  std::vector<int> all(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r)
    all[static_cast<std::size_t>(r)] = r;

  if (algorithm == CollectiveAlgorithm::hierarchical) return hierarchical_plan(op, bytes, rank_node);

  std::vector<CollectivePhase> phases;
  switch (op) {
  case CollectiveOp::allreduce:
    if (algorithm == CollectiveAlgorithm::ring) {
      phases.push_back(ring_phase("ring", {all}, 2 * (nd - 1) / nd * bytes, 2 * (nd - 1)));
    } else { // tree: NCCL's double binary tree, S/2 per tree, reduce (up) and broadcast (down) pipelined
      CollectivePhase phase{"double binary tree", {}, 0};
      const auto first = nccl_btree(n), second = nccl_dtree_second(n);
      for (const auto* tree : {&first, &second})
        for (int r = 0; r < n; ++r)
          if (const int p = (*tree)[static_cast<std::size_t>(r)].parent; p >= 0) {
            phase.flows.push_back({r, p, bytes / 2});
            phase.flows.push_back({p, r, bytes / 2});
          }
      phase.alpha_steps = 2.0 * std::max(tree_depth(first), tree_depth(second));
      phases.push_back(std::move(phase));
    }
    break;
  case CollectiveOp::allgather:
  case CollectiveOp::reducescatter:
    phases.push_back(ring_phase("ring", {all}, (nd - 1) / nd * bytes, nd - 1));
    break;
  case CollectiveOp::alltoall: {
    CollectivePhase phase{"pairwise", {}, 1};
    phase.flows.reserve(static_cast<std::size_t>(n) * static_cast<std::size_t>(n - 1));
    for (int s = 0; s < n; ++s)
      for (int d = 0; d < n; ++d)
        if (s != d) phase.flows.push_back({s, d, bytes / nd});
    phases.push_back(std::move(phase));
    break;
  }
  case CollectiveOp::broadcast:
    if (algorithm == CollectiveAlgorithm::ring) { // pipelined chain from rank 0 along the ring
      CollectivePhase phase{"chain", {}, nd - 1};
      for (int r = 0; r + 1 < n; ++r)
        phase.flows.push_back({r, r + 1, bytes});
      phases.push_back(std::move(phase));
    } else { // tree: pipelined down NCCL's binary tree from rank 0
      const auto tree = nccl_btree(n);
      CollectivePhase phase{"binary tree", {}, static_cast<double>(tree_depth(tree))};
      for (int r = 0; r < n; ++r)
        for (int c : tree[static_cast<std::size_t>(r)].children)
          phase.flows.push_back({r, c, bytes});
      phases.push_back(std::move(phase));
    }
    break;
  }
  return phases;
}

} // namespace racksim::workloads
