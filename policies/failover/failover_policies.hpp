#pragma once
// The failover policies (docs/failures.md, "Failover"). Small enough to share one header.

#include "policies/failover.hpp"
#include "policies/params.hpp"

#include <vector>

namespace racksim::policies {

// The settings the failover policies read (failover.*).
struct FailoverParams {
  double checkpoint_interval_s = 0;  // checkpoint_restart, hot_spare, elastic: 0 = Young/Daly
  double spare_delay_s = 120;        // hot_spare: swapping spares in
  double elastic_delay_s = 60;       // elastic: re-forming the job without the failed GPUs
  double elastic_min_fraction = 0.5; // elastic: shrink only while this share of the GPUs remains
};
// Every failover.* setting but the policy's name, shared by the failover policies (the registry's shared list):
// FailoverParams' fields and the ones the engine applies to every policy (PolicyParams::failover_*).
std::vector<ParamSpec> failover_params();

// The job fails with its component.
class NoFailover : public Failover {
 public:
  FailoverDecision on_failure(const FailoverView& view) override;
};

// Back to the queue from iteration zero.
class RequeueFailover : public Failover {
 public:
  FailoverDecision on_failure(const FailoverView& view) override;
};

// Back to the queue from the last checkpoint; checkpoints every failover.checkpoint_interval (0 = Young/Daly).
class CheckpointRestartFailover : public Failover {
 public:
  explicit CheckpointRestartFailover(const FailoverParams& params = {}) : interval_s_(params.checkpoint_interval_s) {}
  FailoverDecision on_failure(const FailoverView& view) override;
  double checkpoint_interval_s(double checkpoint_cost_s, double job_mtbf_s) const override;

 private:
  double interval_s_;
};

// Spares from the hot-spare pool replace the failed GPUs after failover.spare_delay; without enough spares, a
// restart from the last checkpoint. Checkpoints as checkpoint_restart.
class HotSpareFailover : public CheckpointRestartFailover {
 public:
  explicit HotSpareFailover(const FailoverParams& params = {})
      : CheckpointRestartFailover(params), delay_s_(params.spare_delay_s) {}
  FailoverDecision on_failure(const FailoverView& view) override;

 private:
  double delay_s_;
};

// The job drops the failed GPUs and goes on with fewer data-parallel replicas after failover.elastic_delay, while at
// least failover.elastic_min_fraction of its GPUs remain; else a restart from the last checkpoint.
class ElasticFailover : public CheckpointRestartFailover {
 public:
  explicit ElasticFailover(const FailoverParams& params = {})
      : CheckpointRestartFailover(params), delay_s_(params.elastic_delay_s),
        min_fraction_(params.elastic_min_fraction) {}
  FailoverDecision on_failure(const FailoverView& view) override;

 private:
  double delay_s_;
  double min_fraction_;
};

} // namespace racksim::policies
