#pragma once
// srtf: preemptive shortest remaining time first. Queued jobs are taken by remaining_s (ties: submit time, then
// id) and started greedily while they fit (a job that does not fit is skipped). A job that does not fit may
// preempt running jobs whose remaining time exceeds its own by more than min_gap_s (policies.srtf.min_gap),
// longest remaining first; the gap keeps two jobs of similar length from taking turns (thrashing).

#include "policies/params.hpp"
#include "policies/scheduler.hpp"

#include <map>

namespace racksim::policies {

class SrtfScheduler final : public Scheduler {
 public:
  SrtfScheduler() = default;
  explicit SrtfScheduler(const PolicyParams& params) : min_gap_s_(params.srtf_min_gap_s) {}
  SchedulingDecision decide(const SchedulerView& view) override;

 private:
  double min_gap_s_ = PolicyParams{}.srtf_min_gap_s;
  std::map<JobId, int> pending_; // victims still saving (detail::GreedyPass)
};

} // namespace racksim::policies
