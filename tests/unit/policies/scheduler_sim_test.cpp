// Schedulers driven by the mini-simulator (sched_sim.hpp) over seeded workloads: the properties each one promises,
// checked with numbers. Preemption there is instant and free, so these are the policies' ideal behaviour.

#include "policies/scheduling/conservative_backfill.hpp"
#include "policies/scheduling/fair_share.hpp"
#include "policies/scheduling/fifo.hpp"
#include "policies/scheduling/las.hpp"
#include "policies/scheduling/priority.hpp"
#include "policies/scheduling/sjf.hpp"
#include "policies/scheduling/srtf.hpp"
#include "sched_sim.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>

namespace racksim::policies {
namespace {

using test::SimJob;
using test::SimOptions;
using test::WorkloadShape;

// ---- (1) conservative backfill never delays a reservation ----

struct ReservationLog {
  std::map<JobId, double> first, min, max;
  int blocked_decisions = 0;
  void record(const SchedulerView& view) {
    for (const auto& r : ConservativeBackfillScheduler::plan(view)) {
      if (r.start_s > view.now_s) ++blocked_decisions;
      first.try_emplace(r.id, r.start_s);
      auto [lo, fresh_lo] = min.try_emplace(r.id, r.start_s);
      if (!fresh_lo) lo->second = std::min(lo->second, r.start_s);
      auto [hi, fresh_hi] = max.try_emplace(r.id, r.start_s);
      if (!fresh_hi) hi->second = std::max(hi->second, r.start_s);
    }
  }
  // Jobs whose reservation moved later than their first, or that started after a reservation they were given.
  int violations(const std::vector<SimJob>& jobs, bool report) const {
    int n = 0;
    for (const auto& j : jobs) {
      const double first_r = first.at(j.id);
      if (max.at(j.id) <= first_r + 1e-9 && j.first_start_s <= min.at(j.id) + 1e-9) continue;
      ++n;
      if (report)
        ADD_FAILURE() << "job " << j.id << ": first reservation " << first_r << ", latest " << max.at(j.id)
                      << ", started " << j.first_start_s;
    }
    return n;
  }
};

// Starts every job that fits in arrival order after conservative's own starts: ignores later reservations.
class GreedyAfterConservative final : public Scheduler {
 public:
  SchedulingDecision decide(const SchedulerView& view) override {
    SchedulingDecision d = cons_.decide(view);
    std::set<JobId> taken(d.start.begin(), d.start.end());
    int free = view.free_gpus;
    for (const auto& q : view.queue)
      if (taken.contains(q.id)) free -= q.gpus;
    for (const auto& q : view.queue)
      if (!taken.contains(q.id) && q.gpus <= free) d.start.push_back(q.id), free -= q.gpus;
    return d;
  }

