#pragma once
// Moving bytes between a GPU and a storage tier in SimGrid: the parallel file system (striped over servers, network
// and disks pipelined), node-local NVMe (a disk Io only, never a network flow) and the object store (requests in
// rounds of `streams`, each round paying the request latency once and moving its requests concurrently, each at
// most at the stream bandwidth). Every call blocks the calling actor. Closed forms for the uncontended times are in
// sim/analytic/ideal.hpp; the rules are in docs/network-model.md, "Storage".

#include "platforms/simgrid_platform.hpp"
#include "platforms/spec.hpp"
#include "platforms/topology.hpp"
#include "workloads/spec.hpp"

#include <vector>

namespace simgrid::s4u {
class Disk;
class Host;
} // namespace simgrid::s4u

namespace racksim::sim {

// PFS: one flow and one disk Io per server that holds bytes (per_server_bytes is indexed by server id, as
// platforms::pfs_layout returns it), all started together; returns when all have finished.
void pfs_write(simgrid::s4u::Host* client, const platforms::SimPlatform& platform,
               const std::vector<double>& per_server_bytes);
void pfs_read(simgrid::s4u::Host* client, const platforms::SimPlatform& platform,
              const std::vector<double>& per_server_bytes);

// Node-local NVMe: one Io on the node's disk.
void nvme_write(simgrid::s4u::Disk* disk, double bytes);
void nvme_read(simgrid::s4u::Disk* disk, double bytes);

// Object store: the object is cut into requests (platforms::object_store_requests); request i goes to gateway
// (offset + i) mod gateways. Rounds of `streams` requests: sleep request_latency, then the round's flows
// together, each bounded by stream_bandwidth (Comm::set_rate), and wait for all of them.
void object_store_put(simgrid::s4u::Host* client, const std::vector<simgrid::s4u::Host*>& gateways,
                      const platforms::ObjectStoreSpec& spec, double bytes, int offset);
void object_store_get(simgrid::s4u::Host* client, const std::vector<simgrid::s4u::Host*>& gateways,
                      const platforms::ObjectStoreSpec& spec, double bytes, int offset);

// The tier dispatch the engine uses: `gpu` is the GPU that writes or reads (its host is the flow's end, its node
// owns the NVMe volume), `client` identifies the writer for the PFS stripe offset and the object-store gateway
// offset (the job id, plus the node's rank in the job for data-set reads).
class StorageClient {
 public:
  StorageClient(const platforms::Topology& topo, const platforms::SimPlatform& platform)
      : topo_(topo), platform_(platform) {}
  void write(workloads::StorageTier tier, int gpu, long long client, double bytes) const;
  void read(workloads::StorageTier tier, int gpu, long long client, double bytes) const;

 private:
  void transfer(workloads::StorageTier tier, int gpu, long long client, double bytes, bool write) const;
  const platforms::Topology& topo_;
  const platforms::SimPlatform& platform_;
};

} // namespace racksim::sim
