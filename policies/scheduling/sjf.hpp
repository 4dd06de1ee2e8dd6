#pragma once
// sjf: shortest job first, non-preemptive. Queued jobs are taken by run-time estimate (estimate_s; ties: submit
// time, then id) and started greedily: a job that does not fit the free GPUs is skipped, and shorter-listed jobs
// behind it may still start (list scheduling). Large long jobs can starve while short ones keep arriving.

#include "policies/scheduler.hpp"

namespace racksim::policies {

class SjfScheduler final : public Scheduler {
 public:
  SchedulingDecision decide(const SchedulerView& view) override;
};

} // namespace racksim::policies
