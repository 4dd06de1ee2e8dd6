// Property: with exact run-time estimates, EASY backfilling never delays the head job's reservation.
// A tiny event-driven cluster simulator (no SimGrid) drives the scheduler over seeded random workloads.
//
// The simulator: G identical GPUs, no placement. At each event time it first retires every job ending at that
// time, then admits every job submitted at that time, then calls the scheduler once and applies its decision
// (after checking it). Estimates equal actual run times, and a job's end is computed as start + estimate in both
// the RunningJob it shows and the completion it schedules, so "ends at the shadow time" is exact.

#include "policies/scheduling/easy_backfill.hpp"
#include "policies/scheduling/fifo.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <vector>

namespace racksim::policies {
namespace {

struct SimJob {
  JobId id = 0;
  int gpus = 1;
  double submit_s = 0;
  double runtime_s = 0;
  double start_s = -1;
  double end_s = -1;
};

struct SimOutcome {
  std::vector<SimJob> jobs;                  // with start/end filled in
  std::map<JobId, double> first_reservation; // per job: the first reservation it got as the blocked head
  std::map<JobId, double> min_reservation;   // per job: the earliest reservation it was ever given
  std::map<JobId, double> max_reservation;   // per job: the latest reservation it was ever given
  int decisions = 0;
  int backfilled = 0; // jobs started while an earlier-submitted job was still queued
  double mean_wait_s() const {
    double sum = 0;
    for (const auto& j : jobs)
      sum += j.start_s - j.submit_s;
    return sum / static_cast<double>(jobs.size());
  }
};

// mt19937_64's output sequence is fixed by the standard; the <random> distributions are not, so the workload is
// drawn from raw outputs to be identical across standard libraries.
double unit_uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

std::vector<SimJob> random_workload(std::uint64_t seed, int n_jobs, int gpus, double load, bool integer_times) {
  std::mt19937_64 rng(seed);
  const double mean_runtime_s = 500;
  // Offered load as a fraction of the cluster: mean job area (G+1)/2 GPUs * mean runtime per mean inter-arrival.
  const double mean_interarrival_s = (gpus + 1) / 2.0 * mean_runtime_s / gpus / load;
  std::vector<SimJob> jobs;
  double t = 0;
  for (int i = 0; i < n_jobs; ++i) {
    t += -std::log(1.0 - unit_uniform(rng)) * mean_interarrival_s;
    SimJob j;
    j.id = 1000 + i; // ids unrelated to indexes
    j.gpus = 1 + static_cast<int>(rng() % static_cast<std::uint64_t>(gpus));
    j.runtime_s = 1 + -std::log(1.0 - unit_uniform(rng)) * mean_runtime_s;
    j.submit_s = t;
    if (integer_times) { // many exact ties: same-time arrivals, ends and shadow times
      j.submit_s = std::floor(t / 50) * 50;
      j.runtime_s = std::ceil(j.runtime_s / 100) * 100;
    }
    jobs.push_back(j);
  }
  return jobs;
}

// Runs the workload to completion. Fatal test failures (ASSERT_*) inside mean the decision was invalid.
// `reports_reservations`: the scheduler must report a reservation (>= now, finite) whenever a head job is left
// blocked; otherwise it must report none.
void simulate(Scheduler& scheduler, bool reports_reservations, int total_gpus, std::vector<SimJob> jobs,
              SimOutcome& out) {
  out = SimOutcome{};
  std::vector<std::size_t> queue;   // indexes into jobs, arrival order
  std::vector<std::size_t> running; // indexes into jobs
  std::size_t next_arrival = 0;
  int free = total_gpus;
  const double inf = std::numeric_limits<double>::infinity();

  while (next_arrival < jobs.size() || !running.empty() || !queue.empty()) {
    double now = next_arrival < jobs.size() ? jobs[next_arrival].submit_s : inf;
    for (auto r : running)
      now = std::min(now, jobs[r].end_s);
    ASSERT_TRUE(std::isfinite(now)) << "jobs queued, none running, none arriving: the scheduler is stuck";

    // Same-time order: completions, then arrivals, then one scheduling decision.
    std::erase_if(running, [&](std::size_t r) {
      if (jobs[r].end_s > now) return false;
      free += jobs[r].gpus;
      return true;
    });
    while (next_arrival < jobs.size() && jobs[next_arrival].submit_s <= now)
      queue.push_back(next_arrival++);

    std::vector<QueuedJob> qv;
    for (auto q : queue)
      qv.push_back({jobs[q].id, jobs[q].gpus, jobs[q].submit_s, jobs[q].runtime_s, "", 0, 0.0, jobs[q].runtime_s});
    std::vector<RunningJob> rv;
    for (auto r : running)
      rv.push_back({jobs[r].id, jobs[r].gpus, jobs[r].start_s, jobs[r].end_s, "", 0, 0.0, 0.0});
    const SchedulerView view{now, total_gpus, free, qv, rv};
    const SchedulingDecision d = scheduler.decide(view);
    ++out.decisions;

    std::set<JobId> started;
    for (JobId id : d.start) {
      ASSERT_TRUE(started.insert(id).second) << "job " << id << " started twice at t=" << now;
      auto it = std::find_if(queue.begin(), queue.end(), [&](std::size_t q) { return jobs[q].id == id; });
      ASSERT_NE(it, queue.end()) << "job " << id << " is not queued at t=" << now;
      SimJob& j = jobs[*it];
      ASSERT_LE(j.gpus, free) << "job " << id << " does not fit at t=" << now;
      if (it != queue.begin()) ++out.backfilled;
      free -= j.gpus;
      j.start_s = now;
      j.end_s = now + j.runtime_s;
      running.push_back(*it);
      queue.erase(it);
    }

    if (!queue.empty()) {
      // The job now at the head did not fit (else it would have started): its reservation is reported.
      const SimJob& head = jobs[queue.front()];
      const double r = d.head_reservation_s;
      if (!reports_reservations) {
        ASSERT_LT(r, 0) << "t=" << now;
        continue;
      }
      ASSERT_GE(r, now) << "head job " << head.id << " at t=" << now;
      ASSERT_TRUE(std::isfinite(r)) << "head job " << head.id << " at t=" << now;
      out.first_reservation.try_emplace(head.id, r);
      auto [lo, fresh_lo] = out.min_reservation.try_emplace(head.id, r);
      if (!fresh_lo) lo->second = std::min(lo->second, r);
      auto [hi, fresh_hi] = out.max_reservation.try_emplace(head.id, r);
      if (!fresh_hi) hi->second = std::max(hi->second, r);
    }
  }
  ASSERT_EQ(free, total_gpus);
  out.jobs = std::move(jobs);
}

// Jobs whose reservation was delayed: a later reservation for the job moved past its first one, or the job
// started after a reservation it was given (the earliest included).
int reservation_violations(const SimOutcome& out, bool report) {
  int violations = 0;
  for (const auto& j : out.jobs) {
    auto first = out.first_reservation.find(j.id);
    if (first == out.first_reservation.end()) continue;
    const double min_r = out.min_reservation.at(j.id);
    const double max_r = out.max_reservation.at(j.id);
    if (max_r <= first->second + 1e-9 && j.start_s <= min_r + 1e-9) continue;
    ++violations;
    if (report)
      ADD_FAILURE() << "job " << j.id << " submitted " << j.submit_s << ": first reservation " << first->second
                    << ", earliest " << min_r << ", latest " << max_r << ", started " << j.start_s;
  }
  return violations;
}

// A broken EASY for checking the check: after EASY's decision it also starts every later job that still fits,
// ignoring the head's reservation, and reports EASY's reservation unchanged.
class GreedyBackfill final : public Scheduler {
 public:
  SchedulingDecision decide(const SchedulerView& view) override {
    SchedulingDecision d = easy_.decide(view);
    if (d.head_reservation_s < 0) return d;
    int free = view.free_gpus;
    std::set<JobId> taken(d.start.begin(), d.start.end());
    for (const auto& q : view.queue)
      if (taken.count(q.id)) free -= q.gpus;
    bool head_seen = false;
    for (const auto& q : view.queue) {
      if (taken.count(q.id)) continue;
      if (!head_seen) { // the blocked head itself
        head_seen = true;
        continue;
      }
      if (q.gpus <= free) {
        d.start.push_back(q.id);
        free -= q.gpus;
      }
    }
    return d;
  }

