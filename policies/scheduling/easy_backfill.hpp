#pragma once
// easy_backfill: FIFO with EASY backfilling (Lifka 1995; Mu'alem & Feitelson 2001). When the head job does
// not fit, it gets a reservation at the earliest time enough GPUs free up (the "shadow time", from running
// jobs' expected ends); later jobs may start now if they end before the shadow time or use only GPUs the head
// job will not need. The head job's reservation is never delayed — with exact run-time estimates.

#include "policies/scheduler.hpp"

namespace racksim::policies {

class EasyBackfillScheduler final : public Scheduler {
 public:
  SchedulingDecision decide(const SchedulerView& view) override;
};

} // namespace racksim::policies
