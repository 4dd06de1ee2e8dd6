// best_fit, spread, topology_aware and random placements on hand-built cluster views: exact picks, and random's
// determinism per seed and uniformity.

#include "placement_helpers.hpp"
#include "policies/params.hpp"
#include "policies/placement/best_fit.hpp"
#include "policies/placement/pack.hpp"
#include "policies/placement/random.hpp"
#include "policies/placement/spread.hpp"
#include "policies/placement/topology_aware.hpp"
#include "policies/registry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace racksim::policies {
namespace {

using test::concat;
using test::mask_from_node_free;
using test::nodes_used;
using test::racks_used;
using test::range;

ClusterShape shape_of(int gpus_per_node, int nodes_per_rack, int nodes) {
  ClusterShape s;
  s.gpus_per_node = gpus_per_node;
  s.nodes_per_rack = nodes_per_rack;
  s.nodes = nodes;
  return s;
}

TEST(PolicyBestFit, SmallJobGoesToTheFullestNodeThatFits) {
  const auto shape = shape_of(4, 2, 4);
  const auto mask = mask_from_node_free(shape, {4, 2, 3, 1}); // node n's free GPUs are its highest ids
  BestFitPlacement p;
  EXPECT_EQ(p.place({shape, mask, 2}), (std::vector<int>{6, 7}));  // node 1 (2 free), not node 2 (3 free)
  EXPECT_EQ(p.place({shape, mask, 1}), (std::vector<int>{15}));    // node 3 (1 free)
  EXPECT_EQ(p.place({shape, mask, 4}), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_TRUE(p.place({shape, mask, 11}).empty());
}

TEST(PolicyBestFit, LargeJobFillsPartlyUsedNodesBeforeEmptyOnesUnlikePack) {
  // 4 nodes of 4 GPUs, two racks of 2; free: 4, 1, 4, 2. A 6-GPU job:
  const auto shape = shape_of(4, 2, 4);
  const auto mask = mask_from_node_free(shape, {4, 1, 4, 2});
  BestFitPlacement bf;
  // best_fit: node 1 (1 free) then node 3 (2 free), then 3 more: the best-fitting node for 3 is node 0 (4 free).
  const auto got = bf.place({shape, mask, 6});
  EXPECT_EQ(got, concat(concat(range(0, 2), {7}), {14, 15}));
  EXPECT_EQ(nodes_used(shape, got), 3);
  // pack keeps the job on as few nodes as possible (two nodes), leaving the 1- and 2-free nodes fragmented.
  PackPlacement pack;
  EXPECT_EQ(nodes_used(shape, pack.place({shape, mask, 6})), 2);
}

TEST(PolicySpread, OneGpuPerNodeAcrossLeavesFirst) {
  const auto shape = shape_of(4, 2, 4); // racks {0,1}, {2,3}
  const std::vector<std::uint8_t> all(16, 1);
  SpreadPlacement p;
  // Order of nodes: 0 (rack 0), 2 (rack 1), 1 (rack 0), 3 (rack 1).
  EXPECT_EQ(p.place({shape, all, 2}), (std::vector<int>{0, 8}));
  EXPECT_EQ(p.place({shape, all, 4}), (std::vector<int>{0, 4, 8, 12}));
  EXPECT_EQ(p.place({shape, all, 6}), (std::vector<int>{0, 1, 4, 8, 9, 12}));
  const auto got = p.place({shape, all, 3});
  EXPECT_EQ(nodes_used(shape, got), 3);
  EXPECT_EQ(racks_used(shape, got), 2);
  // Full nodes are skipped.
  const auto mask = mask_from_node_free(shape, {0, 4, 1, 4});
  EXPECT_EQ(p.place({shape, mask, 3}), (std::vector<int>{4, 11, 12}));
  EXPECT_TRUE(p.place({shape, mask, 10}).empty());
}

TEST(PolicyTopologyAware, SmallestEnclosingDomainBestFit) {
  // 8 nodes of 4 GPUs, 2 nodes per leaf, leaves 0..3, pods {0,1} and {2,3}.
  auto shape = shape_of(4, 2, 8);
  shape.node_leaf = {0, 0, 1, 1, 2, 2, 3, 3};
  shape.node_pod = {0, 0, 0, 0, 1, 1, 1, 1};
  TopologyAwarePlacement p;
  // Free: node 0:4, 1:3, 2:2, 3:4, 4:4, 5:4, 6:1, 7:0.
  const auto mask = mask_from_node_free(shape, {4, 3, 2, 4, 4, 4, 1, 0});
  // 3 GPUs fit a node: the best-fitting node has 3 free (node 1).
  EXPECT_EQ(p.place({shape, mask, 3}), range(5, 7));
  // 6 GPUs: no node; leaves free: 7, 6, 8, 1 -> leaf 1 (6 free, nodes 2 and 3) fits best.
  EXPECT_EQ(p.place({shape, mask, 6}), concat({10, 11}, range(12, 15)));
  // 9 GPUs: no leaf; pods free 13, 9 -> pod 1 (nodes 4..6: 4+4+1).
  EXPECT_EQ(p.place({shape, mask, 9}), concat(range(16, 23), {27}));
  // 15 GPUs: no pod holds it; pod 0 (13, the emptiest) whole, the remaining 2 in pod 1's best-fitting node that
  // holds 2 (nodes 4 and 5 both have 4: the lower, node 4).
  const auto big = p.place({shape, mask, 15});
  EXPECT_EQ(big.size(), 15u);
  EXPECT_EQ(concat(range(0, 3), concat(range(5, 7), concat({10, 11}, concat(range(12, 15), {16, 17})))), big);
}

TEST(PolicyTopologyAware, DefaultsToRacksAsLeavesAndOnePod) {
  const auto shape = shape_of(4, 2, 4);
  const auto mask = mask_from_node_free(shape, {3, 3, 4, 2});
  TopologyAwarePlacement p;
  // 6 GPUs: racks free 6 and 6; both fit, tie -> rack 0 (nodes 0, 1: 3 + 3).
  EXPECT_EQ(p.place({shape, mask, 6}), concat(range(1, 3), range(5, 7)));
  // 5 GPUs: rack 0 (6) fits best (tie with rack 1's 6 -> lower), emptiest node first then best fit for the rest.
  EXPECT_EQ(racks_used(shape, p.place({shape, mask, 5})), 1);
}

TEST(PolicyRandomPlacement, DeterministicPerSeedAndValid) {
  const auto shape = shape_of(4, 2, 4);
  const auto mask = mask_from_node_free(shape, {4, 1, 3, 2});
  PolicyParams a, b, c;
  a.seed = b.seed = 7;
  c.seed = 8;
  RandomPlacement pa(a), pb(b), pc(c);
  bool differs = false;
  for (int i = 0; i < 20; ++i) {
    const auto ga = pa.place({shape, mask, 3});
    EXPECT_EQ(ga, pb.place({shape, mask, 3}));
    differs = differs || ga != pc.place({shape, mask, 3});
    ASSERT_EQ(ga.size(), 3u);
    for (std::size_t k = 0; k < ga.size(); ++k) {
      EXPECT_TRUE(mask[static_cast<std::size_t>(ga[k])]);
      if (k) {
        EXPECT_LT(ga[k - 1], ga[k]);
      }
    }
  }
  EXPECT_TRUE(differs);
  EXPECT_TRUE(pa.place({shape, mask, 11}).empty());
}

TEST(PolicyRandomPlacement, UniformOverFreeGpus) {
  // 10 free GPUs, 2 picked per call: each GPU is picked with probability 1/5. Chi-square over 10 cells,
  // 20000 draws (40000 picks): the 99.9% quantile of chi2(9) is 27.9.
  const auto shape = shape_of(4, 2, 4);
  const auto mask = mask_from_node_free(shape, {4, 1, 3, 2});
  PolicyParams params;
  params.seed = 42;
  RandomPlacement p(params);
  std::vector<int> counts(16, 0);
  const int draws = 20000;
  for (int i = 0; i < draws; ++i)
    for (int g : p.place({shape, mask, 2}))
      ++counts[static_cast<std::size_t>(g)];
  double chi2 = 0;
  const double expected = 2.0 * draws / 10;
  for (int g = 0; g < 16; ++g) {
    if (!mask[static_cast<std::size_t>(g)]) {
      EXPECT_EQ(counts[static_cast<std::size_t>(g)], 0);
      continue;
    }
    chi2 += std::pow(counts[static_cast<std::size_t>(g)] - expected, 2) / expected;
  }
  EXPECT_LT(chi2, 27.9);
}

TEST(PolicyPlacementRegistry, NewPlacementsByName) {
  for (const char* name : {"best_fit", "spread", "topology_aware", "random"})
    EXPECT_NE(placements().create(name), nullptr) << name;
}

} // namespace
} // namespace racksim::policies
