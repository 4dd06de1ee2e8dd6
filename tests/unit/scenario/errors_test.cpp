// Every way a scenario can be wrong, with the line:col and the words of the diagnostic it must produce.

#include "sim/config/scenario.hpp"

#include "platforms/catalog.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace racksim::sim {
namespace {

using testing::all_messages;
using testing::errors_of;
using testing::fixtures_dir;
using testing::single_error;

#define EXPECT_DIAG(d, LINE, COL, TEXT)                                                                                \
  do {                                                                                                                 \
    EXPECT_EQ((d).line, LINE) << (d).str();                                                                            \
    EXPECT_EQ((d).column, COL) << (d).str();                                                                           \
    EXPECT_NE((d).message.find(TEXT), std::string::npos) << "'" << (d).message << "' lacks '" << (TEXT) << "'";        \
  } while (0)

TEST(ScenarioErrors, DiagnosticFormat) {
  EXPECT_EQ((Diagnostic{"a.yaml", 3, 7, "bad"}).str(), "a.yaml:3:7: bad");
  EXPECT_EQ((Diagnostic{"--set", 0, 0, "bad"}).str(), "--set: bad");
  const ScenarioError e({{"a.yaml", 1, 2, "one"}, {"a.yaml", 3, 4, "two"}});
  EXPECT_STREQ(e.what(), "a.yaml:1:2: one\na.yaml:3:4: two");
  EXPECT_EQ(e.diagnostics().size(), 2u);
}

TEST(ScenarioErrors, YamlSyntaxErrorIsLocated) {
  const Diagnostic d = single_error("name: x\nplatform:\n  racks: [1, 2\n");
  EXPECT_EQ(d.file, "test.yaml");
  EXPECT_GE(d.line, 3);
  EXPECT_GT(d.column, 0);
  EXPECT_NE(d.message.find("YAML syntax error"), std::string::npos) << d.message;

  const Diagnostic tab = single_error("name: x\nplatform:\n  racks: 2\n bad indent: 1\n");
  EXPECT_EQ(tab.line, 4) << tab.str();
  EXPECT_NE(tab.message.find("YAML syntax error"), std::string::npos);
}

TEST(ScenarioErrors, UnknownKeySuggestsTheNearestValidKey) {
  const Diagnostic d = single_error(R"(name: x
platform:
  fabric:
    spine: 4
)");
  EXPECT_DIAG(d, 4, 5, "unknown key 'spine' in platform.fabric (did you mean 'spines'?)");
  EXPECT_EQ(d.str(), "test.yaml:4:5: unknown key 'spine' in platform.fabric (did you mean 'spines'?)");

  EXPECT_DIAG(single_error("name: x\nsed: 3\n"), 2, 1, "unknown key 'sed' at top level (did you mean 'seed'?)");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  synthetic:\n    duration:\n      medain: 1h\n"), 5, 7,
              "unknown key 'medain' in workload.synthetic.duration (did you mean 'median'?)");
}

TEST(ScenarioErrors, UnknownKeyWithNoNearMatchListsTheValidKeys) {
  EXPECT_DIAG(single_error("name: x\nplatform:\n  storage:\n    nvme:\n      governor: 1\n"), 5, 7,
              "unknown key 'governor' in platform.storage.nvme (valid: drives, read_bandwidth, write_bandwidth, "
              "capacity, pcie_bandwidth)");
  // policies: the selectors, then each policy's own section in registry order (so a new policy adds one).
  EXPECT_DIAG(single_error("name: x\npolicies:\n  governor: hpa\n"), 3, 3,
              "unknown key 'governor' in policies (valid: scheduler, placement, load_balancer, srtf, las, fair_share, ");
  // policies.autoscaler is a section: its policy is policies.autoscaler.policy.
  EXPECT_DIAG(single_error("name: x\npolicies:\n  autoscaler: hpa\n"), 3, 15, "'policies.autoscaler' must be a map");
  EXPECT_DIAG(
      single_error("name: x\nzzz: 1\n"), 2, 1,
      "unknown key 'zzz' at top level (valid: name, seed, horizon, calibration, platform, workload, failures, policies, failover, energy, output, alerts)");
}

