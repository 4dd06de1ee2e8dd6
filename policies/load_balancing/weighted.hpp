#pragma once
// weighted: smooth weighted round robin (nginx's): replica i gets weights[i] / sum(weights) of the requests,
// interleaved rather than in bursts, whatever the load. policies.weighted.weights has one non-negative weight per
// replica index (the i-th replica the balancer sees); empty = all 1. Each pick adds every weight to its replica's
// running credit, takes the replica with the most credit (lowest index on ties) and takes the total off it, so
// over one cycle of sum(weights) requests (integer weights) each replica gets exactly its weight.

#include "policies/load_balancer.hpp"
#include "policies/params.hpp"

#include <vector>

namespace racksim::policies {

struct WeightedParams {
  std::vector<double> weights; // policies.weighted.weights: one per replica index; empty = all 1
};
std::vector<ParamSpec> weighted_params();
// One weight per replica that gets GPUs, not all 0 (whichever balancer is chosen: weights written must fit).
std::vector<ParamProblem> check_weighted(const PolicyParams& params, const CheckContext& context);

class WeightedBalancer final : public LoadBalancer {
 public:
  explicit WeightedBalancer(const WeightedParams& params = {});
  // Throws std::invalid_argument when the view has more replicas than there are weights.
  int choose(const LoadBalancerView& view) override;

 private:
  std::vector<double> weights_;
  std::vector<double> credit_;
};

} // namespace racksim::policies
