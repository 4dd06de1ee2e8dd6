// Registries: exact name lists, creation by name, the error for an unknown name, and the settings and checks
// each policy declares on its entry.

#include "policies/autoscaling/queue_length.hpp"
#include "policies/load_balancing/power_of_d.hpp"
#include "policies/load_balancing/weighted.hpp"
#include "policies/placement/first_fit.hpp"
#include "policies/placement/pack.hpp"
#include "policies/registry.hpp"
#include "policies/scheduling/easy_backfill.hpp"
#include "policies/scheduling/fair_share.hpp"
#include "policies/scheduling/fifo.hpp"
#include "policies/scheduling/las.hpp"
#include "policies/scheduling/srtf.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace racksim::policies {
namespace {

template <class T>
std::vector<std::string> names_of(const Registry<T>& registry) {
  std::vector<std::string> names;
  for (const auto& e : registry.entries())
    names.push_back(e.name);
  return names;
}

TEST(PolicyRegistry, SchedulersListExactlyTheirNames) {
  EXPECT_EQ(names_of(schedulers()), (std::vector<std::string>{"fifo", "easy_backfill", "conservative_backfill", "sjf",
                                                              "srtf", "las", "fair_share", "priority"}));
  EXPECT_EQ(schedulers().names_joined(),
            "fifo, easy_backfill, conservative_backfill, sjf, srtf, las, fair_share, priority");
  for (const auto& e : schedulers().entries())
    EXPECT_FALSE(e.doc.empty()) << e.name;
}

TEST(PolicyRegistry, PlacementsListExactlyTheirNames) {
  EXPECT_EQ(names_of(placements()),
            (std::vector<std::string>{"first_fit", "pack", "best_fit", "spread", "topology_aware", "random"}));
  EXPECT_EQ(placements().names_joined(), "first_fit, pack, best_fit, spread, topology_aware, random");
  for (const auto& e : placements().entries())
    EXPECT_FALSE(e.doc.empty()) << e.name;
}

TEST(PolicyRegistry, CreateBuildsTheNamedType) {
  auto fifo = schedulers().create("fifo");
  auto easy = schedulers().create("easy_backfill");
  auto first_fit = placements().create("first_fit");
  auto pack = placements().create("pack");
  ASSERT_NE(fifo, nullptr);
  ASSERT_NE(easy, nullptr);
  ASSERT_NE(first_fit, nullptr);
  ASSERT_NE(pack, nullptr);
  EXPECT_NE(dynamic_cast<FifoScheduler*>(fifo.get()), nullptr);
  EXPECT_NE(dynamic_cast<EasyBackfillScheduler*>(easy.get()), nullptr);
  EXPECT_NE(dynamic_cast<FirstFitPlacement*>(first_fit.get()), nullptr);
  EXPECT_NE(dynamic_cast<PackPlacement*>(pack.get()), nullptr);
  // Each create is a fresh instance (policies may keep state per run).
  EXPECT_NE(schedulers().create("fifo").get(), fifo.get());
}

TEST(PolicyRegistry, EverySchedulerBuildsWithParams) {
  PolicyParams params;
  params.get<FairShareParams>().weights = "alice=2";
  for (const auto& e : schedulers().entries())
    EXPECT_NE(schedulers().create(e.name, params), nullptr) << e.name;
  params.get<FairShareParams>().weights = "alice";
  EXPECT_THROW(schedulers().create("fair_share", params), std::invalid_argument);
  params.get<LasParams>().thresholds_gpu_s = {10, 5};
  EXPECT_THROW(schedulers().create("las", params), std::invalid_argument);
}

// A policy's settings reach it through the factory: typed, by their struct, defaults until set.
TEST(PolicyRegistry, TypedParamsKeepDefaultsUntilSet) {
  PolicyParams params;
  EXPECT_DOUBLE_EQ(std::as_const(params).get<SrtfParams>().min_gap_s, 600);
  params.get<SrtfParams>().min_gap_s = 5;
  const PolicyParams copy = params; // a copy holds its own values
  params.get<SrtfParams>().min_gap_s = 7;
  EXPECT_DOUBLE_EQ(copy.get<SrtfParams>().min_gap_s, 5);
  EXPECT_EQ(copy.get<LasParams>().thresholds_gpu_s, (std::vector<double>{3600, 36000}));
}

template <class T>
void expect_complete_params(const Registry<T>& registry, const std::string& prefix) {
  std::set<std::string> seen;
  const PolicyParams defaults;
  PolicyParams params;
  for (const auto& p : registry.params()) {
    EXPECT_TRUE(seen.insert(p.path).second) << "duplicate " << p.path;
    EXPECT_EQ(p.path.rfind(prefix, 0), 0u) << p.path;
    EXPECT_FALSE(p.doc.empty()) << p.path;
    EXPECT_EQ(p.doc.find('\n'), std::string::npos) << p.path;
    ASSERT_TRUE(p.get && p.set) << p.path;
    p.set(params, p.get(defaults)); // the default reads back
    EXPECT_EQ(p.get(params), p.get(defaults)) << p.path;
  }
}

// Each kind's settings are declared on its entries (their order and the whole list: tests/unit/scenario), completely,
// and read back what they set, into the policy's typed struct or, for the engine's, into PolicyParams itself.
TEST(PolicyRegistry, ParamsAreDeclaredOnTheirEntries) {
  expect_complete_params(schedulers(), "policies.");
  expect_complete_params(placements(), "policies.");
  expect_complete_params(load_balancers(), "policies.");
  expect_complete_params(autoscalers(), "policies.autoscaler.");
  expect_complete_params(failovers(), "failover.");
  EXPECT_EQ(schedulers().params().front().path, "policies.srtf.min_gap");       // entries' own, in registry order
  EXPECT_EQ(failovers().params().front().path, "failover.checkpoint_interval"); // the kind's shared list
  PolicyParams params;
  schedulers().params().front().set(params, 42.0);
  EXPECT_DOUBLE_EQ(params.get<SrtfParams>().min_gap_s, 42);
  const auto d = load_balancers().params().front();
  EXPECT_EQ(d.integer_max, INT_MAX); // an int field
  d.set(params, std::int64_t{3});
  EXPECT_EQ(params.get<PowerOfDParams>().d, 3);
  for (const auto& p : failovers().params())
    if (p.path == "failover.spare_nodes") p.set(params, std::int64_t{2}); // applied by the engine
  EXPECT_EQ(params.failover_spare_nodes, 2);
}

TEST(PolicyRegistry, ValueChecksUseThePolicysParser) {
  const auto find = [](const std::string& path) {
    for (const auto& p : schedulers().params())
      if (p.path == path) return p;
    throw std::logic_error(path);
  };
  const auto weights = find("policies.fair_share.weights");
  ASSERT_TRUE(weights.check);
  EXPECT_EQ(weights.check(std::string("alice=2,vc3=1")), "");
  EXPECT_NE(weights.check(std::string("alice=2,bob")).find("'bob' (no '=')"), std::string::npos);
  EXPECT_NE(find("policies.fair_share.quotas").check(std::string("alice=1.5")).find("positive integer (GPUs)"),
            std::string::npos);
  EXPECT_EQ(find("policies.las.thresholds").check(std::vector<double>{7200, 3600}),
            "thresholds must be strictly increasing");
}

// Entry checks: run for every entry whose settings read cleanly; the chosen one is told so.
TEST(PolicyRegistry, EntryChecksReportLocatedProblems) {
  const auto all_valid = [](const std::string&) { return true; };
  PolicyParams params;
  params.get<WeightedParams>().weights = {1, 2};
  auto problems = load_balancers().check(params, "round_robin", 3, all_valid); // weighted's check runs unchosen
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].message, "policies.weighted.weights: has 2 weight(s) but the service has 3 replicas (give "
                                 "one weight per replica, or [] for all 1)");
  EXPECT_EQ(problems[0].at, (std::vector<std::string>{"policies.weighted.weights", "workload.inference.replicas"}));
  EXPECT_TRUE(load_balancers().check(params, "weighted", std::nullopt, all_valid).empty()); // replicas unknown
  EXPECT_TRUE(load_balancers()
                  .check(params, "weighted", 3, [](const std::string& p) { return p != "policies.weighted.weights"; })
                  .empty());
  params.get<WeightedParams>().weights = {0, 0, 0};
  EXPECT_EQ(load_balancers().check(params, "weighted", 3, all_valid).at(0).message,
            "policies.weighted.weights: weights must not all be 0");

  params.get<QueueLengthParams>().scale_in_queue = 4.5;
  EXPECT_TRUE(autoscalers().check(params, "target_utilization", 3, all_valid).empty()); // only when chosen
  problems = autoscalers().check(params, "queue_length", 3, all_valid);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].message,
            "policies.autoscaler.scale_in_queue (4.5) must be < policies.autoscaler.scale_out_queue (4)");
}

