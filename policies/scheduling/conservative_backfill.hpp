#pragma once
// conservative_backfill: every queued job, in arrival order, gets a reservation: the earliest time from which
// enough GPUs stay free for its whole estimate, in a profile of free GPUs over time built from the running jobs'
// expected ends minus the reservations of the jobs ahead of it (Mu'alem & Feitelson 2001). A job whose reservation
// is now starts now, so a later job starts early only if it delays no earlier job's reservation. The plan is
// rebuilt at each decision; with exact estimates no reservation ever moves later. head_reservation_s is the
// reservation of the first queued job that does not start, as in easy_backfill. Non-preemptive.

#include "policies/scheduler.hpp"

#include <vector>

namespace racksim::policies {

class ConservativeBackfillScheduler final : public Scheduler {
 public:
  SchedulingDecision decide(const SchedulerView& view) override;

  struct Reservation {
    JobId id = 0;
    double start_s = 0; // == view.now_s: starts now
  };
  // Every queued job's reservation, in queue order; jobs wider than the cluster get none (they never start).
  static std::vector<Reservation> plan(const SchedulerView& view);
};

} // namespace racksim::policies
