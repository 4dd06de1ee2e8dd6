#include "workloads/synthetic/synthetic.hpp"

#include "workloads/rng.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

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
  }
  return std::clamp(d, spec.duration_min_s, spec.duration_max_s);
}

} // namespace

std::vector<JobSpec> generate_synthetic(const SyntheticSpec& spec, std::uint64_t seed) {
  validate(spec);
  // Separate streams: changing the GPU or duration distribution leaves the arrival times untouched (and so on),
  // which keeps what-if comparisons between scenarios paired.
  Rng arrivals = Rng::stream(seed, "workload.synthetic.arrivals");
  Rng gpus = Rng::stream(seed, "workload.synthetic.gpus");
  Rng durations = Rng::stream(seed, "workload.synthetic.durations");

  std::vector<JobSpec> jobs;
  jobs.reserve(static_cast<std::size_t>(spec.jobs));
  // A Poisson process started at t = 0: the first job arrives after one inter-arrival draw, not at 0.
  double t = 0;
  for (int i = 0; i < spec.jobs; ++i) {
    t += arrivals.exponential(spec.mean_interarrival_s);
    JobSpec job;
    job.id = i;
    job.kind = JobKind::training;
    job.submit_s = t;
    job.gpus = draw_gpus(spec, gpus);
    job.duration_s = draw_duration(spec, durations); // drawn even for work-defined jobs: streams stay aligned
    job.iterations = spec.iterations;
    jobs.push_back(std::move(job));
  }
  return jobs;
}

} // namespace racksim::workloads
