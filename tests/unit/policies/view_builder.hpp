#pragma once
// Test helpers: builds a SchedulerView over owned vectors (a view only holds spans).

#include "policies/view.hpp"

#include <algorithm>
#include <vector>

namespace racksim::policies::test {

struct ViewBuilder {
  double now_s = 0;
  int total_gpus = 8;
  int free_gpus = 8;
  std::vector<QueuedJob> queue;
  std::vector<RunningJob> running;

  ViewBuilder& queued(JobId id, int gpus, double estimate_s, double submit_s = 0) {
    QueuedJob job;
    job.id = id, job.gpus = gpus, job.submit_s = submit_s, job.estimate_s = estimate_s, job.remaining_s = estimate_s;
    queue.push_back(job);
    return *this;
  }
  ViewBuilder& run(JobId id, int gpus, double expected_end_s, double start_s = 0) {
    RunningJob job;
    job.id = id, job.gpus = gpus, job.start_s = start_s, job.expected_end_s = expected_end_s;
    job.attained_gpu_s = gpus * std::max(0.0, now_s - start_s), job.remaining_s = std::max(0.0, expected_end_s - now_s);
    running.push_back(job);
    return *this;
  }
  SchedulerView view() const { return {now_s, total_gpus, free_gpus, queue, running}; }
};

} // namespace racksim::policies::test
