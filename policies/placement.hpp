#pragma once
// Placement policies: which GPUs a starting job gets. Registered by name (policies/registry.hpp).

#include "policies/view.hpp"

#include <vector>

namespace racksim::policies {

class Placement {
 public:
  virtual ~Placement() = default;
  // Returns exactly view.gpus_requested distinct free GPU ids in ascending order, or an empty vector when the
  // request cannot be met.
  virtual std::vector<int> place(const PlacementView& view) = 0;
};

} // namespace racksim::policies
