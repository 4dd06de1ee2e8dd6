// `racksim compare` as a user meets it: 3 seeds x 2 schedulers of a tiny loaded scenario; the numbers it prints
// are the means of the files; two variants with the same configuration are not told apart; bad files are named.

#include "sim/results/results.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "tests/scenarios/cli_run.hpp"

namespace {

using racksim::test::Output;
using racksim::test::run_cli;

std::string tmp(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("racksim-compare-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

const std::string scenario = std::string(RACKSIM_SOURCE_DIR) + "/tests/scenarios/compare/tiny.yaml";

// Runs the tiny scenario with a seed and extra --set options; returns the file.
std::string simulate(const std::string& name, int seed, const std::string& sets) {
  const auto file = tmp(name + ".h5");
  const auto out = run_cli("run " + scenario + " -q -o " + file + " --seed " + std::to_string(seed) + " " + sets);
  EXPECT_EQ(out.exit_code, 0) << out.text;
  return file;
}

double summary_value(const std::string& file, const std::string& metric) {
  static std::map<std::string, std::vector<std::pair<std::string, double>>> cache; // each file read once
  if (!cache.count(file)) cache[file] = racksim::sim::read_results(file).summary;
  for (const auto& [k, v] : cache[file])
    if (k == metric) return v;
  ADD_FAILURE() << file << " lacks " << metric;
  return 0;
}

double mean_of(const std::vector<std::string>& files, const std::string& metric) {
  double sum = 0;
  for (const auto& f : files)
    sum += summary_value(f, metric);
  return sum / static_cast<double>(files.size());
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, sep))
    out.push_back(field);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

// CSV rows keyed by "metric|variant".
std::map<std::string, std::map<std::string, std::string>> parse_csv(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  const auto header = split(line, ',');
  std::map<std::string, std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const auto fields = split(line, ',');
    EXPECT_EQ(fields.size(), header.size()) << line;
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < fields.size(); ++i)
      row[header[i]] = fields[i];
    rows[row["metric"] + "|" + row["variant"]] = row;
  }
  return rows;
}

std::string join(const std::vector<std::string>& files) {
  std::string out;
  for (const auto& f : files)
    out += " " + f;
  return out;
}

