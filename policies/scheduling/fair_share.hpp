#pragma once
// fair_share: weighted fair sharing of GPUs across users (or virtual clusters: QueuedJob::user). Each pass picks,
// among users with queued jobs, the one whose allocated GPUs / weight would be lowest after starting its next job
// (ties: user name) and starts that user's oldest queued job (FIFO within a user) if it fits and keeps the user
// within its quota; a user whose next job does not fit, or would exceed the quota, is passed over for the rest of
// the pass (its later jobs wait too), and the pass goes on with the others. Weights: policies.fair_share.weights,
// e.g. "alice=2,vc3=1" (unlisted users weigh 1); quotas: policies.fair_share.quotas, e.g. "alice=16" (GPUs held at
// once; unlisted users unlimited). With policies.fair_share.preempt, a job that does not fit preempts jobs of the
// users most above their share (highest allocation / weight first, then the most recently started job), each only
// when the victim's user keeps an allocation / weight >= the waiting user's after the move, so GPUs never move back
// and forth.

#include "policies/params.hpp"
#include "policies/scheduler.hpp"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace racksim::policies {

using UserValues = std::map<std::string, double, std::less<>>;

// Parses "name=value,name=value" (spaces around items ignored; "" = none). Values must be positive numbers; with
// integers_only, positive integers. Throws std::invalid_argument naming the offending item (without the setting's
// name, which the caller adds) on a missing '=', an empty name, a bad number or a repeated name.
UserValues parse_user_values(std::string_view text, bool integers_only);

struct FairShareParams {
  std::string weights;  // policies.fair_share.weights: "user=weight,..." (users or virtual clusters not listed weigh 1)
  std::string quotas;   // policies.fair_share.quotas: "user=GPUs,..." caps on the GPUs a user holds at once
  bool preempt = false; // policies.fair_share.preempt: preempt jobs of users above their weighted share
};
std::vector<ParamSpec> fair_share_params();

class FairShareScheduler final : public Scheduler {
 public:
  // Throws std::invalid_argument ("policies.fair_share.weights: ...") on malformed weights or quotas.
  explicit FairShareScheduler(const FairShareParams& params = {});
  SchedulingDecision decide(const SchedulerView& view) override;

  double weight_of(std::string_view user) const;

 private:
  UserValues weights_;
  UserValues quotas_;
  bool preempt_ = false;
  std::map<JobId, int> pending_; // victims still saving (detail::GreedyPass)
};

} // namespace racksim::policies
