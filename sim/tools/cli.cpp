// racksim: the command line. Exit codes: 0 success, 2 bad input (scenario, trace, platform, usage, files given to
// compare or regress), 3 `regress` found a regression, 1 anything else (I/O failure, internal error).

#include "platforms/analysis.hpp"
#include "platforms/topology.hpp"
#include "sim/engine/collective_run.hpp"
#include "sim/tools/compare.hpp"
#include "sim/engine/engine.hpp"
#include "sim/tools/report_cmd.hpp"
#include "sim/tools/regress.hpp"
#include "sim/results/results.hpp"
#include "sim/config/scenario.hpp"
#include "sim/tools/sweep.hpp"
#include "sim/version.hpp"
#include "workloads/traces/trace_reader.hpp"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using namespace racksim;

constexpr int exit_bad_input = 2;
constexpr int exit_failure = 1;
constexpr int exit_regressed = 3; // racksim regress: a metric moved the wrong way beyond its tolerance

// What the trace reader dropped or changed, e.g. "30940 rows, 30756 jobs; skipped 184 asking for 0 GPUs". Empty
// when nothing was (unless always).
std::string trace_facts(const workloads::TraceReport& tr, bool always = false) {
  std::string changes;
  const auto add = [&](std::size_t n, const char* what) {
    if (n > 0) changes += (changes.empty() ? "; " : ", ") + std::to_string(n) + " " + what;
  };
  add(tr.skipped_zero_gpus, "skipped asking for 0 GPUs");
  add(tr.skipped_too_large, "skipped asking for more GPUs than the cluster has");
  add(tr.skipped_bad_duration, "skipped with a run time <= 0");
  add(tr.skipped_not_run, "skipped that never ran");
  add(tr.clamped_too_large, "clamped to the cluster size");
  add(tr.clamped_duration, "with run time clamped to 1 s");
  add(tr.fractional_rounded_up, "asking for fractional GPUs rounded up");
  if (changes.empty() && !always) return "";
  return std::to_string(tr.rows) + " rows, " + std::to_string(tr.jobs) + " jobs" + changes;
}

void print_summary(const sim::ResultSet& rs, std::ostream& out) {
  out << "racksim " << rs.meta.racksim_version << " (" << rs.meta.git_sha << "), SimGrid " << rs.meta.simgrid_version
      << ", seed " << rs.meta.seed << ", wall " << rs.meta.wall_seconds << " s\n";
  std::size_t width = 0;
  for (const auto& [k, v] : rs.summary)
    width = std::max(width, k.size());
  for (const auto& [k, v] : rs.summary) {
    char buf[64];
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
      std::snprintf(buf, sizeof buf, "%.0f", v);
    else
      std::snprintf(buf, sizeof buf, "%.6g", v);
    out << "  " << k << std::string(width - k.size() + 2, ' ') << buf << "\n";
  }
}

// The analyses `describe` adds to the platform facts: paths and what each failure domain costs.
std::string describe_analysis(const platforms::TopologyAnalysis& a) {
  std::ostringstream out;
  out << "paths: mean " << a.mean_gpu_hops << " links GPU to GPU; " << a.leaf_ecmp_paths
      << " equal-cost paths leaf to leaf (" << a.leaf_ecmp_hops << " links)\n";
  out << "failure impact (the first element of each domain failed):\n";
  for (const auto& d : a.failure_domains) {
    out << "  " << d.kind << ": " << d.gpus_failed << " GPUs down, " << d.gpus_cut_off << " cut off, "
        << d.gpus_without_storage << " without storage, " << d.gpus_without_object_store
        << " without object store; bisection left "
        << platforms::format_bits_per_second(d.bisection_Bps) << "\n";
  }
  return out.str();
}

std::vector<std::string> overrides_with_seed(std::vector<std::string> sets, const std::string& seed) {
  if (!seed.empty()) sets.push_back("seed=" + seed);
  return sets;
}

