// The failure model (workloads/faults/): means of the up-time and repair distributions, Poisson counts, the
// renewal cycle, determinism, rate_scale, the Llama 3 preset's totals and mix, and failure-trace errors. No Engine.
// Tolerances are about 3 standard errors or more for the sample sizes used; each test says its own.

#include "workloads/faults/failures.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

using namespace racksim::workloads;

namespace {

using C = ComponentClass;

ComponentCounts only(C cls, int n) {
  ComponentCounts counts;
  counts[cls] = n;
  return counts;
}

FailureSpec one_class(C cls, double mtbf_s, UptimeDistribution dist = UptimeDistribution::exponential,
                      double shape = 1) {
  FailureSpec spec;
  spec.of(cls).mtbf_s = mtbf_s;
  spec.of(cls).distribution = dist;
  spec.of(cls).shape = shape;
  spec.of(cls).repair_s = 0;
  return spec;
}

// Mean time between successive failures over n events (the last event's time / n).
double mean_interval(FailureProcess& process, int n) {
  double last = 0;
  for (int i = 0; i < n; ++i)
    last = process.next()->time_s;
  return last / n;
}

std::string write_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path) << text;
  return path.string();
}

std::string trace_error(const std::string& name, const std::string& text, const ComponentCounts& counts) {
  const auto path = write_file(name, text);
  try {
    (void)read_failure_trace(path, counts);
  } catch (const FailureTraceError& e) {
    return e.what();
  }
  return "no error";
}

// Exponential: a class of N components fails as a Poisson process of rate N / MTBF. 10^5 events: the mean
// interval's relative standard error is 1/sqrt(10^5) = 0.32%, tolerance 1%.
TEST(WorkloadFailuresDistribution, ExponentialClassMeanIsMtbfOverN) {
  const double mtbf = 1e6;
  FailureProcess p(one_class(C::gpu, mtbf), only(C::gpu, 100), 7);
  EXPECT_EQ(p.stochastic_components(), 100u);
  EXPECT_NEAR(mean_interval(p, 100000), mtbf / 100, 0.01 * mtbf / 100);
}

// Counts in fixed windows are Poisson: mean = variance = N x window / MTBF = 20. 5,000 windows: the mean's relative
// standard error is 0.5%, the variance's sqrt(2/5000) = 2%; tolerances 2% and 8%.
TEST(WorkloadFailuresDistribution, ExponentialCountsArePoisson) {
  const double mtbf = 1000 * 86400.0, window = 20 * 86400.0; // 1,000 components: 20 per window
  FailureProcess p(one_class(C::node, mtbf), only(C::node, 1000), 3);
  const int windows = 5000;
  std::vector<int> counts(windows, 0);
  for (;;) {
    const auto e = p.next();
    const int w = static_cast<int>(e->time_s / window);
    if (w >= windows) break;
    ++counts[w];
  }
  double sum = 0, sq = 0;
  for (int c : counts) {
    sum += c;
    sq += double(c) * c;
  }
  const double mean = sum / windows, var = sq / windows - mean * mean;
  EXPECT_NEAR(mean, 20, 0.02 * 20);
  EXPECT_NEAR(var / mean, 1, 0.08);
}

// Weibull and lognormal are parameterised by their mean: one component's up-times average to the MTBF. 2 x 10^5
// draws; the coefficients of variation are 1.46 (Weibull k 0.7), 0.52 (k 2), 1.31 (lognormal sigma 1): relative
// standard errors <= 0.33%, tolerance 1.5%.
TEST(WorkloadFailuresDistribution, WeibullAndLognormalMeansEqualMtbf) {
  const double mtbf = 5e5;
  for (const auto& [dist, shape] :
       std::vector<std::pair<UptimeDistribution, double>>{{UptimeDistribution::weibull, 0.7},
                                                          {UptimeDistribution::weibull, 2.0},
                                                          {UptimeDistribution::lognormal, 1.0}}) {
    FailureProcess p(one_class(C::link, mtbf, dist, shape), only(C::link, 1), 11);
    EXPECT_NEAR(mean_interval(p, 200000), mtbf, 0.015 * mtbf) << "shape " << shape;
  }
}

// A component is down for its repair, then draws its next up-time: the cycle's mean is MTBF + mean repair.
// Exponential and lognormal repairs average to repair_s. 10^5 draws, CV <= 1.31: tolerance 1.5%.
TEST(WorkloadFailuresDistribution, RepairMeansAndRenewalCycle) {
  for (const auto rd :
       {RepairDistribution::deterministic, RepairDistribution::exponential, RepairDistribution::lognormal}) {
    FailureSpec spec = one_class(C::nic, 1e4);
    spec.of(C::nic).repair_s = 3000;
    spec.of(C::nic).repair_distribution = rd;
    spec.of(C::nic).repair_sigma = 1;
    FailureProcess p(spec, only(C::nic, 1), 5);
    double repair = 0, last = 0;
    const int n = 100000;
    for (int i = 0; i < n; ++i) {
      const auto e = p.next();
      EXPECT_GE(e->time_s, last);
      last = e->time_s + e->repair_s;
      repair += e->repair_s;
    }
    EXPECT_NEAR(repair / n, 3000, 0.015 * 3000);
    EXPECT_NEAR(last / n, 1e4 + 3000, 0.015 * 13000);
    EXPECT_NEAR(expected_failures(spec, only(C::nic, 1), 13000), 1.0, 1e-12);
  }
}

