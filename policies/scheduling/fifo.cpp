#include "policies/scheduling/fifo.hpp"

namespace racksim::policies {

SchedulingDecision FifoScheduler::decide(const SchedulerView& view) {
  SchedulingDecision decision;
  int free = view.free_gpus;
  for (const auto& job : view.queue) {
    if (job.gpus > free) break;
    decision.start.push_back(job.id);
    free -= job.gpus;
  }
  return decision;
}

} // namespace racksim::policies
