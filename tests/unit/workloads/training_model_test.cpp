// Training model: the budget rule on hand-computed cases, and the split of a plan into steps.

#include "workloads/training/training_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <stdexcept>

namespace racksim::workloads {
namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

JobSpec job_of(int gpus, double duration_s) {
  JobSpec job;
  job.id = 1;
  job.gpus = gpus;
  job.duration_s = duration_s;
  return job;
}

TrainingSpec training(double iteration_time_s, long checkpoint_every) {
  TrainingSpec spec;
  spec.iteration_time_s = iteration_time_s;
  spec.gradient_bytes = 2 * kGiB;
  spec.checkpoint_every = checkpoint_every;
  spec.checkpoint_bytes = 16 * kGiB;
  return spec;
}

// Uncontended time of a plan: what the engine takes on a good placement and an idle fabric.
double ideal_time(const TrainingPlan& plan, const IdealCosts& ideal, bool data_parallel) {
  const double n = static_cast<double>(plan.iterations);
  return n * plan.compute_s_per_iteration + (data_parallel ? n * ideal.allreduce_s_per_iteration : 0) +
         static_cast<double>(plan.checkpoints) * ideal.checkpoint_s;
}

TEST(WorkloadTraining, BudgetRuleOnEightGpus) {
  const IdealCosts ideal{0.2, 5.0};
  const auto plan = plan_training(job_of(8, 1000), training(1.0, 100), ideal);
  EXPECT_EQ(plan.iterations, 1000); // 1000 s / 1 s
  EXPECT_EQ(plan.checkpoints, 9);   // after 100, 200, ..., 900; not after 1000 (= N)
  EXPECT_EQ(plan.checkpoint_every, 100);
  EXPECT_EQ(plan.checkpoint_bytes, 16 * kGiB);
  EXPECT_EQ(plan.allreduce_bytes_per_iteration, 2 * kGiB);
  EXPECT_DOUBLE_EQ(plan.compute_s_per_iteration, 0.755); // (1000 - 1000 x 0.2 - 9 x 5) / 1000
  EXPECT_FALSE(plan.compute_clamped);
  EXPECT_NEAR(ideal_time(plan, ideal, true), 1000.0, 1e-9);
}

TEST(WorkloadTraining, BudgetRuleWithLongerIterations) {
  const IdealCosts ideal{0.5, 10.0};
  const auto plan = plan_training(job_of(4, 1000), training(2.5, 100), ideal);
  EXPECT_EQ(plan.iterations, 400);
  EXPECT_EQ(plan.checkpoints, 3);                        // after 100, 200, 300 (399 / 100)
  EXPECT_DOUBLE_EQ(plan.compute_s_per_iteration, 1.925); // (1000 - 400 x 0.5 - 3 x 10) / 400
  EXPECT_NEAR(ideal_time(plan, ideal, true), 1000.0, 1e-9);
}

TEST(WorkloadTraining, OneGpuHasNoAllReduce) {
  const IdealCosts ideal{0.2, 5.0}; // an all-reduce cost passed for one GPU is ignored: there is none to run
  const auto plan = plan_training(job_of(1, 1000), training(1.0, 100), ideal);
  EXPECT_EQ(plan.allreduce_bytes_per_iteration, 0.0);
  EXPECT_DOUBLE_EQ(plan.compute_s_per_iteration, 0.955); // (1000 - 9 x 5) / 1000
  EXPECT_NEAR(ideal_time(plan, ideal, false), 1000.0, 1e-9);
}

TEST(WorkloadTraining, IterationCountRounds) {
  const IdealCosts none{};
  EXPECT_EQ(plan_training(job_of(2, 10.4), training(1.0, 0), none).iterations, 10);
  EXPECT_EQ(plan_training(job_of(2, 10.5), training(1.0, 0), none).iterations, 11); // llround: half away from 0
  EXPECT_EQ(plan_training(job_of(2, 0.3), training(1.0, 0), none).iterations, 1);   // at least one
  const auto plan = plan_training(job_of(2, 10.4), training(1.0, 0), none);
  EXPECT_DOUBLE_EQ(plan.compute_s_per_iteration, 1.04); // the whole duration is kept, spread over 10
}

TEST(WorkloadTraining, CheckpointsStrictlyBeforeTheEnd) {
  const IdealCosts ideal{0, 1.0};
  auto plan = plan_training(job_of(2, 1000), training(1.0, 1000), ideal);
  EXPECT_EQ(plan.checkpoints, 0); // N = K: a checkpoint after the last iteration protects nothing
  EXPECT_EQ(plan.checkpoint_every, 0);
  EXPECT_EQ(plan.checkpoint_bytes, 0.0);
  plan = plan_training(job_of(2, 1001), training(1.0, 1000), ideal);
  EXPECT_EQ(plan.checkpoints, 1);
  EXPECT_DOUBLE_EQ(plan.compute_s_per_iteration, 1000.0 / 1001.0);

  plan = plan_training(job_of(2, 5000), training(1.0, 0), ideal); // K = 0: never
  EXPECT_EQ(plan.checkpoints, 0);
  EXPECT_EQ(plan.checkpoint_every, 0);
  auto spec = training(1.0, 100);
  spec.checkpoint_bytes = 0; // nothing to write: no checkpoints either
  plan = plan_training(job_of(2, 5000), spec, ideal);
  EXPECT_EQ(plan.checkpoints, 0);
  EXPECT_EQ(plan.checkpoint_every, 0);
  EXPECT_DOUBLE_EQ(plan.compute_s_per_iteration, 1.0);
}

TEST(WorkloadTraining, ComputeIsClampedWhenCommunicationExceedsTheDuration) {
  const IdealCosts ideal{2.0, 0};
  const auto plan = plan_training(job_of(16, 100), training(1.0, 0), ideal); // 100 x 2 s of all-reduce > 100 s
  EXPECT_EQ(plan.iterations, 100);
  EXPECT_EQ(plan.compute_s_per_iteration, 0.0);
  EXPECT_TRUE(plan.compute_clamped);
  // Exactly used up is not clamped.
  const auto exact = plan_training(job_of(16, 200), training(2.0, 0), ideal);
  EXPECT_EQ(exact.compute_s_per_iteration, 0.0);
  EXPECT_FALSE(exact.compute_clamped);
}

TEST(WorkloadTraining, InvalidInputsAreRejected) {
  const IdealCosts ideal{};
  EXPECT_THROW(plan_training(job_of(1, 0), training(1.0, 0), ideal), std::invalid_argument);
  EXPECT_THROW(plan_training(job_of(1, 10), training(0.0, 0), ideal), std::invalid_argument);
  EXPECT_THROW(plan_training(job_of(1, 10), training(1.0, 0), IdealCosts{-1, 0}), std::invalid_argument);
  EXPECT_THROW(plan_training(job_of(1, 1e300), training(1e-9, 0), ideal), std::invalid_argument);
}

// ---- steps ------------------------------------------------------------------------------------------------------

std::int64_t total_iterations(const std::vector<Step>& steps) {
  return std::accumulate(steps.begin(), steps.end(), std::int64_t{0},
                         [](std::int64_t sum, const Step& s) { return sum + s.iterations; });
}

TrainingPlan plan_of(std::int64_t iterations, std::int64_t every) {
  TrainingPlan plan;
  plan.iterations = iterations;
  plan.checkpoint_every = every;
  plan.checkpoints = every > 0 ? (iterations - 1) / every : 0;
  return plan;
}

TEST(WorkloadTrainingSteps, StepsNeverCrossACheckpoint) {
  const auto steps = plan_steps(plan_of(2500, 1000), 400);
  // Segments 1000 | 1000 | 500, each cut into steps of at most 400.
  const std::vector<std::pair<std::int64_t, bool>> expected{{400, false}, {400, false}, {200, true},  {400, false},
                                                            {400, false}, {200, true},  {400, false}, {100, false}};
  ASSERT_EQ(steps.size(), expected.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i].iterations, expected[i].first) << i;
    EXPECT_EQ(steps[i].checkpoint_after, expected[i].second) << i;
  }
  EXPECT_EQ(total_iterations(steps), 2500);
}

