#pragma once
// A tiny event-driven cluster simulator for scheduler tests: no SimGrid, no placement, G identical GPUs.
//
// Jobs arrive at submit_s and run for runtime_s of service. At each event time: completions first, then arrivals,
// then the scheduler decides; its starts are applied against the GPUs free before the decision (preempted GPUs are
// not free within the decision that preempts), then its preemptions are applied instantly at zero cost: the job
// goes back to the queue (ordered by submit time, then id) keeping its progress. While a decision preempts, the
// scheduler is asked again at the same time (at most max_passes times), so a job waiting for preempted GPUs
// starts in the next pass. Estimates are exact: a running job's expected end is run start + remaining service,
// the same value its completion is scheduled at. Invalid decisions throw std::logic_error.

#include "policies/scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::policies::test {

struct SimJob {
  JobId id = 0;
  int gpus = 1;
  double submit_s = 0;
  double runtime_s = 0;
  std::string user;
  int priority = 0;
  // Filled in by simulate().
  double first_start_s = -1;
  double end_s = -1;
  int preemptions = 0;
  double done_s = 0;       // service received, seconds
  double run_start_s = -1; // current run's start; -1 when not running
  double jct_s() const { return end_s - submit_s; }
};

struct SimOptions {
  int total_gpus = 16;
  double horizon_s = std::numeric_limits<double>::infinity(); // stop at the first event after this
  double window_from_s = 0; // GPU-seconds per user are counted over [window_from_s, min(horizon_s, end)]
  int max_passes = 16;
};

struct SimResult {
  std::vector<SimJob> jobs; // in the order given
  int decisions = 0;
  int preemptions = 0;
  std::map<std::string, double> gpu_s_by_user; // over the window
  double mean_jct_s() const {
    double sum = 0;
    int n = 0;
    for (const auto& j : jobs)
      if (j.end_s >= 0) sum += j.jct_s(), ++n;
    return n > 0 ? sum / n : 0;
  }
  bool all_finished() const {
    return std::all_of(jobs.begin(), jobs.end(), [](const SimJob& j) { return j.end_s >= 0; });
  }
};

// Called after each decision with the view it was made on.
using DecisionHook = std::function<void(const SchedulerView&, const SchedulingDecision&)>;

