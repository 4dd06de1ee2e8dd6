// sim/compare: statistics against independently computed values, grouping, labels, warnings, output formats.

#include "sim/tools/compare.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace racksim::sim::compare;
using CRun = racksim::sim::compare::Run; // testing::Test has a Run too

TEST(CompareStats, MeanSdAndStudentInterval) {
  // By hand: mean 3, s² = (4 + 1 + 0 + 1 + 4) / 4 = 2.5, t(0.975, 4) = 2.776445105 (any t table),
  // half width = 2.776445105 * sqrt(2.5) / sqrt(5) = 1.963243161.
  const auto d = describe({1, 2, 3, 4, 5});
  EXPECT_EQ(d.n, 5u);
  EXPECT_DOUBLE_EQ(d.mean, 3.0);
  EXPECT_NEAR(d.sd, std::sqrt(2.5), 1e-12);
  ASSERT_TRUE(d.has_ci);
  EXPECT_NEAR(d.ci_low, 1.036756838522439, 1e-9);
  EXPECT_NEAR(d.ci_high, 4.9632431614775605, 1e-9);
}

TEST(CompareStats, OtherConfidenceLevel) {
  // mean 10.15, s = sqrt(0.25 / 3) = 0.288675; t(0.995, 3) = 5.840909; 99% CI 10.15 +/- 0.843063
  // (scipy.stats.t.interval(0.99, 3, loc=10.15, scale=s/2) = (9.30693736086836, 10.99306263913164)).
  const auto d = describe({10.2, 9.8, 10.5, 10.1}, 0.99);
  EXPECT_NEAR(d.mean, 10.15, 1e-12);
  EXPECT_NEAR(d.sd, 0.2886751345948126, 1e-12);
  EXPECT_NEAR(d.ci_low, 9.30693736086836, 1e-8); // scipy's t.ppf agrees with Boost to ~1e-10
  EXPECT_NEAR(d.ci_high, 10.99306263913164, 1e-8);
}

TEST(CompareStats, SingleValueHasNoInterval) {
  const auto d = describe({42});
  EXPECT_EQ(d.n, 1u);
  EXPECT_EQ(d.mean, 42);
  EXPECT_FALSE(d.has_ci);
  const auto w = welch_test(d, describe({40, 41, 43}));
  EXPECT_FALSE(w.available);
  EXPECT_EQ(w.verdict, Verdict::unavailable);
}

TEST(CompareStats, NonFiniteValuesAreDropped) {
  std::size_t dropped = 0;
  const auto d = describe({1, NAN, 3, INFINITY}, 0.95, &dropped);
  EXPECT_EQ(dropped, 2u);
  EXPECT_EQ(d.n, 2u);
  EXPECT_DOUBLE_EQ(d.mean, 2);
}

TEST(CompareStats, IdenticalValuesHaveZeroSdExactly) {
  const auto d = describe({0.1, 0.1, 0.1});
  EXPECT_EQ(d.mean, 0.1);
  EXPECT_EQ(d.sd, 0);
  EXPECT_EQ(d.ci_low, 0.1);
  EXPECT_EQ(d.ci_high, 0.1);
}

// Wikipedia, "Welch's t-test", section Examples (revision of 2023): example 1 (equal sizes, n = 15) gives Welch
// t = 2.46, dof = 25.0, p = 0.021; example 2 (n = 10 vs 20) gives t = 1.57, dof = 9.9, p = 0.149. The values
// below to more digits are scipy 1.10's stats.ttest_ind(A2, A1, equal_var=False).
TEST(CompareStats, WelchWikipediaExample1) {
  const auto a = describe({27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4});
  const auto b = describe({27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4});
  const auto w = welch_test(a, b);
  ASSERT_TRUE(w.available);
  EXPECT_NEAR(w.t, 2.455356398286006, 1e-9);
  EXPECT_NEAR(w.dof, 24.988529290231416, 1e-9);
  EXPECT_NEAR(w.p, 0.021378001462866985, 1e-9);
  EXPECT_EQ(w.verdict, Verdict::significant);
  // Swapping the samples flips t, not p.
  const auto back = welch_test(b, a);
  EXPECT_NEAR(back.t, -w.t, 1e-12);
  EXPECT_NEAR(back.p, w.p, 1e-12);
  // At alpha = 0.01 the same difference is not significant.
  EXPECT_EQ(welch_test(a, b, 0.01).verdict, Verdict::not_significant);
}

