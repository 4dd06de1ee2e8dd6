#include "workloads/synthetic/synthetic.hpp"

#include "workloads/rng.hpp"
#include "workloads/traces/trace_reader.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace racksim::workloads {
namespace {

[[noreturn]] void invalid(const std::string& what) {
  throw std::invalid_argument("workload.synthetic." + what);
}

bool positive_finite(double x) {
  return std::isfinite(x) && x > 0;
}

// The scenario layer validates these too; checking here keeps the generator safe to call from tests and tools.
void validate(const SyntheticSpec& spec) {
  if (spec.jobs < 0) invalid("jobs: must be >= 0, got " + std::to_string(spec.jobs));
  if (!positive_finite(spec.mean_interarrival_s)) invalid("mean_interarrival_s: must be a positive number");
  if (!positive_finite(spec.load_scale)) invalid("load_scale: must be a positive number");
  if (!std::isfinite(spec.diurnal_amplitude) || spec.diurnal_amplitude < 0 || spec.diurnal_amplitude > 1)
    invalid("diurnal.amplitude: must be in [0, 1]");
  if (!positive_finite(spec.diurnal_period_s)) invalid("diurnal.period: must be a positive number");
  if (!std::isfinite(spec.diurnal_peak_s)) invalid("diurnal.peak: must be a finite number");
  if (!std::isfinite(spec.mmpp_burst_multiplier) || spec.mmpp_burst_multiplier < 1)
    invalid("mmpp.burst_multiplier: must be a finite number >= 1");
  if (!positive_finite(spec.mmpp_calm_mean_s)) invalid("mmpp.calm_mean: must be a positive number");
  if (!positive_finite(spec.mmpp_burst_mean_s)) invalid("mmpp.burst_mean: must be a positive number");
  if (!positive_finite(spec.pareto_shape)) invalid("duration.pareto_shape: must be a positive number");
  if (!positive_finite(spec.pareto_scale_s)) invalid("duration.pareto_scale: must be a positive number");
  if (spec.sizes == SyntheticSizes::empirical && spec.empirical_trace.empty())
    invalid("empirical_trace: required when sizes is empirical");
  if (spec.gpu_values.empty()) invalid("gpu_values: must not be empty");
  for (int g : spec.gpu_values)
    if (g < 1) invalid("gpu_values: every value must be >= 1, got " + std::to_string(g));
  if (!spec.gpu_weights.empty()) {
    if (spec.gpu_weights.size() != spec.gpu_values.size())
      invalid("gpu_weights: has " + std::to_string(spec.gpu_weights.size()) + " entries, gpu_values has " +
              std::to_string(spec.gpu_values.size()));
    double total = 0;
    for (double w : spec.gpu_weights) {
      if (!std::isfinite(w) || w < 0) invalid("gpu_weights: every weight must be a finite number >= 0");
      total += w;
    }
    if (!(total > 0)) invalid("gpu_weights: at least one weight must be positive");
  }
  if (spec.priority_classes < 1)
    invalid("priority_classes: must be >= 1, got " + std::to_string(spec.priority_classes));
  if (!positive_finite(spec.duration_median_s)) invalid("duration_median_s: must be a positive number");
  if (!std::isfinite(spec.duration_sigma) || spec.duration_sigma < 0)
    invalid("duration_sigma: must be a finite number >= 0");
  if (!positive_finite(spec.duration_min_s)) invalid("duration_min_s: must be a positive number");
  if (!positive_finite(spec.duration_max_s) || spec.duration_max_s < spec.duration_min_s)
    invalid("duration_max_s: must be a number >= duration_min_s");
}

// One uniform draw per job whatever the weights, so the GPU stream stays aligned job by job.
int draw_gpus(const SyntheticSpec& spec, Rng& rng) {
  const std::size_t n = spec.gpu_values.size();
  if (spec.gpu_weights.empty()) {
    const auto i = static_cast<std::size_t>(rng.uniform() * static_cast<double>(n));
    return spec.gpu_values[std::min(i, n - 1)];
  }
  double total = 0;
  for (double w : spec.gpu_weights)
    total += w;
  const double target = rng.uniform() * total;
  double cumulative = 0;
  for (std::size_t i = 0; i < n; ++i) {
    cumulative += spec.gpu_weights[i];
    if (target < cumulative && spec.gpu_weights[i] > 0) return spec.gpu_values[i];
  }
  // Rounding can leave target at the very top of the range: fall back to the last value that has weight.
  for (std::size_t i = n; i-- > 0;)
    if (spec.gpu_weights[i] > 0) return spec.gpu_values[i];
  return spec.gpu_values.back(); // unreachable: validate() requires a positive weight
}

double draw_duration(const SyntheticSpec& spec, Rng& rng) {
  double d = spec.duration_median_s;
  switch (spec.duration_distribution) {
  case DurationDistribution::constant:
    break;
  case DurationDistribution::exponential:
    d = rng.exponential(spec.duration_median_s); // the field is the mean for this distribution
    break;
  case DurationDistribution::lognormal:
    d = rng.lognormal(spec.duration_median_s, spec.duration_sigma);
    break;
  case DurationDistribution::pareto: // inverse CDF: P(D > d) = (x_m / d)^alpha for d >= x_m
    d = spec.pareto_scale_s * std::pow(rng.uniform(), -1 / spec.pareto_shape);
    break;
  }
  return std::clamp(d, spec.duration_min_s, spec.duration_max_s);
}

// Submission times, one call per job. Each process draws from the "arrivals" stream only (MMPP's state changes
// from their own stream), so sizes and durations stay paired across arrival processes.
class Arrivals {
 public:
  Arrivals(const SyntheticSpec& spec, std::uint64_t seed)
      : spec_(spec), rng_(Rng::stream(seed, "workload.synthetic.arrivals")),
        state_rng_(Rng::stream(seed, "workload.synthetic.mmpp_state")) {
    const double mean_rate = spec.load_scale / spec.mean_interarrival_s;
    if (spec.arrival == SyntheticArrival::mmpp) {
      // Stationary mean rate = (calm_rate tau_c + burst_rate tau_b) / (tau_c + tau_b) with burst_rate = m calm_rate.
      const double tc = spec.mmpp_calm_mean_s, tb = spec.mmpp_burst_mean_s;
      calm_rate_ = mean_rate * (tc + tb) / (tc + spec.mmpp_burst_multiplier * tb);
      burst_rate_ = spec.mmpp_burst_multiplier * calm_rate_;
      // Start in the stationary distribution, so the process has no warm-up transient.
      burst_ = state_rng_.uniform() < tb / (tc + tb);
      switch_at_ = state_rng_.exponential(burst_ ? tb : tc);
    }
  }

