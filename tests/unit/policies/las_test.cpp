// las (Tiresias-style discretised LAS) on hand-built views.

#include "policies/scheduling/las.hpp"
#include "view_builder.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace racksim::policies {
namespace {

using test::ViewBuilder;
using Ids = std::vector<JobId>;

TEST(PolicyLas, QueuesFromAttainedServiceWithDefaultThresholds) {
  LasScheduler las; // thresholds 3600 and 36000 GPU-seconds
  EXPECT_EQ(las.queue_of(0), 0);
  EXPECT_EQ(las.queue_of(3599), 0);
  EXPECT_EQ(las.queue_of(3600), 1); // a job at a threshold has used its queue's quantum
  EXPECT_EQ(las.queue_of(35999), 1);
  EXPECT_EQ(las.queue_of(36000), 2);
  EXPECT_EQ(las.queue_of(1e9), 2);
}

TEST(PolicyLas, LeastServedQueueFirstThenFifo) {
  ViewBuilder b;
  b.free_gpus = 8;
  b.queued(1, 4, 1000, 0).queued(2, 4, 1000, 10).queued(3, 4, 1000, 20);
  b.queue[0].attained_gpu_s = 4000; // queue 1
  EXPECT_EQ(LasScheduler().decide(b.view()).start, (Ids{2, 3}));
}

TEST(PolicyLas, PreemptsJobsOfLowerQueuesOnly) {
  ViewBuilder b;
  b.now_s = 10000;
  b.free_gpus = 0;
  b.run(10, 4, 20000, 0);    // attained 4 x 10000 = 40000: queue 2
  b.run(11, 4, 20000, 9900); // attained 400: queue 0, like the queued job: never preempted for it
  b.queued(1, 4, 100, 9990);
  LasScheduler las;
  const auto d = las.decide(b.view());
  EXPECT_EQ(d.preempt, (Ids{10}));
  EXPECT_TRUE(d.start.empty());

  b.queue[0].gpus = 8; // needs job 11's GPUs too: cannot have them, so nothing is preempted
  LasScheduler las2;
  EXPECT_TRUE(las2.decide(b.view()).preempt.empty());
}

TEST(PolicyLas, StarvationPromotionPutsALongWaitingJobFirst) {
  ViewBuilder b;
  b.now_s = 20000;
  b.free_gpus = 4;
  b.queued(1, 4, 50000, 0).queued(2, 4, 1000, 15000);
  b.queue[0].attained_gpu_s = 40000; // ran 10000 s on 4 GPUs: queue 2, and has waited 20000 - 10000 = 10000 s
  b.queue[1].attained_gpu_s = 4000;  // queue 1
  EXPECT_EQ(LasScheduler().decide(b.view()).start, (Ids{2}));
  LasParams p;
  p.promote_after_s = 9000;
  EXPECT_EQ(LasScheduler(p).decide(b.view()).start, (Ids{1}));
  p.promote_after_s = 11000;
  EXPECT_EQ(LasScheduler(p).decide(b.view()).start, (Ids{2}));
}

TEST(PolicyLas, RejectsThresholdsThatDoNotIncrease) {
  LasParams p;
  p.thresholds_gpu_s = {3600, 3600};
  EXPECT_THROW(LasScheduler{p}, std::invalid_argument);
  p.thresholds_gpu_s = {0};
  EXPECT_THROW(LasScheduler{p}, std::invalid_argument);
  p.thresholds_gpu_s = {};
  LasScheduler single_queue(p); // no thresholds: one queue, plain FIFO
  EXPECT_EQ(single_queue.queue_of(1e9), 0);
}

} // namespace
} // namespace racksim::policies
