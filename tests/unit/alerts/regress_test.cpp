// racksim regress: verdicts from tolerances and directions (hand-computed deltas), tolerance files and flags,
// output formats, and the CLI's exit codes on real result files.

#include "sim/results/results.hpp"
#include "sim/tools/regress.hpp"
#include "tests/scenarios/cli_run.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace racksim::sim;
using namespace racksim::sim::regress;

namespace {

Verdict verdict_of(const Report& r, const std::string& metric) {
  for (const auto& row : r.rows)
    if (row.metric == metric) return row.verdict;
  ADD_FAILURE() << "no row " << metric;
  return Verdict::ok;
}

} // namespace

// Directions come from the metric table (sim/results/metrics.cpp); an undeclared name is `both`.
TEST(Regress, DefaultDirections) {
  for (const char* m :
       {"mean_jct_s", "p99_queue_s", "makespan_s", "energy_kwh", "lost_gpu_hours", "jobs_failed",
        "inference_p99_ttft_s", "alerts_raised", "alert.q.seconds", "jobs_unfinished", "co2_kg", "capex_usd"})
    EXPECT_EQ(default_direction(m), Direction::lower_is_better) << m;
  for (const char* m :
       {"gpu_utilization", "goodput", "inference_throughput_rps", "inference_slo_attainment", "availability",
        "mean_ettr", "mean_mfu", "peak_busbw_Bps", "jobs_completed", "inference_tokens_per_s"})
    EXPECT_EQ(default_direction(m), Direction::higher_is_better) << m;
  for (const char* m : {"jobs_total", "total_gpus", "trace_rows_clamped", "pue", "something_new", "energy_j",
                        "power_w"}) // energy_j is a /jobs column, power_w a series: not /summary attributes
    EXPECT_EQ(default_direction(m), Direction::both) << m;
}

// A 21% drop in emissions is an improvement, not a regression (it was, when directions were guessed from names).
TEST(Regress, LowerCarbonIsAnImprovement) {
  const Report r = compare({{"co2_kg", 100}}, {{"co2_kg", 79}}, Tolerances{});
  EXPECT_EQ(verdict_of(r, "co2_kg"), Verdict::improved);
  EXPECT_FALSE(r.failed(Options{}));
}

TEST(Regress, VerdictsFromRelativeAndAbsoluteTolerances) {
  const Metrics base{
      {"mean_jct_s", 100}, {"gpu_utilization", 0.80}, {"jobs_total", 200}, {"p99_queue_s", 50}, {"gone", 1}};
  const Metrics cur{
      {"mean_jct_s", 104}, {"gpu_utilization", 0.785}, {"jobs_total", 201}, {"p99_queue_s", 40}, {"fresh", 2}};
  Tolerances t;
  t.fallback = {0.01, std::nullopt, std::nullopt};
  t.metrics["mean_jct_s"] = parse_tolerance_text("5%", "test");     // +4% within 5%: ok
  t.metrics["gpu_utilization"] = parse_tolerance_text("0.01", "t"); // -0.015 beyond 0.01, lower is worse
  const auto r = compare(base, cur, t);
  EXPECT_EQ(verdict_of(r, "mean_jct_s"), Verdict::ok);
  EXPECT_EQ(verdict_of(r, "gpu_utilization"), Verdict::regressed);
  EXPECT_EQ(verdict_of(r, "jobs_total"), Verdict::ok);        // +0.5% within the 1% default
  EXPECT_EQ(verdict_of(r, "p99_queue_s"), Verdict::improved); // -20%, lower is better
  EXPECT_EQ(verdict_of(r, "gone"), Verdict::missing);
  EXPECT_EQ(verdict_of(r, "fresh"), Verdict::new_metric);
  EXPECT_DOUBLE_EQ(r.rows[0].delta, 4);
  EXPECT_DOUBLE_EQ(*r.rows[0].rel_delta, 0.04);
  EXPECT_TRUE(r.failed({}));
  EXPECT_EQ(r.count(Verdict::regressed), 1);
  // Without the regression: missing still fails unless allowed; improvements only with fail_on_improvement.
  t.metrics["gpu_utilization"] = parse_tolerance_text("0.02", "t");
  const auto r2 = compare(base, cur, t);
  EXPECT_TRUE(r2.failed({}));
  EXPECT_FALSE(r2.failed({true, false}));
  EXPECT_TRUE(r2.failed({true, true}));
}

