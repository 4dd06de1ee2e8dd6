#pragma once
// `racksim regress`: compares the /summary metrics of a run against a baseline run with per-metric tolerances and
// directions, for CI (docs/regression.md). The comparison works on plain name -> value lists (no HDF5), so it is
// unit-testable and can later be applied row by row to merged sweep files (/sweep/index, rows matched by name);
// reading result files and tolerance files is the thin layer at the end of this header.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace racksim::sim::regress {

// Bad input: an unreadable results file, a bad tolerance file or flag. The CLI exits 2.
class RegressError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Direction { lower_is_better, higher_is_better, both };
const char* to_string(Direction d);
std::optional<Direction> parse_direction(const std::string& text);

// The built-in direction of a /summary metric, from the metric table (sim/results/metrics.hpp): lower_is_better
// and higher_is_better as declared, `both` for descriptive metrics (counts that describe the input, such as
// jobs_total or total_gpus) and for names the table does not declare (docs/regression.md, "Directions").
Direction default_direction(const std::string& metric);

// A change is within tolerance when |current - baseline| <= absolute or |current - baseline| / |baseline| <=
// relative (either suffices; an unset bound does not allow anything). Equal values are always within.
struct Tolerance {
  std::optional<double> relative; // a fraction: 0.05 = 5%
  std::optional<double> absolute; // in the metric's own unit
  std::optional<Direction> direction;
};

struct Tolerances {
  Tolerance fallback{0.01, std::nullopt, std::nullopt}; // --default-tol / `default:`; 1% relative unless given
  std::map<std::string, Tolerance> metrics;             // per metric; unset fields come from the fallback
  // The tolerance applied to a metric: its own entry, its unset bounds filled from the fallback (when it sets
  // neither bound), direction from the entry, else the fallback, else default_direction().
  Tolerance resolve(const std::string& metric) const;
};

// "5%" -> relative 0.05, "0.01" -> absolute 0.01 (the --tol / shorthand grammar). Throws RegressError.
Tolerance parse_tolerance_text(const std::string& text, const std::string& what);
// Merges `over` into `base`: bounds and direction given in `over` replace those in `base`.
void merge_into(Tolerance& base, const Tolerance& over);

enum class Verdict { ok, regressed, improved, new_metric, missing };
const char* to_string(Verdict v);

struct Row {
  std::string metric;
  std::optional<double> baseline;
  std::optional<double> current;
  double delta = 0;                // current - baseline (0 when one is missing)
  std::optional<double> rel_delta; // delta / |baseline|; unset when baseline is 0 (and delta is not) or missing
  Tolerance tolerance;             // as resolved
  Direction direction = Direction::both;
  Verdict verdict = Verdict::ok;
};

struct Options {
  bool allow_missing = false;       // a metric only in the baseline is not a failure
  bool fail_on_improvement = false; // an improvement beyond tolerance is a failure (baselines out of date)
};

struct Report {
  std::vector<Row> rows; // baseline order, then the new metrics in current order
  int count(Verdict v) const;
  bool failed(const Options& options) const;
};

using Metrics = std::vector<std::pair<std::string, double>>;

Report compare(const Metrics& baseline, const Metrics& current, const Tolerances& tolerances);

// Sweeps (merged files with /sweep/index: one row per run): runs are matched by name and each pair is compared as
// above. A run only in the baseline is `missing`, one only in the current file `new` (report empty).
struct NamedRun {
  std::string name;
  Metrics metrics;
};
struct RunComparison {
  std::string name;
  Verdict presence = Verdict::ok; // ok (in both), new_metric (only current), missing (only baseline)
  Report report;
};
std::vector<RunComparison> compare_runs_by_name(const std::vector<NamedRun>& baseline,
                                                const std::vector<NamedRun>& current, const Tolerances& tolerances);
bool failed(const std::vector<RunComparison>& runs, const Options& options);

// Output formats: an aligned text table, JSON (one object per row, plus counts and the overall result), and a
// GitHub-flavoured markdown table (for CI comments). `show_ok` false leaves out the rows that are ok.
std::string format_table(const Report& r, const Options& options, bool show_ok = true);
std::string format_json(const Report& r, const Options& options);
std::string format_markdown(const Report& r, const Options& options, bool show_ok = true);

// The thin file layer. A tolerance file (YAML):
//   default: 1%                      # or {relative: 1%, absolute: 0.5, direction: both}
//   metrics:
//     mean_jct_s: 5%                 # shorthand: a percentage is relative, a plain number absolute
//     gpu_utilization: {absolute: 0.01, direction: higher_is_better}
// Throws RegressError naming the file and line.
Tolerances load_tolerances(const std::string& path);
// The /summary of a results file. Throws RegressError naming the file.
Metrics load_summary(const std::string& path);
// The runs of a merged sweep file (`racksim sweep`), each with its /summary, in index order; nullopt when PATH is a
// single run's results file. Throws RegressError naming the file.
std::optional<std::vector<NamedRun>> load_sweep_runs(const std::string& path);
// A sweep comparison in one of the formats above (table | markdown | json): one section per run (runs that are ok
// are left out when show_ok is false) and a closing line with the counts.
std::string format_runs(const std::vector<RunComparison>& runs, const Options& options, const std::string& format,
                        bool show_ok = true);

} // namespace racksim::sim::regress