TEST(PolicyRegistry, ContainsIsExact) {
  EXPECT_TRUE(schedulers().contains("fifo"));
  EXPECT_TRUE(schedulers().contains("easy_backfill"));
  EXPECT_FALSE(schedulers().contains("FIFO"));
  EXPECT_FALSE(schedulers().contains("pack")); // a placement, not a scheduler
  EXPECT_TRUE(placements().contains("pack"));
  EXPECT_FALSE(placements().contains(""));
}

template <class T>
void expect_unknown_lists_valid(const Registry<T>& registry, const std::string& bad, const std::string& kind) {
  try {
    registry.create(bad);
    FAIL() << "create('" << bad << "') did not throw";
  } catch (const UnknownPolicy& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(kind), std::string::npos) << msg;
    EXPECT_NE(msg.find("'" + bad + "'"), std::string::npos) << msg;
    for (const auto& name : names_of(registry))
      EXPECT_NE(msg.find(name), std::string::npos) << name << ": " << msg;
  }
}

TEST(PolicyRegistry, UnknownNameThrowsListingEveryValidName) {
  expect_unknown_lists_valid(schedulers(), "lottery", "scheduler");
  expect_unknown_lists_valid(placements(), "scatter", "placement");
  expect_unknown_lists_valid(autoscalers(), "hpa", "autoscaler");
  expect_unknown_lists_valid(failovers(), "retry", "failover policy");
  EXPECT_THROW(schedulers().create("Fifo"), UnknownPolicy);     // names are case-sensitive
  EXPECT_THROW(placements().create(""), std::invalid_argument); // UnknownPolicy is an invalid_argument
}

} // namespace
} // namespace racksim::policies