TEST(Regress, DirectionBothFailsEitherWayAndOverridesWork) {
  Tolerances t;
  t.fallback = {0.01, std::nullopt, std::nullopt};
  const auto r = compare({{"total_gpus", 64}, {"mean_jct_s", 10}}, {{"total_gpus", 32}, {"mean_jct_s", 9}}, t);
  EXPECT_EQ(verdict_of(r, "total_gpus"), Verdict::regressed);
  EXPECT_EQ(verdict_of(r, "mean_jct_s"), Verdict::improved);
  t.metrics["mean_jct_s"].direction = Direction::higher_is_better;
  EXPECT_EQ(verdict_of(compare({{"mean_jct_s", 10}}, {{"mean_jct_s", 9}}, t), "mean_jct_s"), Verdict::regressed);
}

TEST(Regress, ZeroBaselineNeedsAnAbsoluteTolerance) {
  Tolerances t; // 1% relative cannot cover a move from 0
  EXPECT_EQ(verdict_of(compare({{"jobs_failed", 0}}, {{"jobs_failed", 1}}, t), "jobs_failed"), Verdict::regressed);
  EXPECT_EQ(verdict_of(compare({{"jobs_failed", 0}}, {{"jobs_failed", 0}}, t), "jobs_failed"), Verdict::ok);
  t.metrics["jobs_failed"] = parse_tolerance_text("1", "t");
  EXPECT_EQ(verdict_of(compare({{"jobs_failed", 0}}, {{"jobs_failed", 1}}, t), "jobs_failed"), Verdict::ok);
  EXPECT_EQ(verdict_of(compare({{"x", std::nan("")}}, {{"x", std::nan("")}}, t), "x"), Verdict::ok);
  EXPECT_EQ(verdict_of(compare({{"x", 1}}, {{"x", std::nan("")}}, t), "x"), Verdict::regressed);
}

// Rounding-level self-checks (3.7e-16 -> 5.8e-16 is +55%) pass under the built-in 1e-9 absolute bound; a real
// violation of Little's law (1e-6) and an explicit tolerance still count.
TEST(Regress, RelativeErrorChecksHaveARoundingLevelFloor) {
  Tolerances t;
  const std::string m = "littles_law_relative_error";
  EXPECT_EQ(verdict_of(compare({{m, 3.74843e-16}}, {{m, 5.82238e-16}}, t), m), Verdict::ok);
  EXPECT_EQ(verdict_of(compare({{m, 3.74843e-16}}, {{m, 1e-6}}, t), m), Verdict::regressed);
  t.metrics[m] = parse_tolerance_text("1%", "t");
  EXPECT_EQ(verdict_of(compare({{m, 3.74843e-16}}, {{m, 5.82238e-16}}, t), m), Verdict::regressed);
}

