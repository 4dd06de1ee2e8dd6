#pragma once
// Builds the storage tiers of a Topology in SimGrid, under the zone that joins the fabric's top tier (the root).
// One of the two places in racksim that touch SimGrid (with simgrid_platform.*).
//
//   storage (star zone)        gateway router storage-leaf; route up/down: the storage leaf's top-tier links,
//   └── storage-<k> hosts      aggregated into one link storage-leaf-uplink (fluid ECMP; dragonfly: below); each server: its link
//       + disk storage-<k>-disk   storage-<k>-link, and one disk (PFS read/write bandwidth)
//   object-store (star zone)   gateway router object-store-leaf; route up/down: object-store-leaf-uplink
//   └── object-store-gw-<k>    (the aggregated top-tier links); each gateway: its link object-store-gw-<k>-link
//   nvme (star zone, no links) node-<n>-nvme hosts, each with one disk node-<n>-nvme-disk whose read and write
//                              bandwidths are the node's NVMe volume (min of PCIe and the drives). No link reaches
//                              these hosts: a GPU reads and writes its node's disk directly (an Io), so NVMe
//                              traffic never touches a fabric link, and the node's GPUs share the disk.
// Every link is split-duplex, like the fabric's.

#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"

#include <vector>

namespace simgrid::s4u {
class NetZone;
} // namespace simgrid::s4u
namespace simgrid::kernel::routing {
class NetPoint;
} // namespace simgrid::kernel::routing

namespace racksim::platforms {

// Where a dragonfly's storage leaves attach: a group's zone and the router (inside it) that holds the link.
struct StorageAttach {
  simgrid::s4u::NetZone* zone = nullptr;
  simgrid::kernel::routing::NetPoint* router = nullptr;
};

// Creates the three zones above as children of `root` (not sealed: the caller seals root), and fills
// out.storage_hosts, storage_disks, object_store_hosts and nvme_disks. With `groups` empty, root is a star whose
// centre is the top tier and each leaf has one aggregated uplink; otherwise (dragonfly, a full root zone) each
// leaf gets one link per group, <leaf>-spine-<group>, routed to the group's router.
void build_simgrid_storage(const Topology& topo, simgrid::s4u::NetZone* root,
                           const std::vector<StorageAttach>& groups, SimPlatform& out);

} // namespace racksim::platforms