 private:
  EasyBackfillScheduler easy_;
};

struct Case {
  std::uint64_t seed;
  int gpus;
  double load; // offered load, fraction of the cluster's GPU-seconds
  bool integer_times;
};
void PrintTo(const Case& c, std::ostream* os) {
  *os << "seed " << c.seed << ", " << c.gpus << " GPUs, load " << c.load << (c.integer_times ? ", ties" : "");
}

class PolicyEasyBackfillProperty : public testing::TestWithParam<Case> {};

TEST_P(PolicyEasyBackfillProperty, NeverDelaysTheHeadReservation) {
  const Case c = GetParam();
  const auto workload = random_workload(c.seed, 2000, c.gpus, c.load, c.integer_times);
  EasyBackfillScheduler easy;
  SimOutcome out;
  ASSERT_NO_FATAL_FAILURE(simulate(easy, true, c.gpus, workload, out));

  ASSERT_EQ(out.jobs.size(), 2000u);
  for (const auto& j : out.jobs) {
    ASSERT_GE(j.start_s, j.submit_s) << "job " << j.id << " never started or started early";
    ASSERT_DOUBLE_EQ(j.end_s, j.start_s + j.runtime_s);
  }
  // The property is only meaningful if the workload makes heads wait and lets jobs backfill.
  EXPECT_GT(out.first_reservation.size(), 100u);
  EXPECT_GT(out.backfilled, 50);

  EXPECT_EQ(reservation_violations(out, true), 0);
}

TEST_P(PolicyEasyBackfillProperty, FifoFinishesTooAndEasyWaitsNoLonger) {
  const Case c = GetParam();
  const auto workload = random_workload(c.seed, 2000, c.gpus, c.load, c.integer_times);
  EasyBackfillScheduler easy;
  FifoScheduler fifo;
  SimOutcome easy_out, fifo_out;
  ASSERT_NO_FATAL_FAILURE(simulate(easy, true, c.gpus, workload, easy_out));
  ASSERT_NO_FATAL_FAILURE(simulate(fifo, false, c.gpus, workload, fifo_out));
  EXPECT_EQ(fifo_out.backfilled, 0); // fifo only ever starts the head of the queue
  // FIFO starts jobs in submission order.
  for (std::size_t i = 1; i < fifo_out.jobs.size(); ++i)
    EXPECT_LE(fifo_out.jobs[i - 1].start_s, fifo_out.jobs[i].start_s) << "job " << fifo_out.jobs[i].id;
  // Observed for these seeds and workloads, not a theorem: EASY can delay non-head jobs, so its mean wait is not
  // guaranteed to be lower in general.
  EXPECT_LE(easy_out.mean_wait_s(), fifo_out.mean_wait_s())
      << "seed " << c.seed << ": easy " << easy_out.mean_wait_s() << " s, fifo " << fifo_out.mean_wait_s() << " s";
  RecordProperty("easy_mean_wait_s", std::to_string(easy_out.mean_wait_s()));
  RecordProperty("easy_backfilled", easy_out.backfilled);
  RecordProperty("easy_blocked_heads", static_cast<int>(easy_out.first_reservation.size()));
  RecordProperty("fifo_mean_wait_s", std::to_string(fifo_out.mean_wait_s()));
}

TEST(PolicyEasyBackfillPropertyCheck, CatchesASchedulerThatIgnoresTheReservation) {
  const auto workload = random_workload(42, 2000, 16, 0.6, false);
  GreedyBackfill greedy;
  SimOutcome out;
  ASSERT_NO_FATAL_FAILURE(simulate(greedy, true, 16, workload, out));
  EXPECT_GT(reservation_violations(out, false), 10);
}

INSTANTIATE_TEST_SUITE_P(Seeded, PolicyEasyBackfillProperty,
                         testing::Values(Case{42, 16, 0.6, false}, Case{7, 64, 0.8, false}, Case{2024, 8, 0.5, false},
                                         Case{42, 16, 0.6, true}, Case{99, 32, 0.7, true}),
                         [](const testing::TestParamInfo<Case>& info) {
                           return "seed" + std::to_string(info.param.seed) + "_g" + std::to_string(info.param.gpus) +
                                  "_load" + std::to_string(static_cast<int>(info.param.load * 100)) +
                                  (info.param.integer_times ? "_ties" : "_continuous");
                         });

} // namespace
} // namespace racksim::policies
