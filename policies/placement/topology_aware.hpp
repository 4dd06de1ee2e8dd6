#pragma once
// topology_aware: fewest network hops for the job's collectives. The job goes into the smallest domain that can
// hold it, in the order node (NVLink) > leaf (one rack switch) > pod (fat_tree pod, dragonfly group) > anywhere,
// and among the domains of that level into the one with the fewest free GPUs that still fits (best fit, so larger
// domains stay whole); ties go to the lowest domain id. Inside the chosen domain the same rule recurses: the job
// fills whole sub-domains emptiest first (touching as few as possible) and puts its remainder in the best-fitting
// one. The leaf and pod of each node come from ClusterShape::node_leaf / node_pod (filled by sim/ from the
// topology). Compared with pack: pack knows only nodes and racks; topology_aware also keeps a job inside one pod
// when it cannot fit one leaf, and best-fits at every level.

#include "policies/placement.hpp"

namespace racksim::policies {

class TopologyAwarePlacement final : public Placement {
 public:
  std::vector<int> place(const PlacementView& view) override;
};

} // namespace racksim::policies