TEST(WorkloadFailuresProcess, DeterministicPerSeedAndTimeOrdered) {
  FailureSpec spec = one_class(C::gpu, 1e5, UptimeDistribution::weibull, 1.5);
  spec.of(C::node).mtbf_s = 3e5;
  ComponentCounts counts = only(C::gpu, 64);
  counts[C::node] = 8;
  FailureProcess a(spec, counts, 42), b(spec, counts, 42), c(spec, counts, 43);
  int differ = 0;
  double last = 0;
  for (int i = 0; i < 5000; ++i) {
    const auto ea = a.next(), eb = b.next(), ec = c.next();
    EXPECT_EQ(ea->time_s, eb->time_s);
    EXPECT_EQ(ea->cls, eb->cls);
    EXPECT_EQ(ea->index, eb->index);
    EXPECT_EQ(ea->repair_s, eb->repair_s);
    EXPECT_GE(ea->time_s, last);
    last = ea->time_s;
    differ += ea->time_s != ec->time_s;
  }
  EXPECT_GT(differ, 4900);
}

TEST(WorkloadFailuresProcess, RateScaleDividesTimes) {
  FailureSpec spec = one_class(C::storage, 1e6);
  FailureSpec twice = spec;
  twice.rate_scale = 2;
  FailureProcess a(spec, only(C::storage, 10), 9), b(twice, only(C::storage, 10), 9);
  for (int i = 0; i < 1000; ++i) {
    const auto ea = a.next(), eb = b.next();
    EXPECT_NEAR(eb->time_s, ea->time_s / 2, 1e-9 * ea->time_s);
    EXPECT_EQ(ea->index, eb->index);
  }
}

TEST(WorkloadFailuresProcess, NothingFailsWithoutMtbf) {
  FailureProcess p(FailureSpec{}, only(C::gpu, 16384), 1);
  EXPECT_EQ(p.stochastic_components(), 0u);
  EXPECT_FALSE(p.next().has_value());
}

TEST(WorkloadFailuresProcess, InvalidSpecsAreRejected) {
  FailureSpec weibull = one_class(C::gpu, 1e5, UptimeDistribution::weibull, 0);
  EXPECT_THROW(FailureProcess(weibull, only(C::gpu, 1), 1), std::invalid_argument);
  FailureSpec scale = one_class(C::gpu, 1e5);
  scale.rate_scale = 0;
  EXPECT_THROW(FailureProcess(scale, only(C::gpu, 1), 1), std::invalid_argument);
  FailureSpec both;
  both.preset = FailurePreset::llama3_54d;
  both.of(C::gpu).mtbf_s = 1e6;
  EXPECT_THROW(FailureProcess(both, only(C::gpu, 1), 1), std::invalid_argument);
}

// Table 5 as transcribed: 419 interruptions; GPU-related 268, hardware 324 (77.3%, "about 78%").
TEST(WorkloadFailuresLlama3, TableSumsAndMapping) {
  int total = 0, hardware = 0;
  std::map<C, int> per_class;
  for (const auto& cause : llama3_causes()) {
    total += cause.count;
    hardware += cause.hardware ? cause.count : 0;
    per_class[cause.cls] += cause.count;
  }
  EXPECT_EQ(total, 419);
  EXPECT_EQ(per_class[C::gpu], 268);
  EXPECT_EQ(per_class[C::node], 109);
  EXPECT_EQ(per_class[C::nic], 7);
  EXPECT_EQ(per_class[C::link], 28);
  EXPECT_EQ(per_class[C::leaf], 7);
  EXPECT_EQ(hardware, 324);
  FailureSpec spec;
  spec.preset = FailurePreset::llama3_54d;
  const auto classes = effective_classes(spec);
  EXPECT_NEAR(classes[class_index(C::gpu)].mtbf_s / 86400, 16384 * 54.0 / 268, 1e-9);
  EXPECT_NEAR(classes[class_index(C::node)].mtbf_s / 86400, 2048 * 54.0 / 109, 1e-9);
  // The repair (1 h) lengthens each cycle a little: 419 x (1 - ~1e-5).
  EXPECT_NEAR(expected_failures(spec, llama3_reference_counts(), kLlama3WindowS), 419, 0.05);
  // Per-component rates carry over: half the cluster, half the interruptions.
  ComponentCounts half = llama3_reference_counts();
  for (auto& n : half.n)
    n /= 2;
  EXPECT_NEAR(expected_failures(spec, half, kLlama3WindowS), 209.5, 0.05);
}

