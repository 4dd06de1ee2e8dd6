// conservative_backfill on hand-built views: every job's reservation, and what starts now.

#include "policies/scheduling/conservative_backfill.hpp"
#include "policies/scheduling/easy_backfill.hpp"
#include "view_builder.hpp"

#include <gtest/gtest.h>

namespace racksim::policies {
namespace {

using test::ViewBuilder;
using Ids = std::vector<JobId>;

// 8 GPUs, 4 held until t = 100. Profile after each reservation:
//   job 1 (8 GPUs, 100 s): the earliest 8 free is t = 100            -> [100, 200) 0 free
//   job 2 (4 GPUs, 200 s): nothing before 200                         -> [200, 400) 4 free
//   job 3 (4 GPUs, 100 s): fits [0, 100) beside the running job: now -> [0, 100) 0 free
//   job 4 (2 GPUs,  50 s): first 2 free from t = 200                   -> [200, 250) 2 free
ViewBuilder example() {
  ViewBuilder b;
  b.free_gpus = 4;
  b.run(9, 4, 100).queued(1, 8, 100).queued(2, 4, 200).queued(3, 4, 100).queued(4, 2, 50);
  return b;
}

TEST(PolicyConservativeBackfill, ReservesEveryJobInOrder) {
  const auto b = example();
  const auto plan = ConservativeBackfillScheduler::plan(b.view());
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[0].id, 1);
  EXPECT_DOUBLE_EQ(plan[0].start_s, 100);
  EXPECT_EQ(plan[1].id, 2);
  EXPECT_DOUBLE_EQ(plan[1].start_s, 200);
  EXPECT_EQ(plan[2].id, 3);
  EXPECT_DOUBLE_EQ(plan[2].start_s, 0);
  EXPECT_EQ(plan[3].id, 4);
  EXPECT_DOUBLE_EQ(plan[3].start_s, 200);
}

TEST(PolicyConservativeBackfill, StartsOnlyJobsReservedNow) {
  const auto b = example();
  ConservativeBackfillScheduler cons;
  const auto d = cons.decide(b.view());
  EXPECT_EQ(d.start, (Ids{3}));
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 100);
  EXPECT_TRUE(d.preempt.empty());
}

TEST(PolicyConservativeBackfill, ProtectsLaterReservationsThatEasyDoesNot) {
  // 8 GPUs, 6 held until 100. Job 1 (4 GPUs) is reserved at 100 and job 2 (all 8) at 200, when job 1 ends.
  // Job 3 (2 GPUs, 1000 s) fits now, but would still hold 2 GPUs at 200: conservative makes it wait (reserved
  // at 300, after job 2); EASY only protects the head and starts it in the head's spare GPUs, delaying job 2.
  ViewBuilder b;
  b.free_gpus = 2;
  b.run(9, 6, 100).queued(1, 4, 100).queued(2, 8, 100).queued(3, 2, 1000);
  ConservativeBackfillScheduler cons;
  const auto d = cons.decide(b.view());
  EXPECT_TRUE(d.start.empty());
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 100);
  const auto plan = ConservativeBackfillScheduler::plan(b.view());
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_DOUBLE_EQ(plan[0].start_s, 100);
  EXPECT_DOUBLE_EQ(plan[1].start_s, 200);
  EXPECT_DOUBLE_EQ(plan[2].start_s, 300);
  EasyBackfillScheduler easy;
  EXPECT_EQ(easy.decide(b.view()).start, (Ids{3}));
}

TEST(PolicyConservativeBackfill, NoReservationForJobsWiderThanTheCluster) {
  ViewBuilder b;
  b.queued(1, 16, 100).queued(2, 8, 100);
  ConservativeBackfillScheduler cons;
  const auto d = cons.decide(b.view());
  EXPECT_EQ(d.start, (Ids{2}));
  EXPECT_LT(d.head_reservation_s, 0);
}

TEST(PolicyConservativeBackfill, OverdueRunningJobsDoNotMakeGpusFree) {
  ViewBuilder b;
  b.now_s = 500;
  b.free_gpus = 0;
  b.run(9, 8, 100); // expected to end at 100, still running at 500
  b.queued(1, 8, 100, 400);
  ConservativeBackfillScheduler cons;
  const auto d = cons.decide(b.view());
  EXPECT_TRUE(d.start.empty());
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 500);
}

} // namespace
} // namespace racksim::policies
