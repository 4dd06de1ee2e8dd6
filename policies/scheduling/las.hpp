#pragma once
// las: Tiresias-style discretised two-dimensional least-attained-service (Gu et al., NSDI 2019). A job's service
// is its attained GPU-seconds (GPUs x time run, so wide jobs age faster); thresholds (policies.las.thresholds,
// strictly increasing) cut it into queues, queue 0 (least service) first, FIFO within a queue (submit time, then
// id). Jobs start greedily in that order (one that does not fit is skipped). A job that does not fit preempts
// running jobs of strictly lower-priority queues (the lowest queue first, then the most recently started) when
// that frees enough GPUs. A running job crossing a threshold is demoted and may then be preempted. Starvation:
// with promote_after_s > 0 (policies.las.promote_after), a queued job that has waited longer than that in all
// (time since submission less time run) is put back in queue 0.

#include "policies/params.hpp"
#include "policies/scheduler.hpp"

#include <map>

#include <string>
#include <vector>

namespace racksim::policies {

struct LasParams {
  // policies.las.thresholds: attained-service thresholds between the priority queues, GPU-seconds, strictly
  // increasing; n thresholds make n + 1 queues. Default: 1 GPU-hour and 10 GPU-hours (three queues, Tiresias-like).
  std::vector<double> thresholds_gpu_s{3600.0, 36000.0};
  // policies.las.promote_after: a job that has waited longer than this (time queued since submission) goes back to
  // the highest-priority queue (Tiresias' STARVELIMIT idea); 0 = never.
  double promote_after_s = 0;
};
std::vector<ParamSpec> las_params();

class LasScheduler final : public Scheduler {
 public:
  // Throws std::invalid_argument when the thresholds are not positive and strictly increasing.
  explicit LasScheduler(const LasParams& params = {});
  SchedulingDecision decide(const SchedulerView& view) override;

  // The queue (0 = highest priority) of a job that has attained this many GPU-seconds.
  int queue_of(double attained_gpu_s) const;

 private:
  std::vector<double> thresholds_gpu_s_;
  double promote_after_s_ = 0;
  std::map<JobId, int> pending_; // victims still saving (detail::GreedyPass)
};

// "" when the thresholds are valid (each > 0, strictly increasing), else what is wrong with them.
std::string check_las_thresholds(const std::vector<double>& thresholds_gpu_s);

} // namespace racksim::policies
