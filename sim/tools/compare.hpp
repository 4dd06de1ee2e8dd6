#pragma once
// `racksim compare`: groups result files into variants (runs whose resolved scenarios differ only in `seed`) and
// compares every summary metric across variants with the statistics an honest multi-seed comparison needs: mean,
// sample standard deviation, a Student-t confidence interval of the mean and Welch's two-sample t-test against the
// first (baseline) variant. docs/compare.md describes the method and its caveats.
//
// Everything here works on plain values (no HDF5), so it is unit-testable; the reading of the files is
// load_compare_runs() (compare.cpp, through read_results).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace racksim::sim::compare {

class CompareError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One result file, as far as compare needs it.
struct Run {
  std::string file;
  std::uint64_t seed = 0;
  std::string build; // "racksim VERSION (GIT_SHA)": runs of one variant from different builds are warned about
  std::map<std::string, std::string> settings;         // resolved scenario, flattened: "policies.scheduler" -> "fifo"
  std::vector<std::pair<std::string, double>> summary; // /summary attributes, in file order
};

// The resolved scenario YAML flattened to dotted keys; a sequence becomes one value in flow style ("[1, 2, 4]").
// Throws CompareError when the text is not YAML or not a mapping.
std::map<std::string, std::string> flatten_yaml(const std::string& yaml_text);

struct Variant {
  std::string label;                            // e.g. "policies.scheduler=easy_backfill", else the first file's name
  std::vector<std::size_t> runs;                // indices into the runs, in input order
  std::map<std::string, std::string> differing; // the settings that tell this variant from the others
};

// Groups runs into variants, in order of first appearance (the first variant is the baseline). Without group_by,
// runs whose settings are equal except `seed` form one variant; with group_by (a dotted setting), runs with the
// same value of that setting do ("(unset)" when absent). Labels name the settings that differ between variants
// (at most max_label_settings of them), else the file name of the variant's first run.
std::vector<Variant> group_runs(const std::vector<Run>& runs, const std::string& group_by = "",
                                std::size_t max_label_settings = 3);

// Warnings about the design: variants with different numbers of runs, a seed that appears twice in a variant, runs
// of one variant that differ in more than the seed (--group-by) or come from different racksim builds.
std::vector<std::string> design_warnings(const std::vector<Run>& runs, const std::vector<Variant>& variants);

// The metrics to compare: `wanted` in its order (each must be in every run, else CompareError naming the file), or
// when empty every /summary attribute present in all runs, in the first run's order.
std::vector<std::string> select_metrics(const std::vector<Run>& runs, const std::vector<std::string>& wanted);

// n, mean, sample standard deviation (n - 1) and the two-sided confidence interval of the mean,
// mean +/- t(1 - (1 - confidence) / 2, n - 1) * sd / sqrt(n). The interval needs n >= 2.
struct Describe {
  std::size_t n = 0;
  double mean = 0;
  double sd = 0; // 0 for n < 2
  bool has_ci = false;
  double ci_low = 0;
  double ci_high = 0;
};
// Non-finite values are dropped (they count in `dropped`, not in n).
Describe describe(const std::vector<double>& values, double confidence = 0.95, std::size_t* dropped = nullptr);

enum class Verdict {
  baseline,
  significant,
  not_significant,
  deterministic_difference, // zero variance in both variants and different means
  unavailable,              // fewer than two values in a variant with some spread, or no values
};
const char* verdict_name(Verdict v);

// Welch's unequal-variance t-test of the mean of b against the mean of a, two-sided:
// t = (mean_b - mean_a) / sqrt(sa²/na + sb²/nb), dof by Welch–Satterthwaite, p = 2 P(T_dof > |t|).
struct Welch {
  bool available = false; // false: t, dof, p are meaningless (see verdict)
  double t = 0;
  double dof = 0;
  double p = 1;
  Verdict verdict = Verdict::unavailable;
};
Welch welch_test(const Describe& a, const Describe& b, double alpha = 0.05);

// (mean - base) / |base|; nullopt when base is 0 and mean is not.
std::optional<double> relative_delta(double base, double mean);

struct Cell {
  Describe stats;
  std::size_t dropped = 0;         // non-finite values left out
  std::optional<double> rel_delta; // vs baseline; nullopt for the baseline itself or when undefined
  Welch test;                      // vs baseline; verdict baseline for the baseline itself
};
struct MetricRow {
  std::string metric;
  std::vector<Cell> cells; // one per variant, in variant order
};
struct Comparison {
  std::vector<Variant> variants;
  std::vector<MetricRow> metrics;
  std::vector<std::string> warnings;
  double alpha = 0.05;
  double confidence = 0.95;
};

struct Options {
  std::string group_by;
  std::vector<std::string> metrics;
  double alpha = 0.05;
  double confidence = 0.95;
};
Comparison compare_runs(const std::vector<Run>& runs, const Options& options);

std::string format_table(const Comparison& c, const std::vector<Run>& runs);
std::string format_csv(const Comparison& c);
std::string format_json(const Comparison& c, const std::vector<Run>& runs);

// Reads the files (HDF5 results); throws CompareError naming the file when one is missing, unreadable or not a
// racksim results file.
std::vector<Run> load_runs(const std::vector<std::string>& files);

} // namespace racksim::sim::compare
