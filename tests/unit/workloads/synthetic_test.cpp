// Synthetic generator: exact determinism, independent streams, and the distributions' statistics.
//
// Statistical tolerances: the tests use a fixed seed, so they are deterministic; the tolerances are chosen so that
// they would also pass for almost any other seed (about 4 standard errors), which keeps them meaningful when the
// generator changes and does not make them flaky.

#include "workloads/synthetic/synthetic.hpp"
#include "workloads/traces/trace_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

namespace racksim::workloads {
namespace {

constexpr int kMany = 20000;

SyntheticSpec small_spec() {
  SyntheticSpec spec;
  spec.jobs = 5;
  spec.mean_interarrival_s = 600;
  spec.gpu_values = {1, 2, 4, 8};
  spec.duration_distribution = DurationDistribution::lognormal;
  spec.duration_median_s = 3600;
  spec.duration_sigma = 1.0;
  return spec;
}

void expect_same(const std::vector<JobSpec>& a, const std::vector<JobSpec>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].submit_s, b[i].submit_s); // bit-identical, not merely close
    EXPECT_EQ(a[i].gpus, b[i].gpus);
    EXPECT_EQ(a[i].duration_s, b[i].duration_s);
    EXPECT_EQ(a[i].user, b[i].user);
  }
}

TEST(WorkloadSynthetic, SameSeedGivesExactlyTheseJobs) {
  const auto jobs = generate_synthetic(small_spec(), 42);
  ASSERT_EQ(jobs.size(), 5u);
  // Golden values for seed 42, computed by an independent Python re-implementation of rng.hpp (SplitMix64,
  // FNV-1a stream names, Box-Muller) and of the generator's rules. A change here changes every synthetic result:
  // update only on purpose, and say so in the commit.
  struct Expected {
    double submit_s;
    int gpus;
    double duration_s;
  };
  const Expected expected[] = {
      {847.9908524594894, 4, 1046.9728875041483},  {2587.463136473246, 4, 1007.0932093528884},
      {2791.077395264313, 4, 8137.500093491898},   {2947.515665333092, 1, 2366.497071678535},
      {3752.1963156164575, 1, 13275.672901207832},
  };
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    EXPECT_EQ(jobs[i].id, static_cast<std::int64_t>(i));
    EXPECT_DOUBLE_EQ(jobs[i].submit_s, expected[i].submit_s) << i;
    EXPECT_EQ(jobs[i].gpus, expected[i].gpus) << i;
    EXPECT_DOUBLE_EQ(jobs[i].duration_s, expected[i].duration_s) << i;
  }
  expect_same(jobs, generate_synthetic(small_spec(), 42));
}

TEST(WorkloadSynthetic, DifferentSeedsGiveDifferentJobs) {
  const auto a = generate_synthetic(small_spec(), 1);
  const auto b = generate_synthetic(small_spec(), 2);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_NE(a[i].submit_s, b[i].submit_s) << i;
    EXPECT_NE(a[i].duration_s, b[i].duration_s) << i;
  }
}

TEST(WorkloadSynthetic, StreamsAreIndependent) {
  // Changing the GPU distribution must not move arrivals or durations, and vice versa.
  auto spec = small_spec();
  spec.jobs = 200;
  const auto base = generate_synthetic(spec, 7);
  auto other = spec;
  other.gpu_values = {16, 32};
  other.gpu_weights = {1, 3};
  const auto changed_gpus = generate_synthetic(other, 7);
  other = spec;
  other.duration_distribution = DurationDistribution::exponential;
  const auto changed_durations = generate_synthetic(other, 7);
  for (std::size_t i = 0; i < base.size(); ++i) {
    EXPECT_EQ(base[i].submit_s, changed_gpus[i].submit_s);
    EXPECT_EQ(base[i].duration_s, changed_gpus[i].duration_s);
    EXPECT_EQ(base[i].submit_s, changed_durations[i].submit_s);
    EXPECT_EQ(base[i].gpus, changed_durations[i].gpus);
  }
}

