#pragma once
// Shared by the list schedulers (sjf, srtf, las, fair_share, priority): one greedy pass that starts jobs while
// they fit and, for preemptive policies, picks running jobs to preempt so a waiting job gets its GPUs at a later
// pass. Preempted GPUs free only after the victim's checkpoint is saved, so a job that preempts does not start in
// the same decision: the GPUs it will use (the free ones now plus the victims') are held back from later jobs.
//
// Across decisions: a preemptive scheduler keeps the victims it chose (`pending`). While a victim still shows in
// view.running (saving its checkpoint), it is not chosen again and its GPUs count as soon-free, so the job waiting
// for them does not preempt more; once it has left view.running it is forgotten. The engine is expected to show a
// job being preempted as running until its GPUs are free.

#include "policies/view.hpp"

#include <cstddef>
#include <map>
#include <utility>
#include <vector>

namespace racksim::policies::detail {

class GreedyPass {
 public:
  using Pending = std::map<JobId, int>; // victims of earlier decisions -> their GPUs

  explicit GreedyPass(const SchedulerView& view, Pending* pending = nullptr)
      : view_(view), free_(view.free_gpus), victim_(view.running.size(), false), pending_(pending) {
    if (!pending_) return;
    Pending still;
    for (std::size_t i = 0; i < view.running.size(); ++i)
      if (pending_->contains(view.running[i].id)) {
        victim_[i] = true;
        spare_ += view.running[i].gpus;
        still.emplace(view.running[i].id, view.running[i].gpus);
      }
    *pending_ = std::move(still);
  }

  int free() const { return free_; }
  int spare() const { return spare_; }

  // Starts the job when it fits the GPUs free now.
  bool try_start(const QueuedJob& job) {
    if (job.gpus > free_) return false;
    decision_.start.push_back(job.id);
    free_ -= job.gpus;
    return true;
  }

  // For a job that does not fit now: preempts candidates (indexes into view.running, most expendable first, those
  // already chosen skipped) until the free GPUs, the spare ones of earlier victims and the new victims cover it.
  // Preempts nothing and returns false when they cannot; the job then starts at a later pass.
  // `victims`, when given, receives the running indexes preempted for this job.
  bool try_preempt_for(const QueuedJob& job, const std::vector<std::size_t>& candidates,
                       std::vector<std::size_t>* victims = nullptr) {
    if (job.gpus > view_.total_gpus) return false;
    int have = free_ + spare_;
    std::vector<std::size_t> chosen;
    for (std::size_t c : candidates) {
      if (have >= job.gpus) break;
      if (victim_[c]) continue;
      chosen.push_back(c);
      have += view_.running[c].gpus;
    }
    if (have < job.gpus) return false;
    // Keep only the victims needed: drop the last-chosen (least expendable) first while the rest still cover the job.
    for (std::size_t k = chosen.size(); k-- > 0;)
      if (have - view_.running[chosen[k]].gpus >= job.gpus) {
        have -= view_.running[chosen[k]].gpus;
        chosen.erase(chosen.begin() + static_cast<std::ptrdiff_t>(k));
      }
    if (victims) *victims = chosen;
    for (std::size_t c : chosen) {
      victim_[c] = true;
      decision_.preempt.push_back(view_.running[c].id);
      if (pending_) pending_->emplace(view_.running[c].id, view_.running[c].gpus);
      spare_ += view_.running[c].gpus;
    }
    // The job takes every GPU free now (it did not fit them) and the rest from the victims' future GPUs.
    spare_ -= job.gpus - free_;
    free_ = 0;
    return true;
  }

  bool is_victim(std::size_t running_index) const { return victim_[running_index]; }
  SchedulingDecision take() { return std::move(decision_); }

 private:
  const SchedulerView& view_;
  SchedulingDecision decision_;
  int free_;
  int spare_ = 0; // GPUs of chosen victims not yet promised to a waiting job (free after their checkpoints)
  std::vector<bool> victim_;
  Pending* pending_;
};

} // namespace racksim::policies::detail
