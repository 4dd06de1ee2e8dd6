#pragma once
// The jobs of a job-engine run, from the workload (a trace or the synthetic generator) and its training section:
// each job's training plan (iterations, compute per iteration, checkpoints; docs/training-model.md) and, in
// 3D-parallel mode, its iteration's costs. Runs before the simulation; no SimGrid.

#include "platforms/topology.hpp"
#include "sim/config/scenario.hpp"
#include "sim/engine/engine.hpp"
#include "sim/engine/job_table.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/spec.hpp"
#include "workloads/training/step_model.hpp"

#include <memory>
#include <string>
#include <vector>

namespace racksim::sim {

// What the workload's training section comes to on this platform, the same for every job of the run.
struct TrainingSetup {
  workloads::TrainingSpec training; // the scenario's, with the model's checkpoint and gradient sizes when one is set
  bool parallel = false;            // workload.training.global_batch > 0: 3D parallelism
  workloads::TransformerSpec model; // the resolved model when one is set
  std::unique_ptr<workloads::KernelTimer> timer;
  double model_compute_s = 0;     // an iteration's compute from the model's kernels; 0 without a model
  double checkpoint_ideal_s = 0;  // one checkpoint write to its tier, uncontended (a drain is not part of it)
  double gpu_peak_bf16_flops = 0; // for MFU
  bool job_tp_private = true;     // TP NVLink flows may be timed analytically (no data-set reads, no drains)
  // /meta/calibration: what timed the model's kernels, or how compute time was derived without a model.
  std::string timing_source = "none: compute time from job durations or workload.training.iteration_time";
  std::string timing_kind; // JobRecord::timing of a job timed by the model: "roofline" or "calibration"
};

struct LoadedJobs {
  TrainingSetup setup;
  std::vector<JobState> jobs; // arrival order: (submit, id)
  long parallel_skipped = 0;  // trace jobs whose size does not suit the 3D layout or HBM
};

// `free_gpus`: what the jobs may use (the cluster less an inference service's GPUs, `beside_service`, and hot
// spares). Fills report.trace and report.jobs_compute_clamped. Throws RunError for a workload that cannot run here.
LoadedJobs load_jobs(const Scenario& scenario, const platforms::Topology& topo, int free_gpus, bool beside_service,
                     RunReport& report);

} // namespace racksim::sim
