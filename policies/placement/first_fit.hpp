#pragma once
// first_fit: the lowest-numbered free GPUs, wherever they are (may scatter a job over many nodes).

#include "policies/placement.hpp"

namespace racksim::policies {

class FirstFitPlacement final : public Placement {
 public:
  std::vector<int> place(const PlacementView& view) override;
};

} // namespace racksim::policies
