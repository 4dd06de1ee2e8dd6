#include "policies/scheduling/sjf.hpp"

#include "policies/scheduling/greedy.hpp"

#include <algorithm>
#include <vector>

namespace racksim::policies {

SchedulingDecision SjfScheduler::decide(const SchedulerView& view) {
  std::vector<const QueuedJob*> order;
  for (const auto& q : view.queue)
    order.push_back(&q);
  std::stable_sort(order.begin(), order.end(), [](const QueuedJob* a, const QueuedJob* b) {
    if (a->estimate_s != b->estimate_s) return a->estimate_s < b->estimate_s;
    if (a->submit_s != b->submit_s) return a->submit_s < b->submit_s;
    return a->id < b->id;
  });
  detail::GreedyPass pass(view);
  for (const QueuedJob* job : order) {
    if (pass.free() == 0) break;
    pass.try_start(*job);
  }
  return pass.take();
}

} // namespace racksim::policies
