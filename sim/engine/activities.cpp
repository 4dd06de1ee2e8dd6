#include "sim/engine/activities.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <unordered_map>

namespace sg4 = simgrid::s4u;

namespace racksim::sim {

namespace {
struct Started {
  std::vector<sg4::ActivityPtr> activities;
  std::vector<sg4::ActorPtr> children;
};
std::unordered_map<long, Started>& in_flight() {
  static std::unordered_map<long, Started> registry;
  return registry;
}
void cancel_all(Started& started) {
  for (auto& child : started.children) {
    const long pid = child->get_pid();
    child->kill();
    cancel_in_flight(pid);
  }
  for (auto& a : started.activities)
    if (a->get_state() != sg4::Activity::State::FINISHED && a->get_state() != sg4::Activity::State::CANCELED &&
        a->get_state() != sg4::Activity::State::FAILED)
      a->cancel();
}
} // namespace

InFlight::InFlight() : pid_(sg4::this_actor::get_pid()), uncaught_(std::uncaught_exceptions()) {}

InFlight::~InFlight() {
  if (std::uncaught_exceptions() > uncaught_) return; // killed: cancel_in_flight() ends them
  in_flight().erase(pid_);
}

void InFlight::add(sg4::Activity* activity) {
  in_flight()[pid_].activities.emplace_back(activity);
}
void InFlight::add(sg4::Actor* child) {
  in_flight()[pid_].children.emplace_back(child);
}

void cancel_in_flight(long pid) {
  auto it = in_flight().find(pid);
  if (it == in_flight().end()) return;
  auto started = std::move(it->second);
  in_flight().erase(it);
  cancel_all(started);
}

void cancel_all_in_flight() {
  auto all = std::move(in_flight());
  in_flight().clear();
  for (auto& [pid, started] : all)
    cancel_all(started);
}

void ring_allreduce(const std::vector<sg4::Host*>& hosts, double bytes, double iterations, double alpha_s) {
  const auto n = hosts.size();
  if (n < 2 || bytes <= 0 || iterations <= 0) return;
  const double nd = static_cast<double>(n);
  const double edge_bytes = iterations * 2.0 * (nd - 1) / nd * bytes;
  std::vector<sg4::CommPtr> comms;
  comms.reserve(n);
  InFlight guard;
  for (std::size_t i = 0; i < n; ++i) {
    comms.push_back(sg4::Comm::sendto_async(hosts[i], hosts[(i + 1) % n], static_cast<std::uint64_t>(edge_bytes)));
    guard.add(comms.back().get());
  }
  sg4::Comm::wait_all(comms);
  const double extra_latency = iterations * 2.0 * (nd - 1) * alpha_s - alpha_s;
  if (extra_latency > 0) sg4::this_actor::sleep_for(extra_latency);
}

namespace {

// route_to appends to both outputs.
double route(const std::vector<sg4::Host*>& hosts, const workloads::RankFlow& f, std::vector<sg4::Link*>& links) {
  links.clear();
  double latency = 0;
  hosts[static_cast<std::size_t>(f.src)]->route_to(hosts[static_cast<std::size_t>(f.dst)], links, &latency);
  return latency;
}

} // namespace

std::vector<const sg4::Link*> phase_links(const std::vector<sg4::Host*>& hosts,
                                          const workloads::CollectivePhase& phase) {
  std::vector<const sg4::Link*> out;
  std::vector<sg4::Link*> links;
  for (const auto& f : phase.flows) {
    if (f.src == f.dst) continue;
    route(hosts, f, links);
    out.insert(out.end(), links.begin(), links.end());
  }
  return out;
}

PhaseCosts phase_costs(const std::vector<sg4::Host*>& hosts, const workloads::CollectivePhase& phase,
                       bool analytic_private, const std::function<bool(const sg4::Link*)>& foreign) {
  PhaseCosts costs;
  costs.simulate.assign(phase.flows.size(), 1);
  struct Use {
    double bytes = 0;
    int flows = 0;
  };
  std::unordered_map<const sg4::Link*, Use> load;
  std::vector<sg4::Link*> links;
  for (const auto& f : phase.flows) {
    if (f.src == f.dst) continue;
    costs.alpha_s = std::max(costs.alpha_s, route(hosts, f, links));
    for (const auto* link : links) {
      if (link->get_sharing_policy() == sg4::Link::SharingPolicy::FATPIPE) { // not shared: each flow alone
        costs.bandwidth_s = std::max(costs.bandwidth_s, f.bytes / link->get_bandwidth());
      } else {
        auto& use = load[link];
        use.bytes += f.bytes;
        ++use.flows;
      }
    }
  }
  for (const auto& [link, use] : load)
    costs.bandwidth_s = std::max(costs.bandwidth_s, use.bytes / link->get_bandwidth());
  if (!analytic_private) return costs;
  for (std::size_t i = 0; i < phase.flows.size(); ++i) {
    const auto& f = phase.flows[i];
    if (f.src == f.dst) continue;
    const double latency = route(hosts, f, links);
    bool alone = !links.empty();
    double bandwidth = std::numeric_limits<double>::infinity();
    for (const auto* link : links) {
      const auto it = load.find(link);
      alone = alone && it != load.end() && it->second.flows == 1 && !(foreign && foreign(link));
      bandwidth = std::min(bandwidth, link->get_bandwidth());
    }
    if (!alone) continue;
    costs.simulate[i] = 0;
    costs.analytic_s = std::max(costs.analytic_s, latency + f.bytes / bandwidth);
  }
  return costs;
}

namespace {

// Starts the simulated flows among [begin, end) of a phase and waits for them, in the calling actor.
void send_and_wait(const std::vector<sg4::Host*>& hosts, const std::vector<workloads::RankFlow>& flows,
                   const std::vector<char>& simulate, std::size_t begin, std::size_t end) {
  std::vector<sg4::CommPtr> comms;
  comms.reserve(end - begin);
  InFlight guard;
  for (std::size_t i = begin; i < end; ++i)
    if (simulate[i]) {
      comms.push_back(sg4::Comm::sendto_async(hosts[static_cast<std::size_t>(flows[i].src)],
                                              hosts[static_cast<std::size_t>(flows[i].dst)],
                                              static_cast<std::uint64_t>(std::llround(flows[i].bytes))));
      guard.add(comms.back().get());
    }
  sg4::Comm::wait_all(comms);
}

// One actor waiting on many flows also pays a linear search per finished flow in its own activity list: a big phase
// is spread over helper actors of at most this many flows each, all started at the same simulated instant.
constexpr std::size_t flows_per_actor = 256;

} // namespace

void run_collective(const std::vector<sg4::Host*>& hosts, const std::vector<workloads::CollectivePhase>& phases,
                    const std::vector<PhaseCosts>& costs) {
  for (std::size_t p = 0; p < phases.size(); ++p) {
    const auto& phase = phases[p];
    const auto& simulate = costs[p].simulate;
    const double t0 = sg4::Engine::get_clock();
    const std::size_t n = phase.flows.size();
    if (static_cast<std::size_t>(std::count(simulate.begin(), simulate.end(), 1)) <= flows_per_actor) {
      send_and_wait(hosts, phase.flows, simulate, 0, n);
    } else {
      std::vector<sg4::ActorPtr> helpers;
      InFlight guard;
      for (std::size_t begin = 0; begin < n; begin += flows_per_actor) {
        const std::size_t end = std::min(n, begin + flows_per_actor);
        const auto first = simulate.begin() + static_cast<std::ptrdiff_t>(begin);
        if (std::none_of(first, first + static_cast<std::ptrdiff_t>(end - begin), [](char c) { return c != 0; }))
          continue;
        auto* host = hosts[static_cast<std::size_t>(phase.flows[begin].src)];
        helpers.push_back(sg4::Actor::create("flows", host, [&hosts, &phase, &simulate, begin, end] {
          send_and_wait(hosts, phase.flows, simulate, begin, end);
        }));
        guard.add(helpers.back().get());
      }
      for (auto& h : helpers)
        h->join();
    }
    if (const double until = t0 + costs[p].analytic_s; until > sg4::Engine::get_clock())
      sg4::this_actor::sleep_until(until);
    const double extra_latency = (phase.alpha_steps - 1) * costs[p].alpha_s;
    if (extra_latency > 0) sg4::this_actor::sleep_for(extra_latency);
  }
}

void striped_write(sg4::Host* writer, const std::vector<sg4::Host*>& servers, const std::vector<sg4::Disk*>& disks,
                   double bytes) {
  if (servers.empty() || bytes <= 0) return;
  const auto stripe = static_cast<std::uint64_t>(bytes / static_cast<double>(servers.size()));
  std::vector<sg4::CommPtr> comms;
  std::vector<sg4::IoPtr> ios;
  InFlight guard;
  for (std::size_t s = 0; s < servers.size(); ++s) {
    comms.push_back(sg4::Comm::sendto_async(writer, servers[s], stripe));
    ios.push_back(disks[s]->write_async(stripe));
    guard.add(comms.back().get());
    guard.add(ios.back().get());
  }
  sg4::Comm::wait_all(comms);
  for (auto& io : ios)
    io->wait();
}

} // namespace racksim::sim
