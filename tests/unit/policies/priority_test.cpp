// priority on hand-built views.

#include "policies/scheduling/priority.hpp"
#include "view_builder.hpp"

#include <gtest/gtest.h>

namespace racksim::policies {
namespace {

using test::ViewBuilder;
using Ids = std::vector<JobId>;

TEST(PolicyPriority, HigherClassFirstFifoWithin) {
  ViewBuilder b;
  b.free_gpus = 6;
  b.queued(1, 2, 100, 0).queued(2, 2, 100, 1).queued(3, 2, 100, 2).queued(4, 2, 100, 3);
  b.queue[0].priority = 0, b.queue[1].priority = 2, b.queue[2].priority = 1, b.queue[3].priority = 2;
  EXPECT_EQ(PriorityScheduler().decide(b.view()).start, (Ids{2, 4, 3}));
}

TEST(PolicyPriority, SkipsAJobThatDoesNotFit) {
  ViewBuilder b;
  b.free_gpus = 2;
  b.run(10, 6, 1000);
  b.running[0].priority = 5;
  b.queued(1, 4, 100, 0).queued(2, 2, 100, 1);
  b.queue[0].priority = 1; // cannot preempt class 5
  EXPECT_EQ(PriorityScheduler().decide(b.view()).start, (Ids{2}));
}

TEST(PolicyPriority, PreemptsLowestClassFirstAndOnlyWhatItNeeds) {
  ViewBuilder b;
  b.free_gpus = 0;
  b.run(10, 4, 1000, 0).run(11, 2, 1000, 10).run(12, 2, 1000, 20);
  b.running[0].priority = 0, b.running[1].priority = 0, b.running[2].priority = 1;
  b.queued(1, 4, 100, 30);
  b.queue[0].priority = 2;
  PriorityScheduler prio;
  const auto d = prio.decide(b.view());
  // Candidates: 11 (class 0, latest start), 10 (class 0), 12 (class 1); 11 + 10 cover 4, and 10 alone does.
  EXPECT_EQ(d.preempt, (Ids{10}));
  EXPECT_TRUE(d.start.empty());
}

TEST(PolicyPriority, NeverPreemptsItsOwnClassOrWhenOff) {
  ViewBuilder b;
  b.free_gpus = 0;
  b.run(10, 8, 1000);
  b.running[0].priority = 1;
  b.queued(1, 4, 100);
  b.queue[0].priority = 1;
  EXPECT_TRUE(PriorityScheduler().decide(b.view()).preempt.empty());
  b.queue[0].priority = 2;
  EXPECT_EQ(PriorityScheduler().decide(b.view()).preempt, (Ids{10}));
  PriorityParams p;
  p.preempt = false;
  EXPECT_TRUE(PriorityScheduler(p).decide(b.view()).preempt.empty());
}

} // namespace
} // namespace racksim::policies
