// first_fit: the lowest-numbered free GPUs, wherever they are.

#include "placement_helpers.hpp"
#include "policies/placement/first_fit.hpp"

#include <gtest/gtest.h>

namespace racksim::policies {
namespace {

using test::concat;
using test::range;

TEST(PolicyFirstFit, LowestIdsOnAnEmptyCluster) {
  const ClusterShape shape{.gpus_per_node = 8, .nodes_per_rack = 2, .nodes = 4, .node_leaf = {}, .node_pod = {}};
  const std::vector<std::uint8_t> mask(32, 1);
  FirstFitPlacement ff;
  EXPECT_EQ(ff.place({shape, mask, 3}), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(ff.place({shape, mask, 10}), range(0, 9)); // crosses into node 1
  EXPECT_EQ(ff.place({shape, mask, 32}), range(0, 31));
}

TEST(PolicyFirstFit, ScatteredFreeGpus) {
  const ClusterShape shape{.gpus_per_node = 4, .nodes_per_rack = 2, .nodes = 4, .node_leaf = {}, .node_pod = {}};
  std::vector<std::uint8_t> mask(16, 0);
  for (int g : {1, 3, 6, 9, 10, 15})
    mask[static_cast<std::size_t>(g)] = 1;
  FirstFitPlacement ff;
  EXPECT_EQ(ff.place({shape, mask, 1}), (std::vector<int>{1}));
  EXPECT_EQ(ff.place({shape, mask, 4}),
            (std::vector<int>{1, 3, 6, 9})); // three nodes, two racks: first_fit does not care
  EXPECT_EQ(ff.place({shape, mask, 6}), (std::vector<int>{1, 3, 6, 9, 10, 15}));
}

TEST(PolicyFirstFit, NotEnoughFreeGpusGivesEmpty) {
  const ClusterShape shape{.gpus_per_node = 4, .nodes_per_rack = 2, .nodes = 2, .node_leaf = {}, .node_pod = {}};
  std::vector<std::uint8_t> mask(8, 0);
  mask[2] = mask[5] = 1;
  FirstFitPlacement ff;
  EXPECT_TRUE(ff.place({shape, mask, 3}).empty());
  EXPECT_TRUE(ff.place({shape, mask, 9}).empty()); // more than the cluster
  EXPECT_TRUE(ff.place({shape, std::vector<std::uint8_t>(8, 0), 1}).empty());
  EXPECT_EQ(ff.place({shape, mask, 2}), (std::vector<int>{2, 5}));
}

TEST(PolicyFirstFit, NonPositiveRequestGivesEmpty) {
  const ClusterShape shape{.gpus_per_node = 4, .nodes_per_rack = 1, .nodes = 1, .node_leaf = {}, .node_pod = {}};
  const std::vector<std::uint8_t> mask(4, 1);
  FirstFitPlacement ff;
  EXPECT_TRUE(ff.place({shape, mask, 0}).empty());
  EXPECT_TRUE(ff.place({shape, mask, -2}).empty());
}

TEST(PolicyFirstFit, IgnoresNodeBoundaries) {
  const ClusterShape shape{.gpus_per_node = 8, .nodes_per_rack = 2, .nodes = 2, .node_leaf = {}, .node_pod = {}};
  const auto mask = test::mask_from_node_free(shape, {2, 8}); // node 0: GPUs 6,7 free; node 1 empty
  FirstFitPlacement ff;
  // 4 GPUs would fit in node 1 alone, but first_fit takes the lowest ids.
  EXPECT_EQ(ff.place({shape, mask, 4}), concat({6, 7}, {8, 9}));
}

} // namespace
} // namespace racksim::policies
