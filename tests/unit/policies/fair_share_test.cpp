// fair_share on hand-built views, and its weight/quota strings.

#include "policies/scheduling/fair_share.hpp"
#include "view_builder.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace racksim::policies {
namespace {

using test::ViewBuilder;
using Ids = std::vector<JobId>;

std::string parse_error(const std::string& text, bool integers_only = false) {
  try {
    (void)parse_user_values(text, integers_only);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(PolicyFairShareParse, ReadsNameValuePairs) {
  const auto w = parse_user_values(" alice=2, vc3 = 1.5 ,bob=1", false);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_DOUBLE_EQ(w.at("alice"), 2);
  EXPECT_DOUBLE_EQ(w.at("vc3"), 1.5);
  EXPECT_DOUBLE_EQ(w.at("bob"), 1);
  EXPECT_TRUE(parse_user_values("", false).empty());
  EXPECT_EQ(parse_user_values("alice=16", true).at("alice"), 16);
}

TEST(PolicyFairShareParse, RejectsMalformedStringsNamingTheItem) {
  EXPECT_NE(parse_error("alice").find("'alice' (no '=')"), std::string::npos) << parse_error("alice");
  EXPECT_NE(parse_error("=2").find("no user name"), std::string::npos);
  EXPECT_NE(parse_error("alice=x").find("positive number, got 'x'"), std::string::npos);
  EXPECT_NE(parse_error("alice=0").find("positive number"), std::string::npos);
  EXPECT_NE(parse_error("alice=-1").find("positive number"), std::string::npos);
  EXPECT_NE(parse_error("alice=2,").find("no '='"), std::string::npos);
  EXPECT_NE(parse_error("alice=1,alice=2").find("'alice' is given twice"), std::string::npos);
  EXPECT_NE(parse_error("alice=1.5", true).find("positive integer (GPUs)"), std::string::npos);
}

TEST(PolicyFairShareParse, ConstructorNamesTheSetting) {
  FairShareParams p;
  p.weights = "alice:2";
  try {
    FairShareScheduler s(p);
    FAIL() << "accepted a malformed weight string";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("policies.fair_share.weights: ", 0), 0u) << e.what();
  }
  p.weights = "";
  p.quotas = "alice=lots";
  EXPECT_THROW(FairShareScheduler{p}, std::invalid_argument);
}

TEST(PolicyFairShare, PicksTheUserWithTheLowestAllocationPerWeight) {
  ViewBuilder b;
  b.free_gpus = 3;
  b.run(10, 4, 1000).run(11, 1, 1000);
  b.running[0].user = "alice"; // 4 GPUs, weight 2: 2 per weight
  b.running[1].user = "bob";   // 1 GPU, weight 1: 1 per weight
  b.queued(1, 1, 100, 0).queued(2, 1, 100, 1).queued(3, 1, 100, 2).queued(4, 1, 100, 3);
  b.queue[0].user = "bob", b.queue[1].user = "alice", b.queue[2].user = "alice", b.queue[3].user = "bob";
  FairShareParams p;
  p.weights = "alice=2";
  FairShareScheduler fs(p);
  // Allocation / weight after the start: bob (1+1)/1 = 2 < alice (4+1)/2 = 2.5 -> bob's job 1; alice 2.5 < bob 3
  // -> job 2; alice (5+1)/2 = 3 ties bob 3, the first name goes -> job 3; no GPU left for job 4.
  EXPECT_EQ(fs.decide(b.view()).start, (Ids{1, 2, 3}));
}

TEST(PolicyFairShare, QuotaCapsAUserAndOthersGoOn) {
  ViewBuilder b;
  b.free_gpus = 4;
  b.run(10, 4, 1000);
  b.running[0].user = "alice";
  b.queued(1, 1, 100, 0).queued(2, 2, 100, 1);
  b.queue[0].user = "alice", b.queue[1].user = "bob";
  FairShareParams p;
  p.quotas = "alice=4";
  EXPECT_EQ(FairShareScheduler(p).decide(b.view()).start, (Ids{2}));
  p.quotas = "alice=5";
  EXPECT_EQ(FairShareScheduler(p).decide(b.view()).start, (Ids{2, 1}));
}

TEST(PolicyFairShare, FifoWithinAUser) {
  ViewBuilder b;
  b.free_gpus = 2;
  b.queued(1, 4, 100, 0).queued(2, 1, 100, 1);
  b.queue[0].user = "alice", b.queue[1].user = "alice";
  EXPECT_TRUE(FairShareScheduler().decide(b.view()).start.empty()); // job 1 does not fit and blocks alice's job 2
}

TEST(PolicyFairShare, PreemptsFromTheUserFurthestAboveItsShare) {
  ViewBuilder b;
  b.free_gpus = 0;
  b.run(10, 2, 1000, 0).run(11, 2, 1000, 5).run(12, 2, 1000, 7).run(13, 2, 1000, 9);
  for (auto& r : b.running)
    r.user = "alice";
  b.queued(1, 2, 100, 10);
  b.queue[0].user = "bob";
  EXPECT_TRUE(FairShareScheduler().decide(b.view()).preempt.empty()); // preemption is off by default
  FairShareParams p;
  p.preempt = true;
  FairShareScheduler fs(p);
  const auto d = fs.decide(b.view());
  EXPECT_EQ(d.preempt, (Ids{13})); // alice 8 -> 6 >= bob 0 -> 2: the most recently started alice job
  EXPECT_TRUE(d.start.empty());
}

TEST(PolicyFairShare, DoesNotPreemptWhenItWouldOvershoot) {
  ViewBuilder b;
  b.free_gpus = 0;
  b.run(10, 4, 1000, 0).run(11, 4, 1000, 5);
  b.running[0].user = "alice", b.running[1].user = "bob";
  b.queued(1, 2, 100, 10);
  b.queue[0].user = "bob"; // bob would hold 6 against alice's 0: GPUs would only move back later
  FairShareParams p;
  p.preempt = true;
  EXPECT_TRUE(FairShareScheduler(p).decide(b.view()).preempt.empty());
}

} // namespace
} // namespace racksim::policies
