#pragma once
// A small, hand-checkable ResultSet shared by the results tests and the sample-file writer (the h5py check in
// analysis/ runs on that file). The expected summary values are worked out in results_metrics_test.cpp.

#include "sim/results/results.hpp"

#include <string>
#include <vector>

namespace racksim::sim::testing {

inline std::vector<JobRecord> sample_jobs() {
  auto job = [](std::int64_t id, const char* kind, double submit, double start, double end, int gpus,
                const char* status, double queue, double compute, double comm, double checkpoint) {
    JobRecord j;
    j.id = id;
    j.kind = kind;
    j.submit_s = submit;
    j.start_s = start;
    j.end_s = end;
    j.gpus = gpus;
    j.status = status;
    j.queue_s = queue;
    j.compute_s = compute;
    j.comm_s = comm;
    j.checkpoint_s = checkpoint;
    j.nodes = gpus / 8 > 0 ? gpus / 8 : 1;
    j.racks = 1;
    return j;
  };
  std::vector<JobRecord> jobs = {
      job(1, "training", 0, 10, 110, 8, "completed", 10, 60, 30, 10),
      job(2, "inference", 5, 5, 55, 4, "completed", 0, 40, 10, 0),
      job(3, "training", 20, 50, 250, 16, "completed", 30, 120, 60, 20),
      job(4, "training", 30, 100, -1, 8, "running", 70, 50, 20, 0),
      job(5, "collective", 40, -1, -1, 32, "queued", 260, 0, 0, 0),
  };
  jobs[2].restarts = 2;
  jobs[2].lost_gpu_s = 480.5;
  jobs[2].energy_j = 1.25e9;
  jobs[2].racks = 2;
  jobs[2].timing = "calibration";
  jobs[2].mfu = 0.41;
  jobs[2].tokens_per_s = 1.25e6;
  return jobs;
}

// GPU-seconds allocated to the jobs above on 32 GPUs over a 300 s horizon: the integral of the gpus_allocated
// step series below, 4*5 + 12*40 + 28*5 + 24*45 + 32*10 + 24*140 + 8*50.
inline constexpr double sample_allocated_gpu_s = 5800;
inline constexpr int sample_total_gpus = 32;
inline constexpr double sample_end_s = 300;

inline ResultSet sample_result_set() {
  ResultSet r;
  r.meta.racksim_version = "0.1.0";
  r.meta.git_sha = "0123456789ab";
  r.meta.simgrid_version = "3.32";
  r.meta.seed = 18446744073709551557ULL; // largest 64-bit prime: catches a signed or narrowed seed
  r.meta.scenario_yaml = "name: sample\nseed: 42\nplatform:\n  link_latency: 1.5µs\n";
  r.meta.calibration = "roofline:H100-SXM5-80GB";
  r.meta.started_utc = "2024-01-02T03:04:05Z";
  r.meta.wall_seconds = 0.125;
  r.jobs = sample_jobs();

  StepSeries allocated;
  allocated.set(5, 4);
  allocated.set(10, 12);
  allocated.set(50, 28);
  allocated.set(55, 24);
  allocated.set(100, 32);
  allocated.set(110, 24);
  allocated.set(250, 8);
  r.timeseries.push_back(allocated.sample("gpus_allocated", "GPUs", 10, sample_end_s));
  StepSeries queued;
  queued.set(0, 1);
  queued.set(10, 0);
  queued.set(20, 1);
  queued.set(30, 2);
  queued.set(40, 3);
  queued.set(50, 2);
  queued.set(100, 1);
  r.timeseries.push_back(queued.sample("queue_length", "jobs", 10, sample_end_s));

  r.summary = compute_summary(r.jobs, sample_allocated_gpu_s, sample_total_gpus, sample_end_s);
  return r;
}

} // namespace racksim::sim::testing
