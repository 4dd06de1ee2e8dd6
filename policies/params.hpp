#pragma once
// The settings a policy may be built with: plain data filled by sim/ from the scenario (policies.* settings), so
// policies stay free of YAML and SimGrid. A policy reads the fields it needs and ignores the rest; defaults here
// are the scenario's defaults.

#include <cstdint>
#include <vector>

namespace racksim::policies {

struct PolicyParams {
  std::uint64_t seed = 1; // the scenario's seed: randomised policies draw from their own stream of it
  // Load balancers.
  int power_of_d_d = 2;                 // policies.power_of_d.d: replicas sampled per request
  std::vector<double> weighted_weights; // policies.weighted.weights: one per replica index; empty = all 1
  // Autoscalers (policies.autoscaler.*).
  double autoscaler_target = 0.7;         // target_utilization: busy replicas / active replicas to aim at
  double autoscaler_scale_out_queue = 4;  // queue_length: waiting requests per active replica above which to add one
  double autoscaler_scale_in_queue = 0.5; // queue_length: ... below which to remove one
};

} // namespace racksim::policies
