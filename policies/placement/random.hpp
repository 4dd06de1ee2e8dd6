#pragma once
// random: the job's GPUs drawn uniformly among the free ones (every subset of the right size equally likely),
// wherever they are, from the policy's own stream of the scenario seed (same seed, same placements).
// A baseline: no locality, no packing.

#include "policies/params.hpp"
#include "policies/placement.hpp"

#include <random>

namespace racksim::policies {

class RandomPlacement final : public Placement {
 public:
  explicit RandomPlacement(const PolicyParams& params);
  std::vector<int> place(const PlacementView& view) override;

 private:
  std::mt19937_64 rng_;
};

} // namespace racksim::policies
