// InferenceService::Impl: the results of the service (docs/results-schema.md, "Inference"), and the inference
// summary computed from /requests rows.
#include "sim/engine/inference_service.hpp"

#include "sim/engine/energy.hpp"
#include "sim/engine/job_status.hpp"
#include "sim/engine/run_recorder.hpp"

#include <algorithm>
#include <numeric>

namespace racksim::sim {
namespace {

double mean_of(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

} // namespace

// Requests in the system over time, from the +1/-1 events sorted by time (a finish time may lie a few ulps past the
// clock at which it was noted).
StepSeries InferenceService::Impl::in_system_series() const {
  auto events = in_system_events_;
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  StepSeries series;
  int in_system = 0;
  for (const auto& [t, delta] : events)
    series.set(t, in_system += delta);
  return series;
}

// Appends /requests, the requests_in_system series and the inference_* summary. Standalone (the service is the
// whole run): also one /jobs row per replica, the gpus_allocated and queue_length series and the job summary.
void InferenceService::Impl::record(ResultSet& rs, double end, double interval, bool standalone) const {
  const std::size_t arrived = scenario_.horizon_s > 0 ? arrived_ : requests_.size();
  rs.requests.reserve(arrived);
  for (std::size_t i = 0; i < arrived; ++i) {
    const auto& s = requests_[i];
    RequestRecord q;
    q.id = s.request.id;
    q.service = spec_.name;
    q.replica = s.replica;
    q.arrival_s = s.request.arrival_s;
    q.start_s = s.start_s;
    q.first_token_s = s.first_token_s;
    q.finish_s = s.finish_s;
    q.status = to_string(s.status);
    q.prompt_tokens = static_cast<std::int32_t>(std::min<std::int64_t>(s.request.prompt_tokens, INT32_MAX));
    q.output_tokens = static_cast<std::int32_t>(std::min<std::int64_t>(s.request.output_tokens, INT32_MAX));
    rs.requests.push_back(std::move(q));
  }
  // One /jobs row per replica: its GPUs, held for the whole run.
  double busy = 0, iterations = 0, sequences = 0;
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    const auto& rep = replicas_[r];
    busy += rep.busy_s;
    iterations += static_cast<double>(rep.iterations);
    sequences += rep.batch_sequences;
    if (!standalone) continue;
    JobRecord job;
    job.id = static_cast<std::int64_t>(r);
    job.kind = "inference";
    job.submit_s = 0;
    job.start_s = 0;
    job.end_s = end;
    job.gpus = spec_.gpus_per_replica;
    job.status = to_string(JobStatus::completed);
    job.compute_s = rep.busy_s - rep.comm_s;
    if (meter_) job.energy_j = meter_->job_energy_j(job.gpus * end, meter_->busy_gpu_s(rep.gpus, end));
    job.comm_s = rep.comm_s;
    job.timing =
        explicit_service_ ? "service_time" : (scenario_.calibration == "roofline" ? "roofline" : "calibration");
    set_span(job, topo_, rep.gpus);
    rs.jobs.push_back(std::move(job));
  }
  const StepSeries in_system = in_system_series();
  if (standalone) {
    StepSeries allocated;
    allocated.set(0, gpus());
    rs.timeseries.push_back(allocated.sample("gpus_allocated", "GPUs", interval, end));
    rs.timeseries.push_back(waiting_series_.sample("queue_length", "requests", interval, end));
    rs.summary = run_summary(rs.jobs, allocated.integral(end), topo_.num_gpus(), end);
  }
  rs.timeseries.push_back(in_system.sample("requests_in_system", "requests", interval, end));
  const InferenceSlo slo{spec_.slo_ttft_s, spec_.slo_tpot_s, spec_.slo_e2e_s};
  for (auto& entry : inference_summary(rs.requests, slo, end, in_system.integral(end)))
    rs.summary.push_back(std::move(entry));
  rs.summary.emplace_back("inference_replicas", static_cast<double>(spec_.replicas));
  rs.summary.emplace_back("inference_kv_capacity_tokens", static_cast<double>(memory_.kv_capacity_tokens));
  rs.summary.emplace_back("inference_weight_bytes_per_gpu", memory_.weight_bytes_per_gpu);
  rs.summary.emplace_back("inference_iterations", iterations);
  rs.summary.emplace_back("inference_mean_batch", explicit_service_ || iterations == 0 ? 0 : sequences / iterations);
  const bool autoscaled = scenario_.policies.autoscaler != "none";
  const double replica_s = autoscaled ? active_series_.integral(end) : end * static_cast<double>(spec_.replicas);
  rs.summary.emplace_back("inference_busy_fraction",
                          replica_s > 0 ? busy / (replica_s * (explicit_service_ ? spec_.max_batch : 1)) : 0);
  if (failures_) {
    rs.summary.emplace_back("inference_retries", static_cast<double>(retries_));
    rs.summary.emplace_back("inference_requests_failed", static_cast<double>(requests_failed_));
    rs.events.insert(rs.events.end(), events_.begin(), events_.end());
    std::stable_sort(rs.events.begin(), rs.events.end(),
                     [](const EventRecord& a, const EventRecord& b) { return a.time_s < b.time_s; });
  }
  if (autoscaled) {
    rs.timeseries.push_back(active_series_.sample("inference_replicas", "replicas", interval, end));
    rs.summary.emplace_back("inference_replicas_mean", end > 0 ? replica_s / end : 0);
    rs.summary.emplace_back("inference_scale_events", static_cast<double>(scale_events_));
  }
}

std::vector<std::pair<std::string, double>> inference_summary(const std::vector<RequestRecord>& requests,
                                                              const InferenceSlo& slo, double end_s,
                                                              double in_system_integral) {
  std::vector<double> ttft, tpot, e2e, wait;
  double completed = 0, dropped = 0, rejected = 0, failed = 0, output_tokens = 0, all_tokens = 0, good = 0;
  for (const auto& q : requests) {
    if (q.status == "dropped") ++dropped;
    if (q.status == "rejected") ++rejected;
    if (q.status == "failed") ++failed;
    if (q.status != "completed") continue;
    ++completed;
    const double t_first = q.first_token_s - q.arrival_s;
    const double t_e2e = q.finish_s - q.arrival_s;
    ttft.push_back(t_first);
    e2e.push_back(t_e2e);
    wait.push_back(q.start_s - q.arrival_s);
    bool meets = (slo.ttft_s <= 0 || t_first <= slo.ttft_s) && (slo.e2e_s <= 0 || t_e2e <= slo.e2e_s);
    if (q.output_tokens > 1) {
      const double t_tpot = (q.finish_s - q.first_token_s) / (q.output_tokens - 1);
      tpot.push_back(t_tpot);
      meets = meets && (slo.tpot_s <= 0 || t_tpot <= slo.tpot_s);
    }
    if (meets) ++good;
    output_tokens += q.output_tokens;
    all_tokens += q.output_tokens + q.prompt_tokens;
  }
  const double n = static_cast<double>(requests.size());
  const auto pct = [](const std::vector<double>& v, double p) { return v.empty() ? 0.0 : percentile(v, p); };
  std::vector<std::pair<std::string, double>> out;
  out.emplace_back("inference_requests", n);
  out.emplace_back("inference_completed", completed);
  out.emplace_back("inference_dropped", dropped);
  out.emplace_back("inference_rejected", rejected);
  out.emplace_back("inference_unfinished", n - completed - dropped - rejected - failed);
  out.emplace_back("inference_throughput_rps", end_s > 0 ? completed / end_s : 0);
  out.emplace_back("inference_output_tokens_per_s", end_s > 0 ? output_tokens / end_s : 0);
  out.emplace_back("inference_tokens_per_s", end_s > 0 ? all_tokens / end_s : 0);
  for (const auto& [name, values] : {std::pair<const char*, const std::vector<double>*>{"ttft", &ttft},
                                     {"tpot", &tpot},
                                     {"e2e", &e2e},
                                     {"wait", &wait}}) {
    out.emplace_back(std::string("inference_mean_") + name + "_s", mean_of(*values));
    out.emplace_back(std::string("inference_p50_") + name + "_s", pct(*values, 50));
    out.emplace_back(std::string("inference_p90_") + name + "_s", pct(*values, 90));
    out.emplace_back(std::string("inference_p99_") + name + "_s", pct(*values, 99));
  }
  out.emplace_back("inference_slo_attainment", n > 0 ? good / n : 0);
  out.emplace_back("inference_mean_in_system", end_s > 0 ? in_system_integral / end_s : 0);
  return out;
}

} // namespace racksim::sim
