// Golden scenarios: each golden/<name>.yaml runs through the binary and its /summary is compared, field by
// field, with golden/<name>.expected ("key value relative_tolerance" per line). See golden/README.md.

#include "sim/results/results.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

namespace {

struct Expectation {
  double value;
  double rel_tol;
};

std::map<std::string, Expectation> read_expected(const std::string& path) {
  std::map<std::string, Expectation> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream row(line);
    std::string key;
    Expectation e{};
    if (row >> key >> e.value >> e.rel_tol) out[key] = e;
  }
  return out;
}

void check_golden(const std::string& name) {
  const std::string dir = std::string(RACKSIM_SOURCE_DIR) + "/tests/scenarios/golden/";
  const auto out =
      (std::filesystem::temp_directory_path() / ("golden-" + name + "-" + std::to_string(getpid()) + ".h5")).string();
  const std::string cmd = std::string(RACKSIM_BINARY) + " run " + dir + name + ".yaml -o " + out + " -q > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const auto rs = racksim::sim::read_results(out);
  std::map<std::string, double> got(rs.summary.begin(), rs.summary.end());
  const auto expected = read_expected(dir + name + ".expected");
  ASSERT_FALSE(expected.empty());
  for (const auto& [key, e] : expected) {
    ASSERT_TRUE(got.count(key)) << "summary lacks " << key;
    const double tol = std::max(e.rel_tol * std::fabs(e.value), 1e-12);
    EXPECT_NEAR(got[key], e.value, tol) << name << ": " << key;
  }
  std::filesystem::remove(out);
}

} // namespace

TEST(Golden, SyntheticFifoPack) {
  check_golden("synthetic-fifo-pack");
}
TEST(Golden, GavelEasyBackfillFirstFit) {
  check_golden("gavel-easy-first-fit");
}
