#pragma once
// Builds the SimGrid platform from a Topology graph. One of the two places in racksim that touch SimGrid.
//
// Zones (SimGrid star zones, so routing is O(1) per host pair and the build is linear in the GPU count):
//   datacenter (root)
//   ├── rack-R (one per leaf)       route up/down: the leaf's spine links, aggregated (fluid ECMP); gateway: leaf
//   │   └── gpu-G hosts             route up: the GPU's NVLink, then its node's uplink; down: the reverse
//   │                               + bypass routes between GPUs of one node: NVLink up, NVLink down (NVSwitch)
//   ├── storage, object-store, nvme  the storage tiers: platforms/simgrid_storage.hpp
//   └── controller host (no links; runs the scheduler actor, never communicates)
// GPUs sit directly in their rack zone (not in a node zone) because SimGrid resolves the route from a host to
// its zone's gateway only when both are in the same zone.
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