inline SimResult simulate(Scheduler& scheduler, std::vector<SimJob> jobs, const SimOptions& opt,
                          const DecisionHook& hook = {}) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::size_t> arrivals(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i)
    arrivals[i] = i;
  const auto by_submit = [&](std::size_t a, std::size_t b) {
    if (jobs[a].submit_s != jobs[b].submit_s) return jobs[a].submit_s < jobs[b].submit_s;
    return jobs[a].id < jobs[b].id;
  };
  std::stable_sort(arrivals.begin(), arrivals.end(), by_submit);
  std::vector<std::size_t> queue, running;
  const auto end_of = [&](std::size_t r) { return jobs[r].run_start_s + (jobs[r].runtime_s - jobs[r].done_s); };
  std::size_t next_arrival = 0;
  int free = opt.total_gpus;
  SimResult out;
  double now = 0;

  for (;;) {
    double next = next_arrival < arrivals.size() ? jobs[arrivals[next_arrival]].submit_s : inf;
    for (auto r : running)
      next = std::min(next, end_of(r));
    if (!std::isfinite(next)) {
      if (!queue.empty()) throw std::logic_error("jobs queued, none running or arriving: the scheduler is stuck");
      break;
    }
    const double until = std::min(next, opt.horizon_s);
    const double lo = std::max(now, opt.window_from_s);
    if (until > lo)
      for (auto r : running)
        out.gpu_s_by_user[jobs[r].user] += jobs[r].gpus * (until - lo);
    if (next > opt.horizon_s) break;
    now = next;

    std::erase_if(running, [&](std::size_t r) {
      const double end = end_of(r);
      if (end > now) return false;
      jobs[r].end_s = end;
      jobs[r].done_s = jobs[r].runtime_s;
      jobs[r].run_start_s = -1;
      free += jobs[r].gpus;
      return true;
    });
    while (next_arrival < arrivals.size() && jobs[arrivals[next_arrival]].submit_s <= now)
      queue.push_back(arrivals[next_arrival++]);
    std::stable_sort(queue.begin(), queue.end(), by_submit);

    for (int pass = 0;; ++pass) {
      if (pass == opt.max_passes)
        throw std::logic_error("still preempting after max_passes at t=" + std::to_string(now));
      std::vector<QueuedJob> qv;
      for (auto q : queue) {
        const SimJob& j = jobs[q];
        QueuedJob v;
        v.id = j.id, v.gpus = j.gpus, v.submit_s = j.submit_s, v.estimate_s = j.runtime_s, v.user = j.user;
        v.priority = j.priority, v.attained_gpu_s = j.gpus * j.done_s, v.remaining_s = j.runtime_s - j.done_s;
        qv.push_back(v);
      }
      std::vector<RunningJob> rv;
      for (auto r : running) {
        const SimJob& j = jobs[r];
        RunningJob v;
        v.id = j.id, v.gpus = j.gpus, v.start_s = j.run_start_s, v.expected_end_s = end_of(r), v.user = j.user;
        v.priority = j.priority, v.attained_gpu_s = j.gpus * (j.done_s + now - j.run_start_s);
        v.remaining_s = std::max(0.0, end_of(r) - now);
        rv.push_back(v);
      }
      SchedulerView view;
      view.now_s = now, view.total_gpus = opt.total_gpus, view.free_gpus = free, view.queue = qv, view.running = rv;
      const SchedulingDecision d = scheduler.decide(view);
      ++out.decisions;
      if (hook) hook(view, d);

      std::set<JobId> started;
      for (JobId id : d.start) {
        if (!started.insert(id).second) throw std::logic_error("job " + std::to_string(id) + " started twice");
        auto it = std::find_if(queue.begin(), queue.end(), [&](std::size_t q) { return jobs[q].id == id; });
        if (it == queue.end()) throw std::logic_error("job " + std::to_string(id) + " is not queued");
        SimJob& j = jobs[*it];
        if (j.gpus > free)
          throw std::logic_error("job " + std::to_string(id) + " does not fit at t=" + std::to_string(now));
        free -= j.gpus;
        if (j.first_start_s < 0) j.first_start_s = now;
        j.run_start_s = now;
        running.push_back(*it);
        queue.erase(it);
      }
      std::set<JobId> preempted;
      for (JobId id : d.preempt) {
        if (!preempted.insert(id).second) throw std::logic_error("job " + std::to_string(id) + " preempted twice");
        if (started.contains(id)) throw std::logic_error("job " + std::to_string(id) + " started and preempted");
        auto it = std::find_if(running.begin(), running.end(), [&](std::size_t r) { return jobs[r].id == id; });
        if (it == running.end()) throw std::logic_error("preempted job " + std::to_string(id) + " is not running");
        SimJob& j = jobs[*it];
        j.done_s += now - j.run_start_s;
        j.run_start_s = -1;
        ++j.preemptions, ++out.preemptions;
        free += j.gpus;
        queue.push_back(*it);
        running.erase(it);
      }
      std::stable_sort(queue.begin(), queue.end(), by_submit);
      if (d.preempt.empty()) break;
    }
  }
  out.jobs = std::move(jobs);
  return out;
}

// mt19937_64's output sequence is fixed by the standard (the <random> distributions are not).
inline double unit_uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// Poisson arrivals at the given offered load (fraction of the cluster's GPU-seconds); GPUs uniform in
// 1..max_gpus; run times a mix: short_fraction exponential with mean short_mean_s, the rest mean long_mean_s.
struct WorkloadShape {
  int n_jobs = 1000;
  int cluster_gpus = 16;
  int max_gpus = 4;
  double load = 0.8;
  double short_fraction = 1.0;
  double short_mean_s = 500;
  double long_mean_s = 500;
  int priority_classes = 1;
  int users = 1;
};

inline std::vector<SimJob> random_jobs(std::uint64_t seed, const WorkloadShape& w) {
  std::mt19937_64 rng(seed);
  const double mean_runtime = w.short_fraction * w.short_mean_s + (1 - w.short_fraction) * w.long_mean_s;
  const double mean_area = (w.max_gpus + 1) / 2.0 * mean_runtime;
  const double mean_interarrival = mean_area / w.cluster_gpus / w.load;
  std::vector<SimJob> jobs;
  double t = 0;
  for (int i = 0; i < w.n_jobs; ++i) {
    t += -std::log(1.0 - unit_uniform(rng)) * mean_interarrival;
    SimJob j;
    j.id = 1000 + i;
    j.submit_s = t;
    j.gpus = 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(w.max_gpus));
    const bool is_short = unit_uniform(rng) < w.short_fraction;
    j.runtime_s = 1 + -std::log(1.0 - unit_uniform(rng)) * (is_short ? w.short_mean_s : w.long_mean_s);
    j.priority = static_cast<int>(rng() % static_cast<std::uint64_t>(w.priority_classes));
    j.user = "u" + std::to_string(rng() % static_cast<std::uint64_t>(w.users));
    jobs.push_back(j);
  }
  return jobs;
}

} // namespace racksim::policies::test
