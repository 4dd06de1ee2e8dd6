// fifo: strict arrival order; the first job that does not fit blocks every later one.

#include "policies/scheduling/fifo.hpp"
#include "view_builder.hpp"

#include <gtest/gtest.h>

namespace racksim::policies {
namespace {

using test::ViewBuilder;
using Ids = std::vector<JobId>;

TEST(PolicyFifo, StartsInOrderWhileJobsFit) {
  ViewBuilder b;
  b.total_gpus = 16;
  b.free_gpus = 10;
  b.queued(7, 4, 10).queued(3, 2, 10).queued(9, 3, 10).queued(1, 2, 10); // 4+2+3 = 9 fit, then 2 > 1 free
  FifoScheduler fifo;
  const auto d = fifo.decide(b.view());
  EXPECT_EQ(d.start, (Ids{7, 3, 9})); // queue order, not id order
  EXPECT_LT(d.head_reservation_s, 0);
}

TEST(PolicyFifo, BlockedHeadBlocksSmallerLaterJobs) {
  ViewBuilder b;
  b.free_gpus = 3;
  b.run(100, 5, 50).queued(1, 4, 10).queued(2, 1, 1).queued(3, 2, 1);
  FifoScheduler fifo;
  const auto d = fifo.decide(b.view());
  EXPECT_TRUE(d.start.empty()); // jobs 2 and 3 would fit in 3 free GPUs, but job 1 is ahead
  EXPECT_LT(d.head_reservation_s, 0);
}

TEST(PolicyFifo, BlockAfterAPrefix) {
  ViewBuilder b;
  b.free_gpus = 6;
  b.queued(1, 2, 10).queued(2, 8, 10).queued(3, 1, 10);
  FifoScheduler fifo;
  EXPECT_EQ(fifo.decide(b.view()).start, (Ids{1}));
}

TEST(PolicyFifo, EmptyQueue) {
  ViewBuilder b;
  b.free_gpus = 8;
  FifoScheduler fifo;
  const auto d = fifo.decide(b.view());
  EXPECT_TRUE(d.start.empty());
  EXPECT_LT(d.head_reservation_s, 0);
}

TEST(PolicyFifo, NoFreeGpus) {
  ViewBuilder b;
  b.free_gpus = 0;
  b.run(100, 8, 5).queued(1, 1, 1);
  FifoScheduler fifo;
  EXPECT_TRUE(fifo.decide(b.view()).start.empty());
}

TEST(PolicyFifo, ExactFit) {
  ViewBuilder b;
  b.free_gpus = 8;
  b.queued(1, 3, 10).queued(2, 5, 10).queued(3, 1, 10); // 3 + 5 = 8 exactly, then nothing is left
  FifoScheduler fifo;
  EXPECT_EQ(fifo.decide(b.view()).start, (Ids{1, 2}));

  ViewBuilder whole;
  whole.free_gpus = 8;
  whole.queued(4, 8, 10);
  EXPECT_EQ(fifo.decide(whole.view()).start, (Ids{4}));
}

} // namespace
} // namespace racksim::policies
