// The metric table (metrics.hpp). A declarative table, split by section; docs/results-schema.md gives each formula
// in full and must list the same names and units (tests/unit/results/metrics_docs_test.cpp).
//
// To add a summary metric: compute it where it belongs (sim/engine), add one line here and one row in
// docs/results-schema.md. A /jobs column: a JobRecord member (results.hpp), one line in job_columns() and a row in
// the docs.

#include "sim/results/metrics.hpp"

#include <stdexcept>

namespace racksim::sim::metrics {

namespace {

constexpr auto lower = Direction::lower_is_better;
constexpr auto higher = Direction::higher_is_better;
constexpr auto descriptive = Direction::descriptive;
constexpr RunKinds job_runs = training | inference | collective; // every run kind (each has /jobs rows of its own)
constexpr RunKinds served = inference | service;                 // runs with an inference service

Metric summary(std::string_view name, std::string_view unit, Direction d, RunKinds kinds, std::string_view definition,
               Only only = Only::always) {
  return {Section::summary, name, unit, d, kinds, only, definition};
}

// ---- /summary -------------------------------------------------------------------------------------------------------

std::vector<Metric> summary_metrics() {
  return {
      // compute_summary (summary.cpp), every run with /jobs rows (an inference run's replicas, a collective run's
      // groups are rows too).
      summary("jobs_total", "jobs", descriptive, job_runs, "rows of /jobs"),
      summary("jobs_completed", "jobs", higher, job_runs, "jobs whose status is completed"),
      summary("jobs_unfinished", "jobs", lower, job_runs, "jobs_total - jobs_completed"),
      summary("makespan_s", "s", lower, job_runs, "last end_s of a completed job - first submit_s"),
      summary("mean_jct_s", "s", lower, job_runs, "mean job completion time (end_s - submit_s), completed jobs"),
      summary("p50_jct_s", "s", lower, job_runs, "median job completion time, completed jobs"),
      summary("p90_jct_s", "s", lower, job_runs, "90th percentile job completion time, completed jobs"),
      summary("p99_jct_s", "s", lower, job_runs, "99th percentile job completion time, completed jobs"),
      summary("mean_queue_s", "s", lower, job_runs, "mean queue_s over started jobs"),
      summary("p50_queue_s", "s", lower, job_runs, "median queue_s over started jobs"),
      summary("p99_queue_s", "s", lower, job_runs, "99th percentile queue_s over started jobs"),
      summary("gpu_utilization", "fraction", higher, job_runs, "allocated GPU-seconds / (total GPUs x end)"),
      summary("gpu_hours_allocated", "GPU·h", descriptive, job_runs, "allocated GPU-seconds / 3600"),
      summary("mean_compute_s", "s", lower, job_runs, "mean compute_s over completed jobs"),
      summary("mean_comm_s", "s", lower, job_runs, "mean comm_s over completed jobs"),
      summary("mean_checkpoint_s", "s", lower, job_runs, "mean checkpoint_s over completed jobs"),
      summary("comm_fraction", "fraction", lower, job_runs, "sum comm_s / sum (compute_s + comm_s + checkpoint_s)"),
      // Every run (sim/engine: engine, inference_run, collective_run).
      summary("total_gpus", "GPUs", descriptive, job_runs, "GPUs in the platform"),
      summary("simulated_s", "s", lower, job_runs, "end of the run: the horizon, else the last arrival or completion"),
      // Training runs (sim/engine/engine.cpp).
      summary("trace_rows_skipped_zero_gpus", "rows", descriptive, training, "trace rows asking for 0 GPUs"),
      summary("trace_rows_skipped_too_large", "rows", descriptive, training, "trace rows larger than the platform"),
      summary("trace_rows_skipped_bad_duration", "rows", descriptive, training, "trace rows with a bad run time"),
      summary("trace_rows_skipped_not_run", "rows", descriptive, training, "trace jobs that never ran in the trace"),
      summary("trace_rows_clamped", "rows", descriptive, training, "trace rows clamped under bad_rows: clamp"),
      summary("trace_jobs_fractional_gpus", "jobs", descriptive, training, "jobs asking for a fraction of a GPU"),
      summary("jobs_compute_clamped", "jobs", lower, training, "jobs whose compute time was clamped to 0"),
      summary("model_compute_s_per_iteration", "s", descriptive, training,
              "compute time of one iteration from workload.training.model; 0 without one"),
      summary("mean_mfu", "fraction", higher, training, "mean mfu over completed jobs with mfu > 0",
              Only::parallel_training),
      summary("jobs_skipped_parallelism", "jobs", descriptive, training, "trace jobs that do not suit the layout",
              Only::parallel_training),
      summary("jobs_tp_across_nvlink", "jobs", descriptive, training, "jobs with a TP group over two NVLink domains",
              Only::parallel_training),
      summary("checkpoint_drains", "drains", descriptive, training, "checkpoint drains finished before the end",
              Only::checkpoint_drain),
      summary("checkpoint_drain_mean_s", "s", lower, training, "mean duration of those drains", Only::checkpoint_drain),
      summary("checkpoint_drain_max_s", "s", lower, training, "longest of those drains", Only::checkpoint_drain),
      // Reliability (training runs; failures also in inference runs with failures configured).
      summary("failures", "", lower, training | inference, "component failures (rows of /events with kind failure)"),
      summary("jobs_failed", "jobs", lower, training, "jobs ended by a failure (failover.policy: none)"),
      summary("restarts", "", lower, training, "sum of restarts over jobs"),
      summary("preemptions", "", lower, training, "scheduler preemptions"),
      summary("lost_gpu_hours", "GPU·h", lower, training, "sum of lost_gpu_s / 3600"),
      summary("goodput", "fraction", higher, training, "productive GPU time / allocated GPU time"),
      summary("mean_ettr", "fraction", higher, training, "mean effective training time ratio, completed jobs"),
      summary("availability", "fraction", higher, training, "time-average share of GPUs not under a failure"),
      summary("littles_law_relative_error", "fraction", lower, training, "|L - lambda W| / L of the job queue"),
      // Energy, cost and carbon (sim/engine/energy.cpp), every run.
      summary("energy_kwh", "kWh", lower, job_runs, "facility energy: integral of pue x IT power"),
      summary("gpu_energy_kwh", "kWh", lower, job_runs, "the GPUs' part of the IT energy"),
      summary("it_energy_kwh", "kWh", lower, job_runs, "IT energy, before PUE"),
      summary("mean_power_w", "W", lower, job_runs, "energy_kwh x 3.6e6 / end"),
      summary("pue", "ratio", descriptive, job_runs, "energy.pue"),
      summary("energy_cost_usd", "USD", lower, job_runs, "energy_kwh x energy.price"),
      summary("capex_usd", "USD", lower, job_runs, "energy.gpu_cost_per_hour x GPUs x end / 3600"),
      summary("cost_usd", "USD", lower, job_runs, "energy_cost_usd + capex_usd"),
      summary("co2_kg", "kg", lower, job_runs, "integral of facility power x carbon intensity"),
      // Collective runs (sim/engine/collective_run.cpp).
      summary("collectives_total", "rows", descriptive, collective, "rows of /collectives"),
      summary("peak_algbw_Bps", "B/s", higher, collective, "max algbw_Bps over /collectives"),
      summary("peak_busbw_Bps", "B/s", higher, collective, "max busbw_Bps over /collectives"),
      summary("avg_busbw_Bps", "B/s", higher, collective, "mean busbw_Bps over /collectives"),
      summary("max_time_over_ideal", "", lower, collective, "max time_s / ideal_s over /collectives"),
      // An inference service (sim/engine/inference_run.cpp): inference runs, and training runs with a service.
      summary("inference_requests", "requests", descriptive, served, "arrived requests (rows of /requests)"),
      summary("inference_completed", "requests", higher, served, "completed requests"),
      summary("inference_dropped", "requests", lower, served, "requests dropped at a full replica queue"),
      summary("inference_rejected", "requests", lower, served, "requests that could never be served"),
      summary("inference_unfinished", "requests", lower, served, "requests waiting or running at the horizon"),
      summary("inference_throughput_rps", "requests/s", higher, served, "completed requests / end"),
      summary("inference_output_tokens_per_s", "tokens/s", higher, served, "output tokens of completed / end"),
      summary("inference_tokens_per_s", "tokens/s", higher, served, "prompt + output tokens of completed / end"),
      summary("inference_mean_ttft_s", "s", lower, served, "mean time to first token"),
      summary("inference_p50_ttft_s", "s", lower, served, "median time to first token"),
      summary("inference_p90_ttft_s", "s", lower, served, "90th percentile time to first token"),
      summary("inference_p99_ttft_s", "s", lower, served, "99th percentile time to first token"),
      summary("inference_mean_tpot_s", "s", lower, served, "mean time per output token"),
      summary("inference_p50_tpot_s", "s", lower, served, "median time per output token"),
      summary("inference_p90_tpot_s", "s", lower, served, "90th percentile time per output token"),
      summary("inference_p99_tpot_s", "s", lower, served, "99th percentile time per output token"),
      summary("inference_mean_e2e_s", "s", lower, served, "mean end-to-end latency"),
      summary("inference_p50_e2e_s", "s", lower, served, "median end-to-end latency"),
      summary("inference_p90_e2e_s", "s", lower, served, "90th percentile end-to-end latency"),
      summary("inference_p99_e2e_s", "s", lower, served, "99th percentile end-to-end latency"),
      summary("inference_mean_wait_s", "s", lower, served, "mean wait before admission"),
      summary("inference_p50_wait_s", "s", lower, served, "median wait before admission"),
      summary("inference_p90_wait_s", "s", lower, served, "90th percentile wait before admission"),
      summary("inference_p99_wait_s", "s", lower, served, "99th percentile wait before admission"),
      summary("inference_slo_attainment", "fraction", higher, served, "completed requests meeting every SLO / arrived"),
      summary("inference_mean_in_system", "requests", lower, served, "time-average requests routed and not finished"),
      summary("inference_replicas", "replicas", descriptive, served, "workload.inference.replicas"),
      summary("inference_kv_capacity_tokens", "tokens", descriptive, served, "KV-cache capacity of one replica"),
      summary("inference_weight_bytes_per_gpu", "B", descriptive, served, "model weights held by one GPU"),
      summary("inference_iterations", "iterations", descriptive, served, "batching iterations, all replicas"),
      summary("inference_mean_batch", "sequences", descriptive, served, "mean sequences per iteration"),
      summary("inference_busy_fraction", "fraction", higher, served, "replica busy time / (replicas x end)"),
      summary("inference_retries", "requests", lower, served, "re-routings after a replica failure", Only::failures),
      summary("inference_requests_failed", "requests", lower, served, "requests with status failed", Only::failures),
      summary("inference_replicas_mean", "replicas", descriptive, served, "time-average active replicas",
              Only::autoscaler),
      summary("inference_scale_events", "events", descriptive, served, "replicas added plus replicas removed",
              Only::autoscaler),
      // Alerts (alerts.cpp), every run with an alerts: section.
      summary("alerts_raised", "alerts", lower, job_runs, "rows of /events with kind alert_raise", Only::alert_rules),
      summary("alert.<name>.raised", "alerts", lower, job_runs, "that rule's alert_raise rows", Only::alert_rules),
      summary("alert.<name>.seconds", "s", lower, job_runs, "time that rule was raised", Only::alert_rules),
  };
}

// ---- /timeseries ----------------------------------------------------------------------------------------------------

std::vector<Metric> series_metrics() {
  const auto series = [](std::string_view name, std::string_view unit, Direction d, RunKinds kinds,
                         std::string_view definition, Only only = Only::always) {
    return Metric{Section::series, name, unit, d, kinds, only, definition};
  };
  Metric queue = series("queue_length", "jobs", lower, job_runs, "jobs waiting (inference runs: requests)");
  queue.inference_unit = "requests";
  return {
      series("gpus_allocated", "GPUs", descriptive, job_runs, "GPUs allocated to jobs or replicas"),
      queue,
      series("power_w", "W", lower, job_runs, "facility power: pue x IT power"),
      series("requests_in_system", "requests", lower, served, "requests routed and not finished"),
      series("inference_replicas", "replicas", descriptive, served, "replicas taking requests", Only::autoscaler),
  };
}

} // namespace

// ---- /jobs ----------------------------------------------------------------------------------------------------------

const std::vector<JobColumn>& job_columns() {
  const auto column = [](std::string_view name, JobMember member, std::string_view unit, Direction d,
                         std::string_view definition, RunKinds kinds = job_runs) {
    return JobColumn{{Section::jobs, name, unit, d, kinds, Only::always, definition}, member};
  };
  using J = JobRecord;
  static const std::vector<JobColumn> columns = {
      column("id", &J::id, "", descriptive, "job id from the workload"),
      column("kind", &J::kind, "", descriptive, "training, inference, collective"),
      column("submit_s", &J::submit_s, "s", descriptive, "simulated time the job was submitted"),
      column("start_s", &J::start_s, "s", descriptive, "time it first started; -1 if never"),
      column("end_s", &J::end_s, "s", descriptive, "time it finished; -1 if it did not"),
      column("gpus", &J::gpus, "GPUs", descriptive, "GPUs requested"),
      column("status", &J::status, "", descriptive, "completed, failed, running, queued, preempting"),
      column("restarts", &J::restarts, "", lower, "times the job ran again after a failure"),
      column("queue_s", &J::queue_s, "s", lower, "start_s - submit_s (horizon - submit_s if never started)"),
      column("compute_s", &J::compute_s, "s", lower, "time spent in compute activities"),
      column("comm_s", &J::comm_s, "s", lower, "time spent in collectives"),
      column("checkpoint_s", &J::checkpoint_s, "s", lower, "time spent writing checkpoints"),
      column("lost_gpu_s", &J::lost_gpu_s, "GPU·s", lower, "work thrown away by failures"),
      column("energy_j", &J::energy_j, "J", lower, "facility energy attributed to the job"),
      column("nodes", &J::nodes, "", descriptive, "distinct nodes the job ran on"),
      column("racks", &J::racks, "", descriptive, "distinct racks the job ran on"),
      column("timing", &J::timing, "", descriptive, "where the compute time came from"),
      column("mfu", &J::mfu, "fraction", higher, "model FLOPs utilization (3D-parallel jobs; else 0)", training),
      column("tokens_per_s", &J::tokens_per_s, "tokens/s", higher, "training throughput (3D-parallel jobs; else 0)",
             training),
  };
  return columns;
}

const char* dtype_of(const JobMember& member) {
  static constexpr const char* names[] = {"int64", "int32", "float64", "S16"};
  return names[member.index()];
}

// ---- lookups --------------------------------------------------------------------------------------------------------

const char* to_string(Direction d) {
  switch (d) {
  case Direction::lower_is_better:
    return "lower_is_better";
  case Direction::higher_is_better:
    return "higher_is_better";
  case Direction::descriptive:
    break;
  }
  return "descriptive";
}

const char* to_string(Section s) {
  switch (s) {
  case Section::summary:
    return "summary";
  case Section::series:
    return "series";
  case Section::jobs:
    break;
  }
  return "jobs";
}

bool Metric::matches(std::string_view candidate) const {
  const auto open = name.find('<');
  if (open == std::string_view::npos) return candidate == name;
  const auto close = name.find('>', open);
  const std::string_view prefix = name.substr(0, open), suffix = name.substr(close + 1);
  return candidate.size() > prefix.size() + suffix.size() && candidate.starts_with(prefix) &&
         candidate.ends_with(suffix);
}

const std::vector<Metric>& metric_table() {
  static const std::vector<Metric> table = [] {
    std::vector<Metric> all = summary_metrics();
    for (const Metric& m : series_metrics())
      all.push_back(m);
    for (const JobColumn& c : job_columns())
      all.push_back(c.metric);
    return all;
  }();
  return table;
}

const Metric* find_metric(Section section, std::string_view name) {
  const auto& table = metric_table();
  for (const Metric& m : table)
    if (m.section == section && !m.is_pattern() && m.name == name) return &m;
  for (const Metric& m : table)
    if (m.section == section && m.is_pattern() && m.matches(name)) return &m;
  return nullptr;
}

namespace {

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[(c >> 4) & 0xf];
      out += hex[c & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

template <class Field>
std::string summary_json(const std::vector<std::pair<std::string, double>>& summary, Field field) {
  std::string out = "{";
  for (const auto& [name, value] : summary) {
    const Metric* m = find_metric(Section::summary, name);
    if (m == nullptr) throw std::invalid_argument("summary attribute '" + name + "' is not declared");
    out += (out.size() > 1 ? ", " : "") + json_string(name) + ": " + json_string(field(*m));
  }
  return out + "}";
}

} // namespace

std::string summary_units_json(const std::vector<std::pair<std::string, double>>& summary) {
  return summary_json(summary, [](const Metric& m) { return m.unit; });
}

std::string summary_directions_json(const std::vector<std::pair<std::string, double>>& summary) {
  return summary_json(summary, [](const Metric& m) { return std::string_view(to_string(m.direction)); });
}

} // namespace racksim::sim::metrics
