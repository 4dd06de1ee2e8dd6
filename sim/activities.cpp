#include "sim/activities.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_map>

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

PhaseCosts phase_costs(const std::vector<sg4::Host*>& hosts, const workloads::CollectivePhase& phase) {
  PhaseCosts costs;
  std::unordered_map<const sg4::Link*, double> load;
  std::vector<sg4::Link*> links;
  for (const auto& f : phase.flows) {
    if (f.src == f.dst) continue;
    links.clear();
    double latency = 0; // route_to adds to it
    hosts[static_cast<std::size_t>(f.src)]->route_to(hosts[static_cast<std::size_t>(f.dst)], links, &latency);
    costs.alpha_s = std::max(costs.alpha_s, latency);
    for (const auto* link : links) {
      if (link->get_sharing_policy() == sg4::Link::SharingPolicy::FATPIPE) // not shared: each flow alone
        costs.bandwidth_s = std::max(costs.bandwidth_s, f.bytes / link->get_bandwidth());
      else
        load[link] += f.bytes;
    }
  }
  for (const auto& [link, bytes] : load)
    costs.bandwidth_s = std::max(costs.bandwidth_s, bytes / link->get_bandwidth());
  return costs;
}

void run_collective(const std::vector<sg4::Host*>& hosts, const std::vector<workloads::CollectivePhase>& phases,
                    const std::vector<double>& alpha_s) {
  std::vector<sg4::CommPtr> comms;
  for (std::size_t p = 0; p < phases.size(); ++p) {
    const auto& phase = phases[p];
    comms.clear();
    comms.reserve(phase.flows.size());
    for (const auto& f : phase.flows)
      comms.push_back(sg4::Comm::sendto_async(hosts[static_cast<std::size_t>(f.src)],
                                              hosts[static_cast<std::size_t>(f.dst)],
                                              static_cast<std::uint64_t>(std::llround(f.bytes))));
    sg4::Comm::wait_all(comms);
    const double extra_latency = (phase.alpha_steps - 1) * alpha_s[p];
    if (extra_latency > 0) sg4::this_actor::sleep_for(extra_latency);
  }
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
