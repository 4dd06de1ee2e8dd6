#include "policies/load_balancing/weighted.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace racksim::policies {

std::vector<ParamSpec> weighted_params() {
  return {param("policies.weighted.weights", ParamType::real_list, &WeightedParams::weights, at_least(0), "",
                "weighted: one weight per replica index (the i-th active replica); [] = all 1; length = the replica "
                "count")};
}

std::vector<ParamProblem> check_weighted(const PolicyParams& params, const CheckContext& context) {
  const auto& weights = params.get<WeightedParams>().weights;
  if (weights.empty() || !context.replicas) return {};
  const int n = *context.replicas;
  if (static_cast<int>(weights.size()) != n)
    return {{{"policies.weighted.weights", "workload.inference.replicas"},
             "policies.weighted.weights: has " + std::to_string(weights.size()) + " weight(s) but the service has " +
                 std::to_string(n) + " replicas (give one weight per replica, or [] for all 1)"}};
  if (std::all_of(weights.begin(), weights.end(), [](double w) { return w == 0; }))
    return {{{"policies.weighted.weights"}, "policies.weighted.weights: weights must not all be 0"}};
  return {};
}

WeightedBalancer::WeightedBalancer(const WeightedParams& params) : weights_(params.weights) {}

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
