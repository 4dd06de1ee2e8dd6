// The summary metrics every run computes from its /jobs rows (compute_summary), the step series behind the
// /timeseries datasets, and numpy's percentile. docs/results-schema.md gives every formula; the names are declared in
// the metric table (metrics.cpp).

#include "sim/results/results.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace racksim::sim {
namespace {

double mean(const std::vector<double>& values) {
  if (values.empty()) return 0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// Summary statistics of an empty set are reported as 0 (not NaN) so that files compare equal across runs and
// tools need no NaN handling; jobs_completed tells a reader whether the value means anything.
double percentile_or_zero(const std::vector<double>& values, double p) {
  return values.empty() ? 0.0 : percentile(values, p);
}

} // namespace

TimeSeries StepSeries::sample(const std::string& name, const std::string& unit, double interval, double end) const {
  if (!(interval > 0) || !std::isfinite(interval))
    throw std::invalid_argument("StepSeries::sample: interval must be > 0");
  if (!(end >= 0) || !std::isfinite(end)) throw std::invalid_argument("StepSeries::sample: end must be >= 0");
  // Tolerates end being a multiple of interval up to rounding (e.g. end = 1.0, interval = 0.1).
  const auto count = static_cast<std::size_t>(std::floor(end / interval * (1 + 1e-12))) + 1;

  // Events at equal times keep their order (the last one is the state that holds); out-of-order input is sorted
  // rather than rejected because the result is well defined either way.
  std::vector<std::pair<double, double>> sorted = points;
  auto by_time = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!std::is_sorted(sorted.begin(), sorted.end(), by_time)) std::stable_sort(sorted.begin(), sorted.end(), by_time);

  TimeSeries ts;
  ts.name = name;
  ts.unit = unit;
  ts.interval_s = interval;
  ts.time_s.reserve(count);
  ts.value.reserve(count);
  double current = 0; // the value before the first event
  std::size_t next = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const double t = static_cast<double>(k) * interval;
    while (next < sorted.size() && sorted[next].first <= t)
      current = sorted[next++].second;
    ts.time_s.push_back(t);
    ts.value.push_back(current);
  }
  return ts;
}

double StepSeries::integral(double end) const {
  std::vector<std::pair<double, double>> sorted = points;
  auto by_time = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!std::is_sorted(sorted.begin(), sorted.end(), by_time)) std::stable_sort(sorted.begin(), sorted.end(), by_time);
  double total = 0;
  double current = 0; // value before the first event
  double since = 0;
  for (const auto& [t, v] : sorted) {
    if (t >= end) break;
    const double from = std::max(t, 0.0);
    total += current * (from - since);
    since = std::max(since, from);
    current = v;
  }
  if (end > since) total += current * (end - since);
  return total;
}

double percentile(std::vector<double> values, double p) {
  if (!(p >= 0 && p <= 100)) throw std::invalid_argument("percentile: p must be in [0, 100]");
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  if (std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); })) {
    return std::numeric_limits<double>::quiet_NaN(); // as numpy does
  }
  std::sort(values.begin(), values.end());
  // numpy's "linear" method, term by term (including its two-sided lerp) so results agree to the last bit.
  const double q = p / 100;
  const double virtual_index = static_cast<double>(values.size() - 1) * q;
  const double below = std::floor(virtual_index);
  const auto lo = static_cast<std::size_t>(below);
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  const double gamma = virtual_index - below;
  const double a = values[lo];
  const double b = values[hi];
  const double diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

std::vector<std::pair<std::string, double>>
compute_summary(const std::vector<JobRecord>& jobs, double allocated_gpu_seconds, int total_gpus, double end_s) {
  std::vector<double> jct;
  std::vector<double> queue;
  std::vector<double> compute;
  std::vector<double> comm;
  std::vector<double> checkpoint;
  double first_submit = std::numeric_limits<double>::infinity();
  double last_end = -std::numeric_limits<double>::infinity();
  for (const JobRecord& j : jobs) {
    first_submit = std::min(first_submit, j.submit_s);
    if (j.start_s >= 0) queue.push_back(j.queue_s);
    if (j.status != "completed") continue;
    last_end = std::max(last_end, j.end_s);
    jct.push_back(j.end_s - j.submit_s);
    compute.push_back(j.compute_s);
    comm.push_back(j.comm_s);
    checkpoint.push_back(j.checkpoint_s);
  }
  const double completed = static_cast<double>(jct.size());
  const double busy = std::accumulate(compute.begin(), compute.end(), 0.0) +
                      std::accumulate(comm.begin(), comm.end(), 0.0) +
                      std::accumulate(checkpoint.begin(), checkpoint.end(), 0.0);
  const double capacity_gpu_s = static_cast<double>(total_gpus) * end_s;

  return {
      {"jobs_total", static_cast<double>(jobs.size())},
      {"jobs_completed", completed},
      {"jobs_unfinished", static_cast<double>(jobs.size()) - completed},
      {"makespan_s", jct.empty() ? 0.0 : last_end - first_submit},
      {"mean_jct_s", mean(jct)},
      {"p50_jct_s", percentile_or_zero(jct, 50)},
      {"p90_jct_s", percentile_or_zero(jct, 90)},
      {"p99_jct_s", percentile_or_zero(jct, 99)},
      {"mean_queue_s", mean(queue)},
      {"p50_queue_s", percentile_or_zero(queue, 50)},
      {"p99_queue_s", percentile_or_zero(queue, 99)},
      {"gpu_utilization", capacity_gpu_s > 0 ? allocated_gpu_seconds / capacity_gpu_s : 0.0},
      {"gpu_hours_allocated", allocated_gpu_seconds / 3600},
      {"mean_compute_s", mean(compute)},
      {"mean_comm_s", mean(comm)},
      {"mean_checkpoint_s", mean(checkpoint)},
      {"comm_fraction", busy > 0 ? std::accumulate(comm.begin(), comm.end(), 0.0) / busy : 0.0},
  };
}

} // namespace racksim::sim