TEST(CompareStats, WelchWikipediaExample2UnequalSizes) {
  const auto a = describe({17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8});
  const auto b = describe({21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8,
                           20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8});
  const auto w = welch_test(a, b);
  ASSERT_TRUE(w.available);
  EXPECT_NEAR(w.t, 1.5654335235985037, 1e-9);
  EXPECT_NEAR(w.dof, 9.904741248650831, 1e-9);
  EXPECT_NEAR(w.p, 0.14884169660532834, 1e-9);
  EXPECT_EQ(w.verdict, Verdict::not_significant);
}

TEST(CompareStats, ZeroVarianceInBoth) {
  const auto same = welch_test(describe({5, 5, 5}), describe({5, 5}));
  EXPECT_FALSE(same.available);
  EXPECT_EQ(same.verdict, Verdict::not_significant);
  const auto differ = welch_test(describe({5, 5, 5}), describe({6, 6, 6}));
  EXPECT_FALSE(differ.available);
  EXPECT_EQ(differ.verdict, Verdict::deterministic_difference);
}

TEST(CompareStats, ZeroVarianceInOneUsesTheOthersDof) {
  const auto w = welch_test(describe({5, 5, 5}), describe({4, 6, 5, 7}));
  ASSERT_TRUE(w.available);
  EXPECT_NEAR(w.dof, 3.0, 1e-12);
}

TEST(CompareStats, RelativeDelta) {
  EXPECT_DOUBLE_EQ(*relative_delta(200, 150), -0.25);
  EXPECT_DOUBLE_EQ(*relative_delta(-200, -100), 0.5);
  EXPECT_DOUBLE_EQ(*relative_delta(0, 0), 0);
  EXPECT_FALSE(relative_delta(0, 1).has_value());
}

CRun make_run(const std::string& file, std::uint64_t seed, const std::string& scheduler,
              std::vector<std::pair<std::string, double>> summary, const std::string& extra = "") {
  CRun r;
  r.file = file;
  r.seed = seed;
  r.settings = flatten_yaml("name: t\nseed: " + std::to_string(seed) + "\npolicies:\n  scheduler: " + scheduler +
                            "\n  placement: pack\nworkload:\n  synthetic:\n    gpus: [1, 2, 4]\n" + extra);
  r.summary = std::move(summary);
  return r;
}

TEST(CompareGrouping, FlattenYaml) {
  const auto s = flatten_yaml("a: 1\nb:\n  c: x\n  d: [1, 2]\n");
  EXPECT_EQ(s.at("a"), "1");
  EXPECT_EQ(s.at("b.c"), "x");
  EXPECT_EQ(s.at("b.d"), "[1, 2]");
  EXPECT_THROW(flatten_yaml("- 1\n- 2\n"), CompareError);
  EXPECT_THROW(flatten_yaml("a: [1, 2\n"), CompareError);
}

TEST(CompareGrouping, RunsThatDifferOnlyInSeedFormOneVariant) {
  const std::vector<CRun> runs{make_run("dir/f1.h5", 1, "fifo", {}), make_run("dir/e1.h5", 1, "easy_backfill", {}),
                               make_run("dir/f2.h5", 2, "fifo", {}), make_run("dir/e2.h5", 2, "easy_backfill", {})};
  const auto v = group_runs(runs);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].label, "policies.scheduler=fifo");
  EXPECT_EQ(v[1].label, "policies.scheduler=easy_backfill");
  EXPECT_EQ(v[0].runs, (std::vector<std::size_t>{0, 2}));
  EXPECT_EQ(v[1].runs, (std::vector<std::size_t>{1, 3}));
  EXPECT_TRUE(design_warnings(runs, v).empty());
}

TEST(CompareGrouping, LabelsFallBackToFileNames) {
  // Four settings differ: too many for a label.
  const std::vector<CRun> runs{make_run("a/x.h5", 1, "fifo", {}, "p: 1\nq: 1\nr: 1\n"),
                               make_run("b/y.h5", 1, "sjf", {}, "p: 2\nq: 2\nr: 2\n")};
  const auto v = group_runs(runs);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].label, "x.h5");
  EXPECT_EQ(v[1].label, "y.h5");
  EXPECT_EQ(v[1].differing.size(), 4u);
  // A single variant is named after its first file.
  const auto one = group_runs({make_run("a/x.h5", 1, "fifo", {}), make_run("a/z.h5", 2, "fifo", {})});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].label, "x.h5");
}

TEST(CompareGrouping, GroupBySetting) {
  const std::vector<CRun> runs{make_run("f1.h5", 1, "fifo", {}, "p: 1\n"), make_run("f2.h5", 2, "fifo", {}, "p: 2\n"),
                               make_run("e1.h5", 1, "sjf", {}, "p: 1\n")};
  const auto v = group_runs(runs, "policies.scheduler");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].label, "policies.scheduler=fifo");
  EXPECT_EQ(v[0].runs.size(), 2u);
  const auto w = design_warnings(runs, v);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("different numbers of runs"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("differ in more than the seed (p:"), std::string::npos) << w[1];
  EXPECT_EQ(group_runs(runs, "no.such")[0].label, "f1.h5"); // one variant "(unset)"
}

