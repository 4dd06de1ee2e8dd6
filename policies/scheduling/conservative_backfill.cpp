#include "policies/scheduling/conservative_backfill.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <map>

namespace racksim::policies {

namespace {

// Free GPUs as a step function of time: free_[t] holds from t until the next key (the last step lasts forever).
class Profile {
 public:
  Profile(double now_s, int free_now) { steps_[now_s] = free_now; }

  void release(double at_s, int gpus) { // GPUs that free at at_s, for good
    split(at_s);
    for (auto it = steps_.find(at_s); it != steps_.end(); ++it)
      it->second += gpus;
  }

  // The earliest step start t such that at least `gpus` are free over [t, t + duration). One scan: a window that
  // fails at a step cannot start before the step after it.
  double earliest(int gpus, double duration_s) const {
    auto it = steps_.begin();
    while (it != steps_.end()) {
      if (it->second < gpus) {
        ++it;
        continue;
      }
      const double t = it->first;
      auto jt = std::next(it);
      while (jt != steps_.end() && jt->first < t + duration_s && jt->second >= gpus)
        ++jt;
      if (jt == steps_.end() || !(jt->first < t + duration_s)) return t;
      it = std::next(jt);
    }
    return std::numeric_limits<double>::infinity(); // unreachable while gpus <= the GPUs free at the end
  }

  void reserve(double from_s, double duration_s, int gpus) {
    const double to_s = from_s + duration_s;
    split(from_s);
    if (duration_s > 0) split(to_s);
    for (auto it = steps_.find(from_s); it != steps_.end() && (it->first < to_s || it->first == from_s); ++it)
      it->second -= gpus;
  }

 private:
  void split(double at_s) {
    if (steps_.contains(at_s)) return;
    auto next = steps_.upper_bound(at_s);
    steps_[at_s] = std::prev(next)->second; // at_s >= now, so a step before it exists
  }
  std::map<double, int> steps_;
};

} // namespace

std::vector<ConservativeBackfillScheduler::Reservation> ConservativeBackfillScheduler::plan(const SchedulerView& view) {
  Profile profile(view.now_s, view.free_gpus);
  for (const auto& r : view.running)
    profile.release(std::max(r.expected_end_s, view.now_s), r.gpus);
  std::vector<Reservation> out;
  for (const auto& job : view.queue) {
    if (job.gpus > view.total_gpus) continue;
    const double duration = std::max(job.estimate_s, 0.0);
    const double at = profile.earliest(job.gpus, duration);
    profile.reserve(at, duration, job.gpus);
    Reservation r;
    r.id = job.id, r.start_s = at;
    out.push_back(r);
  }
  return out;
}

SchedulingDecision ConservativeBackfillScheduler::decide(const SchedulerView& view) {
  SchedulingDecision decision;
  // An overdue running job is planned to end now; its GPUs are not free yet, so a job planned for now that does
  // not fit the GPUs actually free waits for the next decision.
  int free = view.free_gpus;
  std::map<JobId, int> gpus;
  for (const auto& q : view.queue)
    gpus[q.id] = q.gpus;
  for (const auto& r : plan(view)) {
    if (r.start_s <= view.now_s && gpus[r.id] <= free) {
      decision.start.push_back(r.id);
      free -= gpus[r.id];
    } else if (decision.head_reservation_s < 0) {
      decision.head_reservation_s = std::max(r.start_s, view.now_s);
    }
  }
  return decision;
}

} // namespace racksim::policies
