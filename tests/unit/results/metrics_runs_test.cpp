// Each run kind writes only metrics the table declares for it, and every metric the table declares for a run kind is
// written by the small runs of that kind below (tests/unit/results/run_kinds/*.yaml, which switch on failures,
// alerts, 3D parallelism, checkpoint drains and an autoscaler). The runs go through the racksim binary, so
// write_results checks every name on the way (an undeclared one fails the run).

#include "sim/results/metrics.hpp"
#include "sim/results/results.hpp"
#include "tests/scenarios/cli_run.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace racksim::sim;

struct Written {
  std::vector<std::string> summary, series;
};

// Runs run_kinds/NAME.yaml; checks that every name it wrote is declared for one of `kinds`.
Written run_and_check(const std::string& name, metrics::RunKinds kinds) {
  const std::string scenario = std::string(RACKSIM_SOURCE_DIR) + "/tests/unit/results/run_kinds/" + name + ".yaml";
  const std::string out =
      (fs::temp_directory_path() / ("racksim-run-kinds-" + name + "-" + std::to_string(::getpid()) + ".h5")).string();
  const auto run = racksim::test::run_cli("run " + scenario + " -q -o " + out);
  EXPECT_EQ(run.exit_code, 0) << run.text;
  Written written;
  if (run.exit_code != 0) return written;
  const ResultSet rs = read_results(out);
  fs::remove(out);
  for (const auto& [metric, value] : rs.summary) {
    const auto* m = metrics::find_metric(metrics::Section::summary, metric);
    EXPECT_TRUE(m != nullptr && (m->kinds & kinds) != 0) << name << ": /summary@" << metric;
    written.summary.push_back(metric);
  }
  for (const auto& ts : rs.timeseries) {
    const auto* m = metrics::find_metric(metrics::Section::series, ts.name);
    EXPECT_TRUE(m != nullptr && (m->kinds & kinds) != 0) << name << ": /timeseries/" << ts.name;
    written.series.push_back(ts.name);
  }
  return written;
}

// Every summary attribute and series declared for `kind` is among those written.
void expect_all_written(metrics::RunKind kind, const std::vector<Written>& runs) {
  for (const auto& m : metrics::metric_table()) {
    if (m.section == metrics::Section::jobs || (m.kinds & kind) == 0) continue;
    bool found = false;
    for (const auto& w : runs)
      for (const auto& name : m.section == metrics::Section::summary ? w.summary : w.series)
        found = found || m.matches(name);
    EXPECT_TRUE(found) << metrics::to_string(m.section) << " '" << m.name << "' is declared for run kind " << kind
                       << " but none of its test runs wrote it";
  }
}

} // namespace

TEST(MetricRunKinds, Training) {
  expect_all_written(metrics::training,
                     {run_and_check("training", metrics::training), run_and_check("parallel", metrics::training)});
}

TEST(MetricRunKinds, TrainingWithAnInferenceService) {
  expect_all_written(metrics::service, {run_and_check("service", metrics::training | metrics::service)});
}

TEST(MetricRunKinds, Inference) {
  expect_all_written(metrics::inference, {run_and_check("inference", metrics::inference)});
}

TEST(MetricRunKinds, Collective) {
  expect_all_written(metrics::collective, {run_and_check("collective", metrics::collective)});
}
