#pragma once
// Test helpers: builds a SchedulerView over owned vectors (a view only holds spans).

#include "policies/view.hpp"

#include <vector>

namespace racksim::policies::test {

struct ViewBuilder {
  double now_s = 0;
  int total_gpus = 8;
  int free_gpus = 8;
  std::vector<QueuedJob> queue;
  std::vector<RunningJob> running;

  ViewBuilder& queued(JobId id, int gpus, double estimate_s, double submit_s = 0) {
    queue.push_back({id, gpus, submit_s, estimate_s});
    return *this;
  }
  ViewBuilder& run(JobId id, int gpus, double expected_end_s, double start_s = 0) {
    running.push_back({id, gpus, start_s, expected_end_s});
    return *this;
  }
  SchedulerView view() const { return {now_s, total_gpus, free_gpus, queue, running}; }
};

} // namespace racksim::policies::test
