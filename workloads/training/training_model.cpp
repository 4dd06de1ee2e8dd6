#include "workloads/training/training_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace racksim::workloads {
namespace {

// A plan_steps result larger than this is a configuration mistake (iterations per step far too small for the
// job), not a simulation anyone can run: fail with a message instead of exhausting memory.
constexpr std::int64_t kMaxSteps = 100'000'000;

// llround is undefined beyond the int64 range; far below that the plan is meaningless anyway.
constexpr double kMaxIterations = 1e15;

} // namespace

TrainingPlan plan_training(const JobSpec& job, const TrainingSpec& spec, const IdealCosts& ideal) {
  const std::string who = "plan_training(job " + std::to_string(job.id) + "): ";
  const bool work_defined = job.iterations > 0;
  if (!work_defined && (!std::isfinite(job.duration_s) || job.duration_s <= 0))
    throw std::invalid_argument(who + "duration_s must be a positive number (or iterations > 0)");
  if (!std::isfinite(spec.iteration_time_s) || spec.iteration_time_s <= 0)
    throw std::invalid_argument(who + "training.iteration_time_s must be a positive number");
  if (!std::isfinite(ideal.allreduce_s_per_iteration) || ideal.allreduce_s_per_iteration < 0 ||
      !std::isfinite(ideal.checkpoint_s) || ideal.checkpoint_s < 0 ||
      !std::isfinite(ideal.model_compute_s_per_iteration) || ideal.model_compute_s_per_iteration < 0)
    throw std::invalid_argument(who + "ideal costs must be finite and >= 0");

  // One GPU has nothing to all-reduce; its budget then has no communication term even if the caller passed one.
  const bool data_parallel = job.gpus > 1;
  const double allreduce_s = data_parallel ? ideal.allreduce_s_per_iteration : 0;
  // With a model, an iteration is its modelled compute plus the ideal all-reduce; without, the scenario says.
  const bool modelled = ideal.model_compute_s_per_iteration > 0;
  const double iteration_s = modelled ? ideal.model_compute_s_per_iteration + allreduce_s : spec.iteration_time_s;

  TrainingPlan plan;
  if (work_defined) {
    plan.iterations = job.iterations;
  } else {
    const double ratio = job.duration_s / iteration_s;
    if (ratio > kMaxIterations)
      throw std::invalid_argument(who + "duration / iteration time gives more than 1e15 iterations");
    plan.iterations = std::max<std::int64_t>(1, std::llround(ratio));
  }
  const auto n = plan.iterations;
  plan.allreduce_bytes_per_iteration = data_parallel ? spec.gradient_bytes : 0;

  // Checkpoints after iterations K, 2K, ... strictly before N: a checkpoint after the last iteration would
  // protect no work (the job is finished) and would push the end past the trace duration.
  // A job too short for any checkpoint gets checkpoint_every = 0 too, so "0 = no checkpoints" holds in one place.
  if (spec.checkpoint_every > 0 && spec.checkpoint_bytes > 0 && (n - 1) / spec.checkpoint_every > 0) {
    plan.checkpoint_every = spec.checkpoint_every;
    plan.checkpoints = (n - 1) / spec.checkpoint_every;
    plan.checkpoint_bytes = spec.checkpoint_bytes;
  }

  if (work_defined) {
    // The work is fixed; the run time follows from the compute time and the network.
    plan.compute_s_per_iteration = modelled ? ideal.model_compute_s_per_iteration : spec.iteration_time_s - allreduce_s;
  } else {
    // The budget rule: on a good placement and an idle fabric the job takes exactly its duration.
    const double budget = job.duration_s - static_cast<double>(n) * allreduce_s -
                          static_cast<double>(plan.checkpoints) * ideal.checkpoint_s;
    plan.compute_s_per_iteration = budget / static_cast<double>(n);
  }
  if (plan.compute_s_per_iteration < 0) {
    plan.compute_s_per_iteration = 0;
    plan.compute_clamped = true;
  }
  return plan;
}

std::vector<Step> plan_steps(const TrainingPlan& plan, std::int64_t max_iterations_per_step) {
  if (max_iterations_per_step < 1)
    throw std::invalid_argument("plan_steps: max_iterations_per_step must be >= 1, got " +
                                std::to_string(max_iterations_per_step));
  if (plan.iterations < 1)
    throw std::invalid_argument("plan_steps: plan has " + std::to_string(plan.iterations) + " iterations");
  const std::int64_t n = plan.iterations;
  const std::int64_t k = plan.checkpoints > 0 ? plan.checkpoint_every : 0;
  if (plan.checkpoints > 0 && (k < 1 || plan.checkpoints * k >= n))
    throw std::invalid_argument("plan_steps: checkpoints do not fit strictly before the last iteration");

  // Segments end at each checkpoint iteration and at N; each segment is cut into full steps plus a remainder.
  const auto ceil_div = [](std::int64_t a, std::int64_t b) { return (a + b - 1) / b; };
  std::int64_t count = 0;
  if (k > 0) count += plan.checkpoints * ceil_div(k, max_iterations_per_step);
  count += ceil_div(n - plan.checkpoints * k, max_iterations_per_step);
  if (count > kMaxSteps)
    throw std::invalid_argument("plan_steps: " + std::to_string(n) + " iterations at most " +
                                std::to_string(max_iterations_per_step) + " per step need " + std::to_string(count) +
                                " steps (limit " + std::to_string(kMaxSteps) +
                                "); raise training.max_iterations_per_step");

  std::vector<Step> steps;
  steps.reserve(static_cast<std::size_t>(count));
  const auto add_segment = [&](std::int64_t length, bool ends_at_checkpoint) {
    while (length > 0) {
      const std::int64_t take = std::min(length, max_iterations_per_step);
      length -= take;
      steps.push_back(Step{take, ends_at_checkpoint && length == 0});
    }
  };
  for (std::int64_t c = 0; c < plan.checkpoints; ++c)
    add_segment(k, true);
  add_segment(n - plan.checkpoints * k, false);
  return steps;
}

} // namespace racksim::workloads