TEST(WorkloadSynthetic, IdsTimesAndKinds) {
  auto spec = small_spec();
  spec.jobs = 1000;
  const auto jobs = generate_synthetic(spec, 3);
  ASSERT_EQ(jobs.size(), 1000u);
  EXPECT_GT(jobs.front().submit_s, 0.0); // the first job arrives after one inter-arrival draw, not at t = 0
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_EQ(jobs[i].id, static_cast<std::int64_t>(i));
    EXPECT_EQ(jobs[i].kind, JobKind::training);
    EXPECT_EQ(jobs[i].user, "");
    if (i > 0) {
      EXPECT_GT(jobs[i].submit_s, jobs[i - 1].submit_s);
    }
  }
  spec.jobs = 0;
  EXPECT_TRUE(generate_synthetic(spec, 3).empty());
}

TEST(WorkloadSynthetic, MeanInterArrival) {
  auto spec = small_spec();
  spec.jobs = kMany;
  spec.mean_interarrival_s = 600;
  const auto jobs = generate_synthetic(spec, 11);
  // The last submit time is the sum of kMany exponential gaps: mean 600 s, standard error 600/sqrt(20000) = 4.2 s
  // (0.71 %). 3 % is about 4 standard errors.
  const double mean = jobs.back().submit_s / kMany;
  EXPECT_NEAR(mean, 600.0, 0.03 * 600.0);
}

TEST(WorkloadSynthetic, WeightsAreRespected) {
  auto spec = small_spec();
  spec.jobs = kMany;
  spec.gpu_values = {1, 2, 4, 8};
  spec.gpu_weights = {1, 0, 3, 0};
  std::map<int, int> counts;
  for (const auto& job : generate_synthetic(spec, 5))
    ++counts[job.gpus];
  EXPECT_EQ(counts.count(2), 0u); // weight 0: never drawn
  EXPECT_EQ(counts.count(8), 0u);
  // Binomial: standard error of a 0.25 share over 20,000 draws is sqrt(0.25 x 0.75 / 20000) = 0.0031; 0.015 is
  // about 5 standard errors.
  EXPECT_NEAR(counts[1] / double(kMany), 0.25, 0.015);
  EXPECT_NEAR(counts[4] / double(kMany), 0.75, 0.015);
}

TEST(WorkloadSynthetic, EmptyWeightsMeanUniform) {
  auto spec = small_spec();
  spec.jobs = kMany;
  spec.gpu_weights.clear();
  std::map<int, int> counts;
  for (const auto& job : generate_synthetic(spec, 5))
    ++counts[job.gpus];
  ASSERT_EQ(counts.size(), 4u);
  for (const auto& [gpus, n] : counts)
    EXPECT_NEAR(n / double(kMany), 0.25, 0.015) << gpus; // as above
}

TEST(WorkloadSynthetic, DurationDistributions) {
  auto spec = small_spec();
  spec.jobs = kMany;
  spec.duration_min_s = 1e-9; // clamping out of the way, to check the distributions themselves
  spec.duration_max_s = 1e12;

  spec.duration_distribution = DurationDistribution::lognormal;
  auto jobs = generate_synthetic(spec, 9);
  std::vector<double> d;
  for (const auto& job : jobs)
    d.push_back(job.duration_s);
  std::nth_element(d.begin(), d.begin() + kMany / 2, d.end());
  // Sample median of a lognormal (sigma 1): standard error ~ median x sigma x sqrt(pi/2) / sqrt(n) = 0.9 %; 4 %.
  EXPECT_NEAR(d[kMany / 2], 3600.0, 0.04 * 3600.0);

  spec.duration_distribution = DurationDistribution::exponential;
  double sum = 0;
  for (const auto& job : generate_synthetic(spec, 9))
    sum += job.duration_s;
  EXPECT_NEAR(sum / kMany, 3600.0, 0.03 * 3600.0); // mean; standard error 0.71 %, as for arrivals

  spec.duration_distribution = DurationDistribution::constant;
  for (const auto& job : generate_synthetic(spec, 9))
    ASSERT_EQ(job.duration_s, 3600.0);
}

