#include "policies/scheduling/easy_backfill.hpp"

#include <algorithm>
#include <limits>
#include <vector>

namespace racksim::policies {

SchedulingDecision EasyBackfillScheduler::decide(const SchedulerView& view) {
  SchedulingDecision decision;
  int free = view.free_gpus;
  std::size_t head = 0;
  // Start jobs in order while they fit, exactly like FIFO.
  for (; head < view.queue.size() && view.queue[head].gpus <= free; ++head) {
    decision.start.push_back(view.queue[head].id);
    free -= view.queue[head].gpus;
  }
  if (head >= view.queue.size()) return decision;

  const QueuedJob& blocked = view.queue[head];
  if (blocked.gpus > view.total_gpus) return decision; // can never run; the engine rejects such jobs earlier

  // Shadow time: walk running jobs (and the jobs just started) by expected end until the head job fits.
  struct Release {
    double at;
    int gpus;
  };
  std::vector<Release> releases;
  releases.reserve(view.running.size() + decision.start.size());
  for (const auto& r : view.running)
    releases.push_back({std::max(r.expected_end_s, view.now_s), r.gpus});
  for (std::size_t i = 0; i < head; ++i)
    releases.push_back({view.now_s + view.queue[i].estimate_s, view.queue[i].gpus});
  std::stable_sort(releases.begin(), releases.end(), [](const Release& a, const Release& b) { return a.at < b.at; });

  double shadow = std::numeric_limits<double>::infinity();
  int available = free;
  for (const auto& rel : releases) {
    if (rel.at > shadow) break; // every release at the shadow time itself counts
    available += rel.gpus;
    if (available >= blocked.gpus && shadow == std::numeric_limits<double>::infinity()) shadow = rel.at;
  }
  // GPUs free at the shadow time beyond what the head job needs: backfill may use them for any duration.
  int extra = available - blocked.gpus;
  decision.head_reservation_s = shadow;

  for (std::size_t i = head + 1; i < view.queue.size() && free > 0; ++i) {
    const QueuedJob& job = view.queue[i];
    if (job.gpus > free) continue;
    const bool ends_before_shadow = view.now_s + job.estimate_s <= shadow;
    if (ends_before_shadow) {
      decision.start.push_back(job.id);
      free -= job.gpus;
    } else if (job.gpus <= extra) {
      decision.start.push_back(job.id);
      free -= job.gpus;
      extra -= job.gpus;
    }
  }
  return decision;
}

} // namespace racksim::policies
