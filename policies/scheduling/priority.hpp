#pragma once
// priority: classes from the job's priority (higher first), FIFO within a class (submit time, then id). Jobs are
// started greedily in that order; one that does not fit is skipped, so lower classes use GPUs a higher-class job
// cannot use yet. With preemption on (policies.priority.preempt, the default) a job that does not fit preempts
// running jobs of strictly lower classes — lowest class first, then the most recently started — when that frees
// enough GPUs; it never preempts its own class or a higher one.

#include "policies/params.hpp"
#include "policies/scheduler.hpp"

#include <map>
#include <vector>

namespace racksim::policies {

struct PriorityParams {
  bool preempt = true; // policies.priority.preempt
};
std::vector<ParamSpec> priority_params();

class PriorityScheduler final : public Scheduler {
 public:
  explicit PriorityScheduler(const PriorityParams& params = {}) : preempt_(params.preempt) {}
  SchedulingDecision decide(const SchedulerView& view) override;

 private:
  bool preempt_;
  std::map<JobId, int> pending_; // victims still saving (detail::GreedyPass)
};

} // namespace racksim::policies
