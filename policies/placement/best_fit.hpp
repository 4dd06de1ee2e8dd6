#pragma once
// best_fit: minimise fragmentation. A job that fits in one node goes to the node with the fewest free GPUs that can
// hold it; a larger job takes the nodes with the FEWEST free GPUs first (partly used nodes before empty ones), and
// its last part goes to the node that best fits what is left. Empty nodes stay whole for later large jobs.
// Unlike pack, which minimises the nodes and racks a job spans (it takes the emptiest nodes of the best-fitting
// rack), best_fit ignores racks and may spread a large job over many partly used nodes: better packing of the
// cluster, worse locality for the job. Ties go to the lowest node index.

#include "policies/placement.hpp"

namespace racksim::policies {

class BestFitPlacement final : public Placement {
 public:
  std::vector<int> place(const PlacementView& view) override;
};

} // namespace racksim::policies
