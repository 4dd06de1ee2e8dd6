// Collective flow plans (workloads/collective): NCCL's trees, flow counts and volumes, the op x algorithm table,
// nccl-tests' bus factors. No Engine.

#include "workloads/collective/collective.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <stdexcept>
#include <vector>

using namespace racksim::workloads;

namespace {

std::vector<int> parents(const std::vector<TreeNode>& tree) {
  std::vector<int> out;
  for (const auto& node : tree)
    out.push_back(node.parent);
  return out;
}

double total_bytes(const CollectivePhase& phase) {
  return std::accumulate(phase.flows.begin(), phase.flows.end(), 0.0,
                         [](double sum, const RankFlow& f) { return sum + f.bytes; });
}

} // namespace

TEST(WorkloadCollective, NcclBinaryTreeOfEightRanks) {
  // ncclGetBtree: 0 -> 4 -> {2, 6} -> {1, 3} and {5, 7}; root with one child.
  EXPECT_EQ(parents(nccl_btree(8)), (std::vector<int>{-1, 2, 4, 2, 0, 6, 4, 6}));
  // Second tree, n even: mirrored (rank r plays n-1-r): 7 -> 3 -> {5, 1} -> {6, 4} and {2, 0}.
  EXPECT_EQ(parents(nccl_dtree_second(8)), (std::vector<int>{1, 3, 1, 7, 5, 3, 5, -1}));
  // n odd: shifted by one: the first tree of 5 is 0 -> 4 -> 2 -> {1, 3}; shifted, 1 -> 0 -> 3 -> {2, 4}.
  EXPECT_EQ(parents(nccl_btree(5)), (std::vector<int>{-1, 2, 4, 2, 0}));
  EXPECT_EQ(parents(nccl_dtree_second(5)), (std::vector<int>{1, -1, 3, 0, 3}));
  EXPECT_EQ(tree_depth(nccl_btree(8)), 3);
  EXPECT_EQ(tree_depth(nccl_btree(5)), 3);
}

// The tree closed forms (sim/analytic/ideal.hpp) rest on: depth ceil(log2 n), busiest rank 2S per direction for n >= 4.
TEST(WorkloadCollective, DoubleTreeDepthAndBusiestRankForEveryN) {
  for (int n = 2; n <= 600; ++n) {
    const auto phases = plan_collective(CollectiveOp::allreduce, CollectiveAlgorithm::tree, 1.0, std::vector<int>(n));
    ASSERT_EQ(phases.size(), 1u);
    int log2n = 0;
    while ((1 << log2n) < n)
      ++log2n;
    EXPECT_EQ(phases[0].alpha_steps, 2.0 * log2n) << n;
    std::vector<double> out(static_cast<std::size_t>(n)), in(static_cast<std::size_t>(n));
    for (const auto& f : phases[0].flows) {
      out[static_cast<std::size_t>(f.src)] += f.bytes;
      in[static_cast<std::size_t>(f.dst)] += f.bytes;
    }
    const double busiest = std::max(*std::max_element(out.begin(), out.end()), *std::max_element(in.begin(), in.end()));
    EXPECT_EQ(busiest, n == 2 ? 1.0 : n == 3 ? 1.5 : 2.0) << n;
  }
}

TEST(WorkloadCollective, RingVolumesPerEdge) {
  const std::vector<int> nodes(8, 0);
  const auto ar = plan_collective(CollectiveOp::allreduce, CollectiveAlgorithm::ring, 800, nodes);
  ASSERT_EQ(ar.size(), 1u);
  ASSERT_EQ(ar[0].flows.size(), 8u);
  EXPECT_DOUBLE_EQ(ar[0].flows[3].bytes, 2.0 * 7 / 8 * 800);
  EXPECT_EQ(ar[0].flows[7].src, 7);
  EXPECT_EQ(ar[0].flows[7].dst, 0);
  EXPECT_EQ(ar[0].alpha_steps, 14);
  const auto ag = plan_collective(CollectiveOp::allgather, CollectiveAlgorithm::automatic, 800, nodes);
  EXPECT_DOUBLE_EQ(ag[0].flows[0].bytes, 700);
  EXPECT_EQ(ag[0].alpha_steps, 7);
  const auto bc = plan_collective(CollectiveOp::broadcast, CollectiveAlgorithm::ring, 800, nodes);
  EXPECT_EQ(bc[0].flows.size(), 7u); // a chain, not a ring
  EXPECT_DOUBLE_EQ(total_bytes(bc[0]), 7 * 800);
}

