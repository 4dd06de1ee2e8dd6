#pragma once
// Order statistics of timing samples (median, p10, p90) for the calibration harness. Header-only C++17 so that
// timing.cu (nvcc) and the host tests share it.

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace racksim::cuda::calibrate {

struct Stats {
  double median = 0, p10 = 0, p90 = 0; // in the samples' unit (seconds, in the harness)
  double min = 0, max = 0;
  int samples = 0;
};

// Percentile q in [0, 1] of sorted values, linear interpolation between closest ranks (numpy's default "linear":
// position q x (n - 1)). Throws std::invalid_argument for an empty input or q outside [0, 1].
inline double percentile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) throw std::invalid_argument("percentile of no samples");
  if (!(q >= 0 && q <= 1)) throw std::invalid_argument("percentile: q must be in [0, 1]");
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

// Median, p10, p90, min, max of the samples (any order). Throws std::invalid_argument when empty or when a sample
// is not finite (a NaN time means a broken measurement, never something to average away).
inline Stats summarize(std::vector<double> samples) {
  if (samples.empty()) throw std::invalid_argument("summarize: no samples");
  for (double s : samples)
    if (!std::isfinite(s)) throw std::invalid_argument("summarize: non-finite sample");
  std::sort(samples.begin(), samples.end());
  Stats s;
  s.median = percentile_sorted(samples, 0.5);
  s.p10 = percentile_sorted(samples, 0.1);
  s.p90 = percentile_sorted(samples, 0.9);
  s.min = samples.front();
  s.max = samples.back();
  s.samples = static_cast<int>(samples.size());
  return s;
}

} // namespace racksim::cuda::calibrate