// 200 seeds of the 16,384-GPU cluster for 54 days. A seed's count is Poisson(419) (sd 20.5); the mean over 200 seeds
// has sd 1.45: tolerance 5. Shares over ~84,000 events have sd <= 0.0017: tolerance 0.01 absolute.
TEST(WorkloadFailuresLlama3, PresetReproducesTable5) {
  FailureSpec spec;
  spec.preset = FailurePreset::llama3_54d;
  const auto counts = llama3_reference_counts();
  const int seeds = 200;
  long total = 0;
  std::map<std::string, long> by_cause;
  std::map<C, long> by_class;
  for (int seed = 1; seed <= seeds; ++seed) {
    FailureProcess p(spec, counts, seed);
    for (auto e = p.next(); e && e->time_s < kLlama3WindowS; e = p.next()) {
      ++total;
      ++by_cause[e->cause];
      ++by_class[e->cls];
    }
  }
  const double mean = double(total) / seeds;
  EXPECT_NEAR(mean, 419, 5);
  for (const auto& cause : llama3_causes())
    EXPECT_NEAR(double(by_cause[cause.name]) / total, cause.count / 419.0, 0.01) << cause.name;
  for (const auto& [name, n] : by_cause) {
    const FailureCause* row = find_llama3_cause(name);
    ASSERT_NE(row, nullptr) << name; // every preset event is labelled with a row of the table
  }
  EXPECT_EQ(find_llama3_cause("random"), nullptr);
  EXPECT_STREQ(find_llama3_cause("GPU HBM3 Memory")->category, "GPU");
  EXPECT_NEAR(double(by_class[C::gpu]) / total, 268 / 419.0, 0.01);
  EXPECT_NEAR(double(by_class[C::node]) / total, 109 / 419.0, 0.01);
  RecordProperty("llama3_mean_interruptions", std::to_string(mean));
  std::printf("llama3_54d: mean %.2f interruptions per 54 days over %d seeds; gpu share %.4f, node share %.4f\n", mean,
              seeds, double(by_class[C::gpu]) / total, double(by_class[C::node]) / total);
}

TEST(WorkloadFailuresTrace, GoodRowsAreSortedAndMergedFirstAtTies) {
  ComponentCounts counts = only(C::node, 16);
  counts[C::rack_power] = 4;
  const auto path = write_file("failures_good.csv", "time,component,duration\r\n"
                                                    "100,node:12,600\r\n"
                                                    "\r\n"
                                                    "50.5, rack_power:3 ,0\r\n"
                                                    "100,node:1,1e3\r\n");
  const auto events = read_failure_trace(path, counts);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].time_s, 50.5);
  EXPECT_EQ(events[0].cls, C::rack_power);
  EXPECT_EQ(events[0].index, 3);
  EXPECT_EQ(events[1].index, 12); // equal times keep file order
  EXPECT_EQ(events[2].repair_s, 1000);
  EXPECT_EQ(events[2].cause, "trace");

  FailureSpec spec;
  spec.trace = path;
  spec.of(C::node).mtbf_s = 1e4;
  FailureProcess p(spec, counts, 1);
  double last = 0;
  int from_trace = 0;
  for (int i = 0; i < 200; ++i) {
    const auto e = p.next();
    EXPECT_GE(e->time_s, last);
    last = e->time_s;
    from_trace += e->cause == "trace";
  }
  EXPECT_EQ(from_trace, 3);
}

TEST(WorkloadFailuresTrace, BadRowsNameFileLineAndField) {
  ComponentCounts counts = only(C::node, 16);
  const std::string header = "time,component,duration\n";
  const auto expect = [&](const std::string& name, const std::string& row, const std::string& message) {
    const std::string what = trace_error(name, header + "1,node:0,5\n" + row + "\n", counts);
    EXPECT_NE(what.find(name + ":3: " + message), std::string::npos) << what;
  };
  expect("bad_class.csv", "2,router:1,5", "field 'component': unknown class 'router' (valid: gpu, node,");
  expect("bad_index.csv", "2,node:x,5",
         "field 'component': expected a non-negative integer index after 'node:', got 'x'");
  expect("bad_range.csv", "2,node:16,5", "field 'component': index 16 out of range: the platform has 16 node");
  expect("bad_noclass.csv", "2,12,5", "field 'component': expected class:index such as node:12, got '12'");
  expect("bad_duration.csv", "2,node:1,-5", "field 'duration': must be >= 0, got '-5'");
  expect("bad_time.csv", "soon,node:1,5", "field 'time': expected a number of seconds, got 'soon'");
  expect("bad_fields.csv", "2,node:1", "expected 3 fields, got 2");
  EXPECT_NE(trace_error("bad_header.csv", "time,what,duration\n1,node:0,5\n", counts)
                .find("bad_header.csv:1: header: missing column 'component'"),
            std::string::npos);
  // A FailureTraceError is a TraceError: the command line reports it as bad input.
  EXPECT_THROW((void)read_failure_trace(write_file("bad_class2.csv", header + "1,cpu:0,1\n"), counts), TraceError);
}

} // namespace
