#pragma once
// srtf: preemptive shortest remaining time first. Queued jobs are taken by remaining_s (ties: submit time, then
// id) and started greedily while they fit (a job that does not fit is skipped). A job that does not fit may
// preempt running jobs whose remaining time exceeds its own by more than min_gap_s (policies.srtf.min_gap),
// longest remaining first; the gap keeps two jobs of similar length from taking turns (thrashing).

#include "policies/params.hpp"
#include "policies/scheduler.hpp"

#include <map>
#include <vector>

namespace racksim::policies {

struct SrtfParams {
  double min_gap_s = 600; // policies.srtf.min_gap: anti-thrashing hysteresis
};
std::vector<ParamSpec> srtf_params();

class SrtfScheduler final : public Scheduler {
 public:
  explicit SrtfScheduler(const SrtfParams& params = {}) : min_gap_s_(params.min_gap_s) {}
  SchedulingDecision decide(const SchedulerView& view) override;

 private:
  double min_gap_s_;
  std::map<JobId, int> pending_; // victims still saving (detail::GreedyPass)
};

} // namespace racksim::policies
