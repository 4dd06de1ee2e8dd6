// The inference service through the racksim binary: located errors for bad input (malformed arrival trace, a model
// larger than the replica's HBM, an unknown load balancer) and byte-identical /requests for the same seed.

#include "sim/results/results.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/scenarios/cli_run.hpp"

namespace {

using racksim::test::Output;
using racksim::test::run_cli;

std::string src(const std::string& rel) {
  return std::string(RACKSIM_SOURCE_DIR) + "/" + rel;
}

std::string tmp(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("racksim-inference-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

} // namespace

TEST(CliInference, ExampleValidates) {
  const auto out = run_cli("validate " + src("examples/inference.yaml"));
  EXPECT_EQ(out.exit_code, 0) << out.text;
}

TEST(CliInference, MalformedArrivalTraceRowNamesFileAndLine) {
  const auto out = run_cli("run " + src("tests/scenarios/bad/inference_bad_trace.yaml") + " -o " + tmp("bad.h5"));
  EXPECT_EQ(out.exit_code, 2) << out.text;
  EXPECT_NE(out.text.find("inference_bad_trace.csv:3: prompt_tokens: expected a positive integer, got '1o0'"),
            std::string::npos)
      << out.text;
  EXPECT_FALSE(std::filesystem::exists(tmp("bad.h5")));
}

TEST(CliInference, ModelLargerThanHbmIsAScenarioError) {
  const auto out = run_cli("validate " + src("tests/scenarios/bad/inference_model_too_big.yaml"));
  EXPECT_EQ(out.exit_code, 2) << out.text;
  EXPECT_NE(out.text.find("inference_model_too_big.yaml:8:12: workload.inference.model: model 'llama3-70b' does not "
                          "fit: its weights are 131.42 GiB (141107412992 B)"),
            std::string::npos)
      << out.text;
  EXPECT_NE(out.text.find("80.00 GiB of HBM"), std::string::npos) << out.text;
}

TEST(CliInference, UnknownLoadBalancerListsValidNames) {
  const auto out = run_cli("validate " + src("tests/scenarios/bad/inference_unknown_balancer.yaml"));
  EXPECT_EQ(out.exit_code, 2) << out.text;
  EXPECT_NE(out.text.find("inference_unknown_balancer.yaml:9:18: policies.load_balancer: unknown value "
                          "'power_of_two' (did you mean 'power_of_d'?); valid: round_robin, least_outstanding, random, jsq, "
                          "power_of_d, weighted"),
            std::string::npos)
      << out.text;
}

TEST(CliInference, SameSeedGivesIdenticalRequests) {
  const std::string args = "run " + src("examples/inference.yaml") + " -q --set workload.inference.requests=3000";
  ASSERT_EQ(run_cli(args + " -o " + tmp("a.h5")).exit_code, 0);
  ASSERT_EQ(run_cli(args + " -o " + tmp("b.h5")).exit_code, 0);
  ASSERT_EQ(run_cli(args + " --seed 6 -o " + tmp("c.h5")).exit_code, 0);
  const auto a = racksim::sim::read_results(tmp("a.h5")).requests;
  const auto b = racksim::sim::read_results(tmp("b.h5")).requests;
  const auto c = racksim::sim::read_results(tmp("c.h5")).requests;
  ASSERT_EQ(a.size(), 3000u);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].arrival_s, b[i].arrival_s) << i;
    ASSERT_EQ(a[i].start_s, b[i].start_s) << i;
    ASSERT_EQ(a[i].first_token_s, b[i].first_token_s) << i;
    ASSERT_EQ(a[i].finish_s, b[i].finish_s) << i;
    ASSERT_EQ(a[i].replica, b[i].replica) << i;
    ASSERT_EQ(a[i].status, b[i].status) << i;
    ASSERT_EQ(a[i].prompt_tokens, b[i].prompt_tokens) << i;
    ASSERT_EQ(a[i].output_tokens, b[i].output_tokens) << i;
    ASSERT_EQ(a[i].service, "chat");
  }
  EXPECT_NE(a[10].arrival_s, c[10].arrival_s); // another seed, other arrivals
}
