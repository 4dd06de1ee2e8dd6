#include "policies/load_balancing/random.hpp"

#include "policies/random_stream.hpp"

namespace racksim::policies {

RandomBalancer::RandomBalancer(const PolicyParams& params) : rng_(policy_stream(params.seed, random_balancer_tag)) {}

int RandomBalancer::choose(const LoadBalancerView& view) {
  std::uniform_int_distribution<std::size_t> pick(0, view.replicas.size() - 1);
  return static_cast<int>(pick(rng_));
}

} // namespace racksim::policies
