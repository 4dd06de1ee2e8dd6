// pack: best-fit node for jobs that fit in one node, best-fit rack (fewest nodes inside it) for larger ones,
// emptiest racks first for jobs no rack can hold. Masks mark each node's highest-numbered GPUs free.

#include "placement_helpers.hpp"
#include "policies/placement/first_fit.hpp"
#include "policies/placement/pack.hpp"

#include <gtest/gtest.h>

namespace racksim::policies {
namespace {

using test::concat;
using test::mask_from_node_free;
using test::nodes_used;
using test::racks_used;
using test::range;
using Gpus = std::vector<int>;

TEST(PolicyPack, SingleNodeJobGoesToTheFullestNodeWithRoom) {
  const ClusterShape shape{.gpus_per_node = 8, .nodes_per_rack = 2, .nodes = 4, .node_leaf = {}, .node_pod = {}};
  const auto mask = mask_from_node_free(shape, {8, 3, 5, 2}); // node 1: 13-15, node 2: 19-23, node 3: 30-31
  PackPlacement pack;
  EXPECT_EQ(pack.place({shape, mask, 3}), (Gpus{13, 14, 15})); // node 1 has exactly 3
  EXPECT_EQ(pack.place({shape, mask, 2}), (Gpus{30, 31}));     // node 3 has exactly 2
  EXPECT_EQ(pack.place({shape, mask, 1}), (Gpus{30}));         // node 3 is the fullest with room; lowest free id
  EXPECT_EQ(pack.place({shape, mask, 5}), range(19, 23));      // node 2 (5) beats node 0 (8)
  EXPECT_EQ(pack.place({shape, mask, 6}), range(0, 5));        // only node 0 has 6
  EXPECT_EQ(pack.place({shape, mask, 8}), range(0, 7));
}

TEST(PolicyPack, SingleNodeTieGoesToTheFullerRack) {
  const ClusterShape shape{.gpus_per_node = 8, .nodes_per_rack = 2, .nodes = 4, .node_leaf = {}, .node_pod = {}};
  // Nodes 1 and 2 both have 4 free; rack 0 has 12 free, rack 1 has 6: node 2 (GPUs 20-23).
  const auto mask = mask_from_node_free(shape, {8, 4, 4, 2});
  PackPlacement pack;
  EXPECT_EQ(pack.place({shape, mask, 4}), range(20, 23));
}

TEST(PolicyPack, SingleNodeTieOnRackGoesToTheLowerIndex) {
  const ClusterShape shape{.gpus_per_node = 8, .nodes_per_rack = 2, .nodes = 4, .node_leaf = {}, .node_pod = {}};
  const auto mask = mask_from_node_free(shape, {4, 8, 4, 8}); // nodes 0 and 2: 4 free, both racks 12 free
  PackPlacement pack;
  EXPECT_EQ(pack.place({shape, mask, 4}), range(4, 7));
  EXPECT_EQ(pack.place({shape, mask, 3}), range(4, 6));
}

TEST(PolicyPack, NodeBestFitComesBeforeRackFullness) {
  const ClusterShape shape{.gpus_per_node = 8, .nodes_per_rack = 2, .nodes = 4, .node_leaf = {}, .node_pod = {}};
  // Node 1 (3 free, rack 0 with 11) is a tighter fit than node 2 (4 free, rack 1 with 6).
  const auto mask = mask_from_node_free(shape, {8, 3, 4, 2});
  PackPlacement pack;
  EXPECT_EQ(pack.place({shape, mask, 3}), (Gpus{13, 14, 15}));
}

TEST(PolicyPack, MultiNodeJobGoesToTheFullestRackThatHoldsItOnFewestNodes) {
  const ClusterShape shape{.gpus_per_node = 8, .nodes_per_rack = 4, .nodes = 8, .node_leaf = {}, .node_pod = {}};
  // Rack 0: 8,8,8,8 (32 free); rack 1: 2,6,8,4 (20 free). Node 5's free GPUs are 42-47, node 6's 48-55.
  const auto mask = mask_from_node_free(shape, {8, 8, 8, 8, 2, 6, 8, 4});
  PackPlacement pack;
  // 12 GPUs: rack 1 (20 < 32); its emptiest nodes first: node 6 (8) + 4 of node 5 -> 2 nodes.
  const auto twelve = pack.place({shape, mask, 12});
  EXPECT_EQ(twelve, concat(range(42, 45), range(48, 55)));
  EXPECT_EQ(nodes_used(shape, twelve), 2);
  // 9 GPUs: node 6 + 1 of node 5.
  EXPECT_EQ(pack.place({shape, mask, 9}), concat({42}, range(48, 55)));
  // 20 GPUs: all of rack 1 (4 nodes).
  EXPECT_EQ(pack.place({shape, mask, 20}), concat(concat(range(38, 39), range(42, 55)), range(60, 63)));
  // 21 GPUs: rack 1 is too small; rack 0 -> nodes 0, 1 and 5 of node 2.
  EXPECT_EQ(pack.place({shape, mask, 21}), range(0, 20));
}

TEST(PolicyPack, SingleNodeSizedJobWithNoRoomInAnyNodeUsesOneRack) {
  const ClusterShape shape{.gpus_per_node = 8, .nodes_per_rack = 2, .nodes = 4, .node_leaf = {}, .node_pod = {}};
  // 5 GPUs, no node has 5. Racks: 6 and 7 free -> rack 0 (fuller), nodes 0 (5-7) and 1 (13-14).
  const auto mask = mask_from_node_free(shape, {3, 3, 4, 3});
  PackPlacement pack;
  const auto got = pack.place({shape, mask, 5});
  EXPECT_EQ(got, (Gpus{5, 6, 7, 13, 14}));
  EXPECT_EQ(racks_used(shape, got), 1);
}

TEST(PolicyPack, JobLargerThanAnyRackSpansTheFewestRacks) {
  const ClusterShape shape{.gpus_per_node = 8, .nodes_per_rack = 2, .nodes = 6, .node_leaf = {}, .node_pod = {}};
  // Racks: 0 = 8+2 (10), 1 = 8+8 (16), 2 = 4+4 (8).
  const auto mask = mask_from_node_free(shape, {8, 2, 8, 8, 4, 4});
  PackPlacement pack;
  // 20: rack 1 whole (16-31), then 4 from rack 0's emptiest node, node 0 (0-3). 2 racks, 3 nodes.
  const auto twenty = pack.place({shape, mask, 20});
  EXPECT_EQ(twenty, concat(range(0, 3), range(16, 31)));
  EXPECT_EQ(racks_used(shape, twenty), 2);
  EXPECT_EQ(nodes_used(shape, twenty), 3);
  // 30: racks 1 (16), 0 (10), then 4 from rack 2: nodes 4 and 5 tie, node 4 (36-39) first.
  const auto thirty = pack.place({shape, mask, 30});
  EXPECT_EQ(thirty, concat(concat(range(0, 7), {14, 15}), concat(range(16, 31), range(36, 39))));
  EXPECT_EQ(racks_used(shape, thirty), 3);
  // 34: everything free.
  EXPECT_EQ(pack.place({shape, mask, 34}).size(), 34u);
}

TEST(PolicyPack, PartialLastRack) {
  const ClusterShape shape{.gpus_per_node = 4, .nodes_per_rack = 2, .nodes = 5, .node_leaf = {}, .node_pod = {}}; // racks {0,1}, {2,3}, {4}
  const auto mask = mask_from_node_free(shape, {4, 4, 4, 4, 3});
  PackPlacement pack;
  EXPECT_EQ(pack.place({shape, mask, 3}), (Gpus{17, 18, 19})); // node 4 is the tightest fit
  EXPECT_EQ(pack.place({shape, mask, 7}), range(0, 6));        // racks 0 and 1 tie at 8: rack 0
  EXPECT_EQ(pack.place({shape, mask, 19}).size(), 19u);
}

TEST(PolicyPack, NotEnoughFreeGpusGivesEmpty) {
  const ClusterShape shape{.gpus_per_node = 8, .nodes_per_rack = 2, .nodes = 4, .node_leaf = {}, .node_pod = {}};
  const auto mask = mask_from_node_free(shape, {1, 2, 3, 4}); // 10 free
  PackPlacement pack;
  EXPECT_TRUE(pack.place({shape, mask, 11}).empty());
  EXPECT_TRUE(pack.place({shape, mask, 33}).empty()); // more than the cluster
  EXPECT_TRUE(pack.place({shape, mask, 0}).empty());
  EXPECT_TRUE(pack.place({shape, std::vector<std::uint8_t>(32, 0), 1}).empty());
  // Exactly all of them.
  EXPECT_EQ(pack.place({shape, mask, 10}), (Gpus{7, 14, 15, 21, 22, 23, 28, 29, 30, 31}));
}

TEST(PolicyPack, FullerRackCanCostMoreNodesThanFirstFit) {
  // Documents a design trade-off, not a bug: pack picks the fullest rack that can hold the job before it
  // minimises nodes, so it may use more nodes than first_fit (but never more racks; see the random test).
  const ClusterShape shape{.gpus_per_node = 8, .nodes_per_rack = 4, .nodes = 8, .node_leaf = {}, .node_pod = {}};
  const auto mask = mask_from_node_free(shape, {8, 8, 8, 0, 4, 4, 4, 4}); // racks: 24 and 16 free
  PackPlacement pack;
  FirstFitPlacement ff;
  const auto p = pack.place({shape, mask, 16});
  const auto f = ff.place({shape, mask, 16});
  EXPECT_EQ(p, concat(concat(range(36, 39), range(44, 47)), concat(range(52, 55), range(60, 63))));
  EXPECT_EQ(f, range(0, 15));
  EXPECT_EQ(nodes_used(shape, p), 4);
  EXPECT_EQ(nodes_used(shape, f), 2);
  EXPECT_EQ(racks_used(shape, p), 1);
}

} // namespace
} // namespace racksim::policies
