#pragma once
// The SimGrid activities a job is made of, usable from any actor: a ring all-reduce at flow granularity and
// a striped checkpoint write. Kept apart from the engine so the engine tests can time them on tiny platforms.

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

// `bytes` from `writer` striped evenly over the servers: one flow and one disk write per stripe, all
// concurrent (network and disk are pipelined), so the time is max(network, disk). Blocks the calling actor.
void striped_write(simgrid::s4u::Host* writer, const std::vector<simgrid::s4u::Host*>& servers,
                   const std::vector<simgrid::s4u::Disk*>& disks, double bytes);

} // namespace racksim::sim