TEST(WorkloadSynthetic, DurationsAreClamped) {
  auto spec = small_spec();
  spec.jobs = 2000;
  spec.duration_sigma = 3.0; // wide enough that both bounds are hit
  spec.duration_min_s = 600;
  spec.duration_max_s = 36000;
  const auto jobs = generate_synthetic(spec, 13);
  int at_min = 0, at_max = 0;
  for (const auto& job : jobs) {
    ASSERT_GE(job.duration_s, 600.0);
    ASSERT_LE(job.duration_s, 36000.0);
    at_min += job.duration_s == 600.0;
    at_max += job.duration_s == 36000.0;
  }
  EXPECT_GT(at_min, 0);
  EXPECT_GT(at_max, 0);

  spec.duration_distribution = DurationDistribution::constant;
  spec.duration_median_s = 10; // below the minimum: the constant is clamped too
  EXPECT_EQ(generate_synthetic(spec, 13).front().duration_s, 600.0);
}

TEST(WorkloadSynthetic, InvalidSpecsAreRejected) {
  const auto rejects = [](auto change) {
    auto spec = small_spec();
    change(spec);
    EXPECT_THROW(generate_synthetic(spec, 1), std::invalid_argument);
  };
  rejects([](SyntheticSpec& s) { s.jobs = -1; });
  rejects([](SyntheticSpec& s) { s.mean_interarrival_s = 0; });
  rejects([](SyntheticSpec& s) { s.gpu_values.clear(); });
  rejects([](SyntheticSpec& s) { s.gpu_values = {0, 1}; });
  rejects([](SyntheticSpec& s) { s.gpu_weights = {1, 2}; }); // length differs from gpu_values
  rejects([](SyntheticSpec& s) { s.gpu_weights = {0, 0, 0, 0}; });
  rejects([](SyntheticSpec& s) { s.gpu_weights = {1, -1, 1, 1}; });
  rejects([](SyntheticSpec& s) { s.duration_median_s = 0; });
  rejects([](SyntheticSpec& s) { s.duration_sigma = -1; });
  rejects([](SyntheticSpec& s) { s.duration_max_s = s.duration_min_s / 2; });
  rejects([](SyntheticSpec& s) { s.load_scale = 0; });
  rejects([](SyntheticSpec& s) { s.diurnal_amplitude = 1.5; });
  rejects([](SyntheticSpec& s) { s.diurnal_period_s = 0; });
  rejects([](SyntheticSpec& s) { s.mmpp_burst_multiplier = 0.5; });
  rejects([](SyntheticSpec& s) { s.mmpp_calm_mean_s = 0; });
  rejects([](SyntheticSpec& s) { s.mmpp_burst_mean_s = -1; });
  rejects([](SyntheticSpec& s) { s.pareto_shape = 0; });
  rejects([](SyntheticSpec& s) { s.pareto_scale_s = 0; });
  rejects([](SyntheticSpec& s) { s.sizes = SyntheticSizes::empirical; }); // no empirical_trace
}

// ---- Arrival processes, load scale, Pareto and empirical sizes (docs/workload-model.md, "Synthetic jobs"). ----
// The measured errors are printed ("measured: ...") and quoted in docs/validation.md, "Synthetic generators".

constexpr double kPi = 3.141592653589793;

// The defaults (arrival poisson, load_scale 1, sizes parametric) reproduce the generator as it was before these
// processes existed, bit for bit: values of the 100th job of the default spec, seed 42, taken from the previous
// implementation (commit 6b37153) before the change.
TEST(WorkloadSynthetic, DefaultsReproduceThePreviousGenerator) {
  SyntheticSpec spec; // every default
  ASSERT_EQ(spec.arrival, SyntheticArrival::poisson);
  ASSERT_EQ(spec.load_scale, 1.0);
  ASSERT_EQ(spec.sizes, SyntheticSizes::parametric);
  const auto jobs = generate_synthetic(spec, 42);
  ASSERT_EQ(jobs.size(), 100u);
  EXPECT_EQ(jobs[0].submit_s, 847.99085245948936);
  EXPECT_EQ(jobs[0].duration_s, 1046.9728875041483);
  EXPECT_EQ(jobs[99].submit_s, 63834.218331683704);
  EXPECT_EQ(jobs[99].gpus, 8);
  EXPECT_EQ(jobs[99].duration_s, 6290.5483982652586);
  // The diurnal / MMPP / Pareto knobs are ignored unless selected.
  spec.diurnal_amplitude = 0.9;
  spec.mmpp_burst_multiplier = 50;
  spec.pareto_shape = 1.1;
  expect_same(jobs, generate_synthetic(spec, 42));
}

