#pragma once
// spread: put the job on as many distinct leaves (racks) and nodes as possible, e.g. so that one node or rack
// failure takes out as little of it as possible. GPUs are taken one per node per round, nodes visited leaf by leaf
// in turn (node k of every leaf before node k+1 of any), so a job of g GPUs touches min(g, nodes with a free GPU)
// nodes and as many leaves as it can. Within a node the lowest free GPU goes first. Deterministic.
// The opposite of pack: bad for a job's collectives (traffic crosses the fabric), good for fault isolation.

#include "policies/placement.hpp"

namespace racksim::policies {

class SpreadPlacement final : public Placement {
 public:
  std::vector<int> place(const PlacementView& view) override;
};

} // namespace racksim::policies
