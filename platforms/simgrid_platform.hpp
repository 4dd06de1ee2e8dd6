#pragma once
// Builds the SimGrid platform from a Topology graph. One of the two places in racksim that touch SimGrid (library
// racksim_platforms_simgrid). The fabric kind lays out its zones and the routes between them (Fabric::build_zones,
// platforms/fabrics/) through ZoneBuilder, which this implements; the rack zones and storage zones are shared.
//
// Zones (docs/network-model.md has the picture). Every route SimGrid resolves is exactly gpu_route /
// gpu_to_storage_route of platforms/topology.hpp (tests/engine/fabric_routes_test.cpp checks every pair).
//   datacenter (root): a star whose centre is the top tier; a full zone for dragonfly
//   ├── rack-R (star; centre: the leaf, or for rail_optimized the rack's rail leaves "rack-R-rails")
//   │   └── gpu-G hosts     route to the centre: NVLink + node uplink (rack NVLink domain: NVLink only; rail: the
//   │                       GPU's NIC) + bypass routes NVLink up / NVLink down between the GPUs of one node
//   │   rack -> root centre: (rack domain: the rack's NICs,) leaf-R-uplink (fat_tree: + pod-P-uplink, and
//   │                       zone bypass routes between racks of one pod that turn at the aggregation layer)
//   ├── group-I (dragonfly, full zone): rack zones joined pairwise by local links; groups joined in the root by
//   │                       one aggregated global link per pair, between the routers that hold it
//   ├── storage (star)      PFS servers + disks; route up: the storage leaf's uplinks (dragonfly: one link to
//   │                       the first router of each group); object-store and nvme zones: platforms/simgrid_storage.hpp
//   └── controller host (no links; runs the scheduler actor, never communicates)
// GPUs sit directly in their rack zone (not in a node zone) because SimGrid resolves the route from a host to
// its zone's gateway only when both are in the same zone, and because every zone costs a walk in SimGrid's
// name checks and seal (docs/performance.md).
// Every link is split-duplex, so the two directions never share bandwidth. See docs/network-model.md.

#include "platforms/spec.hpp"
#include "platforms/topology.hpp"

#include <vector>

namespace simgrid::s4u {
class Disk;
class Engine;
class Host;
class Link;
} // namespace simgrid::s4u

namespace racksim::platforms {

struct SimPlatform {
  std::vector<simgrid::s4u::Host*> gpu_hosts;     // by GPU id
  std::vector<simgrid::s4u::Host*> storage_hosts; // by server id
  std::vector<simgrid::s4u::Disk*> storage_disks; // by server id
  std::vector<simgrid::s4u::Host*> object_store_hosts; // by gateway id
  std::vector<simgrid::s4u::Disk*> nvme_disks;         // by node id; empty when the nodes have no NVMe
  simgrid::s4u::Host* controller = nullptr;
  std::vector<simgrid::s4u::Link*> leaf_uplinks; // by rack: the aggregated leaf<->spine link
};

// Sets SimGrid's network model configuration. Must run after the Engine exists and before any zone is created.
void configure_network_model(NetworkModel model);

// Creates zones, hosts, links and disks for `topo` under a new root zone, and seals them.
SimPlatform build_simgrid_platform(const Topology& topo);

} // namespace racksim::platforms