TEST(WorkloadSynthetic, EveryProcessIsDeterministic) {
  for (const auto arrival : {SyntheticArrival::poisson, SyntheticArrival::diurnal, SyntheticArrival::mmpp}) {
    SyntheticSpec spec;
    spec.jobs = 2000;
    spec.arrival = arrival;
    spec.duration_distribution = DurationDistribution::pareto;
    const auto a = generate_synthetic(spec, 7);
    expect_same(a, generate_synthetic(spec, 7));
    EXPECT_NE(a.back().submit_s, generate_synthetic(spec, 8).back().submit_s);
    EXPECT_TRUE(std::is_sorted(a.begin(), a.end(), [](auto& x, auto& y) { return x.submit_s < y.submit_s; }));
    EXPECT_GT(a.front().submit_s, 0.0);
  }
}

// The arrival process does not move the size and duration draws: what-if comparisons stay paired.
TEST(WorkloadSynthetic, ArrivalProcessLeavesSizesPaired) {
  SyntheticSpec spec;
  spec.jobs = 500;
  const auto poisson = generate_synthetic(spec, 3);
  spec.arrival = SyntheticArrival::mmpp;
  const auto mmpp = generate_synthetic(spec, 3);
  for (std::size_t i = 0; i < poisson.size(); ++i) {
    EXPECT_EQ(poisson[i].gpus, mmpp[i].gpus);
    EXPECT_EQ(poisson[i].duration_s, mmpp[i].duration_s);
  }
}

// rate(t) = base (1 + a cos(2 pi (t - peak) / P)). Over n whole periods, the arrivals in phase bucket [t0, t1) are
// Poisson with mean n base (t1 - t0 + a P / (2 pi) (sin(2 pi (t1 - peak) / P) - sin(2 pi (t0 - peak) / P))).
// Tolerance: 4 standard deviations (sqrt of the mean) per bucket, and 4 sigma for the long-run rate.
TEST(WorkloadSynthetic, DiurnalMatchesTheIntegralOfTheRate) {
  SyntheticSpec spec;
  spec.jobs = 200000;
  spec.arrival = SyntheticArrival::diurnal;
  spec.mean_interarrival_s = 60; // base = 1/60 per s: 1440 jobs a day, ~139 days
  spec.diurnal_amplitude = 0.8;
  spec.diurnal_period_s = 86400;
  spec.diurnal_peak_s = 14 * 3600.0;
  const auto jobs = generate_synthetic(spec, 2024);
  const double period = spec.diurnal_period_s, base = 1 / spec.mean_interarrival_s;
  const double periods = std::floor(jobs.back().submit_s / period);
  constexpr int kBuckets = 24;
  std::vector<double> observed(kBuckets, 0);
  double total = 0;
  for (const auto& j : jobs) {
    if (j.submit_s >= periods * period) break;
    const double phase = std::fmod(j.submit_s, period);
    observed[std::min(kBuckets - 1, static_cast<int>(phase / period * kBuckets))] += 1;
    total += 1;
  }
  double worst_z = 0;
  int peak_bucket = 0;
  for (int b = 0; b < kBuckets; ++b) {
    const double t0 = b * period / kBuckets, t1 = (b + 1) * period / kBuckets;
    const auto s = [&](double t) { return std::sin(2 * kPi * (t - spec.diurnal_peak_s) / period); };
    const double expected = periods * base * (t1 - t0 + spec.diurnal_amplitude * period / (2 * kPi) * (s(t1) - s(t0)));
    const double z = (observed[b] - expected) / std::sqrt(expected);
    EXPECT_LT(std::abs(z), 4.0) << "bucket " << b << ": " << observed[b] << " arrivals, expected " << expected;
    worst_z = std::max(worst_z, std::abs(z));
    if (observed[b] > observed[peak_bucket]) peak_bucket = b;
  }
  EXPECT_TRUE(peak_bucket == 13 || peak_bucket == 14) << peak_bucket; // the two hours around 14:00, by symmetry
  const double rate = total / (periods * period);
  const double rel = rate / base - 1, sigma = 1 / std::sqrt(total);
  EXPECT_LT(std::abs(rel), 4 * sigma);
  std::printf("measured: diurnal %g periods, worst bucket |z| = %.2f, long-run rate error %.3f%% (4 sigma = %.3f%%)\n",
              periods, worst_z, 100 * rel, 400 * sigma);
}

