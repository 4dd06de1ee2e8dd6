#pragma once
// Private to sim/config: the scenario loader behind load_scenario. One Loader reads one scenario: it walks the YAML
// tree against the settings table, applies --set overrides, parses every value, then runs the cross-checks and
// reads the alert rules, collecting every problem as a located Diagnostic. Its parts live in scenario.cpp (reading
// and locating), scenario_checks.cpp (rules between settings) and scenario_alerts.cpp (the `alerts:` list).

#include "sim/config/scenario.hpp"
#include "sim/config/settings.hpp"

#include "policies/params.hpp"

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace racksim::sim::detail {

struct Where {
  int line = 0; // 1-based; 0 = unknown
  int column = 0;
};

inline Where where_of(const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

// "a map", "a list", "nothing" or the quoted scalar: what the user wrote where something else was expected.
std::string describe_node(const YAML::Node& node);

// Where a setting's value comes from: a key in the file, or a --set argument (override non-empty).
struct Source {
  YAML::Node value;
  Where key;
  Where value_at;
  std::string override;
};

class Loader {
 public:
  Loader(std::string file, std::string base_dir);
  // Throws ScenarioError with every problem found.
  Scenario load(const std::string& text, const std::vector<std::string>& overrides);

 private:
  void add(Where at, std::string message);
  void add_override(std::string message);
  // A problem with one setting's value, reported where that value came from. `at` refines the location
  // inside the file (a list item); label names what is wrong when it is not the setting itself.
  void report(const Setting& s, const Source& src, Where at, const std::string& problem, std::string label = "");
  // A cross-field problem, reported at the first of `paths` that was written somewhere (file or --set).
  void report_cross(const std::vector<std::string>& paths, const std::string& message);
  void report_all(const std::vector<policies::ParamProblem>& problems);

  // scenario.cpp: reading.
  void walk(const YAML::Node& node, const std::string& prefix);
  void read_overrides(const std::vector<std::string>& overrides);
  void apply(const Setting& s, const Source& src, Scenario& scenario);
  void resolve_paths(Scenario& scenario);

  // scenario_alerts.cpp.
  void read_alerts(Scenario& sc);

  // scenario_checks.cpp: the cross-checks, by section.
  bool all_good(std::initializer_list<const char*> paths) const;
  void cross_checks(const Scenario& sc);
  void synthetic_checks(const Scenario& sc);
  void storage_checks(const Scenario& sc);
  void platform_checks(const Scenario& sc);
  // An input file named by `setting`: given (else the error also points at `also`, the settings that require it),
  // present, a regular file, readable.
  void check_input_file(const std::string& setting, const std::string& path, const std::string& why,
                        const std::string& noun = "file", std::vector<std::string> also = {});
  void failure_checks(const Scenario& sc);
  void energy_checks(const Scenario& sc);
  void inference_checks(const Scenario& sc);
  void service_policy_checks(const Scenario& sc);
  void policy_checks(const Scenario& sc);
  void training_checks(const Scenario& sc);
  void collective_checks(const Scenario& sc);
  static constexpr int max_alltoall_ranks = 256;

  std::string file_;
  std::string base_dir_;
  Where root_{1, 1};
  std::map<std::string, std::vector<std::string>> children_; // section ("" = top level) -> its keys, in order
  std::set<std::string> sections_;
  std::vector<std::string> all_paths_;
  std::map<std::string, Source> sources_;
  std::set<std::string> bad_; // settings with an error: cross-checks that read them are skipped
  std::vector<Diagnostic> diagnostics_;
  YAML::Node alerts_node_; // the `alerts:` list as written, read after the settings (it needs workload.kind)
  Where alerts_key_;
};

} // namespace racksim::sim::detail
