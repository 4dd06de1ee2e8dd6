// The scenario's `alerts:` list: what is read, what the resolved YAML says, and the diagnostics (file, line, field)
// of bad rules, in the library and through the CLI (exit code 2).

#include "sim/config/scenario.hpp"
#include "tests/scenarios/cli_run.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace racksim::sim;

namespace {

std::string with_alerts(const std::string& alerts, const std::string& extra = "") {
  return "name: a\n" + extra + "alerts:\n" + alerts;
}

std::string error_of(const std::string& text) {
  try {
    (void)load_scenario_text(text, "a.yaml");
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST(AlertsParse, ReadsSeriesAndSummaryRules) {
  const auto sc = load_scenario_text(with_alerts("  - name: long_queue\n"
                                                 "    metric: queue_length\n"
                                                 "    above: 100\n"
                                                 "    for: 30min\n"
                                                 "  - {name: low_util, metric: gpu_utilization, below: 50%}\n"
                                                 "  - {name: hot, metric: power_w, above: 1e6}\n"),
                                     "a.yaml");
  ASSERT_EQ(sc.alerts.size(), 3u);
  EXPECT_TRUE(sc.alerts[2].series); // docs/energy.md: every run kind records power_w
  EXPECT_EQ(sc.alerts[0].name, "long_queue");
  EXPECT_TRUE(sc.alerts[0].series);
  EXPECT_TRUE(sc.alerts[0].above);
  EXPECT_DOUBLE_EQ(sc.alerts[0].threshold, 100);
  EXPECT_DOUBLE_EQ(sc.alerts[0].for_s, 1800);
  EXPECT_EQ(sc.alerts[0].line, 3);
  EXPECT_FALSE(sc.alerts[1].series); // a summary attribute
  EXPECT_FALSE(sc.alerts[1].above);
  EXPECT_DOUBLE_EQ(sc.alerts[1].threshold, 0.5);
  // The resolved scenario keeps the rules and reads back to the same ones.
  const auto again = load_scenario_text(sc.resolved_yaml, "resolved.yaml");
  ASSERT_EQ(again.alerts.size(), 3u);
  EXPECT_DOUBLE_EQ(again.alerts[0].for_s, 1800);
  EXPECT_DOUBLE_EQ(again.alerts[1].threshold, 0.5);
  EXPECT_EQ(again.resolved_yaml, sc.resolved_yaml);
}

TEST(AlertsParse, NoAlertsNoRules) {
  EXPECT_TRUE(load_scenario_text("name: a\n", "a.yaml").alerts.empty());
  EXPECT_TRUE(load_scenario_text("name: a\nalerts:\n", "a.yaml").alerts.empty());
}

TEST(AlertsParse, InferenceSeriesAreKnownOnlyForInference) {
  const auto inference = "workload: {kind: inference, inference: {model: llama3-8b, replicas: 1}}\n";
  EXPECT_EQ(error_of(with_alerts("  - {name: r, metric: requests_in_system, above: 10}\n", inference)), "");
  const auto err = error_of(with_alerts("  - {name: r, metric: requests_in_system, above: 10}\n"));
  EXPECT_NE(err.find("a.yaml:3:"), std::string::npos) << err;
  EXPECT_NE(err.find("alerts[0] (r).metric: time series 'requests_in_system' is not recorded by a training run"),
            std::string::npos)
      << err;
}

TEST(AlertsParse, Diagnostics) {
  struct Case {
    std::string rules;
    std::string expected; // file:line:col: message fragment
  };
  const std::vector<Case> cases{
      {"  - {name: x, above: 1}\n", "a.yaml:3:5: alerts[0] (x): missing 'metric'"},
      {"  - {metric: queue_length, above: 1}\n", "a.yaml:3:5: alerts[0]: missing 'name'"},
      {"  - {name: x, metric: queue_length, above: 1, below: 2}\n",
       "a.yaml:3:5: alerts[0] (x): give one of 'above' and 'below', not both"},
      {"  - {name: x, metric: queue_length}\n", "a.yaml:3:5: alerts[0] (x): missing 'above' or 'below'"},
      {"  - {name: x, metric: queue_length, above: lots}\n",
       "alerts[0] (x).above: expected a number or a percentage such as 50%, got 'lots'"},
      {"  - {name: x, metric: queue_length, above: 1, for: 30 minutes}\n", "alerts[0] (x).for: "},
      {"  - {name: x, metric: queue_length, above: 1, for: 30}\n", "alerts[0] (x).for: "},
      {"  - {name: a_very_long_alert_name, metric: queue_length, above: 1}\n",
       "alerts[0] (a_very_long_alert_name).name: longer than 16 characters"},
      {"  - {name: x, metric: queue_length, above: 1}\n  - {name: x, metric: gpus_allocated, above: 1}\n",
       "a.yaml:4:12: alerts[1] (x).name: duplicate rule name (first at line 3)"},
      {"  - {name: x, metric: mean_jct_s, above: 1, for: 1min}\n",
       "alerts[0] (x).for: only for time series rules; 'mean_jct_s' is taken as a /summary attribute"},
      {"  - {name: x, metric: queue_length, abov: 1}\n", "alerts[0]: unknown key 'abov' (did you mean 'above'?)"},
      {"  - {name: a.b, metric: queue_length, above: 1}\n", "alerts[0] (a.b).name: use letters, digits"},
      {"  - just_a_name\n", "a.yaml:3:5: alerts[0]: expected a rule"},
  };
  for (const auto& c : cases) {
    const auto err = error_of(with_alerts(c.rules));
    EXPECT_NE(err.find(c.expected), std::string::npos) << "rules:\n" << c.rules << "error:\n" << err;
  }
  const auto not_list = error_of("name: a\nalerts: {name: x}\n");
  EXPECT_NE(not_list.find("a.yaml:2:9: alerts: expected a list of rules"), std::string::npos) << not_list;
}

TEST(AlertsParse, SetCannotChangeTheList) {
  try {
    (void)load_scenario_text("name: a\n", "a.yaml", {"alerts.x=1"});
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("'alerts' is a list of rules"), std::string::npos) << e.what();
  }
}

TEST(AlertsParse, CliExitsTwoNamingFileLineAndField) {
  const auto dir = std::filesystem::temp_directory_path() / ("racksim_alerts_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "bad.yaml").string();
  std::ofstream(path)
      << "name: bad\nalerts:\n  - name: x\n    metric: queue_length\n    above: 1\n    for: 5 parsecs\n";
  const auto out = racksim::test::run_cli("validate " + path);
  EXPECT_EQ(out.exit_code, 2) << out.text;
  EXPECT_NE(out.text.find(path + ":6:10: alerts[0] (x).for: "), std::string::npos) << out.text;
  std::filesystem::remove_all(dir);
}
