#include "policies/scheduling/las.hpp"

#include "policies/scheduling/greedy.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::policies {

std::string check_las_thresholds(const std::vector<double>& t) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!std::isfinite(t[i]) || t[i] <= 0) return "every threshold must be a positive number of GPU-seconds";
    if (i > 0 && t[i] <= t[i - 1]) return "thresholds must be strictly increasing";
  }
  return "";
}

std::vector<ParamSpec> las_params() {
  return {
      param("policies.las.thresholds", ParamType::real_list, &LasParams::thresholds_gpu_s, above(0), "GPU-seconds",
            "las: attained-service thresholds between priority queues, strictly increasing; n thresholds make n + 1 "
            "queues",
            [](const ParamValue& v) { return check_las_thresholds(std::get<std::vector<double>>(v)); }),
      param("policies.las.promote_after", ParamType::time, &LasParams::promote_after_s, at_least(0), "",
            "las: a job queued longer than this in all goes back to the first queue; 0 = never"),
  };
}

LasScheduler::LasScheduler(const LasParams& params)
    : thresholds_gpu_s_(params.thresholds_gpu_s), promote_after_s_(params.promote_after_s) {
  if (const auto problem = check_las_thresholds(thresholds_gpu_s_); !problem.empty())
    throw std::invalid_argument("policies.las.thresholds: " + problem);
}

int LasScheduler::queue_of(double attained_gpu_s) const {
  // A job at exactly a threshold has used up its queue's quantum: it belongs to the next queue.
  return static_cast<int>(std::upper_bound(thresholds_gpu_s_.begin(), thresholds_gpu_s_.end(), attained_gpu_s) -
                          thresholds_gpu_s_.begin());
}

SchedulingDecision LasScheduler::decide(const SchedulerView& view) {
  struct Entry {
    const QueuedJob* job;
    int queue;
  };
  std::vector<Entry> order;
  for (const auto& q : view.queue) {
    int queue = queue_of(q.attained_gpu_s);
    if (promote_after_s_ > 0) {
      const double ran_s = q.gpus > 0 ? q.attained_gpu_s / q.gpus : 0;
      if (view.now_s - q.submit_s - ran_s > promote_after_s_) queue = 0;
    }
    order.push_back({&q, queue});
  }
  std::stable_sort(order.begin(), order.end(), [](const Entry& a, const Entry& b) {
    if (a.queue != b.queue) return a.queue < b.queue;
    if (a.job->submit_s != b.job->submit_s) return a.job->submit_s < b.job->submit_s;
    return a.job->id < b.job->id;
  });
  std::vector<int> running_queue;
  std::vector<std::size_t> victims(view.running.size());
  for (std::size_t i = 0; i < victims.size(); ++i) {
    victims[i] = i;
    running_queue.push_back(queue_of(view.running[i].attained_gpu_s));
  }
  std::stable_sort(victims.begin(), victims.end(), [&](std::size_t a, std::size_t b) {
    if (running_queue[a] != running_queue[b]) return running_queue[a] > running_queue[b];
    const auto &ra = view.running[a], &rb = view.running[b];
    if (ra.start_s != rb.start_s) return ra.start_s > rb.start_s;
    return ra.id < rb.id;
  });

  detail::GreedyPass pass(view, &pending_);
  for (const Entry& e : order) {
    if (pass.try_start(*e.job)) continue;
    std::vector<std::size_t> candidates;
    for (std::size_t i : victims)
      if (running_queue[i] > e.queue) candidates.push_back(i);
    pass.try_preempt_for(*e.job, candidates);
  }
  return pass.take();
}

} // namespace racksim::policies
