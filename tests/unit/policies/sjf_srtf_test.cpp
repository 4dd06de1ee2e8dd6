// sjf and srtf on hand-built views: exact starts and preemptions.

#include "policies/scheduling/sjf.hpp"
#include "policies/scheduling/srtf.hpp"
#include "view_builder.hpp"

#include <gtest/gtest.h>

namespace racksim::policies {
namespace {

using test::ViewBuilder;
using Ids = std::vector<JobId>;

TEST(PolicySjf, StartsShortestEstimateFirst) {
  ViewBuilder b;
  b.queued(1, 4, 100).queued(2, 4, 10).queued(3, 4, 50);
  SjfScheduler sjf;
  const auto d = sjf.decide(b.view());
  EXPECT_EQ(d.start, (Ids{2, 3}));
  EXPECT_TRUE(d.preempt.empty());
  EXPECT_LT(d.head_reservation_s, 0);
}

TEST(PolicySjf, SkipsAJobThatDoesNotFit) {
  ViewBuilder b;
  b.free_gpus = 4;
  b.run(9, 4, 1000).queued(1, 8, 5).queued(2, 4, 100);
  SjfScheduler sjf;
  EXPECT_EQ(sjf.decide(b.view()).start, (Ids{2}));
}

TEST(PolicySjf, TiesGoBySubmitTimeThenId) {
  ViewBuilder b;
  b.free_gpus = 4;
  b.queued(6, 2, 10, 1).queued(5, 2, 10, 3).queued(4, 2, 10, 3);
  SjfScheduler sjf;
  EXPECT_EQ(sjf.decide(b.view()).start, (Ids{6, 4}));
}

TEST(PolicySjf, NeverPreempts) {
  ViewBuilder b;
  b.free_gpus = 0;
  b.run(9, 8, 100000).queued(1, 8, 1);
  SjfScheduler sjf;
  const auto d = sjf.decide(b.view());
  EXPECT_TRUE(d.start.empty());
  EXPECT_TRUE(d.preempt.empty());
}

TEST(PolicySrtf, OrdersByRemainingTimeNotEstimate) {
  ViewBuilder b;
  b.free_gpus = 4;
  b.queued(1, 4, 100).queued(2, 4, 50);
  b.queue[0].remaining_s = 30; // job 1 was preempted after 70 s of its 100
  SrtfScheduler srtf;
  EXPECT_EQ(srtf.decide(b.view()).start, (Ids{1}));
}

TEST(PolicySrtf, PreemptsTheLongestRemainingJobWhenTheGapIsLarge) {
  ViewBuilder b;
  b.now_s = 1000;
  b.free_gpus = 0;
  b.run(10, 4, 6000, 0).run(11, 4, 3000, 500); // remaining 5000 s and 2000 s
  b.queued(1, 4, 100, 900);
  SrtfParams p;
  p.min_gap_s = 600;
  SrtfScheduler srtf(p);
  const auto d = srtf.decide(b.view());
  EXPECT_TRUE(d.start.empty()); // the victim's GPUs free only after its checkpoint
  EXPECT_EQ(d.preempt, (Ids{10}));
  // Next pass, the victim still saving (still running): no second victim for the same job.
  const auto again = srtf.decide(b.view());
  EXPECT_TRUE(again.preempt.empty());
  EXPECT_TRUE(again.start.empty());
}

TEST(PolicySrtf, ThresholdStopsPreemptionBetweenSimilarJobs) {
  ViewBuilder b;
  b.now_s = 1000;
  b.free_gpus = 0;
  b.run(10, 4, 3000, 0).run(11, 4, 3000, 500); // both 2000 s left
  b.queued(1, 4, 1500, 900);
  SrtfParams p;
  p.min_gap_s = 600; // 2000 - 1500 = 500 <= 600
  EXPECT_TRUE(SrtfScheduler(p).decide(b.view()).preempt.empty());
  p.min_gap_s = 0; // ties on remaining time: the most recent start goes first
  EXPECT_EQ(SrtfScheduler(p).decide(b.view()).preempt, (Ids{11}));
}

TEST(PolicySrtf, PreemptsNothingWhenVictimsCannotFreeEnough) {
  ViewBuilder b;
  b.now_s = 1000;
  b.free_gpus = 0;
  b.run(10, 4, 9000, 0).run(11, 4, 1100, 0); // only job 10 is longer than the queued job
  b.queued(1, 8, 500, 900);
  SrtfScheduler srtf;
  const auto d = srtf.decide(b.view());
  EXPECT_TRUE(d.preempt.empty());
  EXPECT_TRUE(d.start.empty());
}

TEST(PolicySrtf, PreemptsOnlyAsManyAsNeeded) {
  ViewBuilder b;
  b.now_s = 0;
  b.total_gpus = 8;
  b.free_gpus = 2;
  b.run(10, 2, 9000).run(11, 4, 8000);
  b.queued(1, 6, 100);
  SrtfScheduler srtf;
  // Longest first: job 10 (2 GPUs) then 11 (4) are taken; 2 free + 4 of job 11 cover 6, so job 10 is spared.
  EXPECT_EQ(srtf.decide(b.view()).preempt, (Ids{11}));
}

} // namespace
} // namespace racksim::policies
