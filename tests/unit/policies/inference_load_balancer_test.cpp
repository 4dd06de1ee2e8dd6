// Load balancers (policies/load_balancing/): the registry's names and error, and each policy's choice.

#include "policies/load_balancing/least_outstanding.hpp"
#include "policies/load_balancing/round_robin.hpp"
#include "policies/registry.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace racksim::policies {
namespace {

LoadBalancerView view_of(const std::vector<ReplicaLoad>& loads, std::int64_t id = 0) {
  return LoadBalancerView{0.0, id, 100, 10, loads};
}

TEST(PolicyLoadBalancer, RegistryNamesAndUnknownNameListsThem) {
  std::vector<std::string> names;
  for (const auto& e : load_balancers().entries()) {
    names.push_back(e.name);
    EXPECT_FALSE(e.doc.empty()) << e.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"round_robin", "least_outstanding", "random", "jsq", "power_of_d", "weighted"}));
  EXPECT_NE(dynamic_cast<RoundRobinBalancer*>(load_balancers().create("round_robin").get()), nullptr);
  EXPECT_NE(dynamic_cast<LeastOutstandingBalancer*>(load_balancers().create("least_outstanding").get()), nullptr);
  try {
    load_balancers().create("power_of_two");
    FAIL() << "no exception";
  } catch (const UnknownPolicy& e) {
    EXPECT_EQ(std::string(e.what()), "unknown load balancer 'power_of_two' (valid: round_robin, least_outstanding, random, jsq, power_of_d, "
                                         "weighted)");
  }
}

TEST(PolicyLoadBalancer, RoundRobinCyclesWhateverTheLoad) {
  RoundRobinBalancer rr;
  const std::vector<ReplicaLoad> loads{{100, 5}, {0, 0}, {3, 1}};
  std::vector<int> picks;
  for (int i = 0; i < 7; ++i)
    picks.push_back(rr.choose(view_of(loads, i)));
  EXPECT_EQ(picks, (std::vector<int>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(PolicyLoadBalancer, LeastOutstandingPicksFewestWaitingPlusRunningLowestIndexOnTies) {
  LeastOutstandingBalancer lo;
  EXPECT_EQ(lo.choose(view_of({{2, 2}, {0, 3}, {1, 1}})), 2);
  EXPECT_EQ(lo.choose(view_of({{1, 1}, {0, 2}, {2, 0}})), 0);
  EXPECT_EQ(lo.choose(view_of({{0, 0}})), 0);
  EXPECT_EQ(lo.choose(view_of({{5, 0}, {0, 5}, {0, 4}})), 2);
}

} // namespace
} // namespace racksim::policies
