#pragma once
// fifo: start jobs strictly in arrival order; a job that does not fit blocks every job behind it.

#include "policies/scheduler.hpp"

namespace racksim::policies {

class FifoScheduler final : public Scheduler {
 public:
  SchedulingDecision decide(const SchedulerView& view) override;
};

} // namespace racksim::policies
