#pragma once
// Turns a training job (GPU count, run time) into the activities the engine simulates: iterations of
// compute, a ring all-reduce of the gradients, and periodic checkpoints. Pure arithmetic, no SimGrid.
// Duration-defined jobs (the budget rule, docs/workload-model.md): a job placed well on an idle fabric takes exactly
// its duration; iterations = duration / iteration time (the model's compute + ideal all-reduce when a model is
// set, else training.iteration_time) and compute per iteration = (duration - iterations x ideal all-reduce -
// checkpoints x ideal checkpoint) / iterations.
// Work-defined jobs (JobSpec::iterations > 0): that many iterations of the model's compute time (or of
// iteration_time minus the ideal all-reduce); the run time follows.

#include "workloads/job.hpp"
#include "workloads/spec.hpp"

#include <cstdint>
#include <vector>

namespace racksim::workloads {

// Uncontended costs on a good (packed) placement, computed by the caller from the platform.
struct IdealCosts {
  double allreduce_s_per_iteration = 0;     // 0 for one GPU
  double checkpoint_s = 0;                  // one checkpoint write
  double model_compute_s_per_iteration = 0; // from the step-time model; 0 = no model (use iteration_time)
};

struct TrainingPlan {
  std::int64_t iterations = 1;
  double compute_s_per_iteration = 0;       // at the GPU's effective rate
  double allreduce_bytes_per_iteration = 0; // the data-parallel gradient volume S (0 for one GPU)
  std::int64_t checkpoint_every = 0;        // 0 = no checkpoints
  std::int64_t checkpoints = 0;             // how many will be written
  double checkpoint_bytes = 0;
  bool compute_clamped = false; // the ideal communication alone exceeded the duration
};

TrainingPlan plan_training(const JobSpec& job, const TrainingSpec& spec, const IdealCosts& ideal);

// One step the engine runs: `iterations` iterations aggregated into one exec and one all-reduce,
// followed by a checkpoint when `checkpoint_after` is true.
struct Step {
  std::int64_t iterations = 0;
  bool checkpoint_after = false;
};
// Splits a plan into steps: a step never crosses a checkpoint and holds at most max_iterations_per_step.
std::vector<Step> plan_steps(const TrainingPlan& plan, std::int64_t max_iterations_per_step);

} // namespace racksim::workloads