// Two-state MMPP, calm rate l0 and burst rate l1 = m l0, sojourns tau0 and tau1 (exit rates r0 = 1/tau0,
// r1 = 1/tau1). Long-run rate = (l0 tau0 + l1 tau1) / (tau0 + tau1), set to 1 / mean_interarrival. The count's
// asymptotic index of dispersion is IDC = 1 + 2 (l1 - l0)^2 pi0 pi1 / ((r0 + r1) lambda) (about 108 here), so the
// rate measured from N arrivals has a relative standard deviation sqrt(IDC / N): tolerance 4 of those (~4%).
TEST(WorkloadSynthetic, MmppLongRunRateAndBurstiness) {
  SyntheticSpec spec;
  spec.jobs = 1000000;
  spec.arrival = SyntheticArrival::mmpp;
  spec.mean_interarrival_s = 60;
  spec.mmpp_burst_multiplier = 10;
  spec.mmpp_calm_mean_s = 4 * 3600.0;
  spec.mmpp_burst_mean_s = 1800;
  const auto jobs = generate_synthetic(spec, 99);
  const double lambda = 1 / spec.mean_interarrival_s, t0 = spec.mmpp_calm_mean_s, t1 = spec.mmpp_burst_mean_s;
  const double l0 = lambda * (t0 + t1) / (t0 + spec.mmpp_burst_multiplier * t1), l1 = spec.mmpp_burst_multiplier * l0;
  const double pi0 = t0 / (t0 + t1), pi1 = t1 / (t0 + t1);
  const double idc = 1 + 2 * (l1 - l0) * (l1 - l0) * pi0 * pi1 / ((1 / t0 + 1 / t1) * lambda);
  const double n = static_cast<double>(jobs.size());
  const double rate = n / jobs.back().submit_s;
  const double rel = rate / lambda - 1, sigma = std::sqrt(idc / n);
  EXPECT_LT(std::abs(rel), 4 * sigma);
  // Inter-arrival coefficient of variation: 1 for Poisson; > 1 for a bursty process. Treating the gaps as a mixture
  // of exponentials (a share p_i = pi_i l_i / lambda of them at rate l_i) gives CV = sqrt(2 sum p_i / l_i^2 lambda^2
  // - 1) = 1.61 here; the tolerance leaves room for the approximation.
  double sum = 0, sum2 = 0, previous = 0;
  for (const auto& j : jobs) {
    const double gap = j.submit_s - previous;
    previous = j.submit_s;
    sum += gap;
    sum2 += gap * gap;
  }
  const double mean = sum / n, cv = std::sqrt(sum2 / n - mean * mean) / mean;
  EXPECT_GT(cv, 1.3);
  std::printf("measured: mmpp IDC %.1f, long-run rate error %.3f%% (4 sigma = %.3f%%), inter-arrival CV %.3f\n", idc,
              100 * rel, 400 * sigma, cv);
}

