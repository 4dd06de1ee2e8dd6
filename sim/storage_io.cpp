#include "sim/storage_io.hpp"

#include "platforms/storage.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace sg4 = simgrid::s4u;

namespace racksim::sim {

namespace {

void pfs_transfer(sg4::Host* client, const platforms::SimPlatform& platform, const std::vector<double>& per_server,
                  bool write) {
  if (per_server.size() != platform.storage_hosts.size())
    throw std::invalid_argument("pfs transfer: " + std::to_string(per_server.size()) + " stripe sizes for " +
                                std::to_string(platform.storage_hosts.size()) + " servers");
  std::vector<sg4::CommPtr> comms;
  std::vector<sg4::IoPtr> ios;
  // Same order of creation as sim::striped_write (flow, then Io, server by server), so an even split over all
  // servers gives the very same simulation.
  for (std::size_t s = 0; s < per_server.size(); ++s) {
    const auto bytes = static_cast<std::uint64_t>(per_server[s]);
    if (bytes == 0) continue;
    if (write) {
      comms.push_back(sg4::Comm::sendto_async(client, platform.storage_hosts[s], bytes));
      ios.push_back(platform.storage_disks[s]->write_async(bytes));
    } else {
      ios.push_back(platform.storage_disks[s]->read_async(bytes));
      comms.push_back(sg4::Comm::sendto_async(platform.storage_hosts[s], client, bytes));
    }
  }
  sg4::Comm::wait_all(comms);
  for (auto& io : ios)
    io->wait();
}

void object_store_transfer(sg4::Host* client, const std::vector<sg4::Host*>& gateways,
                           const platforms::ObjectStoreSpec& spec, double bytes, int offset, bool put) {
  if (gateways.empty()) throw std::invalid_argument("object store transfer: no gateways");
  const auto requests = platforms::object_store_requests(spec, bytes);
  const auto n_gw = gateways.size();
  const auto streams = static_cast<std::size_t>(std::max(1, spec.streams));
  for (std::size_t first = 0; first < requests.size(); first += streams) {
    if (spec.request_latency_s > 0) sg4::this_actor::sleep_for(spec.request_latency_s);
    const std::size_t last = std::min(requests.size(), first + streams);
    std::vector<sg4::CommPtr> comms;
    comms.reserve(last - first);
    for (std::size_t i = first; i < last; ++i) {
      sg4::Host* gateway = gateways[(static_cast<std::size_t>(offset) + i) % n_gw];
      auto comm = put ? sg4::Comm::sendto_init(client, gateway) : sg4::Comm::sendto_init(gateway, client);
      comm->set_payload_size(static_cast<std::uint64_t>(requests[i]));
      comm->set_rate(spec.stream_Bps);
      comms.push_back(comm);
      comm->start();
    }
    sg4::Comm::wait_all(comms);
  }
}

} // namespace

void pfs_write(sg4::Host* client, const platforms::SimPlatform& platform, const std::vector<double>& per_server_bytes) {
  pfs_transfer(client, platform, per_server_bytes, true);
}

void pfs_read(sg4::Host* client, const platforms::SimPlatform& platform, const std::vector<double>& per_server_bytes) {
  pfs_transfer(client, platform, per_server_bytes, false);
}

void nvme_write(sg4::Disk* disk, double bytes) {
  if (bytes > 0) disk->write(static_cast<sg_size_t>(bytes));
}

void nvme_read(sg4::Disk* disk, double bytes) {
  if (bytes > 0) disk->read(static_cast<sg_size_t>(bytes));
}

void object_store_put(sg4::Host* client, const std::vector<sg4::Host*>& gateways,
                      const platforms::ObjectStoreSpec& spec, double bytes, int offset) {
  object_store_transfer(client, gateways, spec, bytes, offset, true);
}

void object_store_get(sg4::Host* client, const std::vector<sg4::Host*>& gateways,
                      const platforms::ObjectStoreSpec& spec, double bytes, int offset) {
  object_store_transfer(client, gateways, spec, bytes, offset, false);
}

void StorageClient::write(workloads::StorageTier tier, int gpu, long long client, double bytes) const {
  transfer(tier, gpu, client, bytes, true);
}

void StorageClient::read(workloads::StorageTier tier, int gpu, long long client, double bytes) const {
  transfer(tier, gpu, client, bytes, false);
}

void StorageClient::transfer(workloads::StorageTier tier, int gpu, long long client, double bytes, bool write) const {
  if (!(bytes > 0)) return;
  sg4::Host* host = platform_.gpu_hosts.at(static_cast<std::size_t>(gpu));
  const auto& storage = topo_.spec.storage;
  switch (tier) {
  case workloads::StorageTier::pfs: {
    const auto layout = platforms::pfs_layout(storage, bytes, platforms::pfs_offset(storage, client));
    pfs_transfer(host, platform_, layout, write);
    return;
  }
  case workloads::StorageTier::nvme: {
    if (platform_.nvme_disks.empty())
      throw std::invalid_argument("storage tier nvme: the platform has no NVMe (platform.storage.nvme.drives = 0)");
    sg4::Disk* disk = platform_.nvme_disks.at(static_cast<std::size_t>(topo_.node_of_gpu(gpu)));
    write ? nvme_write(disk, bytes) : nvme_read(disk, bytes);
    return;
  }
  case workloads::StorageTier::object_store: {
    const long long gateways = storage.object_store.gateways;
    const int offset = static_cast<int>(((client % gateways) + gateways) % gateways);
    object_store_transfer(host, platform_.object_store_hosts, storage.object_store, bytes, offset, write);
    return;
  }
  }
}

} // namespace racksim::sim
