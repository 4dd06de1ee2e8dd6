#include "policies/load_balancing/weighted.hpp"

#include <stdexcept>
#include <string>

namespace racksim::policies {

WeightedBalancer::WeightedBalancer(const PolicyParams& params) : weights_(params.weighted_weights) {}

int WeightedBalancer::choose(const LoadBalancerView& view) {
  const std::size_t n = view.replicas.size();
  if (!weights_.empty() && weights_.size() < n)
    throw std::invalid_argument("policies.weighted.weights: has " + std::to_string(weights_.size()) +
                                " weight(s) but the service has " + std::to_string(n) + " replicas");
  credit_.resize(n, 0.0);
  const auto weight = [&](std::size_t i) { return weights_.empty() ? 1.0 : weights_[i]; };
  double total = 0;
  std::size_t best = 0;
  for (std::size_t i = 0; i < n; ++i) {
    credit_[i] += weight(i);
    total += weight(i);
    if (credit_[i] > credit_[best]) best = i;
  }
  credit_[best] -= total;
  return static_cast<int>(best);
}

} // namespace racksim::policies
