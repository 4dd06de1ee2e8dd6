#pragma once
// pack: fill a node, then a rack. A job that fits in one node goes to the fullest node that still has room
// (best fit); a larger job goes to the fullest rack that can hold it, taking its emptiest nodes first so it
// spans as few nodes as possible; a job larger than any rack's free GPUs takes racks emptiest-first.
// Ties go to the lowest index, so the result is deterministic.

#include "policies/placement.hpp"

namespace racksim::policies {

class PackPlacement final : public Placement {
 public:
  std::vector<int> place(const PlacementView& view) override;
};

} // namespace racksim::policies
