#include "sim/activities.hpp"

#include <simgrid/s4u.hpp>

#include <cstdint>

namespace sg4 = simgrid::s4u;

namespace racksim::sim {

void ring_allreduce(const std::vector<sg4::Host*>& hosts, double bytes, double iterations, double alpha_s) {
  const auto n = hosts.size();
  if (n < 2 || bytes <= 0 || iterations <= 0) return;
  const double nd = static_cast<double>(n);
  const double edge_bytes = iterations * 2.0 * (nd - 1) / nd * bytes;
  std::vector<sg4::CommPtr> comms;
  comms.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    comms.push_back(sg4::Comm::sendto_async(hosts[i], hosts[(i + 1) % n], static_cast<std::uint64_t>(edge_bytes)));
  sg4::Comm::wait_all(comms);
  const double extra_latency = iterations * 2.0 * (nd - 1) * alpha_s - alpha_s;
  if (extra_latency > 0) sg4::this_actor::sleep_for(extra_latency);
}

void striped_write(sg4::Host* writer, const std::vector<sg4::Host*>& servers, const std::vector<sg4::Disk*>& disks,
                   double bytes) {
  if (servers.empty() || bytes <= 0) return;
  const auto stripe = static_cast<std::uint64_t>(bytes / static_cast<double>(servers.size()));
  std::vector<sg4::CommPtr> comms;
  std::vector<sg4::IoPtr> ios;
  for (std::size_t s = 0; s < servers.size(); ++s) {
    comms.push_back(sg4::Comm::sendto_async(writer, servers[s], stripe));
    ios.push_back(disks[s]->write_async(stripe));
  }
  sg4::Comm::wait_all(comms);
  for (auto& io : ios)
    io->wait();
}

} // namespace racksim::sim
