// Synthetic generator: exact determinism, independent streams, and the distributions' statistics.
//
// Statistical tolerances: the tests use a fixed seed, so they are deterministic; the tolerances are chosen so that
// they would also pass for almost any other seed (about 4 standard errors), which keeps them meaningful when the
// generator changes and does not make them flaky.

#include "workloads/synthetic/synthetic.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

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
}

} // namespace
} // namespace racksim::workloads