TEST(ScenarioErrors, EnergyAndAlertsSectionsAreSupported) {
  EXPECT_NO_THROW(load_scenario_text("name: x\nenergy: {}\nalerts: []\n", "test.yaml", {}, ".")); // docs/energy.md,
                                                                                                  // docs/alerts.md
  EXPECT_DIAG(single_error("name: x\nalert: []\n"), 2, 1, "unknown key 'alert' at top level (did you mean 'alerts'?)");
}

// The failures section (docs/failures.md): malformed values name file, line and field; cross-field rules.
TEST(ScenarioErrors, FailuresSectionValuesAreLocated) {
  const auto d = errors_of("name: x\nfailures:\n  rate_scale: 0\n  gpu:\n    mtbf: 3 days\n    distribution: gamma\n"
                           "  node: {shape: 0, repair: -1h}\n  router:\n    mtbf: 1d\n");
  ASSERT_EQ(d.size(), 6u) << all_messages(d);
  for (const auto& x : d)
    EXPECT_EQ(x.file, "test.yaml");
  EXPECT_DIAG(d[0], 3, 15, "failures.rate_scale: must be > 0");
  EXPECT_DIAG(d[1], 5, 11, "failures.gpu.mtbf:");
  EXPECT_DIAG(d[2], 6, 19, "failures.gpu.distribution: unknown value 'gamma'");
  EXPECT_DIAG(d[3], 7, 17, "failures.node.shape: must be > 0");
  EXPECT_DIAG(d[4], 7, 28, "failures.node.repair: must be >= 0");
  EXPECT_DIAG(d[5], 8, 3, "unknown key 'router' in failures");
  EXPECT_EQ(single_error("name: x\n", {"failures.link.shape=-1"}).str(),
            "--set: 'failures.link.shape=-1': must be > 0, got -1");
}

TEST(ScenarioErrors, FailuresPresetOwnsItsMtbfsAndTraceMustExist) {
  const auto d = errors_of("name: x\nfailures:\n  preset: llama3_54d\n  gpu: {mtbf: 1000d}\n  spine: {mtbf: 1000d}\n"
                           "  trace: no-such-failures.csv\n");
  ASSERT_EQ(d.size(), 2u) << all_messages(d);
  EXPECT_DIAG(d[0], 4, 15, "failures.gpu.mtbf: the preset llama3_54d sets the MTBF of gpu");
  EXPECT_DIAG(d[1], 6, 10, "failures.trace: failure trace '");
  EXPECT_NE(d[1].message.find("no-such-failures.csv' does not exist"), std::string::npos) << d[1].message;
}

TEST(ScenarioErrors, CalibrationMustBeRooflineOrALoadableFile) {
  const auto missing = single_error("name: x\ncalibration: no-such-file.h5\n");
  EXPECT_EQ(missing.line, 2);
  EXPECT_NE(missing.message.find("no-such-file.h5"), std::string::npos) << missing.message;
  const auto not_a_scalar = single_error("name: x\ncalibration: {}\n");
  EXPECT_EQ(not_a_scalar.line, 2);
  EXPECT_NE(not_a_scalar.message.find("calibration"), std::string::npos) << not_a_scalar.message;
}

TEST(ScenarioErrors, DuplicateKey) {
  EXPECT_DIAG(single_error("name: x\nplatform:\n  racks: 2\n  racks: 3\n"), 4, 3,
              "duplicate key 'racks' in platform (first at line 3)");
}