  double next(double t) {
    switch (spec_.arrival) {
    case SyntheticArrival::poisson:
      break;
    case SyntheticArrival::diurnal: {
      // The sine peaks a quarter period after its phase.
      const double phase = spec_.diurnal_peak_s - spec_.diurnal_period_s / 4;
      return next_sine_arrival(rng_, t, spec_.load_scale / spec_.mean_interarrival_s, spec_.diurnal_amplitude,
                               spec_.diurnal_period_s, phase);
    }
    case SyntheticArrival::mmpp:
      for (;;) {
        // Memoryless: a candidate past the state change is dropped and drawn again at the new state's rate.
        const double candidate = t + rng_.exponential(1 / (burst_ ? burst_rate_ : calm_rate_));
        if (candidate <= switch_at_) return candidate;
        t = switch_at_;
        burst_ = !burst_;
        switch_at_ += state_rng_.exponential(burst_ ? spec_.mmpp_burst_mean_s : spec_.mmpp_calm_mean_s);
      }
    }
    // Poisson, exactly today's draws at load_scale 1 (x / 1 == x).
    return t + rng_.exponential(spec_.mean_interarrival_s / spec_.load_scale);
  }

 private:
  const SyntheticSpec& spec_;
  Rng rng_, state_rng_;
  double calm_rate_ = 0, burst_rate_ = 0, switch_at_ = 0;
  bool burst_ = false;
};

} // namespace

std::vector<std::pair<int, double>> empirical_rows(const SyntheticSpec& spec, int max_gpus) {
  TraceSpec trace;
  trace.format = spec.empirical_format;
  trace.path = spec.empirical_trace;
  TraceReport report;
  std::vector<std::pair<int, double>> rows;
  for (const JobSpec& job : read_trace(trace, max_gpus, report))
    rows.emplace_back(job.gpus, job.duration_s);
  if (rows.empty())
    throw TraceError(spec.empirical_trace + ": workload.synthetic.empirical_trace: no row fits the cluster (" +
                     std::to_string(max_gpus) + " GPUs)");
  return rows;
}

std::vector<JobSpec> generate_synthetic(const SyntheticSpec& spec, std::uint64_t seed, int max_gpus) {
  validate(spec);
  // Separate streams: changing the GPU or duration distribution leaves the arrival times untouched (and so on),
  // which keeps what-if comparisons between scenarios paired.
  Arrivals arrivals(spec, seed);
  Rng gpus = Rng::stream(seed, "workload.synthetic.gpus");
  Rng durations = Rng::stream(seed, "workload.synthetic.durations");
  Rng priorities = Rng::stream(seed, "workload.synthetic.priorities"); // drawn from only when classes > 1
  std::vector<std::pair<int, double>> rows;
  if (spec.sizes == SyntheticSizes::empirical) rows = empirical_rows(spec, max_gpus);

  std::vector<JobSpec> jobs;
  jobs.reserve(static_cast<std::size_t>(spec.jobs));
  // Arrivals start at t = 0: the first job arrives after one inter-arrival draw, not at 0.
  double t = 0;
  for (int i = 0; i < spec.jobs; ++i) {
    t = arrivals.next(t);
    JobSpec job;
    job.id = i;
    job.kind = JobKind::training;
    job.submit_s = t;
    if (rows.empty()) {
      job.gpus = draw_gpus(spec, gpus);
      job.duration_s = draw_duration(spec, durations); // drawn even for work-defined jobs: streams stay aligned
    } else {
      // A whole row, uniformly: GPUs and duration keep their joint distribution (no clamping).
      const auto n = rows.size();
      const auto& row = rows[std::min(static_cast<std::size_t>(gpus.uniform() * static_cast<double>(n)), n - 1)];
      job.gpus = row.first;
      job.duration_s = row.second;
    }
    job.iterations = spec.iterations;
    if (spec.priority_classes > 1) {
      const auto k = static_cast<std::size_t>(spec.priority_classes);
      job.priority = static_cast<int>(std::min(static_cast<std::size_t>(priorities.uniform() * static_cast<double>(k)), k - 1));
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

} // namespace racksim::workloads
