// Autoscalers (policies/autoscaling/): the registry and each policy's decision on hand-built views.

#include "policies/autoscaling/none.hpp"
#include "policies/autoscaling/queue_length.hpp"
#include "policies/autoscaling/target_utilization.hpp"
#include "policies/registry.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::policies {
namespace {

AutoscalerView view(int active, int provisioning, int busy, int waiting) {
  AutoscalerView v;
  v.active = active;
  v.provisioning = provisioning;
  v.busy = busy;
  v.waiting = waiting;
  v.min_replicas = 1;
  v.max_replicas = 10;
  return v;
}

TEST(PolicyAutoscaler, RegistryNames) {
  std::vector<std::string> names;
  for (const auto& e : autoscalers().entries()) {
    names.push_back(e.name);
    EXPECT_FALSE(e.doc.empty());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"none", "target_utilization", "queue_length"}));
  EXPECT_THROW(autoscalers().create("hpa"), UnknownPolicy);
}

TEST(PolicyAutoscaler, NoneKeepsTheCount) {
  NoAutoscaler none;
  EXPECT_EQ(none.desired(view(3, 0, 3, 50)), 3);
  EXPECT_EQ(none.desired(view(4, 1, 0, 0)), 5);
}

TEST(PolicyAutoscaler, TargetUtilizationIsCeilBusyOverTarget) {
  TargetUtilizationParams params;
  params.target = 0.6;
  TargetUtilizationAutoscaler tu(params);
  EXPECT_EQ(tu.desired(view(4, 0, 3, 0)), 5); // 3 / 0.6 = 5 exactly
  EXPECT_EQ(tu.desired(view(4, 0, 4, 9)), 7); // 6.67 -> 7
  EXPECT_EQ(tu.desired(view(8, 0, 1, 0)), 2); // 1.67 -> 2
  EXPECT_EQ(tu.desired(view(8, 0, 0, 0)), 1); // never 0
  params.target = 1;
  EXPECT_EQ(TargetUtilizationAutoscaler(params).desired(view(5, 0, 5, 0)), 5);
  params.target = 0;
  EXPECT_THROW(TargetUtilizationAutoscaler{params}, std::invalid_argument);
}

TEST(PolicyAutoscaler, QueueLengthScalesOutAboveInBelowHoldsBetween) {
  QueueLengthParams params;
  params.scale_out_queue = 4;
  params.scale_in_queue = 1;
  QueueLengthAutoscaler ql(params);
  EXPECT_EQ(ql.desired(view(2, 0, 2, 9)), 3); // 4.5 per replica > 4
  EXPECT_EQ(ql.desired(view(2, 0, 2, 8)), 2); // 4: not above
  EXPECT_EQ(ql.desired(view(2, 1, 2, 9)), 4); // provisioning counts as present
  EXPECT_EQ(ql.desired(view(4, 0, 2, 3)), 3); // 0.75 < 1
  EXPECT_EQ(ql.desired(view(4, 1, 2, 3)), 5); // ... but not while one is provisioning
  EXPECT_EQ(ql.desired(view(1, 0, 0, 0)), 1); // never 0
  params.scale_in_queue = 4;
  EXPECT_THROW(QueueLengthAutoscaler{params}, std::invalid_argument);
}

} // namespace
} // namespace racksim::policies