TEST(ScenarioErrors, WrongTypes) {
  EXPECT_DIAG(single_error("name: x\nplatform:\n  racks: {a: 1}\n"), 3, 10,
              "platform.racks: expected an integer, got a map");
  EXPECT_DIAG(single_error("name: x\nplatform:\n  racks: abc\n"), 3, 10,
              "platform.racks: expected an integer, got 'abc'");
  EXPECT_DIAG(single_error("name: x\nplatform:\n  racks: 3.5\n"), 3, 10,
              "platform.racks: expected an integer, got '3.5'");
  EXPECT_DIAG(single_error("name: x\nplatform:\n  racks: [1]\n"), 3, 10,
              "platform.racks: expected an integer, got a list");
  EXPECT_DIAG(single_error("name: x\nplatform:\n  gpu_efficiency: high\n"), 3, 19,
              "platform.gpu_efficiency: expected a number, got 'high'");
  EXPECT_DIAG(single_error("name: x\nseed: -4\n"), 2, 7, "seed: expected a non-negative integer, got '-4'");
  EXPECT_DIAG(single_error("name: [a]\n"), 1, 7, "name: expected a string, got a list");
  EXPECT_DIAG(single_error("name: x\nhorizon: {a: 1}\n"), 2, 10, "horizon: expected a time such as 1.5us or 12h");
}

TEST(ScenarioErrors, SectionMustBeAMap) {
  EXPECT_DIAG(single_error("name: x\nplatform: 3\n"), 2, 11, "'platform' must be a map, got '3'");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  synthetic: [1]\n"), 3, 14,
              "'workload.synthetic' must be a map, got a list");
  const auto d = errors_of("- a\n- b\n");
  ASSERT_EQ(d.size(), 1u) << all_messages(d);
  EXPECT_DIAG(d[0], 1, 1, "a scenario must be a map of settings, got a list");
}

TEST(ScenarioErrors, ListExpected) {
  EXPECT_DIAG(single_error("name: x\nworkload:\n  synthetic:\n    gpus: 8\n"), 4, 11,
              "workload.synthetic.gpus: expected a list of integers such as [1, 2, 4], got '8'");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  synthetic:\n    gpu_weights: {a: 1}\n"), 4, 18,
              "workload.synthetic.gpu_weights: expected a list of numbers");
}

TEST(ScenarioErrors, BadListItemsAreLocatedAtTheItem) {
  const auto d = errors_of("name: x\nworkload:\n  synthetic:\n    gpus: [1, x, 0, [2]]\n");
  ASSERT_EQ(d.size(), 3u) << all_messages(d);
  EXPECT_DIAG(d[0], 4, 15, "workload.synthetic.gpus[1]: expected an integer, got 'x'");
  EXPECT_DIAG(d[1], 4, 18, "workload.synthetic.gpus[2]: must be >= 1, got 0");
  EXPECT_DIAG(d[2], 4, 21, "workload.synthetic.gpus[3]: expected an integer, got a list");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  synthetic:\n    gpus: [4]\n    gpu_weights: [-1]\n"), 5, 19,
              "workload.synthetic.gpu_weights[0]: must be >= 0, got -1");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  synthetic:\n    gpus: []\n"), 4, 11,
              "workload.synthetic.gpus: must have at least 1 item(s)");
}

TEST(ScenarioErrors, BadUnits) {
  EXPECT_DIAG(single_error("name: x\nplatform:\n  fabric:\n    nic_bandwidth: 400\n"), 4, 20,
              "platform.fabric.nic_bandwidth: missing unit in '400' (expected a bandwidth: bps, Kbps");
  EXPECT_DIAG(single_error("name: x\nplatform:\n  fabric:\n    nic_bandwidth: 400Gbs\n"), 4, 20, "unknown unit 'Gbs'");
  EXPECT_DIAG(single_error("name: x\nplatform:\n  fabric:\n    nic_bandwidth: 10GB\n"), 4, 20,
              "'10GB' is a size, expected a bandwidth");
  EXPECT_DIAG(single_error("name: x\nhorizon: 0\n"), 2, 10, "horizon: missing unit in '0' (expected a time: s, ms");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  training:\n    gradient_size: 2Gib\n"), 4, 20, "unknown unit 'Gib'");
}