TEST(Regress, ToleranceTextAndFile) {
  EXPECT_DOUBLE_EQ(*parse_tolerance_text("5%", "t").relative, 0.05);
  EXPECT_DOUBLE_EQ(*parse_tolerance_text(" 0.01 ", "t").absolute, 0.01);
  EXPECT_THROW(parse_tolerance_text("-1%", "t"), RegressError);
  EXPECT_THROW(parse_tolerance_text("five", "t"), RegressError);
  const auto dir = std::filesystem::temp_directory_path() / ("racksim_regress_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto good = (dir / "tol.yaml").string();
  std::ofstream(good) << "default: 2%\nmetrics:\n  mean_jct_s: 5%\n"
                         "  gpu_utilization: {absolute: 0.01, direction: higher_is_better}\n"
                         "  jobs_total: {direction: lower_is_better}\n";
  const auto t = load_tolerances(good);
  EXPECT_DOUBLE_EQ(*t.resolve("mean_jct_s").relative, 0.05);
  EXPECT_DOUBLE_EQ(*t.resolve("gpu_utilization").absolute, 0.01);
  EXPECT_FALSE(t.resolve("gpu_utilization").relative.has_value());
  EXPECT_DOUBLE_EQ(*t.resolve("jobs_total").relative, 0.02); // bounds from the default
  EXPECT_EQ(*t.resolve("jobs_total").direction, Direction::lower_is_better);
  EXPECT_EQ(*t.resolve("other").direction, Direction::both);
  const auto bad = (dir / "bad.yaml").string();
  std::ofstream(bad) << "default: 1%\nmetrics:\n  mean_jct_s: {relative: 5, direction: up}\n";
  try {
    (void)load_tolerances(bad);
    FAIL();
  } catch (const RegressError& e) {
    EXPECT_NE(std::string(e.what()).find(bad + ":3:26: metrics.mean_jct_s.relative: expected a percentage"),
              std::string::npos)
        << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(Regress, Formats) {
  Tolerances t;
  const auto r = compare({{"mean_jct_s", 100}, {"goodput", 0.9}}, {{"mean_jct_s", 110}, {"goodput", 0.9}}, t);
  const auto table = format_table(r, {});
  EXPECT_NE(table.find("mean_jct_s"), std::string::npos);
  EXPECT_NE(table.find("+10%"), std::string::npos) << table;
  EXPECT_NE(table.find("regressed"), std::string::npos);
  EXPECT_NE(table.find("FAIL: 1 regressed"), std::string::npos);
  EXPECT_EQ(format_table(r, {}, false).find("goodput"), std::string::npos);
  const auto md = format_markdown(r, {});
  EXPECT_NE(md.find("| `mean_jct_s` | 100 | 110 | 10 | +10% | 1% | lower_is_better | **regressed** |"),
            std::string::npos)
      << md;
  const auto json = format_json(r, {});
  EXPECT_NE(json.find("\"result\": \"fail\""), std::string::npos);
  EXPECT_NE(
      json.find("{\"metric\": \"mean_jct_s\", \"baseline\": 100, \"current\": 110, \"delta\": 10, \"rel_delta\": 0.1"),
      std::string::npos)
      << json;
}

TEST(RegressCli, ExitCodes) {
  const auto dir = std::filesystem::temp_directory_path() / ("racksim_regress_cli_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ResultSet base;
  base.meta.racksim_version = "test";
  base.summary = {{"mean_jct_s", 100}, {"gpu_utilization", 0.8}};
  ResultSet worse = base;
  worse.summary[0].second = 120;
  const auto b = (dir / "base.h5").string(), w = (dir / "worse.h5").string();
  write_results(b, base);
  write_results(w, worse);
  auto out = racksim::test::run_cli("regress --baseline " + b + " " + b);
  EXPECT_EQ(out.exit_code, 0) << out.text;
  EXPECT_NE(out.text.find("PASS"), std::string::npos);
  out = racksim::test::run_cli("regress --baseline " + b + " " + w);
  EXPECT_EQ(out.exit_code, 3) << out.text;
  EXPECT_NE(out.text.find("mean_jct_s"), std::string::npos);
  out = racksim::test::run_cli("regress --baseline " + b + " " + w + " --tol mean_jct_s=25%");
  EXPECT_EQ(out.exit_code, 0) << out.text;
  out = racksim::test::run_cli("regress --baseline " + b + " " + w + " --default-tol 30%");
  EXPECT_EQ(out.exit_code, 0) << out.text;
  out = racksim::test::run_cli("regress --baseline " + b + " " + w + " --tol mean_jct_s=abc");
  EXPECT_EQ(out.exit_code, 2) << out.text;
  out = racksim::test::run_cli("regress --baseline " + (dir / "nope.h5").string() + " " + w);
  EXPECT_EQ(out.exit_code, 2) << out.text;
  EXPECT_NE(out.text.find("nope.h5"), std::string::npos) << out.text;
  out = racksim::test::run_cli("regress --baseline " + b + " " + w + " --format json");
  EXPECT_EQ(out.exit_code, 3);
  EXPECT_NE(out.text.find("\"regressed\": 1"), std::string::npos) << out.text;
  std::filesystem::remove_all(dir);
}

TEST(Regress, SweepRunsAreMatchedByName) {
  const std::vector<NamedRun> base{{"a", {{"mean_jct_s", 10}}}, {"b", {{"mean_jct_s", 20}}}, {"gone", {}}};
  const std::vector<NamedRun> cur{{"b", {{"mean_jct_s", 30}}}, {"a", {{"mean_jct_s", 10}}}, {"fresh", {}}};
  const auto runs = compare_runs_by_name(base, cur, Tolerances{});
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].name, "a");
  EXPECT_FALSE(runs[0].report.failed({}));
  EXPECT_EQ(runs[1].name, "b"); // matched by name, not position: 20 -> 30 regressed
  EXPECT_EQ(runs[1].report.rows.at(0).verdict, Verdict::regressed);
  EXPECT_EQ(runs[2].presence, Verdict::missing);
  EXPECT_EQ(runs[3].presence, Verdict::new_metric);
  EXPECT_TRUE(failed(runs, {}));
  const std::vector<NamedRun> only_a{{"a", {{"mean_jct_s", 10}}}};
  EXPECT_FALSE(failed(compare_runs_by_name(only_a, only_a, Tolerances{}), {}));
  EXPECT_FALSE(failed(compare_runs_by_name({{"a", {}}, {"x", {}}}, {{"a", {}}}, Tolerances{}), {true, false}));
}
