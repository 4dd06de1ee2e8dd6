#pragma once
// Builds the storage tiers of a Topology in SimGrid, under the zone that joins the fabric's top tier (the root).
// One of the two places in racksim that touch SimGrid (with simgrid_platform.*).
//
//   storage (star zone)        gateway router storage-leaf; route up/down: the storage leaf's top-tier links,
//   └── storage-<k> hosts      aggregated into one link storage-leaf-uplink (fluid ECMP); each server: its link
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

namespace simgrid::s4u {
class NetZone;
} // namespace simgrid::s4u

namespace racksim::platforms {

// Creates the three zones above as children of `root` (not sealed: the caller seals root), and fills
// out.storage_hosts, storage_disks, object_store_hosts and nvme_disks.
void build_simgrid_storage(const Topology& topo, simgrid::s4u::NetZone* root, SimPlatform& out);

} // namespace racksim::platforms