TEST(ScenarioErrors, OutOfRange) {
  EXPECT_DIAG(single_error("name: x\nplatform:\n  racks: 0\n"), 3, 10, "platform.racks: must be >= 1, got 0");
  EXPECT_DIAG(single_error("name: x\nplatform:\n  gpus_per_node: 73\n"), 3, 18,
              "platform.gpus_per_node: must be in [1, 72], got 73");
  EXPECT_DIAG(single_error("name: x\nplatform:\n  gpu_efficiency: 0\n"), 3, 19,
              "platform.gpu_efficiency: must be in (0, 1], got 0");
  EXPECT_DIAG(single_error("name: x\nplatform:\n  fabric:\n    oversubscription: 0.5\n"), 4, 23,
              "platform.fabric.oversubscription: must be >= 1, got 0.5");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  synthetic:\n    mean_interarrival: 0s\n"), 4, 24,
              "workload.synthetic.mean_interarrival: must be > 0s, got 0s");
  EXPECT_DIAG(single_error("name: x\nhorizon: -1h\n"), 2, 10, "horizon: must be >= 0s, got -1h");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  trace:\n    time_scale: 0\n"), 4, 17,
              "workload.trace.time_scale: must be > 0, got 0");
  EXPECT_DIAG(single_error("name: x\nplatform:\n  racks: 3000000000\n"), 3, 10,
              "platform.racks: integer out of range: '3000000000'");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  training:\n    max_iterations_per_step: 0\n"), 4, 30,
              "must be >= 1, got 0");
}

TEST(ScenarioErrors, UnknownChoicesListTheValidNames) {
  const Diagnostic gpu = single_error("name: x\nplatform:\n  gpu: H900\n");
  EXPECT_DIAG(gpu, 3, 8, "platform.gpu: unknown value 'H900'");
  for (const auto& name : platforms::gpu_names())
    EXPECT_NE(gpu.message.find(name), std::string::npos) << name;
  EXPECT_DIAG(single_error("name: x\npolicies:\n  scheduler: fcfs\n"), 3, 14,
              "policies.scheduler: unknown value 'fcfs'; valid: fifo, easy_backfill");
  EXPECT_DIAG(single_error("name: x\npolicies:\n  placement: packk\n"), 3, 14,
              "policies.placement: unknown value 'packk' (did you mean 'pack'?); valid: first_fit, pack");
  EXPECT_DIAG(single_error("name: x\nplatform:\n  network_model: RDMA\n"), 3, 18,
              "platform.network_model: unknown value 'RDMA'");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  kind: replay\n"), 3, 9,
              "workload.kind: unknown value 'replay'; valid: synthetic, trace");
  EXPECT_DIAG(single_error("name: x\nplatform:\n  fabric:\n    kind: torus\n"), 4, 11,
              "platform.fabric.kind: unknown value 'torus'; valid: leaf_spine, fat_tree, rail_optimized, dragonfly");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  trace:\n    format: philly\n"), 4, 13,
              "valid: chronus_philly, gavel_philly");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  synthetic:\n    duration:\n      distribution: normal\n"), 5, 21,
              "valid: constant, exponential, lognormal");
}

TEST(ScenarioErrors, MissingRequiredAndMissingValues) {
  EXPECT_DIAG(single_error("seed: 3\n"), 1, 1, "missing required key 'name'");
  EXPECT_DIAG(single_error(""), 1, 1, "missing required key 'name'");
  EXPECT_DIAG(single_error("name: \"\"\n"), 1, 7, "name: must not be empty");
  EXPECT_DIAG(single_error("name: x\nplatform:\n  racks:\n"), 3, 3,
              "platform.racks: missing value (expected an integer)");
  EXPECT_DIAG(single_error("name:\n"), 1, 1, "name: missing value");
}

