// The racksim binary as a user meets it: exit codes, located error messages, determinism, the summary table.

#include "sim/results/results.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>

#include "tests/scenarios/cli_run.hpp"

namespace {

using racksim::test::Output;
using racksim::test::run_cli;

std::string src(const std::string& rel) {
  return std::string(RACKSIM_SOURCE_DIR) + "/" + rel;
}

std::string tmp(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("racksim-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

} // namespace

TEST(Cli, ValidateAcceptsEveryExample) {
  for (const char* name : {"quickstart", "chronus-philly", "gavel-philly", "llm-step-model", "storage-tiers",
                           "collectives", "fat-tree", "rail-optimized", "dragonfly", "nvl72"}) {
    const auto out = run_cli("validate " + src(std::string("examples/") + name + ".yaml"));
    EXPECT_EQ(out.exit_code, 0) << out.text;
    EXPECT_NE(out.text.find(": ok"), std::string::npos) << out.text;
  }
}

TEST(Cli, UnknownKeyIsLocatedWithExitCode2) {
  const auto out = run_cli("validate " + src("tests/scenarios/bad/unknown_key.yaml"));
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.text.find("unknown_key.yaml:7:5:"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("spines"), std::string::npos) << out.text; // the suggestion
}

TEST(Cli, BadUnitIsLocatedWithExitCode2) {
  const auto out = run_cli("validate " + src("tests/scenarios/bad/bad_unit.yaml"));
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.text.find("bad_unit.yaml:4:20:"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("Gbs"), std::string::npos) << out.text;
}

TEST(Cli, YamlSyntaxErrorIsLocatedWithExitCode2) {
  const auto out = run_cli("validate " + src("tests/scenarios/bad/syntax.yaml"));
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.text.find("syntax.yaml:"), std::string::npos) << out.text;
}

TEST(Cli, ImpossiblePlatformIsExitCode2) {
  const auto out = run_cli("validate " + src("tests/scenarios/bad/impossible.yaml"));
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.text.find("racks"), std::string::npos) << out.text;
}

TEST(Cli, BrokenTraceRowNamesFileLineAndField) {
  const auto out = run_cli("run " + src("tests/scenarios/bad/broken_trace.yaml") + " -o " + tmp("broken.h5"));
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.text.find("broken_trace.csv:3"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("num_gpu"), std::string::npos) << out.text;
  EXPECT_FALSE(std::filesystem::exists(tmp("broken.h5")));
}

TEST(Cli, MissingFileAndUnknownSubcommandFailCleanly) {
  EXPECT_EQ(run_cli("validate /nonexistent/scenario.yaml").exit_code, 2);
  EXPECT_NE(run_cli("frobnicate").exit_code, 0);
  EXPECT_EQ(run_cli("summary /nonexistent/out.h5").exit_code, 1);
  const auto no_dir = run_cli("run " + src("examples/quickstart.yaml") + " -o /nonexistent/dir/q.h5");
  EXPECT_EQ(no_dir.exit_code, 2);
  EXPECT_NE(no_dir.text.find("does not exist"), std::string::npos) << no_dir.text;
}

TEST(Cli, HelpForEverySubcommand) {
  for (const char* sub : {"run", "validate", "describe", "summary", "compare", "sweep", "merge", "regress", "report"}) {
    const auto out = run_cli(std::string(sub) + " --help");
    EXPECT_EQ(out.exit_code, 0) << sub;
    EXPECT_NE(out.text.find("Usage"), std::string::npos) << out.text;
  }
}

TEST(Cli, DescribeJsonIsMachineReadable) {
  const auto out = run_cli(
      "describe --json " + src("examples/quickstart.yaml") +
      " | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(\"gpus\", d[\"counts\"][\"gpus\"])'");
  EXPECT_EQ(out.exit_code, 0) << out.text;
  EXPECT_NE(out.text.find("gpus 64"), std::string::npos) << out.text;
}

