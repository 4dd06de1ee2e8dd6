// easy_backfill on hand-built snapshots: every shadow time (head_reservation_s) and every backfill decision
// below is computed by hand in the comment next to it.

#include "policies/scheduling/easy_backfill.hpp"
#include "view_builder.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace racksim::policies {
namespace {

using test::ViewBuilder;
using Ids = std::vector<JobId>;

TEST(PolicyEasyBackfill, EmptyQueue) {
  ViewBuilder b;
  b.free_gpus = 4;
  b.run(100, 4, 30);
  EasyBackfillScheduler easy;
  const auto d = easy.decide(b.view());
  EXPECT_TRUE(d.start.empty());
  EXPECT_LT(d.head_reservation_s, 0);
}

TEST(PolicyEasyBackfill, EverythingFitsBehavesLikeFifoWithoutReservation) {
  ViewBuilder b;
  b.free_gpus = 8;
  b.queued(1, 3, 10).queued(2, 5, 99); // exact fit
  EasyBackfillScheduler easy;
  const auto d = easy.decide(b.view());
  EXPECT_EQ(d.start, (Ids{1, 2}));
  EXPECT_LT(d.head_reservation_s, 0); // no blocked head, no reservation
}

TEST(PolicyEasyBackfill, ShortJobEndingBeforeShadowIsBackfilled) {
  // 8 GPUs, 2 free; running job 100 (6 GPUs) ends at t=100. Head job 1 needs 4 -> shadow 100 (2+6 = 8 >= 4).
  // Job 2 (2 GPUs, 60 s) ends at 60 <= 100: backfilled. Job 3 (1 GPU) finds no free GPU left.
  ViewBuilder b;
  b.free_gpus = 2;
  b.run(100, 6, 100).queued(1, 4, 50).queued(2, 2, 60).queued(3, 1, 5);
  EasyBackfillScheduler easy;
  const auto d = easy.decide(b.view());
  EXPECT_EQ(d.start, (Ids{2}));
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 100);
}

TEST(PolicyEasyBackfill, JobEndingExactlyAtShadowIsBackfilled) {
  // Head needs 8 of 8; the 4 running GPUs free at t=100 -> shadow 100, extra 0.
  // Job 2 (4 GPUs, 100 s) ends at 100 == shadow: allowed. Job 3 (101 s) would not be, but no GPU is left anyway.
  ViewBuilder b;
  b.now_s = 0;
  b.free_gpus = 4;
  b.run(100, 4, 100).queued(1, 8, 10).queued(2, 4, 100).queued(3, 4, 101);
  EasyBackfillScheduler easy;
  const auto d = easy.decide(b.view());
  EXPECT_EQ(d.start, (Ids{2}));
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 100);
}

TEST(PolicyEasyBackfill, LongJobThatWouldDelayTheHeadIsNotStarted) {
  // Same cluster: shadow 100, extra 0. Job 2 (4 GPUs, 101 s) would hold 4 GPUs past t=100, when the head needs
  // all 8: not started, although it fits now.
  ViewBuilder b;
  b.free_gpus = 4;
  b.run(100, 4, 100).queued(1, 8, 10).queued(2, 4, 101).queued(3, 5, 1);
  EasyBackfillScheduler easy;
  const auto d = easy.decide(b.view());
  EXPECT_TRUE(d.start.empty()); // job 3 (5 GPUs) does not fit in 4 free
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 100);
}

TEST(PolicyEasyBackfill, LongJobFitsInExtraGpus) {
  // 8 GPUs, 3 free; running: A 3 GPUs ends 50, B 2 GPUs ends 200. Head needs 5.
  // Releases by time: 50 (+3 -> 6 >= 5) -> shadow 50, extra 6-5 = 1.
  //   job 2: 1 GPU, 1000 s (ends 1000 > 50) but 1 <= extra 1  -> start; free 2, extra 0
  //   job 3: 1 GPU, 1000 s, extra 0                           -> not started
  //   job 4: 2 GPUs, 40 s (ends 40 <= 50)                     -> start; free 0
  //   job 5: 1 GPU, 1 s: no free GPU left                     -> not started
  ViewBuilder b;
  b.free_gpus = 3;
  b.run(100, 3, 50).run(101, 2, 200);
  b.queued(1, 5, 10).queued(2, 1, 1000).queued(3, 1, 1000).queued(4, 2, 40).queued(5, 1, 1);
  EasyBackfillScheduler easy;
  const auto d = easy.decide(b.view());
  EXPECT_EQ(d.start, (Ids{2, 4}));
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 50);
}

TEST(PolicyEasyBackfill, ShadowWalksReleasesInTimeOrder) {
  // Running jobs given out of time order: (2 GPUs, t=300), (1 GPU, t=120), (3 GPUs, t=200); 2 free of 8.
  // Head needs 5: 2 -> +1 @120 = 3 -> +3 @200 = 6 >= 5 -> shadow 200, extra 1.
  // Job 2: 2 GPUs, 150 s (ends 150 <= 200) -> start, free 0.
  ViewBuilder b;
  b.now_s = 0;
  b.free_gpus = 2;
  b.run(100, 2, 300).run(101, 1, 120).run(102, 3, 200).queued(1, 5, 10).queued(2, 2, 150);
  EasyBackfillScheduler easy;
  const auto d = easy.decide(b.view());
  EXPECT_EQ(d.start, (Ids{2}));
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 200);
}