int report_error(const std::exception& e) {
  if (const auto* se = dynamic_cast<const sim::ScenarioError*>(&e)) {
    for (const auto& d : se->diagnostics())
      std::cerr << d.str() << "\n";
    return exit_bad_input;
  }
  if (dynamic_cast<const platforms::PlatformError*>(&e) || dynamic_cast<const workloads::TraceError*>(&e) ||
      dynamic_cast<const sim::RunError*>(&e) || dynamic_cast<const sim::compare::CompareError*>(&e) ||
      dynamic_cast<const sim::regress::RegressError*>(&e) || dynamic_cast<const sim::sweep::SweepError*>(&e)) {
    std::cerr << "racksim: error: " << e.what() << "\n";
    return exit_bad_input;
  }
  std::cerr << "racksim: error: " << e.what() << "\n";
  return exit_failure;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"racksim: discrete-event simulator of AI datacenters (SimGrid)"};
  app.set_version_flag("--version", std::string("racksim ") + racksim::version + " (" + racksim::git_sha + ")");
  app.require_subcommand(1);

  std::string scenario_path, out_path, seed, results_path;
  std::vector<std::string> sets;
  bool quiet = false, explain = false, json = false;

  auto* run = app.add_subcommand("run", "Run one simulation and write its results (HDF5)");
  run->add_option("scenario", scenario_path, "Scenario YAML file")->required();
  run->add_option("-o,--output", out_path, "Results file (HDF5), written atomically")->required();
  run->add_option("--seed", seed, "Override the scenario's seed");
  run->add_option("--set", sets, "Override a setting: key.path=value (repeatable)");
  run->add_flag("-q,--quiet", quiet, "No progress line, no collectives table");

  auto* validate = app.add_subcommand("validate", "Check a scenario without running it (exit 2 on errors)");
  validate->add_option("scenario", scenario_path, "Scenario YAML file");
  validate->add_option("--set", sets, "Override a setting: key.path=value (repeatable)");
  validate->add_flag("--explain", explain, "List every setting with its type, default, unit and meaning");

  auto* describe = app.add_subcommand("describe", "Print the platform a scenario describes, with its analyses");
  describe->add_option("scenario", scenario_path, "Scenario YAML file")->required();
  describe->add_flag("--json", json, "Machine-readable output (fields: docs/platforms.md, Analyses)");
  describe->add_option("--set", sets, "Override a setting: key.path=value (repeatable)");

  auto* summary = app.add_subcommand("summary", "Print the summary table of a results file");
  summary->add_option("results", results_path, "Results file (HDF5)")->required();

  std::vector<std::string> compare_files, compare_metrics;
  std::string group_by, format = "table";
  double alpha = 0.05, confidence = 0.95;
  auto* compare = app.add_subcommand(
      "compare", "Compare runs across seeds: per variant mean, sd, confidence interval; Welch t-test vs the first "
                 "variant (docs/compare.md)");
  compare->add_option("results", compare_files, "Results files (HDF5); runs that differ only in seed form a variant")
      ->required();
  compare->add_option("--metric", compare_metrics, "Compare only this /summary attribute (repeatable)")
      ->allow_extra_args(false); // one name per --metric: the files that follow stay files
  compare->add_option("--group-by", group_by, "Group runs by this setting (e.g. policies.scheduler) instead");
  compare->add_option("--alpha", alpha, "Significance level of the Welch t-test")->capture_default_str();
  compare->add_option("--confidence", confidence, "Confidence level of the intervals")->capture_default_str();
  compare->add_option("--format", format, "table | csv | json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();

  std::string report_dir, report_run;
  std::vector<std::string> report_metrics;
  auto* report = app.add_subcommand(
      "report", "Write an HTML report (plots, summary table; sweep files: Student-t intervals) of a results or "
                "merged sweep file with analysis/report.py (docs/report.md)");
  report->add_option("results", results_path, "Results file or merged sweep file (HDF5)")->required();
  report->add_option("-o,--output", report_dir, "Directory for index.html, summary.json and the PNGs")->required();
  report->add_option("--run", report_run, "Sweep files: the run drawn in the per-run plots (default: the first)");
  report->add_option("--metric", report_metrics, "Sweep files: a /summary metric to chart (repeatable)")
      ->allow_extra_args(false);
  std::string baseline_path, current_path, tolerances_path, default_tol, regress_format = "table";
  std::vector<std::string> tols;
  bool allow_missing = false, fail_on_improvement = false, only_changes = false;
  auto* regress = app.add_subcommand(
      "regress", "Compare a run's /summary (or every run of a merged sweep file) with a baseline's under "
                 "per-metric tolerances; exit 3 on a regression (docs/regression.md)");
  regress->add_option("--baseline", baseline_path, "Baseline results file (HDF5)")->required();
  regress->add_option("results", current_path, "Results file to check (HDF5)")->required();
  regress->add_option("--tolerances,--tolerance", tolerances_path, "Tolerance file (YAML: default, metrics)");
  regress->add_option("--tol", tols, "metric=5% (relative) or metric=0.01 (absolute), repeatable; overrides the file")
      ->allow_extra_args(false);
  regress->add_option("--default-tol", default_tol, "Tolerance of metrics not named (default 1%)");
  regress->add_flag("--allow-missing", allow_missing, "A metric only in the baseline is not a failure");
  regress->add_flag("--fail-on-improvement", fail_on_improvement, "An improvement beyond tolerance is a failure too");
  regress->add_flag("--only-changes", only_changes, "Leave the rows that are ok out of the table");
  regress->add_option("--format", regress_format, "table | markdown | json")
      ->check(CLI::IsMember({"table", "markdown", "json"}))
      ->capture_default_str();
  // racksim sweep / merge (docs/sweeps.md)
  std::string sweep_path, shard;
  std::vector<std::string> merge_files;
  int sweep_jobs = 1;
  bool allow_partial = false;
  auto* sweep = app.add_subcommand("sweep", "Run every (grid point x variant x seed) of a sweep file, one process "
                                            "per run, and merge the results into one HDF5 file (docs/sweeps.md)");
  sweep->add_option("sweep", sweep_path, "Sweep YAML file")->required();
  sweep->add_option("-o,--output", out_path, "Merged results file (HDF5); runs go in OUTPUT.runs/")->required();
  sweep->add_option("-j,--jobs", sweep_jobs, "Runs at once (processes)")->capture_default_str();
  sweep->add_option("--shard", shard, "Run only the runs with index % N == K (0-based K/N, e.g. $SLURM_ARRAY_TASK_ID)");
  sweep->add_flag("-q,--quiet", quiet, "No progress output");
  auto* merge = app.add_subcommand("merge", "Join merged files of one sweep (e.g. shards) into one (docs/sweeps.md)");
  merge->add_option("-o,--output", out_path, "Merged results file (HDF5)")->required();
  merge->add_option("inputs", merge_files, "Merged sweep files (outputs of racksim sweep)")->required();
  merge->add_flag("--allow-partial", allow_partial, "Write the file even when runs are missing");
  merge->add_flag("-q,--quiet", quiet, "No summary line");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_bad_input;
  }

  try {
    if (*run) {
      const auto scenario = sim::load_scenario(scenario_path, overrides_with_seed(sets, seed));
      // Fail before simulating, not after, when the results cannot be written there.
      const auto out_dir = std::filesystem::absolute(out_path).parent_path();
      if (!std::filesystem::is_directory(out_dir)) {
        std::cerr << "racksim: error: " << out_path << ": directory '" << out_dir.string() << "' does not exist\n";
        return exit_bad_input;
      }
      sim::RunOptions options;
      options.progress = !quiet && isatty(STDERR_FILENO);
      const auto report = sim::run_simulation(scenario, options);
      sim::write_results(out_path, report.results);
      if (const auto facts = trace_facts(report.trace); !facts.empty()) std::cerr << "racksim: trace: " << facts << "\n";
      if (!quiet && !report.results.collectives.empty())
        std::cout << sim::format_collectives_table(report.results.collectives);
      print_summary(report.results, std::cout);
      std::cout << "results: " << out_path << "\n";
    } else if (*validate) {
      if (explain) {
        std::cout << sim::explain_settings();
        if (scenario_path.empty()) return 0;
      }
      if (scenario_path.empty()) throw CLI::RequiredError("scenario");
      const auto scenario = sim::load_scenario(scenario_path, sets);
      const auto topo = platforms::build_topology(scenario.platform);
      std::string trace_facts_text;
      if (scenario.workload.kind == workloads::WorkloadKind::trace) {
        workloads::TraceReport tr;
        (void)workloads::read_trace(scenario.workload.trace, topo.num_gpus(), tr);
        trace_facts_text = "; trace: " + trace_facts(tr, true);
      }
      std::cout << scenario_path << ": ok (" << topo.num_gpus() << " GPUs" << trace_facts_text << ")\n";
    } else if (*describe) {
      const auto scenario = sim::load_scenario(scenario_path, sets);
      const auto topo = platforms::build_topology(scenario.platform);
      const auto analysis = platforms::analyze(topo);
      if (json) {
        std::cout << platforms::analysis_json(topo, analysis) << "\n";
      } else {
        const auto text = platforms::describe_text(topo);
        std::cout << text << (text.empty() || text.back() != '\n' ? "\n" : "");
        std::cout << describe_analysis(analysis);
      }
    } else if (*summary) {
      print_summary(sim::read_results(results_path), std::cout);
    } else if (*compare) {
      namespace cmp = sim::compare;
      const auto runs = cmp::load_runs(compare_files);
      cmp::Options options;
      options.group_by = group_by;
      options.metrics = compare_metrics;
      options.alpha = alpha;
      options.confidence = confidence;
      const auto result = cmp::compare_runs(runs, options);
      for (const auto& w : result.warnings)
        std::cerr << "racksim: warning: " << w << "\n";
      if (format == "csv")
        std::cout << cmp::format_csv(result);
      else if (format == "json")
        std::cout << cmp::format_json(result, runs);
      else
        std::cout << cmp::format_table(result, runs);
    } else if (*report) {
      // The script's exit code passes through: 2 bad input, 1 anything else (docs/report.md).
      std::vector<std::string> args{results_path, "-o", report_dir};
      if (!report_run.empty()) args.insert(args.end(), {"--run", report_run});
      for (const auto& m : report_metrics)
        args.insert(args.end(), {"--metric", m});
      const auto where = sim::locate_report(std::getenv("RACKSIM_PYTHON"), std::getenv("RACKSIM_ANALYSIS_DIR"),
                                            RACKSIM_ANALYSIS_DIR_DEFAULT);
      return sim::run_report(where, args);
    } else if (*regress) {
      namespace rg = sim::regress;
      rg::Tolerances tolerances;
      if (!tolerances_path.empty()) tolerances = rg::load_tolerances(tolerances_path);
      if (!default_tol.empty()) { // replaces the default's bounds; its direction (from the file) stays
        const auto bounds = rg::parse_tolerance_text(default_tol, "--default-tol");
        tolerances.fallback.relative = bounds.relative;
        tolerances.fallback.absolute = bounds.absolute;
      }
      for (const auto& t : tols) {
        const auto eq = t.find('=');
        if (eq == std::string::npos || eq == 0) throw rg::RegressError("--tol '" + t + "': expected metric=tolerance");
        const auto tol = rg::parse_tolerance_text(t.substr(eq + 1), "--tol '" + t + "'");
        auto& entry = tolerances.metrics[t.substr(0, eq)];
        entry.relative = tol.relative; // a --tol replaces the file's bounds for that metric, keeps its direction
        entry.absolute = tol.absolute;
      }
      const rg::Options options{allow_missing, fail_on_improvement};
      // Merged sweep files (racksim sweep) are compared run by run, matched by name (docs/regression.md).
      const auto base_runs = rg::load_sweep_runs(baseline_path), current_runs = rg::load_sweep_runs(current_path);
      if (base_runs.has_value() != current_runs.has_value())
        throw rg::RegressError((base_runs ? current_path : baseline_path) +
                               ": a single run's results, compared with a merged sweep file; give two of a kind");
      if (base_runs) {
        const auto runs = rg::compare_runs_by_name(*base_runs, *current_runs, tolerances);
        if (regress_format == "table") std::cout << "baseline: " << baseline_path << "\ncurrent:  " << current_path << "\n";
        std::cout << rg::format_runs(runs, options, regress_format, !only_changes);
        return rg::failed(runs, options) ? exit_regressed : 0;
      }
      const auto report = rg::compare(rg::load_summary(baseline_path), rg::load_summary(current_path), tolerances);
      if (regress_format == "json")
        std::cout << rg::format_json(report, options);
      else if (regress_format == "markdown")
        std::cout << rg::format_markdown(report, options, !only_changes);
      else
        std::cout << "baseline: " << baseline_path << "\ncurrent:  " << current_path << "\n"
                  << rg::format_table(report, options, !only_changes);
      if (report.failed(options)) return exit_regressed;
    } else if (*sweep) {
      sim::sweep::Options options;
      options.output = out_path;
      options.jobs = sweep_jobs;
      options.shard = shard;
      options.quiet = quiet;
      return sim::sweep::run_sweep(sweep_path, options);
    } else if (*merge) {
      sim::sweep::merge_files(out_path, merge_files, allow_partial, quiet);
    }
  } catch (const CLI::Error& e) {
    std::cerr << "racksim: error: " << e.what() << "\n";
    return exit_bad_input;
  } catch (const std::exception& e) {
    return report_error(e);
  }
  return 0;
}
