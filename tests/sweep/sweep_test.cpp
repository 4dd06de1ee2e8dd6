// Sweep files: expansion order and naming, the digest, and located errors (docs/sweeps.md).

#include "sim/results/results.hpp"
#include "sim/config/scenario.hpp"
#include "sim/tools/sweep.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

using namespace racksim::sim;
namespace fs = std::filesystem;

const std::string quickstart = std::string(RACKSIM_SOURCE_DIR) + "/examples/quickstart.yaml";

// Writes a sweep file next to a temporary directory and returns its path.
std::string write_sweep(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("racksim-sweep-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

// The diagnostics of a failing load_sweep, one per line.
std::string load_error(const std::string& path) {
  try {
    (void)sweep::load_sweep(path);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string parse_error(const std::string& text) {
  try {
    (void)sweep::parse_sweep_text(text, "s.yaml");
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SweepParse, GridThenVariantThenSeedOrder) {
  const auto s = sweep::parse_sweep_text(R"(
name: order
scenario: x.yaml
set: {workload.synthetic.jobs: 10}
grid:
  policies.scheduler: [fifo, las]
  workload.synthetic.mean_interarrival: [14s, 12.6s, 11s]
variants:
  - {name: pack, set: {policies.placement: pack}}
  - {name: ff, set: {policies.placement: first_fit}}
seeds: {from: 7, count: 2}
)",
                                         "s.yaml");
  EXPECT_EQ(s.name, "order");
  ASSERT_EQ(s.runs.size(), 2u * 3u * 2u * 2u);
  EXPECT_EQ(s.parameters,
            (std::vector<std::string>{"policies.scheduler", "workload.synthetic.mean_interarrival", "variant"}));
  // index = ((scheduler * 3 + load) * 2 + variant) * 2 + seed: the first grid key varies slowest, seeds fastest.
  const auto& r = s.runs[1 * 12 + 2 * 4 + 1 * 2 + 1];
  EXPECT_EQ(r.name, "r0023");
  EXPECT_EQ(r.index, 23);
  EXPECT_EQ(r.parameters, (std::vector<std::string>{"las", "11s", "ff"}));
  EXPECT_EQ(r.overrides, (std::vector<std::string>{"workload.synthetic.jobs=10", "policies.scheduler=las",
                                                   "workload.synthetic.mean_interarrival=11s",
                                                   "policies.placement=first_fit", "seed=8"}));
  EXPECT_EQ(r.seed, 8);
  EXPECT_EQ(s.runs[0].name, "r0000");
  EXPECT_EQ(s.runs[0].parameters, (std::vector<std::string>{"fifo", "14s", "pack"}));
  EXPECT_EQ(s.runs[0].overrides.back(), "seed=7");
  EXPECT_EQ(s.runs[1].overrides.back(), "seed=8");
  EXPECT_EQ(s.runs[2].parameters[2], "ff");
  EXPECT_EQ(s.runs[4].parameters[1], "12.6s"); // value as written
}

TEST(SweepParse, NoGridNoSeedsIsOneRunWithoutSeedOverride) {
  const auto s = sweep::parse_sweep_text("scenario: x.yaml\n", "dir/one-off.yaml");
  EXPECT_EQ(s.name, "one-off"); // the file stem
  ASSERT_EQ(s.runs.size(), 1u);
  EXPECT_TRUE(s.runs[0].overrides.empty());
  EXPECT_TRUE(s.parameters.empty());
}

TEST(SweepParse, NamesWidenPast10000Runs) {
  const auto s = sweep::parse_sweep_text("scenario: x.yaml\nseeds: {from: 0, count: 10001}\n", "s.yaml");
  EXPECT_EQ(s.runs.front().name, "r00000");
  EXPECT_EQ(s.runs.back().name, "r10000");
}

TEST(SweepParse, ErrorsNameFileLineAndField) {
  EXPECT_EQ(parse_error("scenario: x.yaml\ngrid:\n  policies.scheduler: []\n"),
            "s.yaml:3:3: grid: policies.scheduler: empty list (a grid key needs at least one value)");
  EXPECT_EQ(parse_error("scenario: x.yaml\nseeds: [1, -2]\n"),
            "s.yaml:2:12: seeds: '-2' is not a seed (an integer >= 0)");
  EXPECT_EQ(parse_error("scenario: x.yaml\nseeds: []\n"), "s.yaml:2:8: seeds: empty list");
  EXPECT_EQ(parse_error("scenario: x.yaml\nseeds: {from: 1, count: 0}\n"), "s.yaml:2:25: seeds: count must be >= 1");
  EXPECT_EQ(parse_error("scenario: x.yaml\nseeds: [1, 1]\n"), "s.yaml:2:12: seeds: 1 listed twice");
  EXPECT_EQ(parse_error("scenario: x.yaml\ngrids: {}\n"),
            "s.yaml:2:1: unknown key 'grids' (expected name, scenario, set, grid, variants, seeds)");
  EXPECT_EQ(parse_error("name: x\n"), "s.yaml:1:1: scenario: missing (the scenario file, relative to the sweep file)");
  EXPECT_EQ(parse_error("scenario: x.yaml\nset: {seed: 3}\n"),
            "s.yaml:2:7: set: seed: use the sweep's `seeds` list instead");
  EXPECT_EQ(parse_error("scenario: x.yaml\ngrid: {a: [1]}\nvariants:\n  - {name: v, set: {a: 2}}\n"),
            "s.yaml:4:21: variants: v: a is also a grid key; set it in one place");
  EXPECT_EQ(parse_error("scenario: [x\n").rfind("s.yaml:", 0), 0u); // YAML syntax error, located
}

TEST(SweepLoad, UnknownSettingKeyNamesTheSweepLine) {
  const auto path =
      write_sweep("unknown-key.yaml", "scenario: " + quickstart + "\ngrid:\n  policies.schedular: [fifo, las]\n");
  const std::string err = load_error(path);
  EXPECT_EQ(err.rfind(path + ":3:24: 'policies.schedular=fifo':", 0), 0u) << err;
  EXPECT_NE(err.find(path + ":3:30: 'policies.schedular=las':"), std::string::npos) << err;
}

TEST(SweepLoad, BadUnitNamesTheSweepLine) {
  const auto path =
      write_sweep("bad-unit.yaml",
                  "scenario: " + quickstart + "\ngrid:\n  workload.synthetic.mean_interarrival: [10min, 12parsecs]\n");
  const std::string err = load_error(path);
  EXPECT_EQ(err.rfind(path + ":3:49: 'workload.synthetic.mean_interarrival=12parsecs':", 0), 0u) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << "one diagnostic: " << err;
}

TEST(SweepLoad, MissingScenarioFile) {
  const auto path = write_sweep("missing.yaml", "scenario: nowhere.yaml\n");
  EXPECT_EQ(load_error(path).rfind(path + ":1:11: scenario: no such file: ", 0), 0u) << load_error(path);
}

TEST(SweepLoad, ResolvesEveryRunAndDigestsThem) {
  const auto path = write_sweep("ok.yaml", "scenario: " + quickstart + "\nseeds: [3, 4]\n");
  const auto a = sweep::load_sweep(path);
  ASSERT_EQ(a.runs.size(), 2u);
  EXPECT_EQ(a.runs[1].seed, 4);
  EXPECT_NE(a.runs[0].resolved_yaml.find("seed: 3"), std::string::npos);
  EXPECT_EQ(a.digest.size(), 64u);
  EXPECT_EQ(sweep::load_sweep(path).digest, a.digest); // deterministic
  const auto other = write_sweep("ok2.yaml", "scenario: " + quickstart + "\nseeds: [3, 5]\n");
  EXPECT_NE(sweep::load_sweep(other).digest, a.digest);
  // Without seeds: the scenario's own seed.
  const auto plain = write_sweep("plain.yaml", "scenario: " + quickstart + "\n");
  EXPECT_EQ(sweep::load_sweep(plain).runs.at(0).seed, 42);
}

TEST(SweepShard, ParsesKOverN) {
  EXPECT_EQ(sweep::parse_shard("0/2").k, 0);
  EXPECT_EQ(sweep::parse_shard("3/4").n, 4);
  for (const char* bad : {"2/2", "-1/2", "1", "1/0", "a/b", "1/2x", "/2", "1/"}) {
    try {
      (void)sweep::parse_shard(bad);
      ADD_FAILURE() << bad;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(std::string("--shard: '") + bad + "': expected K/N with 0 <= K < N", 0), 0u)
          << e.what();
    }
  }
}

} // namespace

namespace {

// write_merged + read_results(path, group): a run read back from /runs/<name> equals the run file it came from.
TEST(SweepMerge, RunGroupReadsBackLikeTheRunFile) {
  const fs::path dir = fs::temp_directory_path() / ("racksim-sweep-merge-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::vector<sweep::MergeEntry> entries;
  for (int i = 0; i < 2; ++i) {
    ResultSet rs;
    rs.meta.racksim_version = "test";
    rs.meta.seed = static_cast<std::uint64_t>(10 + i);
    rs.meta.scenario_yaml = "seed: " + std::to_string(10 + i) + "\n";
    rs.meta.started_utc = "2026-01-01T00:00:00Z";
    JobRecord j;
    j.id = i;
    j.status = "completed";
    j.end_s = 5.0 + i;
    rs.jobs = {j};
    rs.summary = {{"mean_jct_s", 1.5 + i}};
    if (i == 1) rs.summary.emplace_back("p99_jct_s", 7.0); // only in r1
    const std::string file = (dir / ("r" + std::to_string(i) + ".h5")).string();
    write_results(file, rs);
    sweep::MergeEntry e;
    e.index = 1 - i; // given out of order: the file is in index order
    e.name = i == 0 ? "r0001" : "r0000";
    e.seed = 10 + i;
    e.parameters = {i == 0 ? "fifo" : "easy_backfill"};
    e.file = file;
    entries.push_back(e);
  }
  sweep::MergeHeader h;
  h.name = "t";
  h.digest = "d";
  h.runs_total = 2;
  h.parameters = {"policies.scheduler"};
  const std::string out = (dir / "merged.h5").string();
  sweep::write_merged(out, h, entries);
  const ResultSet a = read_results(out, "/runs/r0001");
  const ResultSet b = read_results((dir / "r0.h5").string());
  EXPECT_EQ(a.meta.scenario_yaml, b.meta.scenario_yaml);
  EXPECT_EQ(a.meta.seed, 10u);
  EXPECT_EQ(a.meta.started_utc, b.meta.started_utc);
  ASSERT_EQ(a.jobs.size(), 1u);
  EXPECT_EQ(a.jobs[0].end_s, 5.0);
  EXPECT_EQ(a.summary, b.summary);
  EXPECT_EQ(read_results(out, "/runs/r0000").summary.size(), 2u);
  EXPECT_THROW((void)read_results(out, "/runs/r0009"), ResultsError);
  fs::remove_all(dir);
}

} // namespace