// load_scale k: arrival rates x k. For Poisson every gap is exactly the k = 1 gap / k (same draws); for the other
// processes the long-run mean inter-arrival is mean_interarrival / k (tolerance: 4 sigma as in the tests above).
TEST(WorkloadSynthetic, LoadScaleDividesInterArrivalTimes) {
  SyntheticSpec spec;
  spec.jobs = 100000;
  const auto one = generate_synthetic(spec, 5);
  spec.load_scale = 3;
  const auto three = generate_synthetic(spec, 5);
  for (std::size_t i = 0; i < one.size(); i += 997)
    EXPECT_NEAR(three[i].submit_s, one[i].submit_s / 3, 1e-9 * one[i].submit_s) << i;
  const double mean3 = three.back().submit_s / spec.jobs;
  EXPECT_NEAR(mean3, spec.mean_interarrival_s / 3, 4 * spec.mean_interarrival_s / 3 / std::sqrt(spec.jobs));
  for (const auto arrival : {SyntheticArrival::diurnal, SyntheticArrival::mmpp}) {
    const bool diurnal = arrival == SyntheticArrival::diurnal;
    spec.arrival = arrival;
    spec.jobs = diurnal ? 100000 : 1000000;
    spec.mean_interarrival_s = 60;
    spec.load_scale = 3;
    const auto jobs = generate_synthetic(spec, 6);
    const double n = spec.jobs, lambda = 3 / spec.mean_interarrival_s;
    const double rel = jobs.back().submit_s / n * lambda - 1;
    // diurnal: Poisson counts (4 / sqrt(N) = 1.3%) plus the part-day at the end, which shifts the mean rate by at
    // most a / (2 pi) days over ~23 days (0.35%): tolerance 2%.
    // mmpp: 4 sqrt(IDC / N) with the IDC of MmppLongRunRateAndBurstiness at three times the rates (sojourns unchanged).
    const double t0 = spec.mmpp_calm_mean_s, t1 = spec.mmpp_burst_mean_s, m = spec.mmpp_burst_multiplier;
    const double l0 = lambda * (t0 + t1) / (t0 + m * t1), l1 = m * l0;
    const double idc =
        1 + 2 * (l1 - l0) * (l1 - l0) * (t0 / (t0 + t1)) * (t1 / (t0 + t1)) / ((1 / t0 + 1 / t1) * lambda);
    const double tolerance = diurnal ? 0.02 : 4 * std::sqrt(idc / n);
    EXPECT_LT(std::abs(rel), tolerance) << (diurnal ? "diurnal" : "mmpp");
    std::printf("measured: load_scale 3, %s mean inter-arrival error %.3f%% (tolerance %.2f%%)\n",
                diurnal ? "diurnal" : "mmpp", 100 * rel, 100 * tolerance);
  }
}

// Pareto(alpha, x_m): P(D > d) = (x_m / d)^alpha, mean alpha x_m / (alpha - 1), variance x_m^2 alpha / ((alpha -
// 1)^2 (alpha - 2)). alpha = 3 (finite variance), 2e5 samples, max far above every draw: tolerance 4 standard
// errors of the mean (0.5%).
TEST(WorkloadSynthetic, ParetoMeanAndMinimum) {
  SyntheticSpec spec;
  spec.jobs = 200000;
  spec.duration_distribution = DurationDistribution::pareto;
  spec.pareto_shape = 3;
  spec.pareto_scale_s = 600;
  spec.duration_min_s = 1;
  spec.duration_max_s = 1e15;
  const auto jobs = generate_synthetic(spec, 11);
  double sum = 0, smallest = 1e300;
  for (const auto& j : jobs) {
    sum += j.duration_s;
    smallest = std::min(smallest, j.duration_s);
  }
  const double a = spec.pareto_shape, xm = spec.pareto_scale_s, n = spec.jobs;
  const double mean = a * xm / (a - 1), se = xm * std::sqrt(a / ((a - 1) * (a - 1) * (a - 2))) / std::sqrt(n);
  EXPECT_GE(smallest, xm);
  EXPECT_NEAR(sum / n, mean, 4 * se);
  // Clamping still applies.
  spec.duration_max_s = 1000;
  for (const auto& j : generate_synthetic(spec, 11))
    EXPECT_LE(j.duration_s, 1000.0);
  std::printf("measured: pareto alpha 3 mean error %.3f%% (4 SE = %.3f%%), min %.1f s\n", 100 * (sum / n / mean - 1),
              400 * se / mean, smallest);
}

