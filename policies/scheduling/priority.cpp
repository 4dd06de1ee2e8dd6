#include "policies/scheduling/priority.hpp"

#include "policies/scheduling/greedy.hpp"

#include <algorithm>
#include <vector>

namespace racksim::policies {

std::vector<ParamSpec> priority_params() {
  return {param("policies.priority.preempt", ParamType::boolean, &PriorityParams::preempt, unbounded(), "",
                "priority: preempt lower-class running jobs to make room for a higher-class queued job")};
}

SchedulingDecision PriorityScheduler::decide(const SchedulerView& view) {
  std::vector<const QueuedJob*> order;
  for (const auto& q : view.queue)
    order.push_back(&q);
  std::stable_sort(order.begin(), order.end(), [](const QueuedJob* a, const QueuedJob* b) {
    if (a->priority != b->priority) return a->priority > b->priority;
    if (a->submit_s != b->submit_s) return a->submit_s < b->submit_s;
    return a->id < b->id;
  });
  std::vector<std::size_t> victims(view.running.size());
  for (std::size_t i = 0; i < victims.size(); ++i)
    victims[i] = i;
  std::stable_sort(victims.begin(), victims.end(), [&](std::size_t a, std::size_t b) {
    const auto &ra = view.running[a], &rb = view.running[b];
    if (ra.priority != rb.priority) return ra.priority < rb.priority;
    if (ra.start_s != rb.start_s) return ra.start_s > rb.start_s;
    return ra.id < rb.id;
  });

  detail::GreedyPass pass(view, &pending_);
  for (const QueuedJob* job : order) {
    if (pass.try_start(*job) || !preempt_) continue;
    std::vector<std::size_t> candidates;
    for (std::size_t i : victims)
      if (view.running[i].priority < job->priority) candidates.push_back(i);
    pass.try_preempt_for(*job, candidates);
  }
  return pass.take();
}

} // namespace racksim::policies