TEST(WorkloadCollective, AllToAllIsEveryOrderedPair) {
  const auto a2a = plan_collective(CollectiveOp::alltoall, CollectiveAlgorithm::automatic, 1600, std::vector<int>(16));
  ASSERT_EQ(a2a.size(), 1u);
  EXPECT_EQ(a2a[0].flows.size(), 16u * 15u);
  EXPECT_DOUBLE_EQ(a2a[0].flows[0].bytes, 100);
  EXPECT_EQ(a2a[0].alpha_steps, 1);
}

TEST(WorkloadCollective, HierarchicalPhasesOnTwoNodesOfFour) {
  const std::vector<int> nodes{5, 5, 5, 5, 9, 9, 9, 9};
  const auto p = plan_collective(CollectiveOp::allreduce, CollectiveAlgorithm::hierarchical, 4000, nodes);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].flows.size(), 8u); // two intra-node rings of 4
  EXPECT_DOUBLE_EQ(p[0].flows[0].bytes, 3000);
  EXPECT_EQ(p[0].alpha_steps, 3);
  EXPECT_EQ(p[1].flows.size(), 8u); // four rails, each a 2-ring: 0 <-> 4, 1 <-> 5, ...
  EXPECT_EQ(p[1].flows[0].src, 0);
  EXPECT_EQ(p[1].flows[0].dst, 4);
  EXPECT_DOUBLE_EQ(p[1].flows[0].bytes, 2.0 * 1 / 2 * 4000 / 4);
  EXPECT_EQ(p[1].alpha_steps, 2);
  EXPECT_EQ(p[2].name, "intra-node all-gather");
  EXPECT_THROW(plan_collective(CollectiveOp::allreduce, CollectiveAlgorithm::hierarchical, 1, {0, 0, 0, 1}),
               std::invalid_argument);
}

TEST(WorkloadCollective, WhichAlgorithmsEachOpAccepts) {
  EXPECT_TRUE(accepts(CollectiveOp::allreduce, CollectiveAlgorithm::tree));
  EXPECT_FALSE(accepts(CollectiveOp::allgather, CollectiveAlgorithm::tree));
  EXPECT_FALSE(accepts(CollectiveOp::alltoall, CollectiveAlgorithm::ring));
  EXPECT_FALSE(accepts(CollectiveOp::broadcast, CollectiveAlgorithm::hierarchical));
  EXPECT_TRUE(accepts(CollectiveOp::alltoall, CollectiveAlgorithm::automatic));
  EXPECT_EQ(resolve_algorithm(CollectiveOp::alltoall, CollectiveAlgorithm::automatic), CollectiveAlgorithm::direct);
  EXPECT_EQ(resolve_algorithm(CollectiveOp::broadcast, CollectiveAlgorithm::automatic), CollectiveAlgorithm::ring);
  EXPECT_THROW(plan_collective(CollectiveOp::alltoall, CollectiveAlgorithm::ring, 1, {0, 0}), std::invalid_argument);
  EXPECT_THROW(plan_collective(CollectiveOp::allreduce, CollectiveAlgorithm::ring, 1, {0}), std::invalid_argument);
}

TEST(WorkloadCollective, NcclTestsBusFactors) {
  EXPECT_DOUBLE_EQ(bus_factor(CollectiveOp::allreduce, 8), 14.0 / 8);
  EXPECT_DOUBLE_EQ(bus_factor(CollectiveOp::allgather, 8), 7.0 / 8);
  EXPECT_DOUBLE_EQ(bus_factor(CollectiveOp::reducescatter, 8), 7.0 / 8);
  EXPECT_DOUBLE_EQ(bus_factor(CollectiveOp::alltoall, 8), 7.0 / 8);
  EXPECT_DOUBLE_EQ(bus_factor(CollectiveOp::broadcast, 8), 1.0);
}
