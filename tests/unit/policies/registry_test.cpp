// Registries: exact name lists, creation by name, and the error for an unknown name.

#include "policies/placement/first_fit.hpp"
#include "policies/placement/pack.hpp"
#include "policies/registry.hpp"
#include "policies/scheduling/easy_backfill.hpp"
#include "policies/scheduling/fifo.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
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
  params.fair_share_weights = "alice=2";
  for (const auto& e : schedulers().entries())
    EXPECT_NE(schedulers().create(e.name, params), nullptr) << e.name;
  params.fair_share_weights = "alice";
  EXPECT_THROW(schedulers().create("fair_share", params), std::invalid_argument);
  params.las_thresholds_gpu_s = {10, 5};
  EXPECT_THROW(schedulers().create("las", params), std::invalid_argument);
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
