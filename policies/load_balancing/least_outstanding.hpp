#pragma once
// The replica with the fewest outstanding requests (waiting + running); ties go to the lowest index.

#include "policies/load_balancer.hpp"

namespace racksim::policies {

class LeastOutstandingBalancer final : public LoadBalancer {
 public:
  int choose(const LoadBalancerView& view) override;
};

} // namespace racksim::policies
