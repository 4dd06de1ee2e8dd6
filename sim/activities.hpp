#pragma once
// The SimGrid activities a job is made of, usable from any actor: a ring all-reduce at flow granularity and
// a striped checkpoint write. Kept apart from the engine so the engine tests can time them on tiny platforms.

#include "workloads/collective/collective.hpp"

#include <vector>

namespace simgrid::s4u {
class Disk;
class Host;
} // namespace simgrid::s4u

namespace racksim::sim {

// Ring all-reduce of `bytes` per iteration over `hosts` (ring order = vector order), `iterations` of them
// aggregated: one flow per ring edge carrying 2(n-1)/n x bytes x iterations, then the rest of the alpha term
// (2(n-1) x alpha x iterations minus the one path latency the flows already paid) as a delay. Uncontended, this
// takes exactly iterations x (2(n-1) alpha + 2(n-1)/n S/B). Blocks the calling actor.
void ring_allreduce(const std::vector<simgrid::s4u::Host*>& hosts, double bytes, double iterations, double alpha_s);

// What a collective phase costs on an idle platform, from SimGrid's own routes: alpha_s is the largest path latency
// among its flows; bandwidth_s is the link-load bound, max over links of (bytes of the phase's flows crossing it) /
// its bandwidth. hosts[r] is rank r's GPU.
struct PhaseCosts {
  double alpha_s = 0;
  double bandwidth_s = 0;
};
PhaseCosts phase_costs(const std::vector<simgrid::s4u::Host*>& hosts, const workloads::CollectivePhase& phase);

// Runs a collective plan (workloads::plan_collective) at flow granularity, phase after phase: one flow per
// RankFlow, all of a phase started together; when they have all arrived, (alpha_steps - 1) x alpha_s[phase] more as
// a delay (the flows paid one path latency themselves). Uncontended, a phase takes alpha_steps x alpha + the
// bandwidth time of its most loaded link. Blocks the calling actor.
void run_collective(const std::vector<simgrid::s4u::Host*>& hosts, const std::vector<workloads::CollectivePhase>& phases,
                    const std::vector<double>& alpha_s);

// `bytes` from `writer` striped evenly over the servers: one flow and one disk write per stripe, all
// concurrent (network and disk are pipelined), so the time is max(network, disk). Blocks the calling actor.
void striped_write(simgrid::s4u::Host* writer, const std::vector<simgrid::s4u::Host*>& servers,
                   const std::vector<simgrid::s4u::Disk*>& disks, double bytes);

} // namespace racksim::sim
