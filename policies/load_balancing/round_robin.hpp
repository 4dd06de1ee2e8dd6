#pragma once
// Replicas in turn (0, 1, ..., n-1, 0, ...), whatever their load.

#include "policies/load_balancer.hpp"

namespace racksim::policies {

class RoundRobinBalancer final : public LoadBalancer {
 public:
  int choose(const LoadBalancerView& view) override;

 private:
  std::size_t next_ = 0;
};

} // namespace racksim::policies