TEST(ScenarioErrors, CrossFieldChecks) {
  EXPECT_DIAG(single_error("name: x\nworkload:\n  synthetic:\n    gpus: [1, 2, 4]\n    gpu_weights: [1, 1]\n"), 5, 18,
              "workload.synthetic.gpu_weights: has 2 weight(s) but workload.synthetic.gpus has 3 entries");
  // Weights given with the default gpus list [1, 2, 4, 8]:
  EXPECT_DIAG(single_error("name: x\nworkload:\n  synthetic:\n    gpu_weights: [1]\n"), 4, 18,
              "has 1 weight(s) but workload.synthetic.gpus has 4 entries");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  synthetic:\n    gpus: [1]\n    gpu_weights: [0]\n"), 5, 18,
              "workload.synthetic.gpu_weights: weights must not all be 0");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  synthetic:\n    duration:\n      min: 10d\n"), 5, 12,
              "workload.synthetic.duration.min (10d) must be <= workload.synthetic.duration.max (7d)");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  synthetic:\n    duration:\n      max: 30s\n"), 5, 12,
              "workload.synthetic.duration.min (1min) must be <= workload.synthetic.duration.max (30s)");
  EXPECT_DIAG(
      single_error("name: x\nplatform: {racks: 1, nodes_per_rack: 2}\nworkload:\n  synthetic:\n    gpus: [8, 32]\n"), 5,
      11, "workload.synthetic.gpus: a job asks for 32 GPUs but the platform has 16");
}

TEST(ScenarioErrors, TracePathChecks) {
  EXPECT_DIAG(single_error("name: x\nworkload:\n  kind: trace\n"), 3, 9,
              "workload.trace.path: missing; it is required when workload.kind is trace");
  const Diagnostic missing = single_error("name: x\nworkload:\n  kind: trace\n  trace:\n    path: nope.csv\n");
  EXPECT_DIAG(missing, 5, 11, "workload.trace.path: trace file '");
  EXPECT_NE(missing.message.find("nope.csv' does not exist"), std::string::npos);
  EXPECT_DIAG(errors_of("name: x\nworkload:\n  kind: trace\n  trace:\n    path: traces\n", {}, fixtures_dir).at(0), 5,
              11, "is not a regular file");
  // Alibaba 2020 needs its task table too; the error points at the format that requires it.
  const auto pai = errors_of("name: x\nworkload:\n  kind: trace\n  trace:\n    format: alibaba_v2020\n    path: j.csv\n");
  ASSERT_EQ(pai.size(), 2u);
  EXPECT_DIAG(pai.at(0), 5, 13,
              "workload.trace.task_path: missing; it is required when workload.trace.format is alibaba_v2020");
  EXPECT_DIAG(pai.at(1), 6, 11, "workload.trace.path: trace file '");
  EXPECT_DIAG(single_error("name: x\nworkload:\n  trace:\n    bad_rows: drop\n"), 4, 15,
              "workload.trace.bad_rows: ");
  // A synthetic workload does not need the trace file.
  EXPECT_NO_THROW(load_scenario_text("name: x\nworkload:\n  trace:\n    path: nope.csv\n", "x.yaml"));
}

TEST(ScenarioErrors, AllProblemsAreReportedInFileOrder) {
  const auto d = errors_of(R"(seed: abc
platform:
  racks: 0
  fabric:
    spine: 4
    nic_bandwidth: 400
workload:
  synthetic:
    gpus: [1, 2]
    gpu_weights: [1]
energy: {pue: 0.5}
policies:
  scheduler: fcfs
)",
                           {"platform.rack=2"});
  ASSERT_EQ(d.size(), 9u) << all_messages(d);
  EXPECT_DIAG(d[0], 1, 1, "missing required key 'name'");
  EXPECT_DIAG(d[1], 1, 7, "seed: expected a non-negative integer, got 'abc'");
  EXPECT_DIAG(d[2], 3, 10, "platform.racks: must be >= 1");
  EXPECT_DIAG(d[3], 5, 5, "unknown key 'spine'");
  EXPECT_DIAG(d[4], 6, 20, "missing unit in '400'");
  EXPECT_DIAG(d[5], 10, 18, "has 1 weight(s) but workload.synthetic.gpus has 2");
  EXPECT_DIAG(d[6], 11, 15, "energy.pue: must be >= 1");
  EXPECT_DIAG(d[7], 13, 14, "unknown value 'fcfs'");
  EXPECT_EQ(d[8].file, "--set");
  EXPECT_EQ(d[8].line, 0);
}

