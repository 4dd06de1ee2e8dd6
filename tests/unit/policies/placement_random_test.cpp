// Randomized invariants for both placements over many random free masks and cluster shapes.

#include "placement_helpers.hpp"
#include "policies/placement/first_fit.hpp"
#include "policies/placement/pack.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>

namespace racksim::policies {
namespace {

using test::nodes_used;
using test::racks_used;

// Fewest parts whose sizes add up to `want`, taking the largest first (optimal for this covering problem).
int fewest_parts(std::vector<int> sizes, int want) {
  std::sort(sizes.begin(), sizes.end(), std::greater<>());
  int parts = 0;
  for (int s : sizes) {
    if (want <= 0) break;
    want -= s;
    ++parts;
  }
  return parts;
}

void expect_valid(const char* name, const ClusterShape& shape, const std::vector<std::uint8_t>& mask, int want,
                  const std::vector<int>& got, int total_free) {
  SCOPED_TRACE(name);
  if (want <= 0 || want > total_free) {
    EXPECT_TRUE(got.empty());
    return;
  }
  ASSERT_EQ(static_cast<int>(got.size()), want);
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_GE(got[i], 0);
    ASSERT_LT(got[i], shape.total_gpus());
    EXPECT_EQ(mask[static_cast<std::size_t>(got[i])], 1) << "GPU " << got[i] << " is busy";
    if (i > 0) {
      EXPECT_LT(got[i - 1], got[i]) << "not strictly ascending (sorted, distinct)";
    }
  }
}

TEST(PolicyPlacementRandom, ValidityAndPackLocality) {
  std::mt19937_64 rng(20240601);
  auto pick = [&](int lo, int hi) { return lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo + 1)); };
  FirstFitPlacement ff;
  PackPlacement pack;
  int single_node_cases = 0, one_rack_cases = 0, spanning_cases = 0, pack_more_nodes = 0;

  for (int trial = 0; trial < 20000; ++trial) {
    const int gpn_choices[] = {1, 2, 4, 8};
    ClusterShape shape;
    shape.gpus_per_node = gpn_choices[pick(0, 3)];
    shape.nodes_per_rack = pick(1, 4);
    shape.nodes = pick(1, 12); // not always a multiple of nodes_per_rack
    const int total = shape.total_gpus();

    // Busy GPUs come in whole-node blocks and scattered singles, at a random density.
    const int free_percent = pick(5, 95);
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(total));
    for (auto& m : mask)
      m = pick(1, 100) <= free_percent ? 1 : 0;
    for (int n = 0; n < shape.nodes; ++n)
      if (pick(1, 6) == 1) std::fill_n(mask.begin() + n * shape.gpus_per_node, shape.gpus_per_node, pick(0, 1));
    const int want = pick(0, total + 1);
    SCOPED_TRACE(testing::Message() << "trial " << trial << ": gpn " << shape.gpus_per_node << ", npr "
                                    << shape.nodes_per_rack << ", nodes " << shape.nodes << ", want " << want);

    std::vector<int> node_free(static_cast<std::size_t>(shape.nodes), 0);
    const int racks = (shape.nodes + shape.nodes_per_rack - 1) / shape.nodes_per_rack;
    std::vector<int> rack_free(static_cast<std::size_t>(racks), 0);
    for (int g = 0; g < total; ++g) {
      node_free[static_cast<std::size_t>(shape.node_of(g))] += mask[static_cast<std::size_t>(g)];
      rack_free[static_cast<std::size_t>(shape.rack_of_node(shape.node_of(g)))] += mask[static_cast<std::size_t>(g)];
    }
    const int total_free = std::accumulate(node_free.begin(), node_free.end(), 0);

    const auto f = ff.place({shape, mask, want});
    const auto p = pack.place({shape, mask, want});
    ASSERT_NO_FATAL_FAILURE(expect_valid("first_fit", shape, mask, want, f, total_free));
    ASSERT_NO_FATAL_FAILURE(expect_valid("pack", shape, mask, want, p, total_free));
    if (p.empty()) continue;

    // first_fit: exactly the `want` lowest free ids.
    std::vector<int> lowest;
    for (int g = 0; g < total && static_cast<int>(lowest.size()) < want; ++g)
      if (mask[static_cast<std::size_t>(g)]) lowest.push_back(g);
    EXPECT_EQ(f, lowest);

    // pack never spans more racks than first_fit, and always the fewest possible.
    EXPECT_LE(racks_used(shape, p), racks_used(shape, f));
    EXPECT_EQ(racks_used(shape, p), fewest_parts(rack_free, want));
    if (nodes_used(shape, p) > nodes_used(shape, f)) ++pack_more_nodes;

    int tightest_node = -1; // the smallest node_free that still holds the job
    for (int nf : node_free)
      if (nf >= want && (tightest_node < 0 || nf < tightest_node)) tightest_node = nf;
    int tightest_rack = -1;
    for (int rf : rack_free)
      if (rf >= want && (tightest_rack < 0 || rf < tightest_rack)) tightest_rack = rf;

    if (want <= shape.gpus_per_node && tightest_node >= 0) {
      // A job that fits in some node lands on exactly one node, a best-fit one.
      ++single_node_cases;
      ASSERT_EQ(nodes_used(shape, p), 1);
      EXPECT_EQ(node_free[static_cast<std::size_t>(shape.node_of(p[0]))], tightest_node);
      EXPECT_LE(nodes_used(shape, p), nodes_used(shape, f));
    } else if (tightest_rack >= 0) {
      // Otherwise a job that fits in some rack lands in exactly one, best-fit rack, on its fewest nodes.
      ++one_rack_cases;
      ASSERT_EQ(racks_used(shape, p), 1);
      const int rack = shape.rack_of_node(shape.node_of(p[0]));
      EXPECT_EQ(rack_free[static_cast<std::size_t>(rack)], tightest_rack);
      std::vector<int> rack_nodes;
      for (int n = 0; n < shape.nodes; ++n)
        if (shape.rack_of_node(n) == rack) rack_nodes.push_back(node_free[static_cast<std::size_t>(n)]);
      EXPECT_EQ(nodes_used(shape, p), fewest_parts(rack_nodes, want));
    } else {
      ++spanning_cases;
      EXPECT_GE(racks_used(shape, p), 2);
    }
  }
  // The random shapes must exercise every branch of pack.
  EXPECT_GT(single_node_cases, 1000);
  EXPECT_GT(one_rack_cases, 1000);
  EXPECT_GT(spanning_cases, 1000);
  RecordProperty("pack_used_more_nodes_than_first_fit", pack_more_nodes);
}

} // namespace
} // namespace racksim::policies
