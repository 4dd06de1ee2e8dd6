#include "policies/load_balancing/jsq.hpp"

namespace racksim::policies {

int JsqBalancer::choose(const LoadBalancerView& view) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < view.replicas.size(); ++i) {
    const auto& a = view.replicas[i];
    const auto& b = view.replicas[best];
    if (a.waiting < b.waiting || (a.waiting == b.waiting && a.outstanding() < b.outstanding())) best = i;
  }
  return static_cast<int>(best);
}

} // namespace racksim::policies
