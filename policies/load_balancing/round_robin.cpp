#include "policies/load_balancing/round_robin.hpp"

namespace racksim::policies {

int RoundRobinBalancer::choose(const LoadBalancerView& view) {
  const std::size_t pick = next_ % view.replicas.size();
  next_ = pick + 1;
  return static_cast<int>(pick);
}

} // namespace racksim::policies