TEST(WorkloadTrainingSteps, CheckpointsLandOnMultiplesOfK) {
  for (std::int64_t n : {1, 7, 99, 100, 101, 1000, 12345}) {
    for (std::int64_t k : {0, 1, 10, 100}) {
      for (std::int64_t m : {1, 3, 64, 1000}) {
        const auto plan = plan_of(n, k);
        const auto steps = plan_steps(plan, m);
        ASSERT_EQ(total_iterations(steps), n) << n << " " << k << " " << m;
        std::int64_t done = 0, checkpoints = 0;
        for (const auto& s : steps) {
          ASSERT_GE(s.iterations, 1);
          ASSERT_LE(s.iterations, m);
          done += s.iterations;
          if (s.checkpoint_after) {
            ++checkpoints;
            ASSERT_EQ(done % k, 0) << "checkpoint after iteration " << done;
            ASSERT_LT(done, n);
          }
        }
        ASSERT_EQ(checkpoints, plan.checkpoints);
      }
    }
  }
}

TEST(WorkloadTrainingSteps, LargeStepsStopAtCheckpoints) {
  const auto steps = plan_steps(plan_of(2500, 1000), 1'000'000);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].iterations, 1000);
  EXPECT_TRUE(steps[0].checkpoint_after);
  EXPECT_EQ(steps[1].iterations, 1000);
  EXPECT_TRUE(steps[1].checkpoint_after);
  EXPECT_EQ(steps[2].iterations, 500);
  EXPECT_FALSE(steps[2].checkpoint_after);
}

TEST(WorkloadTrainingSteps, StepCountIsCeilOfIterationsOverStepSize) {
  const std::int64_t n = 1'000'000'000;
  const auto steps = plan_steps(plan_of(n, 0), 1000);
  EXPECT_EQ(steps.size(), 1'000'000u); // ceil(1e9 / 1000): the step size, not N, sets the cost
  EXPECT_EQ(total_iterations(steps), n);
  EXPECT_EQ(plan_steps(plan_of(1001, 0), 1000).size(), 2u);
}

TEST(WorkloadTrainingSteps, InvalidInputsAreRejected) {
  EXPECT_THROW(plan_steps(plan_of(10, 0), 0), std::invalid_argument);
  EXPECT_THROW(plan_steps(plan_of(0, 0), 10), std::invalid_argument);
  // 1e9 single-iteration steps would need 16 GB: refused with a message naming the knob instead.
  EXPECT_THROW(plan_steps(plan_of(1'000'000'000, 0), 1), std::invalid_argument);
}

} // namespace
} // namespace racksim::workloads