TEST(PolicyEasyBackfill, JobsStartedThisRoundCountAsReleases) {
  // 8 GPUs, 4 free, running job (4 GPUs) ends at 100. Job 1 (2 GPUs, 30 s) starts FIFO-style, leaving 2 free.
  // Head job 2 needs 4: 2 + job 1's 2 GPUs @30 = 4 -> shadow 30, not 100. Extra 0.
  // Job 3: 2 GPUs, 31 s (ends 31 > 30), extra 0 -> not started. Job 4: 2 GPUs, 30 s -> start.
  ViewBuilder b;
  b.free_gpus = 4;
  b.run(100, 4, 100).queued(1, 2, 30).queued(2, 4, 10).queued(3, 2, 31).queued(4, 2, 30);
  EasyBackfillScheduler easy;
  const auto d = easy.decide(b.view());
  EXPECT_EQ(d.start, (Ids{1, 4}));
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 30);
}

TEST(PolicyEasyBackfill, ShadowIsRelativeToNow) {
  // now = 1000. Running job (6 GPUs) ends at 1100 -> shadow 1100. Job 2 (2 GPUs, 100 s) ends at 1100: start.
  // Job 3 would end at 1000 + 101 = 1101 and there is no extra -> not started (it would not fit anyway after 2).
  ViewBuilder b;
  b.now_s = 1000;
  b.free_gpus = 2;
  b.run(100, 6, 1100, 900).queued(1, 8, 10, 950).queued(2, 2, 100, 960);
  EasyBackfillScheduler easy;
  auto d = easy.decide(b.view());
  EXPECT_EQ(d.start, (Ids{2}));
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 1100);

  ViewBuilder longer = b;
  longer.queue[1].estimate_s = 101; // ends 1101 > 1100, extra 0
  d = easy.decide(longer.view());
  EXPECT_TRUE(d.start.empty());
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 1100);
}

TEST(PolicyEasyBackfill, OverdueRunningJobsAreTreatedAsEndingNow) {
  // now = 500. Running: A 4 GPUs expected at 300 (overdue), B 2 GPUs at 600; 2 free of 8. Head needs 6.
  // A counts as releasing at 500 (not 300): 2 + 4 = 6 -> shadow 500, extra 0.
  ViewBuilder b;
  b.now_s = 500;
  b.free_gpus = 2;
  b.run(100, 4, 300).run(101, 2, 600).queued(1, 6, 10).queued(2, 2, 1);
  EasyBackfillScheduler easy;
  const auto d = easy.decide(b.view());
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 500); // never a reservation in the past
  EXPECT_TRUE(d.start.empty());                // job 2 would end at 501 > 500, and extra is 0
}

TEST(PolicyEasyBackfill, SeveralOverdueJobsAllReleaseNow) {
  // now = 500. A: 2 GPUs overdue (expected 100) -> 500; B: 3 GPUs expected 450, also overdue -> 500;
  // C: 3 GPUs at 700. 0 free of 8. Head needs 5: 0 + 2 (A @500) + 3 (B @500) = 5 -> shadow 500 (450 if B's
  // stale expected end were used).
  ViewBuilder b;
  b.now_s = 500;
  b.free_gpus = 0;
  b.run(100, 2, 100).run(101, 3, 450).run(102, 3, 700).queued(1, 5, 10);
  EasyBackfillScheduler easy;
  const auto d = easy.decide(b.view());
  EXPECT_TRUE(d.start.empty());
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 500);
}

TEST(PolicyEasyBackfill, HeadLargerThanClusterGetsNoReservationAndNoBackfill) {
  ViewBuilder b;
  b.free_gpus = 8;
  b.queued(1, 2, 10).queued(2, 9, 10).queued(3, 1, 1);
  EasyBackfillScheduler easy;
  const auto d = easy.decide(b.view());
  EXPECT_EQ(d.start, (Ids{1})); // the FIFO prefix still starts
  EXPECT_LT(d.head_reservation_s, 0);
}

TEST(PolicyEasyBackfill, NoFreeGpusNothingBackfilled) {
  ViewBuilder b;
  b.free_gpus = 0;
  b.run(100, 8, 40).queued(1, 4, 10).queued(2, 1, 1);
  EasyBackfillScheduler easy;
  const auto d = easy.decide(b.view());
  EXPECT_TRUE(d.start.empty());
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 40);
}

TEST(PolicyEasyBackfill, ExtraCountsEveryReleaseAtTheShadowTime) {
  // 8 GPUs, 2 free; A (3 GPUs) and B (3 GPUs) both end at 100. Head needs 4 -> shadow 100.
  // At t=100 all 8 GPUs are free, the head needs 4, so extra = 4 (not 2+3-4 = 1).
  // Job 2: 2 GPUs, 1000 s, uses only GPUs the head will not need -> should start.
  ViewBuilder b;
  b.free_gpus = 2;
  b.run(100, 3, 100).run(101, 3, 100).queued(1, 4, 10).queued(2, 2, 1000);
  EasyBackfillScheduler easy;
  const auto d = easy.decide(b.view());
  EXPECT_DOUBLE_EQ(d.head_reservation_s, 100);
  EXPECT_EQ(d.start, (Ids{2}));
}

} // namespace
} // namespace racksim::policies
