#pragma once
// target_utilization: desired = ceil(busy replicas / target) (policies.autoscaler.target in (0, 1], default 0.7),
// where a replica is busy when it has a request waiting or running; at least 1. Like Kubernetes' HPA on a
// utilisation metric: with target 0.5 the service keeps about twice as many replicas as are busy.

#include "policies/autoscaler.hpp"
#include "policies/params.hpp"

#include <vector>

namespace racksim::policies {

struct TargetUtilizationParams {
  double target = 0.7; // policies.autoscaler.target: busy replicas / active replicas to aim at
};
std::vector<ParamSpec> target_utilization_params();

class TargetUtilizationAutoscaler final : public Autoscaler {
 public:
  explicit TargetUtilizationAutoscaler(const TargetUtilizationParams& params = {});
  int desired(const AutoscalerView& view) override;

 private:
  double target_;
};

} // namespace racksim::policies
