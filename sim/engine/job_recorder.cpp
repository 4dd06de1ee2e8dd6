#include "sim/engine/job_recorder.hpp"

#include "sim/engine/energy.hpp"
#include "sim/engine/run_recorder.hpp"
#include "workloads/training/parallel_model.hpp"

#include <algorithm>
#include <cmath>

namespace racksim::sim {
namespace {

using Summary = std::vector<std::pair<std::string, double>>;

// What the trace reader skipped or changed, jobs whose communication alone exceeded their duration, and the model's
// compute per iteration (0 without one).
void add_workload_summary(Summary& sm, const RunReport& report, double model_compute_s) {
  const auto& trace = report.trace;
  sm.emplace_back("trace_rows_skipped_zero_gpus", static_cast<double>(trace.skipped_zero_gpus));
  sm.emplace_back("trace_rows_skipped_too_large", static_cast<double>(trace.skipped_too_large));
  sm.emplace_back("trace_rows_skipped_bad_duration", static_cast<double>(trace.skipped_bad_duration));
  sm.emplace_back("trace_rows_skipped_not_run", static_cast<double>(trace.skipped_not_run));
  sm.emplace_back("trace_rows_clamped", static_cast<double>(trace.clamped_too_large + trace.clamped_duration));
  sm.emplace_back("trace_jobs_fractional_gpus", static_cast<double>(trace.fractional_rounded_up));
  sm.emplace_back("jobs_compute_clamped", static_cast<double>(report.jobs_compute_clamped));
  sm.emplace_back("model_compute_s_per_iteration", model_compute_s);
}

// 3D parallelism (docs/training-model.md). Only in that mode, so other scenarios keep their summary unchanged.
void add_parallel_summary(Summary& sm, const JobRunParts& parts, const std::vector<JobRecord>& records) {
  double sum = 0, count = 0;
  for (std::size_t i = 0; i < parts.jobs.size(); ++i)
    if (parts.jobs[i].status == JobStatus::completed && records[i].mfu > 0) sum += records[i].mfu, ++count;
  sm.emplace_back("mean_mfu", count > 0 ? sum / count : 0.0);
  sm.emplace_back("jobs_skipped_parallelism", static_cast<double>(parts.parallel_skipped));
  sm.emplace_back("jobs_tp_across_nvlink", static_cast<double>(parts.runner.tp_across_nvlink()));
}

// Checkpoint drains (docs/storage.md). Only with a drain configured, so scenarios without one keep their summary.
void add_drain_summary(Summary& sm, const std::vector<double>& drain_s) {
  double total = 0, longest = 0;
  for (double d : drain_s)
    total += d, longest = std::max(longest, d);
  sm.emplace_back("checkpoint_drains", static_cast<double>(drain_s.size()));
  sm.emplace_back("checkpoint_drain_mean_s", drain_s.empty() ? 0.0 : total / drain_s.size());
  sm.emplace_back("checkpoint_drain_max_s", longest);
}

// Failures, preemption and failover (docs/failures.md, "Metrics"), and Little's law on the job queue.
void add_reliability_summary(Summary& sm, const JobRunParts& parts, double end) {
  double lost = 0, allocated = 0, productive_gpu_s = 0, ettr_sum = 0, ettr_n = 0;
  double queue_time = parts.jobs.queue_time_total(); // plus the jobs still queued, up to the end
  long restarts = 0, preemptions = 0;
  for (const auto& job : parts.jobs.jobs()) {
    lost += job.lost_gpu_s;
    allocated += job.attained_gpu_s;
    restarts += job.restarts;
    preemptions += job.preemptions;
    // Productive: time on GPUs less work thrown away, restart delays, preemption saves and checkpoint writes.
    const double productive = std::max(0.0, job.busy_s - job.lost_s - job.delay_s - job.checkpoint_s);
    productive_gpu_s += productive * job.spec.gpus;
    if (job.status == JobStatus::completed && job.end_s > job.first_start_s) {
      ettr_sum += productive / (job.end_s - job.first_start_s);
      ++ettr_n;
    }
    if (job.status == JobStatus::queued) queue_time += end - job.queue_enter_s;
  }
  const int total_gpus = parts.cluster.total_gpus();
  sm.emplace_back("failures", static_cast<double>(parts.interruptions.failures()));
  sm.emplace_back("jobs_failed", static_cast<double>(parts.jobs.failed()));
  sm.emplace_back("restarts", static_cast<double>(restarts));
  sm.emplace_back("preemptions", static_cast<double>(preemptions));
  sm.emplace_back("lost_gpu_hours", lost / 3600);
  sm.emplace_back("goodput", allocated > 0 ? productive_gpu_s / allocated : 0.0);
  sm.emplace_back("mean_ettr", ettr_n > 0 ? ettr_sum / ettr_n : 0.0);
  sm.emplace_back("availability", end > 0 ? parts.cluster.up_series().integral(end) / (end * total_gpus) : 1.0);
  // L = lambda W over the run: mean queue length against entries per second x mean time per entry. Equal by
  // construction when the bookkeeping is right; a check on every run.
  const double L = end > 0 ? parts.jobs.queue_length().integral(end) / end : 0;
  const double lambda_w = end > 0 ? queue_time / end : 0;
  sm.emplace_back("littles_law_relative_error", L > 0 ? std::abs(L - lambda_w) / L : std::abs(lambda_w));
}

} // namespace

JobRecord job_record(const JobState& job, double end, const EnergyMeter& meter, const platforms::Topology& topo,
                     double gpu_peak_bf16_flops) {
  JobRecord r;
  r.id = job.spec.id;
  r.kind = workloads::to_string(job.spec.kind);
  r.submit_s = job.spec.submit_s;
  r.start_s = job.start_s;
  r.end_s = job.end_s;
  r.gpus = job.spec.gpus;
  r.status = to_string(job.status);
  // Clamped at 0: SimGrid's clock after sleep_until(t) can sit a few ulps below t.
  r.queue_s = std::max(0.0, (job.start_s >= 0 ? job.start_s : std::max(end, job.spec.submit_s)) - job.spec.submit_s);
  r.compute_s = job.compute_s;
  r.comm_s = job.comm_s;
  r.checkpoint_s = job.checkpoint_s;
  r.restarts = job.restarts;
  r.lost_gpu_s = job.lost_gpu_s;
  r.timing = job.timing;
  // Energy (docs/energy.md): its GPUs while it held them (every run; the one under way at the end was closed at the
  // end) at idle power plus their node's share, and (max - idle) while they computed; times the PUE.
  r.energy_j = meter.job_energy_j(job.attained_gpu_s, job.computed_gpu_s);
  if (job.par && job.iterations_done > 0 && job.compute_s + job.comm_s > 0) {
    const double busy = job.compute_s + job.comm_s;
    const double iters = static_cast<double>(job.iterations_done);
    r.mfu = workloads::mfu(job.par->model_flops * iters, busy, job.spec.gpus, gpu_peak_bf16_flops);
    r.tokens_per_s = job.par->tokens * iters / busy;
  }
  set_span(r, topo, job.gpus);
  return r;
}

void record_job_run(const JobRunParts& parts, double end, RunReport& report) {
  auto& rs = report.results; // fresh: its /jobs rows are the table's jobs, in order
  for (const auto& job : parts.jobs.jobs())
    rs.jobs.push_back(job_record(job, end, parts.meter, parts.topo, parts.setup.gpu_peak_bf16_flops));
  const double interval = timeseries_interval(parts.scenario, end);
  rs.timeseries.push_back(parts.cluster.allocated_series().sample("gpus_allocated", "GPUs", interval, end));
  rs.timeseries.push_back(parts.jobs.queue_length().sample("queue_length", "jobs", interval, end));
  rs.summary = run_summary(rs.jobs, parts.cluster.allocated_series().integral(end), parts.cluster.total_gpus(), end);
  add_workload_summary(rs.summary, report, parts.setup.model_compute_s);
  if (parts.setup.parallel) add_parallel_summary(rs.summary, parts, rs.jobs);
  if (parts.setup.training.checkpoint_drain != workloads::DrainTarget::none)
    add_drain_summary(rs.summary, parts.runner.drain_s());
  add_reliability_summary(rs.summary, parts, end);
  parts.meter.record(rs, end, interval);
  rs.events = parts.interruptions.events();
}

} // namespace racksim::sim
