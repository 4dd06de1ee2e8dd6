#pragma once
// The failover policies (docs/failures.md, "Failover"). Small enough to share one header.

#include "policies/failover.hpp"
#include "policies/params.hpp"

namespace racksim::policies {

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
  explicit CheckpointRestartFailover(const PolicyParams& params) : interval_s_(params.failover_checkpoint_interval_s) {}
  FailoverDecision on_failure(const FailoverView& view) override;
  double checkpoint_interval_s(double checkpoint_cost_s, double job_mtbf_s) const override;

 private:
  double interval_s_;
};

// Spares from the hot-spare pool replace the failed GPUs after failover.spare_delay; without enough spares, a
// restart from the last checkpoint. Checkpoints as checkpoint_restart.
class HotSpareFailover : public CheckpointRestartFailover {
 public:
  explicit HotSpareFailover(const PolicyParams& params)
      : CheckpointRestartFailover(params), delay_s_(params.failover_spare_delay_s) {}
  FailoverDecision on_failure(const FailoverView& view) override;

 private:
  double delay_s_;
};

// The job drops the failed GPUs and goes on with fewer data-parallel replicas after failover.elastic_delay, while at
// least failover.elastic_min_fraction of its GPUs remain; else a restart from the last checkpoint.
class ElasticFailover : public CheckpointRestartFailover {
 public:
  explicit ElasticFailover(const PolicyParams& params)
      : CheckpointRestartFailover(params), delay_s_(params.failover_elastic_delay_s),
        min_fraction_(params.failover_elastic_min_fraction) {}
  FailoverDecision on_failure(const FailoverView& view) override;

 private:
  double delay_s_;
  double min_fraction_;
};

} // namespace racksim::policies