TEST(CompareCli, SeedsTimesSchedulers) {
  std::vector<std::string> fifo, easy, fifo_copy;
  for (int seed = 1; seed <= 3; ++seed) {
    fifo.push_back(simulate("fifo-" + std::to_string(seed), seed, "--set policies.scheduler=fifo"));
    easy.push_back(simulate("easy-" + std::to_string(seed), seed, "--set policies.scheduler=easy_backfill"));
    // The same configuration under another name, with other seeds: a variant that is not really different.
    fifo_copy.push_back(simulate("copy-" + std::to_string(seed), seed + 3, "--set name=compare-tiny-copy"));
  }
  const std::string fifo_label = "policies.scheduler=fifo", easy_label = "policies.scheduler=easy_backfill";
  // The load makes the scheduler matter.
  ASSERT_NE(mean_of(fifo, "mean_queue_s"), mean_of(easy, "mean_queue_s"));

  // Interleaved on the command line: grouping is by resolved scenario, not by position.
  const auto csv =
      run_cli("compare --format csv" + join({fifo[0], easy[0], fifo[1], easy[1], fifo[2], easy[2]}), false);
  ASSERT_EQ(csv.exit_code, 0) << csv.text;
  const auto rows = parse_csv(csv.text);
  for (const char* metric : {"mean_queue_s", "mean_jct_s", "makespan_s", "gpu_utilization"}) {
    const auto& f = rows.at(std::string(metric) + "|" + fifo_label);
    const auto& e = rows.at(std::string(metric) + "|" + easy_label);
    EXPECT_EQ(f.at("n"), "3");
    EXPECT_DOUBLE_EQ(std::stod(f.at("mean")), mean_of(fifo, metric)) << metric;
    EXPECT_DOUBLE_EQ(std::stod(e.at("mean")), mean_of(easy, metric)) << metric;
    EXPECT_EQ(f.at("verdict"), "baseline");
    EXPECT_LE(std::stod(f.at("ci_low")), std::stod(f.at("mean")));
    EXPECT_GE(std::stod(f.at("ci_high")), std::stod(f.at("mean")));
    const double base = mean_of(fifo, metric);
    EXPECT_NEAR(std::stod(e.at("rel_delta")), (mean_of(easy, metric) - base) / std::fabs(base), 1e-12) << metric;
    const double p = std::stod(e.at("p"));
    EXPECT_TRUE(p >= 0 && p <= 1) << p;
    EXPECT_EQ(e.at("verdict"), p < 0.05 ? "significant" : "not significant") << metric;
  }
  // jobs_total is 40 in every run: no spread, same mean.
  EXPECT_EQ(rows.at("jobs_total|" + easy_label).at("verdict"), "not significant");

  // The table: variants with their seeds, one block per metric.
  const auto table = run_cli("compare --metric mean_queue_s --metric makespan_s" + join(fifo) + join(easy));
  ASSERT_EQ(table.exit_code, 0) << table.text;
  EXPECT_NE(table.text.find(fifo_label), std::string::npos) << table.text;
  EXPECT_NE(table.text.find("3 runs  seeds 1, 2, 3"), std::string::npos) << table.text;
  EXPECT_NE(table.text.find("\nmean_queue_s\n"), std::string::npos) << table.text;
  EXPECT_NE(table.text.find("\nmakespan_s\n"), std::string::npos) << table.text;
  EXPECT_EQ(table.text.find("\nmean_jct_s\n"), std::string::npos) << table.text;
  EXPECT_EQ(table.text.find("warning"), std::string::npos) << table.text;

  // Same configuration, other seeds: no metric differs significantly.
  const auto same = run_cli("compare --format csv" + join(fifo) + join(fifo_copy), false);
  ASSERT_EQ(same.exit_code, 0) << same.text;
  std::size_t compared = 0;
  for (const auto& [key, row] : parse_csv(same.text)) {
    if (row.at("variant") != "name=compare-tiny-copy") continue;
    ++compared;
    EXPECT_NE(row.at("verdict"), "significant") << key;
    EXPECT_NE(row.at("verdict"), "deterministic difference") << key;
  }
  EXPECT_GT(compared, 5u);

  // --group-by, and the design warnings: 3 fifo runs against 2 easy ones, a seed twice.
  const auto uneven = run_cli("compare --group-by policies.scheduler" + join(fifo) + " " + easy[0] + " " + easy[0]);
  EXPECT_EQ(uneven.exit_code, 0) << uneven.text;
  EXPECT_NE(uneven.text.find("warning: the variants have different numbers of runs"), std::string::npos) << uneven.text;
  EXPECT_NE(uneven.text.find("seed 1 appears 2 times"), std::string::npos) << uneven.text;

  // JSON parses.
  const auto json = run_cli("compare --format json" + join(fifo) + join(easy) +
                            " 2>/dev/null | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); "
                            "print(\"variants\", len(d[\"variants\"]))'");
  EXPECT_EQ(json.exit_code, 0) << json.text;
  EXPECT_NE(json.text.find("variants 2"), std::string::npos) << json.text;

  std::filesystem::remove_all(std::filesystem::path(fifo[0]).parent_path());
}

TEST(CompareCli, BadFilesAreNamed) {
  const auto missing = run_cli("compare /nonexistent/a.h5 /nonexistent/b.h5");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.text.find("/nonexistent/a.h5: no such file"), std::string::npos) << missing.text;

  const auto not_hdf5 = run_cli("compare " + scenario);
  EXPECT_EQ(not_hdf5.exit_code, 2);
  EXPECT_NE(not_hdf5.text.find("tiny.yaml: not an HDF5 file"), std::string::npos) << not_hdf5.text;

  const auto none = run_cli("compare");
  EXPECT_EQ(none.exit_code, 2);
  const auto bad_format = run_cli("compare x.h5 --format xml");
  EXPECT_EQ(bad_format.exit_code, 2);
}

} // namespace
