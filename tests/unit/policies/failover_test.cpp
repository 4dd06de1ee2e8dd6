// Failover policies without an Engine: each decision on hand-built views, and the Young/Daly interval against its
// closed form (Young 1974; Daly 2006, eq. 20).

#include "policies/failover/failover_policies.hpp"
#include "policies/registry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace racksim::policies {
namespace {

FailoverView view(int gpus, int failed, int spares, bool can_shrink) {
  FailoverView v;
  v.gpus = gpus;
  v.gpus_failed = failed;
  v.spare_gpus_free = spares;
  v.can_shrink = can_shrink;
  v.has_checkpoint = true;
  return v;
}

TEST(PolicyFailover, NoneRequeueCheckpointRestart) {
  const PolicyParams params;
  EXPECT_EQ(failovers().create("none", params)->on_failure(view(8, 8, 0, true)).action, FailoverAction::fail);
  EXPECT_EQ(failovers().create("requeue", params)->on_failure(view(8, 8, 0, true)).action,
            FailoverAction::restart_from_zero);
  EXPECT_EQ(failovers().create("checkpoint_restart", params)->on_failure(view(8, 8, 0, true)).action,
            FailoverAction::restart_from_checkpoint);
}

TEST(PolicyFailover, HotSpareNeedsEnoughSpares) {
  PolicyParams params;
  params.get<FailoverParams>().spare_delay_s = 90;
  auto hot = failovers().create("hot_spare", params);
  const auto swap = hot->on_failure(view(32, 8, 8, false));
  EXPECT_EQ(swap.action, FailoverAction::swap_in_spares);
  EXPECT_EQ(swap.delay_s, 90);
  EXPECT_EQ(hot->on_failure(view(32, 8, 7, false)).action, FailoverAction::restart_from_checkpoint);
}

TEST(PolicyFailover, ElasticShrinksWhileEnoughRemains) {
  PolicyParams params;
  params.get<FailoverParams>().elastic_min_fraction = 0.75;
  params.get<FailoverParams>().elastic_delay_s = 30;
  auto elastic = failovers().create("elastic", params);
  const auto shrink = elastic->on_failure(view(32, 8, 0, true)); // 24 of 32 left = 0.75
  EXPECT_EQ(shrink.action, FailoverAction::shrink);
  EXPECT_EQ(shrink.delay_s, 30);
  EXPECT_EQ(elastic->on_failure(view(32, 16, 0, true)).action, FailoverAction::restart_from_checkpoint); // 0.5
  EXPECT_EQ(elastic->on_failure(view(32, 8, 0, false)).action, FailoverAction::restart_from_checkpoint);
  EXPECT_EQ(elastic->on_failure(view(8, 8, 0, true)).action, FailoverAction::restart_from_checkpoint); // none left
}

// tau = sqrt(2 delta M) [1 + sqrt(delta / 2M) / 3 + delta / 18M] - delta for delta < 2M, else M.
TEST(PolicyFailover, YoungDalyInterval) {
  const double delta = 50, m = 20000;
  const double young = std::sqrt(2 * delta * m); // 1414.21 s
  const double daly = young * (1 + std::sqrt(delta / (2 * m)) / 3 + delta / (18 * m)) - delta;
  EXPECT_NEAR(young_daly_interval_s(delta, m), daly, 1e-9);
  EXPECT_NEAR(young_daly_interval_s(delta, m), 1381.08, 0.01);
  EXPECT_EQ(young_daly_interval_s(100, 40), 40); // delta >= 2M: checkpoint every MTBF
  EXPECT_TRUE(std::isinf(young_daly_interval_s(50, std::numeric_limits<double>::infinity())));
  // The policies that checkpoint use it unless an interval is fixed; the others keep the workload's (0).
  PolicyParams params;
  EXPECT_NEAR(failovers().create("checkpoint_restart", params)->checkpoint_interval_s(delta, m), daly, 1e-9);
  EXPECT_NEAR(failovers().create("hot_spare", params)->checkpoint_interval_s(delta, m), daly, 1e-9);
  EXPECT_EQ(failovers().create("requeue", params)->checkpoint_interval_s(delta, m), 0);
  params.get<FailoverParams>().checkpoint_interval_s = 600;
  EXPECT_EQ(failovers().create("elastic", params)->checkpoint_interval_s(delta, m), 600);
}

} // namespace
} // namespace racksim::policies
