#include "policies/scheduling/srtf.hpp"

#include "policies/scheduling/greedy.hpp"

#include <algorithm>
#include <vector>

namespace racksim::policies {

std::vector<ParamSpec> srtf_params() {
  return {param("policies.srtf.min_gap", ParamType::time, &SrtfParams::min_gap_s, at_least(0), "",
                "srtf: a queued job preempts a running one only when their remaining times differ by more than this")};
}

SchedulingDecision SrtfScheduler::decide(const SchedulerView& view) {
  std::vector<const QueuedJob*> order;
  for (const auto& q : view.queue)
    order.push_back(&q);
  std::stable_sort(order.begin(), order.end(), [](const QueuedJob* a, const QueuedJob* b) {
    if (a->remaining_s != b->remaining_s) return a->remaining_s < b->remaining_s;
    if (a->submit_s != b->submit_s) return a->submit_s < b->submit_s;
    return a->id < b->id;
  });
  // Victims in order: longest remaining time first; ties: the most recent start (least progress since), then id.
  std::vector<std::size_t> by_remaining(view.running.size());
  for (std::size_t i = 0; i < by_remaining.size(); ++i)
    by_remaining[i] = i;
  std::stable_sort(by_remaining.begin(), by_remaining.end(), [&](std::size_t a, std::size_t b) {
    const auto &ra = view.running[a], &rb = view.running[b];
    if (ra.remaining_s != rb.remaining_s) return ra.remaining_s > rb.remaining_s;
    if (ra.start_s != rb.start_s) return ra.start_s > rb.start_s;
    return ra.id < rb.id;
  });

  detail::GreedyPass pass(view, &pending_);
  for (const QueuedJob* job : order) {
    if (pass.try_start(*job)) continue;
    std::vector<std::size_t> candidates;
    for (std::size_t i : by_remaining)
      if (view.running[i].remaining_s > job->remaining_s + min_gap_s_) candidates.push_back(i);
    pass.try_preempt_for(*job, candidates);
  }
  return pass.take();
}

} // namespace racksim::policies
