#include "policies/load_balancing/least_outstanding.hpp"

namespace racksim::policies {

int LeastOutstandingBalancer::choose(const LoadBalancerView& view) {
  int best = 0;
  for (std::size_t i = 1; i < view.replicas.size(); ++i)
    if (view.replicas[i].outstanding() < view.replicas[static_cast<std::size_t>(best)].outstanding())
      best = static_cast<int>(i);
  return best;
}

} // namespace racksim::policies
