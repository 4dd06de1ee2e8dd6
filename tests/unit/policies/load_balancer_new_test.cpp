// random, jsq, power_of_d and weighted load balancers on hand-built replica loads: exact picks, determinism per
// seed, uniformity, exact weighted shares.

#include "policies/load_balancing/jsq.hpp"
#include "policies/load_balancing/power_of_d.hpp"
#include "policies/load_balancing/random.hpp"
#include "policies/load_balancing/weighted.hpp"
#include "policies/params.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace racksim::policies {
namespace {

LoadBalancerView view_of(const std::vector<ReplicaLoad>& loads, std::int64_t id = 0) {
  return LoadBalancerView{0.0, id, 100, 10, loads};
}

PolicyParams seeded(std::uint64_t seed) {
  PolicyParams p;
  p.seed = seed;
  return p;
}

double chi_square(const std::vector<int>& counts, double expected) {
  double chi2 = 0;
  for (int c : counts)
    chi2 += (c - expected) * (c - expected) / expected;
  return chi2;
}

TEST(PolicyRandomBalancer, DeterministicPerSeedAndUniform) {
  const std::vector<ReplicaLoad> loads(5);
  RandomBalancer a(seeded(3)), b(seeded(3)), c(seeded(4));
  std::vector<int> counts(5, 0);
  bool differs = false;
  const int n = 50000;
  for (int i = 0; i < n; ++i) {
    const int pick = a.choose(view_of(loads, i));
    EXPECT_EQ(pick, b.choose(view_of(loads, i)));
    differs = differs || pick != c.choose(view_of(loads, i));
    ASSERT_GE(pick, 0);
    ASSERT_LT(pick, 5);
    ++counts[static_cast<std::size_t>(pick)];
  }
  EXPECT_TRUE(differs);
  EXPECT_LT(chi_square(counts, n / 5.0), 18.47); // 99.9% quantile of chi2(4)
}

TEST(PolicyJsq, FewestWaitingThenFewestOutstandingThenLowestIndex) {
  JsqBalancer jsq;
  // Replica 1 has the fewest waiting (0) although the most outstanding: jsq takes it, least_outstanding would not.
  EXPECT_EQ(jsq.choose(view_of({{1, 0}, {0, 8}, {2, 0}})), 1);
  // Ties on waiting: fewest outstanding.
  EXPECT_EQ(jsq.choose(view_of({{0, 3}, {0, 1}, {0, 2}})), 1);
  // Full ties: lowest index.
  EXPECT_EQ(jsq.choose(view_of({{2, 1}, {1, 2}, {1, 2}})), 1);
  EXPECT_EQ(jsq.choose(view_of({{0, 0}})), 0);
}

TEST(PolicyPowerOfD, PicksTheLeastOutstandingOfDSampled) {
  // d >= n: every replica is sampled, so the least outstanding always wins.
  PowerOfDParams params;
  params.d = 5;
  PowerOfDBalancer all(params, 9);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(all.choose(view_of({{3, 1}, {2, 0}, {0, 4}, {1, 3}})), 1);
  // d = 2 of 3: the most loaded replica (index 0) is never picked, since any pair holds a less loaded one.
  params.d = 2;
  PowerOfDBalancer two(params, 9);
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 30000; ++i)
    ++counts[static_cast<std::size_t>(two.choose(view_of({{9, 0}, {1, 0}, {5, 0}})))];
  EXPECT_EQ(counts[0], 0);
  // Replica 1 is in 2 of the 3 equally likely pairs: it wins 2/3 of the time.
  EXPECT_NEAR(counts[1] / 30000.0, 2.0 / 3.0, 0.015);
  EXPECT_NEAR(counts[2] / 30000.0, 1.0 / 3.0, 0.015);
}

TEST(PolicyPowerOfD, DIsOneIsUniformAndSeeded) {
  PowerOfDParams params;
  params.d = 1;
  PowerOfDBalancer a(params, 5), b(params, 5);
  std::vector<int> counts(4, 0);
  for (int i = 0; i < 40000; ++i) {
    const int pick = a.choose(view_of({{0, 0}, {5, 5}, {1, 0}, {0, 9}}));
    EXPECT_EQ(pick, b.choose(view_of({{0, 0}, {5, 5}, {1, 0}, {0, 9}})));
    ++counts[static_cast<std::size_t>(pick)];
  }
  EXPECT_LT(chi_square(counts, 10000), 16.27); // 99.9% quantile of chi2(3)
  params.d = 0;
  EXPECT_THROW(PowerOfDBalancer(params, 5), std::invalid_argument);
}

TEST(PolicyWeighted, ExactSharesOverACycleSmoothlyInterleaved) {
  WeightedParams params;
  params.weights = {5, 1, 1};
  WeightedBalancer w(params);
  const std::vector<ReplicaLoad> loads(3);
  std::vector<int> picks;
  for (int i = 0; i < 7; ++i)
    picks.push_back(w.choose(view_of(loads, i)));
  // nginx's smooth weighted round robin for {5, 1, 1}: a a b a c a a.
  EXPECT_EQ(picks, (std::vector<int>{0, 0, 1, 0, 2, 0, 0}));
  // The cycle repeats exactly.
  for (int i = 0; i < 7; ++i)
    EXPECT_EQ(w.choose(view_of(loads, i)), picks[static_cast<std::size_t>(i)]);
  // Real weights: 140 picks of {0.5, 1.5, 2} give 17.5, 52.5, 70 -> within one of each.
  params.weights = {0.5, 1.5, 2};
  WeightedBalancer r(params);
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 140; ++i)
    ++counts[static_cast<std::size_t>(r.choose(view_of(loads, i)))];
  EXPECT_NEAR(counts[0], 17.5, 1);
  EXPECT_NEAR(counts[1], 52.5, 1);
  EXPECT_NEAR(counts[2], 70, 1);
}

TEST(PolicyWeighted, DefaultIsRoundRobinAndTooFewWeightsThrow) {
  WeightedBalancer w;
  const std::vector<ReplicaLoad> loads(3);
  std::vector<int> picks;
  for (int i = 0; i < 6; ++i)
    picks.push_back(w.choose(view_of(loads, i)));
  EXPECT_EQ(picks, (std::vector<int>{0, 1, 2, 0, 1, 2}));
  WeightedParams params;
  params.weights = {1, 2};
  WeightedBalancer short_list(params);
  EXPECT_THROW(short_list.choose(view_of(loads)), std::invalid_argument);
}

} // namespace
} // namespace racksim::policies
