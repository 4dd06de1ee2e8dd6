#include "sim/engine/storage_io.hpp"

#include "platforms/storage.hpp"
#include "sim/engine/activities.hpp"

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
  InFlight guard;
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
    guard.add(comms.back().get());
    guard.add(ios.back().get());
  }
  sg4::Comm::wait_all(comms);
  for (auto& io : ios)
    io->wait();
}

// SimGrid 3.32 ignores Comm::set_rate on host-to-host comms (sendto_init), but honours it on mailbox comms, so a
// request is a mailbox comm whose client side carries the stream cap, with a helper actor on the gateway for the
// other side. Mailboxes are recycled (SimGrid never frees one): at most as many exist as requests ever in flight.
class MailboxPool {
 public:
  sg4::Mailbox* acquire() {
    if (free_.empty()) return sg4::Mailbox::by_name("racksim-object-store-" + std::to_string(created_++));
    sg4::Mailbox* mb = free_.back();
    free_.pop_back();
    return mb;
  }
  void release(sg4::Mailbox* mb) { free_.push_back(mb); }

 private:
  std::vector<sg4::Mailbox*> free_;
  long created_ = 0;
};

MailboxPool& mailboxes() {
  static MailboxPool pool; // one Engine per process, hence one pool
  return pool;
}

char payload_token = 0;         // mailbox comms carry a pointer; the simulated size is what matters
void* received_token = nullptr; // where the client side of a GET puts it

void object_store_transfer(sg4::Host* client, const std::vector<sg4::Host*>& gateways,
                           const platforms::ObjectStoreSpec& spec, double bytes, int offset, bool put) {
  if (gateways.empty()) throw std::invalid_argument("object store transfer: no gateways");
  const auto requests = platforms::object_store_requests(spec, bytes);
  const auto n_gw = gateways.size();
  const auto streams = static_cast<std::size_t>(std::max(1, spec.streams));
  // A mailbox comm starts on the host of the actor that posts it: the caller moves to the client's host for the
  // transfer (it has no activity in flight, so the move is free) and back afterwards.
  sg4::Host* home = sg4::this_actor::get_host();
  if (home != client) sg4::this_actor::set_host(client);
  for (std::size_t first = 0; first < requests.size(); first += streams) {
    if (spec.request_latency_s > 0) sg4::this_actor::sleep_for(spec.request_latency_s);
    const std::size_t last = std::min(requests.size(), first + streams);
    std::vector<sg4::CommPtr> comms;
    std::vector<sg4::Mailbox*> used;
    for (std::size_t i = first; i < last; ++i) {
      sg4::Host* gateway = gateways[(static_cast<std::size_t>(offset) + i) % n_gw];
      sg4::Mailbox* mb = mailboxes().acquire();
      used.push_back(mb);
      const auto size = static_cast<std::uint64_t>(requests[i]);
      sg4::CommPtr comm;
      if (put) {
        comm = mb->put_init(&payload_token, size);
        sg4::Actor::create("object-store-gw", gateway, [mb] { mb->get<char>(); });
      } else {
        comm = mb->get_init()->set_dst_data(&received_token, sizeof(void*));
        sg4::Actor::create("object-store-gw", gateway, [mb, size] { mb->put(&payload_token, size); });
      }
      comm->set_rate(spec.stream_Bps);
      comms.push_back(comm);
      comm->start();
    }
    sg4::Comm::wait_all(comms);
    for (auto* mb : used)
      mailboxes().release(mb);
  }
  if (home != client) sg4::this_actor::set_host(home);
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
