#pragma once
// Helpers shared by the scenario tests: load text and collect the diagnostics it raises.

#include "sim/config/scenario.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace racksim::sim::testing {

inline const std::string fixtures_dir = std::string(RACKSIM_SOURCE_DIR) + "/tests/unit/scenario/fixtures";

// The diagnostics of a scenario that must fail; a test failure when it loads.
inline std::vector<Diagnostic> errors_of(const std::string& yaml, const std::vector<std::string>& overrides = {},
                                         const std::string& base_dir = ".") {
  try {
    load_scenario_text(yaml, "test.yaml", overrides, base_dir);
  } catch (const ScenarioError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected a ScenarioError for:\n" << yaml;
  return {};
}

// The only diagnostic of a scenario with exactly one problem.
inline Diagnostic single_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  const auto d = errors_of(yaml, overrides);
  if (d.size() != 1) {
    std::string all;
    for (const auto& x : d)
      all += x.str() + "\n";
    ADD_FAILURE() << "expected exactly one diagnostic, got " << d.size() << ":\n" << all;
    return d.empty() ? Diagnostic{} : d.front();
  }
  return d.front();
}

inline std::string all_messages(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics)
    out += d.str() + "\n";
  return out;
}

} // namespace racksim::sim::testing
