#pragma once
// The SimGrid activities a job is made of, usable from any actor: a ring all-reduce at flow granularity and
// a striped checkpoint write. Kept apart from the engine so the engine tests can time them on tiny platforms.

#include "workloads/collective/collective.hpp"

#include <functional>
#include <vector>

namespace simgrid::s4u {
class Activity;
class Actor;
class Disk;
class Host;
class Link;
} // namespace simgrid::s4u

namespace racksim::sim {

// SimGrid 3.32 cancels the execs of a killed actor but lets its comms and disk I/O run on. The functions here that
// start those keep them in an InFlight while they wait, registered under the calling actor, so that whoever kills
// the actor (a preemption, a failure) cancels them with cancel_in_flight(pid). Sequential use only: one InFlight at
// a time per actor.
class InFlight {
 public:
  InFlight();
  ~InFlight(); // forgets its activities, unless the actor is being unwound (killed): then they wait for cancelling
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  void add(simgrid::s4u::Activity* activity); // must be started
  void add(simgrid::s4u::Actor* child);       // a helper actor that works for this one: killed with it
 private:
  long pid_;
  int uncaught_;
};
// Cancels what a killed actor left running and forgets it. Call from an actor, after the kill.
void cancel_in_flight(long pid);
// The same for every actor (after Actor::kill_all at a horizon). Call from an actor.
void cancel_all_in_flight();

// Ring all-reduce of `bytes` per iteration over `hosts` (ring order = vector order), `iterations` of them
// aggregated: one flow per ring edge carrying 2(n-1)/n x bytes x iterations, then the rest of the alpha term
// (2(n-1) x alpha x iterations minus the one path latency the flows already paid) as a delay. Uncontended, this
// takes exactly iterations x (2(n-1) alpha + 2(n-1)/n S/B). Blocks the calling actor.
void ring_allreduce(const std::vector<simgrid::s4u::Host*>& hosts, double bytes, double iterations, double alpha_s);

// What a collective phase costs on an idle platform, from SimGrid's own routes: alpha_s is the largest path latency
// among its flows; bandwidth_s is the link-load bound, max over links of (bytes of the phase's flows crossing it) /
// its bandwidth. hosts[r] is rank r's GPU.
//
// `simulate` says which flows run as SimGrid flows. With `analytic_private` (valid only for a network model where
// a lone transfer takes exactly sum(latency) + S/B, i.e. platforms' rdma), a flow that is the only flow of the
// phase on every link of its route, and whose links no other running group uses (`foreign`: link -> true when
// another concurrent group crosses it), cannot meet any other flow: it is timed by that formula instead
// (analytic_s = the latest such flow's end). That is exact, and it is what keeps a 16,384-GPU ring fast: SimGrid
// 3.32 removes every finished host-to-host comm from one list of all of them (O(n^2) in concurrent comms), and
// the intra-node edges of a ring, 7 of 8, are private.
struct PhaseCosts {
  double alpha_s = 0;
  double bandwidth_s = 0;
  std::vector<char> simulate; // per flow of the phase
  double analytic_s = 0;
};
PhaseCosts phase_costs(const std::vector<simgrid::s4u::Host*>& hosts, const workloads::CollectivePhase& phase,
                       bool analytic_private = false,
                       const std::function<bool(const simgrid::s4u::Link*)>& foreign = nullptr);
// Every link the phase's flows cross (to find the links two groups share).
std::vector<const simgrid::s4u::Link*> phase_links(const std::vector<simgrid::s4u::Host*>& hosts,
                                                   const workloads::CollectivePhase& phase);

// Runs a collective plan (workloads::plan_collective) at flow granularity, phase after phase: one SimGrid flow per
// RankFlow marked in costs[p].simulate, all of a phase started together; the phase lasts until they have all
// arrived and at least costs[p].analytic_s; then (alpha_steps - 1) x costs[p].alpha_s more as a delay (the flows
// paid one path latency themselves). Uncontended, a phase takes alpha_steps x alpha + the bandwidth time of its most
// loaded link. Blocks the calling actor.
void run_collective(const std::vector<simgrid::s4u::Host*>& hosts,
                    const std::vector<workloads::CollectivePhase>& phases, const std::vector<PhaseCosts>& costs);

// `bytes` from `writer` striped evenly over the servers: one flow and one disk write per stripe, all
// concurrent (network and disk are pipelined), so the time is max(network, disk). Blocks the calling actor.
void striped_write(simgrid::s4u::Host* writer, const std::vector<simgrid::s4u::Host*>& servers,
                   const std::vector<simgrid::s4u::Disk*>& disks, double bytes);

} // namespace racksim::sim
