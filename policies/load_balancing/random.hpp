#pragma once
// random: a replica drawn uniformly for each request, whatever the load, from the policy's own stream of the
// scenario seed (same seed, same picks). With n single-server replicas and Poisson arrivals each replica is M/M/1.

#include "policies/load_balancer.hpp"
#include "policies/params.hpp"

#include <random>

namespace racksim::policies {

class RandomBalancer final : public LoadBalancer {
 public:
  explicit RandomBalancer(const PolicyParams& params);
  int choose(const LoadBalancerView& view) override;

 private:
  std::mt19937_64 rng_;
};

} // namespace racksim::policies
