#include "policies/autoscaling/target_utilization.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace racksim::policies {

std::vector<ParamSpec> target_utilization_params() {
  return {param("policies.autoscaler.target", ParamType::real, &TargetUtilizationParams::target, left_open(0, 1), "",
                "target_utilization: busy replicas / replicas to aim at (desired = ceil(busy / target))")};
}

TargetUtilizationAutoscaler::TargetUtilizationAutoscaler(const TargetUtilizationParams& params)
    : target_(params.target) {
  if (!(target_ > 0 && target_ <= 1))
    throw std::invalid_argument("policies.autoscaler.target: must be in (0, 1], got " + std::to_string(target_));
}

int TargetUtilizationAutoscaler::desired(const AutoscalerView& view) {
  // The tiny slack keeps busy / target from rounding up past an exact integer (3 / 0.6 = 5.000000000000001).
  return std::max(1, static_cast<int>(std::ceil(view.busy / target_ - 1e-9)));
}

} // namespace racksim::policies