TEST(Cli, DescribePrintsThePlatform) {
  const auto out = run_cli("describe " + src("examples/chronus-philly.yaml"));
  EXPECT_EQ(out.exit_code, 0) << out.text;
  EXPECT_NE(out.text.find("2048"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("isection"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("failure impact"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("equal-cost paths"), std::string::npos) << out.text;
}

TEST(Cli, RunWritesResultsAndSummaryReadsThemBack) {
  const auto path = tmp("quick.h5");
  const auto out = run_cli("run " + src("examples/quickstart.yaml") + " -o " + path + " --quiet");
  ASSERT_EQ(out.exit_code, 0) << out.text;
  EXPECT_NE(out.text.find("jobs_completed"), std::string::npos) << out.text;
  const auto rs = racksim::sim::read_results(path);
  EXPECT_EQ(rs.jobs.size(), 200u);
  EXPECT_NE(rs.meta.scenario_yaml.find("quickstart"), std::string::npos);
  const auto again = run_cli("summary " + path);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.text.find("mean_jct_s"), std::string::npos);
  // No temporary file is left behind.
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST(Cli, SameSeedGivesIdenticalDatasetsAndAnotherSeedDoesNot) {
  const auto a = tmp("a.h5"), b = tmp("b.h5"), c = tmp("c.h5");
  const std::string scenario = src("examples/quickstart.yaml");
  ASSERT_EQ(run_cli("run " + scenario + " -o " + a + " -q").exit_code, 0);
  ASSERT_EQ(run_cli("run " + scenario + " -o " + b + " -q").exit_code, 0);
  ASSERT_EQ(run_cli("run " + scenario + " -o " + c + " -q --seed 43").exit_code, 0);
  const auto ra = racksim::sim::read_results(a), rb = racksim::sim::read_results(b), rc = racksim::sim::read_results(c);
  ASSERT_EQ(ra.jobs.size(), rb.jobs.size());
  for (std::size_t i = 0; i < ra.jobs.size(); ++i) {
    const auto &x = ra.jobs[i], &y = rb.jobs[i];
    EXPECT_TRUE(x.id == y.id && x.submit_s == y.submit_s && x.start_s == y.start_s && x.end_s == y.end_s &&
                x.gpus == y.gpus && x.status == y.status && x.compute_s == y.compute_s && x.comm_s == y.comm_s &&
                x.checkpoint_s == y.checkpoint_s && x.nodes == y.nodes && x.racks == y.racks)
        << "job row " << i << " differs";
  }
  EXPECT_EQ(ra.summary, rb.summary);
  ASSERT_EQ(ra.timeseries.size(), rb.timeseries.size());
  for (std::size_t i = 0; i < ra.timeseries.size(); ++i)
    EXPECT_EQ(ra.timeseries[i].value, rb.timeseries[i].value);
  EXPECT_NE(ra.summary, rc.summary);
}

TEST(Cli, SetOverridesAnyKey) {
  const auto path = tmp("set.h5");
  const auto out = run_cli("run " + src("examples/quickstart.yaml") + " -o " + path +
                           " -q --set workload.synthetic.jobs=10 --set policies.scheduler=easy_backfill");
  ASSERT_EQ(out.exit_code, 0) << out.text;
  const auto rs = racksim::sim::read_results(path);
  EXPECT_EQ(rs.jobs.size(), 10u);
  EXPECT_NE(rs.meta.scenario_yaml.find("easy_backfill"), std::string::npos);
  const auto bad = run_cli("validate " + src("examples/quickstart.yaml") + " --set policies.scheduler=lottery");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.text.find("easy_backfill"), std::string::npos) << bad.text; // lists the valid names
}

TEST(Cli, StorageTierMistakesNameFileLineAndField) {
  struct Case {
    const char* file;
    const char* where;
    const char* what;
  };
  for (const Case c : {Case{"storage_stripe_count.yaml", "storage_stripe_count.yaml:5:19:",
                            "platform.storage.stripe_count: 8 is more than platform.storage.servers (4)"},
                       Case{"storage_negative_bandwidth.yaml", "storage_negative_bandwidth.yaml:6:24:",
                            "platform.storage.nvme.write_bandwidth: must be > 0Bps, got -2GBps"},
                       Case{"storage_unknown_tier.yaml", "storage_unknown_tier.yaml:5:22:",
                            "workload.training.checkpoint_tier: unknown value 'tape'; valid: pfs, nvme, object_store"},
                       Case{"storage_nvme_missing.yaml", "storage_nvme_missing.yaml:8:22:",
                            "workload.training.checkpoint_tier: nvme, but platform.storage.nvme.drives is 0"}}) {
    const auto out = run_cli("validate " + src(std::string("tests/scenarios/bad/") + c.file));
    EXPECT_EQ(out.exit_code, 2) << c.file;
    EXPECT_NE(out.text.find(std::string(c.where) + " " + c.what), std::string::npos) << out.text;
  }
}

TEST(Cli, DescribeReportsTheStorageTiers) {
  const auto out = run_cli("describe " + src("examples/storage-tiers.yaml"));
  EXPECT_EQ(out.exit_code, 0) << out.text;
  EXPECT_NE(out.text.find("storage tiers:"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("  pfs: 8 servers"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("striped over 4 servers (1 MiB units)"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("  nvme: per node 8 drives"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("  object_store: 4 gateways"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("object_store: 0 GPUs down, 0 cut off, 0 without storage, 32 without object store"),
            std::string::npos)
      << out.text;
}

TEST(Cli, FabricMistakesNameFileLineAndField) {
  struct Case {
    const char* file;
    const char* where;
    const char* what;
  };
  for (const Case c : {Case{"fabric_racks_per_pod.yaml", "fabric_racks_per_pod.yaml:3:10:",
                            "platform.racks must be a multiple of fabric.racks_per_pod (4) for a fat_tree (got 6)"},
                       Case{"fabric_radix.yaml", "fabric_radix.yaml:6:19:",
                            "platform.fabric.switch_radix must be at least the 512 ports a leaf switch needs (256 down "
                            "+ 256 up, at NIC speed) (got 64)"},
                       Case{"fabric_dragonfly_global.yaml", "fabric_dragonfly_global.yaml:7:28:",
                            "platform.fabric.global_links_per_rack must be such that racks_per_group x "
                            "global_links_per_rack >= groups - 1 (5)"}}) {
    const auto out = run_cli("validate " + src(std::string("tests/scenarios/bad/") + c.file));
    EXPECT_EQ(out.exit_code, 2) << c.file;
    EXPECT_NE(out.text.find(std::string(c.where) + " " + c.what), std::string::npos) << out.text;
  }
}

TEST(Cli, DescribeJsonNamesTheFabric) {
  const auto out = run_cli("describe --json " + src("examples/dragonfly.yaml"));
  EXPECT_EQ(out.exit_code, 0) << out.text;
  EXPECT_NE(out.text.find("\"fabric\": \"dragonfly\""), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("\"pods\": 4"), std::string::npos) << out.text;
}

TEST(Cli, CollectiveUnknownOpIsLocatedWithExitCode2) {
  const auto out = run_cli("validate " + src("tests/scenarios/bad/collective_unknown_op.yaml"));
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.text.find("collective_unknown_op.yaml:5:9: workload.collective.op: unknown value 'allreduse'"),
            std::string::npos)
      << out.text;
  EXPECT_NE(out.text.find("did you mean 'allreduce'"), std::string::npos) << out.text;
}

TEST(Cli, CollectiveAlgorithmThatDoesNotSuitTheOpIsLocatedWithExitCode2) {
  const auto out = run_cli("validate " + src("tests/scenarios/bad/collective_bad_algorithm.yaml"));
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.text.find("collective_bad_algorithm.yaml:6:16: workload.collective.algorithm: 'ring' does not apply "
                          "to op 'alltoall' (valid for alltoall: auto, direct)"),
            std::string::npos)
      << out.text;
}

TEST(Cli, CollectiveSizeWithAUnitTypoIsLocatedAtTheItem) {
  const auto out = run_cli("validate " + src("tests/scenarios/bad/collective_size_typo.yaml"));
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.text.find("collective_size_typo.yaml:5:19: workload.collective.sizes[1]: unknown unit 'Mib'"),
            std::string::npos)
      << out.text;
  EXPECT_NE(out.text.find("did you mean 'MiB'"), std::string::npos) << out.text;
}

TEST(Cli, CollectiveGroupsThatDoNotFitAreRejected) {
  const auto out = run_cli("validate " + src("examples/collectives.yaml") + " --set workload.collective.groups=5");
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.text.find("5 group(s) of 16 ranks need 80 GPUs but the platform has 64"), std::string::npos)
      << out.text;
}

// The example: two groups of 16 GPUs (two nodes each, one rack) run a ring all-reduce of 1 MiB, 64 MiB and 1 GiB at
// once. They share no link, so each takes the alpha-beta time: 3 us per step (NVLink 0.5 + uplink 1, twice) and the
// node's 8 x 400 Gb/s = 400 GB/s uplink as B (below the H100's 450 GB/s NVLink).
TEST(Cli, CollectivesExampleWritesTheNcclTestsFiguresAndTable) {
  const auto path = tmp("collectives.h5");
  const auto out = run_cli("run " + src("examples/collectives.yaml") + " -o " + path);
  ASSERT_EQ(out.exit_code, 0) << out.text;
  EXPECT_NE(out.text.find("busbw(GB/s)"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("# Avg bus bandwidth"), std::string::npos) << out.text;
  const auto rs = racksim::sim::read_results(path);
  ASSERT_EQ(rs.collectives.size(), 6u);
  const double n = 16, alpha = 3e-6, bandwidth = 400e9;
  const double sizes[] = {1 << 20, 64.0 * (1 << 20), 1024.0 * (1 << 20)};
  for (std::size_t i = 0; i < rs.collectives.size(); ++i) {
    const auto& c = rs.collectives[i];
    const double bytes = sizes[i / 2];
    const double expected = 2 * (n - 1) * alpha + 2 * (n - 1) / n * bytes / bandwidth;
    EXPECT_EQ(c.job, static_cast<std::int64_t>(i % 2));
    EXPECT_EQ(c.op, "allreduce");
    EXPECT_EQ(c.algorithm, "ring");
    EXPECT_EQ(c.bytes, static_cast<std::int64_t>(bytes));
    EXPECT_EQ(c.ranks, 16);
    EXPECT_NEAR(c.time_s / expected, 1.0, 1e-9) << i;
    EXPECT_NEAR(c.ideal_s / expected, 1.0, 1e-9) << i;
    EXPECT_DOUBLE_EQ(c.algbw_Bps, bytes / c.time_s);
    EXPECT_DOUBLE_EQ(c.busbw_Bps, c.algbw_Bps * 2 * (n - 1) / n);
    EXPECT_EQ(c.nodes, 2);
  }
  EXPECT_EQ(rs.jobs.size(), 2u);
  EXPECT_EQ(rs.jobs[0].kind, "collective");
  const auto quiet = run_cli("run " + src("examples/collectives.yaml") + " -o " + path + " -q");
  EXPECT_EQ(quiet.text.find("busbw(GB/s)"), std::string::npos) << quiet.text;
}

TEST(Cli, CollectiveAllToAllAboveTheFlowLimitIsRejected) {
  const auto out = run_cli("validate " + src("examples/collectives.yaml") +
                           " --set workload.collective.op=alltoall --set workload.collective.algorithm=auto"
                           " --set platform.racks=16 --set workload.collective.groups=1"
                           " --set workload.collective.ranks=257");
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.text.find("alltoall over 257 ranks would be 65792 concurrent flows; at most 256 ranks are supported"),
            std::string::npos)
      << out.text;
}
