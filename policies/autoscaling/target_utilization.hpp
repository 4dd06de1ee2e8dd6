#pragma once
// target_utilization: desired = ceil(busy replicas / target) (policies.autoscaler.target in (0, 1], default 0.7),
// where a replica is busy when it has a request waiting or running; at least 1. Like Kubernetes' HPA on a
// utilisation metric: with target 0.5 the service keeps about twice as many replicas as are busy.

#include "policies/autoscaler.hpp"
#include "policies/params.hpp"

namespace racksim::policies {

class TargetUtilizationAutoscaler final : public Autoscaler {
 public:
  explicit TargetUtilizationAutoscaler(const PolicyParams& params);
  int desired(const AutoscalerView& view) override;

 private:
  double target_;
};

} // namespace racksim::policies