 private:
  ConservativeBackfillScheduler cons_;
};

struct BackfillCase {
  std::uint64_t seed;
  int gpus;
  double load;
};
void PrintTo(const BackfillCase& c, std::ostream* os) {
  *os << "seed " << c.seed << ", " << c.gpus << " GPUs, load " << c.load;
}

class PolicyConservativeBackfillProperty : public testing::TestWithParam<BackfillCase> {};

TEST_P(PolicyConservativeBackfillProperty, NeverDelaysAnyReservation) {
  const auto c = GetParam();
  WorkloadShape w;
  w.n_jobs = 1500, w.cluster_gpus = c.gpus, w.max_gpus = c.gpus, w.load = c.load;
  const auto jobs = test::random_jobs(c.seed, w);
  ConservativeBackfillScheduler cons;
  ReservationLog log;
  SimOptions opt;
  opt.total_gpus = c.gpus;
  const auto out =
      test::simulate(cons, jobs, opt, [&](const SchedulerView& v, const SchedulingDecision&) { log.record(v); });
  ASSERT_TRUE(out.all_finished());
  // Meaningful only if jobs wait and jobs start out of order.
  int out_of_order = 0;
  for (std::size_t i = 1; i < out.jobs.size(); ++i)
    out_of_order += out.jobs[i].first_start_s < out.jobs[i - 1].first_start_s;
  EXPECT_GT(log.blocked_decisions, 500);
  EXPECT_GT(out_of_order, 50);
  EXPECT_EQ(log.violations(out.jobs, true), 0);
  int waited = 0;
  for (const auto& j : out.jobs)
    waited += log.first.at(j.id) > j.submit_s;
  RecordProperty("out_of_order_starts", out_of_order);
  RecordProperty("jobs_reserved_in_future", waited);
}

INSTANTIATE_TEST_SUITE_P(Seeded, PolicyConservativeBackfillProperty,
                         testing::Values(BackfillCase{42, 16, 0.7}, BackfillCase{7, 64, 0.85},
                                         BackfillCase{2024, 8, 0.6}),
                         [](const testing::TestParamInfo<BackfillCase>& info) {
                           return "seed" + std::to_string(info.param.seed) + "_g" + std::to_string(info.param.gpus);
                         });

TEST(PolicyConservativeBackfillPropertyCheck, CatchesASchedulerThatIgnoresReservations) {
  WorkloadShape w;
  w.n_jobs = 1500, w.cluster_gpus = 16, w.max_gpus = 16, w.load = 0.7;
  GreedyAfterConservative greedy;
  ReservationLog log;
  SimOptions opt;
  opt.total_gpus = 16;
  const auto out = test::simulate(greedy, test::random_jobs(42, w), opt,
                                  [&](const SchedulerView& v, const SchedulingDecision&) { log.record(v); });
  const int violations = log.violations(out.jobs, false);
  EXPECT_GT(violations, 10);
  RecordProperty("greedy_violations", violations);
}

// ---- (2) fair share converges to the weights ----

// Three users with weights 1:2:3, each with far more jobs than the horizon can run (permanently backlogged), all
// submitted at t = 0. GPU-seconds per user over [20000 s, 400000 s] must be within 2 percentage points of the
// weight shares 1/6, 2/6, 3/6.
std::vector<SimJob> backlogged_users(std::uint64_t seed) {
  WorkloadShape w;
  w.n_jobs = 6000, w.cluster_gpus = 64, w.max_gpus = 4, w.users = 3;
  w.short_mean_s = 5000, w.long_mean_s = 5000; // ~2000 jobs run by the horizon, about half of them u2's
  auto jobs = test::random_jobs(seed, w);
  for (auto& j : jobs)
    j.submit_s = 0;
  return jobs;
}

void expect_weighted_shares(bool preempt) {
  FairShareParams p;
  p.weights = "u0=1,u1=2,u2=3";
  p.preempt = preempt;
  FairShareScheduler fs(p);
  SimOptions opt;
  opt.total_gpus = 64, opt.horizon_s = 400000, opt.window_from_s = 20000;
  const auto out = test::simulate(fs, backlogged_users(11), opt);
  ASSERT_FALSE(out.all_finished()) << "the users must stay backlogged for the whole window";
  double total = 0;
  for (const auto& [user, gpu_s] : out.gpu_s_by_user)
    total += gpu_s;
  EXPECT_GT(total, 0.95 * 64 * (400000 - 20000)) << "the cluster should stay nearly full";
  const std::map<std::string, double> expected{{"u0", 1.0 / 6}, {"u1", 2.0 / 6}, {"u2", 3.0 / 6}};
  for (const auto& [user, share] : expected) {
    const double got = out.gpu_s_by_user.at(user) / total;
    EXPECT_NEAR(got, share, 0.02) << user << (preempt ? " (preempt)" : "");
    testing::Test::RecordProperty(user + (preempt ? "_share_preempt" : "_share"), std::to_string(got));
  }
}

TEST(PolicyFairShareSim, SharesConvergeToWeights) {
  expect_weighted_shares(false);
}
TEST(PolicyFairShareSim, SharesConvergeToWeightsWithPreemption) {
  expect_weighted_shares(true);
}

TEST(PolicyFairShareSim, PreemptionGivesALateUserItsShareAtOnce) {
  // u0 fills 64 GPUs with long jobs at t = 0; u1 (same weight) arrives at 1000 s. With preemption u1 holds 32
  // GPUs right away; without, it waits for u0's jobs to end.
  std::vector<SimJob> jobs;
  for (int i = 0; i < 16; ++i) {
    SimJob j;
    j.id = i, j.gpus = 4, j.submit_s = 0, j.runtime_s = 100000, j.user = "u0";
    jobs.push_back(j);
  }
  for (int i = 0; i < 8; ++i) {
    SimJob j;
    j.id = 100 + i, j.gpus = 4, j.submit_s = 1000, j.runtime_s = 5000, j.user = "u1";
    jobs.push_back(j);
  }
  SimOptions opt;
  opt.total_gpus = 64;
  FairShareParams p;
  p.preempt = true;
  FairShareScheduler with(p);
  const auto pre = test::simulate(with, jobs, opt);
  for (const auto& j : pre.jobs) {
    if (j.user == "u1") {
      EXPECT_DOUBLE_EQ(j.first_start_s, 1000) << j.id;
    }
  }
  EXPECT_EQ(pre.preemptions, 8);
  FairShareScheduler without;
  const auto no = test::simulate(without, jobs, opt);
  for (const auto& j : no.jobs) {
    if (j.user == "u1") {
      EXPECT_DOUBLE_EQ(j.first_start_s, 100000) << j.id;
    }
  }
}

// ---- (3) SJF and SRTF against FIFO: mean JCT ----

TEST(PolicySjfSrtfSim, ShorterFirstLowersMeanJct) {
  // 16 GPUs, 1-4 GPU jobs, load 0.8; 80% short jobs (mean 300 s), 20% long (mean 6000 s).
  WorkloadShape w;
  w.n_jobs = 3000, w.cluster_gpus = 16, w.max_gpus = 4, w.load = 0.8;
  w.short_fraction = 0.8, w.short_mean_s = 300, w.long_mean_s = 6000;
  const auto jobs = test::random_jobs(2024, w);
  SimOptions opt;
  opt.total_gpus = 16;
  FifoScheduler fifo;
  SjfScheduler sjf;
  SrtfScheduler srtf; // min_gap 600 s
  const auto f = test::simulate(fifo, jobs, opt);
  const auto s = test::simulate(sjf, jobs, opt);
  const auto r = test::simulate(srtf, jobs, opt);
  ASSERT_TRUE(f.all_finished() && s.all_finished() && r.all_finished());
  EXPECT_LT(s.mean_jct_s(), f.mean_jct_s());
  EXPECT_LE(r.mean_jct_s(), s.mean_jct_s());
  EXPECT_GT(r.preemptions, 0);
  RecordProperty("fifo_mean_jct_s", std::to_string(f.mean_jct_s()));
  RecordProperty("sjf_mean_jct_s", std::to_string(s.mean_jct_s()));
  RecordProperty("srtf_mean_jct_s", std::to_string(r.mean_jct_s()));
  RecordProperty("srtf_preemptions", r.preemptions);
  std::cout << "mean JCT: fifo " << f.mean_jct_s() << " s, sjf " << s.mean_jct_s() << " s, srtf " << r.mean_jct_s()
            << " s (" << r.preemptions << " preemptions)\n";
}

// ---- (4) LAS: a short job jumps ahead of a long one that has attained service ----

TEST(PolicyLasSim, ShortJobPreemptsALongOneThatHasAttainedService) {
  std::vector<SimJob> jobs(2);
  jobs[0].id = 1, jobs[0].gpus = 8, jobs[0].submit_s = 0, jobs[0].runtime_s = 10000;  // 40000 GPU-s by t = 5000
  jobs[1].id = 2, jobs[1].gpus = 8, jobs[1].submit_s = 5000, jobs[1].runtime_s = 100; // queue 0
  SimOptions opt;
  opt.total_gpus = 8;
  LasScheduler las;
  const auto out = test::simulate(las, jobs, opt);
  EXPECT_DOUBLE_EQ(out.jobs[1].first_start_s, 5000);
  EXPECT_DOUBLE_EQ(out.jobs[1].end_s, 5100);
  EXPECT_DOUBLE_EQ(out.jobs[0].end_s, 10100); // resumes with its progress kept
  EXPECT_EQ(out.jobs[0].preemptions, 1);
  FifoScheduler fifo;
  const auto f = test::simulate(fifo, jobs, opt);
  EXPECT_DOUBLE_EQ(f.jobs[1].end_s, 10100); // FIFO: the short job waits for the long one
}

TEST(PolicyLasSim, LowersMeanJctWithoutKnowingDurations) {
  WorkloadShape w;
  w.n_jobs = 3000, w.cluster_gpus = 16, w.max_gpus = 4, w.load = 0.8;
  w.short_fraction = 0.8, w.short_mean_s = 300, w.long_mean_s = 6000;
  const auto jobs = test::random_jobs(2024, w);
  SimOptions opt;
  opt.total_gpus = 16;
  FifoScheduler fifo;
  LasScheduler las;
  const auto f = test::simulate(fifo, jobs, opt);
  const auto l = test::simulate(las, jobs, opt);
  ASSERT_TRUE(l.all_finished());
  EXPECT_LT(l.mean_jct_s(), f.mean_jct_s());
  RecordProperty("las_mean_jct_s", std::to_string(l.mean_jct_s()));
  RecordProperty("las_preemptions", l.preemptions);
  std::cout << "mean JCT: fifo " << f.mean_jct_s() << " s, las " << l.mean_jct_s() << " s (" << l.preemptions
            << " preemptions)\n";
}

// ---- (5) priority: a higher class never waits behind a lower one when preemption is on ----

// After a settled decision (no preemption): for every queued job, the GPUs free plus those of running lower-class
// jobs are fewer than it needs, i.e. no lower-class job holds GPUs it could have had.
int waits_behind_lower_class(const SchedulerView& v, const SchedulingDecision& d) {
  if (!d.preempt.empty()) return 0;
  std::set<JobId> started(d.start.begin(), d.start.end());
  int free = v.free_gpus;
  std::map<int, int> started_gpus_by_class;
  for (const auto& q : v.queue)
    if (started.contains(q.id)) free -= q.gpus, started_gpus_by_class[q.priority] += q.gpus;
  int n = 0;
  for (const auto& q : v.queue) {
    if (started.contains(q.id)) continue;
    int lower = 0;
    for (const auto& r : v.running)
      if (r.priority < q.priority) lower += r.gpus;
    for (const auto& [cls, gpus] : started_gpus_by_class)
      if (cls < q.priority) lower += gpus;
    if (lower > 0 && free + lower >= q.gpus) ++n;
  }
  return n;
}

TEST(PolicyPrioritySim, HighClassNeverWaitsBehindALowerOne) {
  WorkloadShape w;
  w.n_jobs = 2000, w.cluster_gpus = 32, w.max_gpus = 16, w.load = 0.9, w.priority_classes = 3;
  const auto jobs = test::random_jobs(7, w);
  SimOptions opt;
  opt.total_gpus = 32;
  int with_violations = 0, without_violations = 0;
  PriorityScheduler with;
  const auto pre = test::simulate(with, jobs, opt, [&](const SchedulerView& v, const SchedulingDecision& d) {
    with_violations += waits_behind_lower_class(v, d);
  });
  PriorityParams p;
  p.preempt = false;
  PriorityScheduler without(p);
  const auto no = test::simulate(without, jobs, opt, [&](const SchedulerView& v, const SchedulingDecision& d) {
    without_violations += waits_behind_lower_class(v, d);
  });
  ASSERT_TRUE(pre.all_finished() && no.all_finished());
  EXPECT_EQ(with_violations, 0);
  EXPECT_GT(without_violations, 100); // the check can fail
  EXPECT_GT(pre.preemptions, 0);
  // Mean wait per class (first start - submit): with preemption the top class waits least.
  std::map<int, std::pair<double, int>> wait;
  for (const auto& j : pre.jobs)
    wait[j.priority].first += j.first_start_s - j.submit_s, ++wait[j.priority].second;
  const double w2 = wait[2].first / wait[2].second, w0 = wait[0].first / wait[0].second;
  EXPECT_LT(w2, w0);
  RecordProperty("class2_mean_wait_s", std::to_string(w2));
  RecordProperty("class0_mean_wait_s", std::to_string(w0));
  RecordProperty("preemptions", pre.preemptions);
  std::cout << "priority: class 2 mean wait " << w2 << " s, class 0 " << w0 << " s, " << pre.preemptions
            << " preemptions; without preemption " << without_violations << " waits behind a lower class\n";
}

} // namespace
} // namespace racksim::policies