TEST(ScenarioErrors, OverrideErrorsAreReportedAgainstSet) {
  const auto unknown = single_error("name: x\n", {"platform.rack=3"});
  EXPECT_EQ(unknown.file, "--set");
  EXPECT_EQ(unknown.line, 0);
  EXPECT_EQ(unknown.column, 0);
  EXPECT_EQ(unknown.str(),
            "--set: 'platform.rack=3': unknown setting 'platform.rack' (did you mean 'platform.racks'?)");

  EXPECT_EQ(single_error("name: x\n", {"platform.racks=0"}).str(), "--set: 'platform.racks=0': must be >= 1, got 0");
  EXPECT_EQ(single_error("name: x\n", {"platform.racks"}).str(), "--set: 'platform.racks': expected key.path=value");
  EXPECT_EQ(single_error("name: x\n", {"platform=3"}).str(),
            "--set: 'platform=3': 'platform' is a section; --set takes a setting such as 'platform.gpu'");
  EXPECT_EQ(single_error("name: x\n", {"energy.pue=0.5"}).str(), "--set: 'energy.pue=0.5': must be >= 1, got 0.5");
  EXPECT_EQ(single_error("name: x\n", {"platform.fabric.nic_bandwidth=400"})
                .message.rfind("'platform.fabric.nic_bandwidth=400': missing unit in '400'", 0),
            0u);
  EXPECT_EQ(single_error("name: x\n", {"workload.synthetic.gpus=4"}).str(),
            "--set: 'workload.synthetic.gpus=4': expected a list of integers such as [1, 2, 4], got '4'");
  EXPECT_EQ(single_error("name: x\n", {"workload.synthetic.gpus=[1, 0]"}).str(),
            "--set: 'workload.synthetic.gpus=[1, 0]': workload.synthetic.gpus[1]: must be >= 1, got 0");
  EXPECT_EQ(single_error("name: x\n", {"platform.racks="}).str(),
            "--set: 'platform.racks=': missing value (expected an integer)");
  EXPECT_NE(single_error("name: x\n", {"workload.synthetic.gpus=[1, 2"})
                .str()
                .find("--set: 'workload.synthetic.gpus=[1, 2': the value is not valid YAML"),
            std::string::npos);
  EXPECT_EQ(single_error("name: x\n", {"workload.synthetic.gpu_weights=[1]"}).str(),
            "--set: 'workload.synthetic.gpu_weights=[1]': workload.synthetic.gpu_weights: has 1 weight(s) but "
            "workload.synthetic.gpus has 4 entries (give one weight per GPU count, or [] for uniform)");
  EXPECT_EQ(single_error("name: x\n", {"workload.kind=trace"}).str(),
            "--set: 'workload.kind=trace': workload.trace.path: missing; it is required when workload.kind is trace");
}

TEST(ScenarioErrors, UnreadableFileIsAnError) {
  try {
    load_scenario(fixtures_dir + "/does-not-exist.yaml");
    FAIL() << "no error for a missing file";
  } catch (const ScenarioError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].file, fixtures_dir + "/does-not-exist.yaml");
    EXPECT_EQ(e.diagnostics()[0].line, 0);
    EXPECT_NE(std::string(e.what()).find("does-not-exist.yaml: cannot read scenario file: No such file"),
              std::string::npos)
        << e.what();
  }
  try {
    load_scenario(fixtures_dir);
    FAIL() << "no error for a directory";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read scenario file: it is a directory"), std::string::npos);
  }
}

TEST(ScenarioErrors, ErrorsInAFileNameThatFile) {
  try {
    load_scenario(fixtures_dir + "/bad.yaml");
    FAIL() << "bad.yaml loaded";
  } catch (const ScenarioError& e) {
    ASSERT_EQ(e.diagnostics().size(), 2u) << e.what();
    EXPECT_EQ(e.diagnostics()[0].str(), fixtures_dir + "/bad.yaml:3:10: platform.racks: must be >= 1, got 0");
    EXPECT_EQ(e.diagnostics()[1].str(),
              fixtures_dir + "/bad.yaml:5:5: unknown key 'spine' in platform.fabric (did you mean 'spines'?)");
  }
}

} // namespace
} // namespace racksim::sim
