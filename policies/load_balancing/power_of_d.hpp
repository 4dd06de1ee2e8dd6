#pragma once
// power_of_d: sample d distinct replicas uniformly (policies.power_of_d.d, default 2; all of them when d >= the
// replica count) and send the request to the one with the fewest outstanding (waiting + running) requests; ties go
// to the one sampled first. d = 1 is random; d = n is least_outstanding with random tie-breaks. Mitzenmacher's
// "supermarket model": with d = 2 the mean sojourn falls from 1/(1-lambda) (random) to sum_i lambda^(2^i - 2)
// as n grows. Draws come from the policy's own stream of the scenario seed.

#include "policies/load_balancer.hpp"
#include "policies/params.hpp"

#include <cstdint>
#include <random>
#include <vector>

namespace racksim::policies {

struct PowerOfDParams {
  int d = 2; // policies.power_of_d.d: replicas sampled per request
};
std::vector<ParamSpec> power_of_d_params();

class PowerOfDBalancer final : public LoadBalancer {
 public:
  PowerOfDBalancer(const PowerOfDParams& params, std::uint64_t seed);
  int choose(const LoadBalancerView& view) override;

 private:
  int d_;
  std::mt19937_64 rng_;
  std::vector<int> sample_;
};

} // namespace racksim::policies
