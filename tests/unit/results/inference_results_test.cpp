// /requests in the results file and the inference_* summary: round trip of every field, the empty dataset of a
// run without a service, and the metric formulas of docs/results-schema.md ("Inference") on hand-made rows.

#include "sim/engine/inference_run.hpp"
#include "sim/results/results.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

namespace {

namespace fs = std::filesystem;
using racksim::sim::RequestRecord;
using racksim::sim::ResultSet;

std::string temp_file(const std::string& name) {
  return (fs::temp_directory_path() / ("racksim-inference-results-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

RequestRecord request(std::int64_t id, double arrival, double start, double first, double finish, const char* status,
                      std::int32_t prompt, std::int32_t output) {
  RequestRecord q;
  q.id = id;
  q.service = "chat";
  q.replica = static_cast<std::int32_t>(id % 2);
  q.arrival_s = arrival;
  q.start_s = start;
  q.first_token_s = first;
  q.finish_s = finish;
  q.status = status;
  q.prompt_tokens = prompt;
  q.output_tokens = output;
  return q;
}

} // namespace

TEST(ResultsInference, RequestsRoundTripEveryField) {
  ResultSet rs;
  rs.requests.push_back(request(0, 0.5, 0.6, 0.7, 1.9, "completed", 100, 13));
  rs.requests.push_back(request(1, 0.75, -1, -1, -1, "dropped", 7, 1));
  rs.requests.back().service = "sixteen-chars-ok";
  const std::string path = temp_file("rt.h5");
  racksim::sim::write_results(path, rs);
  const auto back = racksim::sim::read_results(path).requests;
  fs::remove(path);
  ASSERT_EQ(back.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& a = rs.requests[i];
    const auto& b = back[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.service, b.service);
    EXPECT_EQ(a.replica, b.replica);
    EXPECT_EQ(a.arrival_s, b.arrival_s);
    EXPECT_EQ(a.start_s, b.start_s);
    EXPECT_EQ(a.first_token_s, b.first_token_s);
    EXPECT_EQ(a.finish_s, b.finish_s);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.prompt_tokens, b.prompt_tokens);
    EXPECT_EQ(a.output_tokens, b.output_tokens);
  }
}

TEST(ResultsInference, RunWithoutServiceHasEmptyRequestsAndLongNamesAreErrors) {
  const std::string path = temp_file("empty.h5");
  racksim::sim::write_results(path, ResultSet{});
  EXPECT_TRUE(racksim::sim::read_results(path).requests.empty());
  ResultSet rs;
  rs.requests.push_back(request(0, 0, 0, 0, 0, "completed", 1, 1));
  rs.requests.back().service = "a-name-longer-than-16";
  EXPECT_THROW(racksim::sim::write_results(path, rs), racksim::sim::ResultsError);
  fs::remove(path);
}

// Four arrivals over 10 s: two complete, one dropped, one rejected. TTFT, TPOT (outputs > 1 only), e2e, SLO
// attainment over all four arrivals, throughput over the 10 s.
TEST(ResultsInference, SummaryFormulas) {
  const std::vector<RequestRecord> rows{request(0, 0, 0, 1, 3, "completed", 10, 5),  // ttft 1, tpot 0.5, e2e 3
                                        request(1, 1, 2, 4, 4, "completed", 10, 1),  // ttft 3, e2e 3
                                        request(2, 2, -1, -1, -1, "dropped", 10, 5), //
                                        request(3, 3, -1, -1, -1, "rejected", 10, 5)};
  const racksim::sim::InferenceSlo slo{2.0, 0.6, 0}; // request 1 misses the TTFT objective
  const auto list = racksim::sim::inference_summary(rows, slo, 10, 6.0);
  const std::map<std::string, double> s(list.begin(), list.end());
  EXPECT_EQ(s.at("inference_requests"), 4);
  EXPECT_EQ(s.at("inference_completed"), 2);
  EXPECT_EQ(s.at("inference_dropped"), 1);
  EXPECT_EQ(s.at("inference_rejected"), 1);
  EXPECT_EQ(s.at("inference_unfinished"), 0);
  EXPECT_DOUBLE_EQ(s.at("inference_throughput_rps"), 0.2);
  EXPECT_DOUBLE_EQ(s.at("inference_output_tokens_per_s"), 0.6);
  EXPECT_DOUBLE_EQ(s.at("inference_tokens_per_s"), 2.6);
  EXPECT_DOUBLE_EQ(s.at("inference_mean_ttft_s"), 2);
  EXPECT_DOUBLE_EQ(s.at("inference_p50_ttft_s"), 2);
  EXPECT_DOUBLE_EQ(s.at("inference_p99_ttft_s"), 1 + 0.99 * 2);
  EXPECT_DOUBLE_EQ(s.at("inference_mean_tpot_s"), 0.5);
  EXPECT_DOUBLE_EQ(s.at("inference_mean_e2e_s"), 3);
  EXPECT_DOUBLE_EQ(s.at("inference_mean_wait_s"), 0.5);
  EXPECT_DOUBLE_EQ(s.at("inference_slo_attainment"), 0.25);
  EXPECT_DOUBLE_EQ(s.at("inference_mean_in_system"), 0.6);
}
