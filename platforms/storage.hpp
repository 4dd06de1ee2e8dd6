#pragma once
// The storage tiers in the platform graph (no SimGrid): the parallel file system (`pfs`), node-local NVMe
// (`nvme`) and the object store (`object_store`); their validation, derived capacities, path facts, the PFS
// stripe layout, and their lines in `racksim describe`. The fabric builder (topology.cpp) calls
// add_storage_tiers with the vertices of its top switch tier; everything else here reads the finished graph.
//
// Vertices (appended after the fabric's, in this order):
//   storage-leaf              the PFS servers' switch; one link to every top-tier switch
//   storage-<k>               one per PFS server (one disk volume each)
//   object-store-leaf         the object store's switch; one link to every top-tier switch
//   object-store-gw-<k>       one per object-store gateway (front-end server)
//   node-<n>-nvme             one per node when platform.storage.nvme.drives > 0 (the node's RAID-0 volume)
// Edges (undirected, full duplex; bandwidth per direction):
//   storage-leaf-spine-<s>            storage-leaf -- top-tier switch s     tier storage       storage_uplink_Bps,
//                                                                                               fabric.uplink_latency
//   storage-<k>-link                   storage-<k> -- storage-leaf           tier storage       server_link_Bps,
//                                                                                               storage.link_latency_s
//   object-store-leaf-spine-<s>        object-store-leaf -- each top switch  tier object_store  object_store_uplink_Bps,
//                                                                                               fabric.uplink_latency
//   object-store-gw-<k>-link           gateway -- object-store-leaf          tier object_store  bandwidth / gateways,
//                                                                                               fabric.uplink_latency
//   node-<n>-pcie                      node-<n>-nvme -- node-<n>-nvswitch    tier pcie          nvme volume bandwidth,
//                                                                                               latency 0
//   storage_uplink_Bps      = (storage.uplink_Bps, or servers x server_link_Bps when 0) / top-tier switches
//   object_store_uplink_Bps = object_store.bandwidth / top-tier switches
//
// The NVMe vertex hangs off the node's NVSwitch vertex (the node) so that the graph says which node owns it;
// no route between GPUs or to other storage crosses it, and the simulator reaches it over PCIe only (never a
// fabric link): see simgrid_storage.hpp.
//
// PFS stripe layout (pfs_layout): a file of S bytes written (or read) by writer w uses k = stripe_count servers
// (0 = all N), the k consecutive servers (o + j) mod N, j = 0..k-1, from the offset o = (w x k) mod N, so that
// consecutive writers (jobs) land on disjoint server sets while k x writers <= N. With stripe_size u > 0 the
// file is cut into ceil(S/u) stripe units, unit c going to the file's j = c mod k-th server (round-robin, as
// Lustre and GPFS do); with u = 0 every one of the k servers gets S/k (the fluid limit of small units).

#include "platforms/topology.hpp"

#include <string>
#include <vector>

namespace racksim::platforms {

// Throws PlatformError naming the first bad storage field ("platform.storage.stripe_count must be ...").
// validate_spec calls it.
void validate_storage_spec(const PlatformSpec& spec);

// Appends the storage vertices and edges (above) to topo.graph and fills topo's storage members. `top_tier` are
// the switches the storage and object-store leaves connect to (today topo.spines); must not be empty.
void add_storage_tiers(Topology& topo, const std::vector<Vertex>& top_tier);

// NVMe volume of one node: drives x per-drive figure, capped by the node's PCIe bandwidth (per direction); 0 when
// the nodes have no NVMe.
double nvme_read_Bps(const PlatformSpec& spec);
double nvme_write_Bps(const PlatformSpec& spec);
double nvme_capacity_bytes(const PlatformSpec& spec);

// One gateway's link (object_store.bandwidth / gateways) and the object-store leaf's aggregated top-tier link
// (fluid ECMP, as for the storage leaf).
double object_store_gateway_Bps(const Topology& topo);
double object_store_uplink_aggregate_Bps(const Topology& topo);

// GPU to object-store gateway: gpu_to_top_route, then the object-store leaf's aggregated uplink (dragonfly: its
// link to the GPU's group) and the gateway's link; the SimGrid build has the same route. Throws
// std::out_of_range for a GPU or gateway that does not exist.
std::vector<Hop> gpu_to_object_store_route(const Topology& topo, int gpu, int gateway);
PathFacts gpu_to_object_store_path(const Topology& topo, int gpu, int gateway);

// PFS stripe layout (above). stripe_count: k (0 in the spec means all servers).
int pfs_stripe_count(const StorageSpec& storage);
int pfs_offset(const StorageSpec& storage, long long writer);
// Bytes each server holds of a file of `bytes` from the given offset, indexed by server id (0 for servers the
// file does not use). The entries sum to `bytes` (up to rounding when stripe_size is 0).
std::vector<double> pfs_layout(const StorageSpec& storage, double bytes, int offset);

// Object-store requests for an object of `bytes`: request_size each, the last one the remainder.
std::vector<double> object_store_requests(const ObjectStoreSpec& spec, double bytes);

// The storage part of `racksim describe`: the storage and object-store link lines (indented, for the "links"
// block) followed by one "storage tiers" block.
std::string describe_storage_links(const Topology& topo);
std::string describe_storage_tiers(const Topology& topo);

namespace names {
std::string object_store_leaf();                 // "object-store-leaf"
std::string object_store_gateway(int gateway);   // "object-store-gw-<k>"
std::string object_store_leaf_spine(int spine);  // "object-store-leaf-spine-<s>"
std::string object_store_gateway_link(int gw);   // "object-store-gw-<k>-link"
std::string object_store_uplink_aggregate();     // "object-store-leaf-uplink" (SimGrid's aggregated link)
std::string nvme(int node);                      // "node-<n>-nvme"
std::string nvme_pcie(int node);                 // "node-<n>-pcie"
} // namespace names

} // namespace racksim::platforms