// Empirical sizes: whole rows, uniformly. Each GPU count's share is Binomial(N, rows with it / rows): tolerance 4
// standard deviations; every (GPUs, duration) pair drawn is a row of the trace; rows too large are never drawn.
void check_empirical(const std::string& path, TraceFormat format, int max_gpus, int jobs, const char* name) {
  SyntheticSpec spec;
  spec.jobs = jobs;
  spec.sizes = SyntheticSizes::empirical;
  spec.empirical_trace = path;
  spec.empirical_format = format;
  const auto rows = empirical_rows(spec, max_gpus);
  std::set<std::pair<int, double>> pairs(rows.begin(), rows.end());
  std::map<int, double> expected_share;
  for (const auto& r : rows)
    expected_share[r.first] += 1.0 / static_cast<double>(rows.size());
  const auto out = generate_synthetic(spec, 17, max_gpus);
  ASSERT_EQ(out.size(), static_cast<std::size_t>(jobs));
  std::map<int, double> seen;
  for (const auto& j : out) {
    EXPECT_TRUE(pairs.contains({j.gpus, j.duration_s})) << j.gpus << " GPUs, " << j.duration_s << " s";
    EXPECT_LE(j.gpus, max_gpus);
    seen[j.gpus] += 1;
  }
  double worst = 0;
  for (const auto& [gpus, p] : expected_share) {
    const double sd = std::sqrt(jobs * p * (1 - p));
    EXPECT_NEAR(seen[gpus], jobs * p, 4 * sd + 1e-9) << gpus << " GPUs";
    if (sd > 0) worst = std::max(worst, std::abs(seen[gpus] - jobs * p) / sd);
  }
  std::printf("measured: empirical %s: %zu rows, %zu GPU counts, worst share |z| = %.2f\n", name, rows.size(),
              expected_share.size(), worst);
}

TEST(WorkloadSynthetic, EmpiricalResamplesWholeRows) {
  // chronus_small.csv: 8 rows, one asks for 0 GPUs (skipped by the reader).
  check_empirical(RACKSIM_WORKLOADS_TEST_DATA "/chronus_small.csv", TraceFormat::chronus_philly, 1 << 20, 50000,
                  "chronus_small.csv");
  check_empirical(RACKSIM_WORKLOADS_TEST_DATA "/chronus_small.csv", TraceFormat::chronus_philly, 2, 20000,
                  "chronus_small.csv, max 2 GPUs");
}

TEST(WorkloadSynthetic, EmpiricalFromTheChronusTrace) {
  const std::string path = RACKSIM_SHARED_DIR "/traces/chronus-philly/trace_job_Philly_MIX1.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is not there";
  check_empirical(path, TraceFormat::chronus_philly, 2048, 200000, "Chronus MIX1");
}

TEST(WorkloadSynthetic, EmpiricalTraceErrors) {
  SyntheticSpec spec;
  spec.sizes = SyntheticSizes::empirical;
  spec.empirical_trace = RACKSIM_WORKLOADS_TEST_DATA "/no_such_file.csv";
  EXPECT_THROW(generate_synthetic(spec, 1), TraceError);
  spec.empirical_trace = RACKSIM_WORKLOADS_TEST_DATA "/bad_gpus_negative.csv"; // malformed: file:line: field
  EXPECT_THROW(generate_synthetic(spec, 1), TraceError);
}

} // namespace
} // namespace racksim::workloads

namespace racksim::workloads {
namespace {

// workload.synthetic.priority_classes: classes come from their own stream, so every other field is unchanged.
TEST(SyntheticPriorityClasses, OwnStreamLeavesTheOtherDrawsAlone) {
  SyntheticSpec spec = small_spec();
  spec.jobs = 3000;
  const auto plain = generate_synthetic(spec, 42);
  for (const auto& j : plain)
    EXPECT_EQ(j.priority, 0);
  spec.priority_classes = 3;
  const auto classed = generate_synthetic(spec, 42);
  expect_same(plain, classed);
  std::map<int, int> count;
  for (const auto& j : classed)
    ++count[j.priority];
  ASSERT_EQ(count.size(), 3u);
  for (const auto& [cls, n] : count) {
    EXPECT_GE(cls, 0);
    EXPECT_LE(cls, 2);
    EXPECT_NEAR(n, 1000, 4 * std::sqrt(3000 * (1.0 / 3) * (2.0 / 3))); // binomial, 4 standard errors
  }
  spec.priority_classes = 0;
  EXPECT_THROW(generate_synthetic(spec, 42), std::invalid_argument);
}

} // namespace
} // namespace racksim::workloads
