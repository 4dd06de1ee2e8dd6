#pragma once
// Test helpers for placements: free masks from per-node free counts, and node/rack counts of a placement.

#include "policies/view.hpp"

#include <cstdint>
#include <set>
#include <vector>

namespace racksim::policies::test {

// Each node's `free_per_node[n]` HIGHEST-numbered GPUs are free, so "lowest free ids" is visibly not "the node's
// first GPUs".
inline std::vector<std::uint8_t> mask_from_node_free(const ClusterShape& shape, const std::vector<int>& free_per_node) {
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(shape.total_gpus()), 0);
  for (int n = 0; n < shape.nodes; ++n)
    for (int k = 0; k < free_per_node[static_cast<std::size_t>(n)]; ++k)
      mask[static_cast<std::size_t>((n + 1) * shape.gpus_per_node - 1 - k)] = 1;
  return mask;
}

inline std::vector<int> range(int first, int last_inclusive) {
  std::vector<int> out;
  for (int g = first; g <= last_inclusive; ++g)
    out.push_back(g);
  return out;
}

inline std::vector<int> concat(std::vector<int> a, const std::vector<int>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline int nodes_used(const ClusterShape& shape, const std::vector<int>& gpus) {
  std::set<int> nodes;
  for (int g : gpus)
    nodes.insert(shape.node_of(g));
  return static_cast<int>(nodes.size());
}

inline int racks_used(const ClusterShape& shape, const std::vector<int>& gpus) {
  std::set<int> racks;
  for (int g : gpus)
    racks.insert(shape.rack_of_node(shape.node_of(g)));
  return static_cast<int>(racks.size());
}

} // namespace racksim::policies::test