TEST(CompareGrouping, RepeatedSeedIsAWarning) {
  const std::vector<CRun> runs{make_run("a.h5", 7, "fifo", {}), make_run("b.h5", 7, "fifo", {})};
  const auto w = design_warnings(runs, group_runs(runs));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("seed 7 appears 2 times (a.h5, b.h5)"), std::string::npos) << w[0];
}

TEST(CompareGrouping, DifferentBuildsInOneVariantIsAWarning) {
  std::vector<CRun> runs{make_run("a.h5", 1, "fifo", {}), make_run("b.h5", 2, "fifo", {})};
  runs[0].build = "racksim 0.1.0 (aaaa)";
  runs[1].build = "racksim 0.1.0 (bbbb)";
  const auto w = design_warnings(runs, group_runs(runs));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("different builds (a.h5: racksim 0.1.0 (aaaa), b.h5: racksim 0.1.0 (bbbb))"), std::string::npos)
      << w[0];
}

TEST(CompareRuns, MetricsTableCsvJson) {
  const std::vector<CRun> runs{
      make_run("f1.h5", 1, "fifo", {{"mean_queue_s", 100}, {"jobs_total", 10}, {"only_here", 1}}),
      make_run("f2.h5", 2, "fifo", {{"mean_queue_s", 110}, {"jobs_total", 10}}),
      make_run("f3.h5", 3, "fifo", {{"mean_queue_s", 90}, {"jobs_total", 10}}),
      make_run("e1.h5", 1, "easy_backfill", {{"mean_queue_s", 50}, {"jobs_total", 10}}),
      make_run("e2.h5", 2, "easy_backfill", {{"mean_queue_s", 55}, {"jobs_total", 10}}),
      make_run("e3.h5", 3, "easy_backfill", {{"mean_queue_s", 45}, {"jobs_total", 10}})};
  const auto c = compare_runs(runs, Options{});
  ASSERT_EQ(c.metrics.size(), 2u); // only_here is not in every file
  EXPECT_EQ(c.metrics[0].metric, "mean_queue_s");
  const auto& q = c.metrics[0].cells;
  EXPECT_DOUBLE_EQ(q[0].stats.mean, 100);
  EXPECT_DOUBLE_EQ(q[1].stats.mean, 50);
  EXPECT_DOUBLE_EQ(*q[1].rel_delta, -0.5);
  EXPECT_EQ(q[0].test.verdict, Verdict::baseline);
  EXPECT_EQ(q[1].test.verdict, Verdict::significant);
  EXPECT_EQ(c.metrics[1].cells[1].test.verdict, Verdict::not_significant); // 10 vs 10, no spread

  const auto table = format_table(c, runs);
  EXPECT_NE(table.find("policies.scheduler=easy_backfill"), std::string::npos) << table;
  EXPECT_NE(table.find("-50.00%"), std::string::npos) << table;
  EXPECT_NE(table.find("seeds 1, 2, 3"), std::string::npos) << table;
  EXPECT_NE(table.find("the same in every run: jobs_total=10\n"), std::string::npos) << table;
  EXPECT_EQ(table.find("\njobs_total\n"), std::string::npos) << table; // no block of its own
  const auto csv = format_csv(c);
  EXPECT_NE(csv.find("mean_queue_s,policies.scheduler=fifo,3,100,10,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("jobs_total,policies.scheduler=easy_backfill,3,10,0,10,10,0,,,,not significant"),
            std::string::npos)
      << csv;
  const auto json = format_json(c, runs);
  EXPECT_NE(json.find("\"verdict\": \"significant\""), std::string::npos) << json;

  Options only;
  only.metrics = {"only_here"};
  EXPECT_THROW(compare_runs(runs, only), CompareError);
  only.metrics = {"jobs_total"};
  EXPECT_EQ(compare_runs(runs, only).metrics.size(), 1u);
}

TEST(CompareRuns, SingleSeedSaysIntervalUnavailable) {
  const std::vector<CRun> runs{make_run("f1.h5", 1, "fifo", {{"m", 1}}), make_run("e1.h5", 1, "sjf", {{"m", 2}})};
  const auto c = compare_runs(runs, Options{});
  const auto table = format_table(c, runs);
  EXPECT_NE(table.find("n/a (n<2)"), std::string::npos) << table;
  EXPECT_NE(table.find("n/a (needs n>=2 in both)"), std::string::npos) << table;
}

} // namespace
