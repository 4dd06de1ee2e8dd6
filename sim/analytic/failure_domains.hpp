#pragma once
// What a failed component takes with it on a platform (docs/failures.md, "Failover and engine behaviour"): the GPUs
// it puts out of service, or the capacity it costs. Pure: the engine and the inference service apply the effect.

#include "platforms/topology.hpp"
#include "workloads/faults/failures.hpp"

#include <array>
#include <string>
#include <vector>

namespace racksim::sim {

// The platform's components by class: one NIC per GPU (its rail), two links per GPU (its NIC cable, then a leaf
// uplink cable), leaves, spines, racks (power) and storage servers.
workloads::ComponentCounts component_counts(const platforms::Topology& topo);

struct FailureEffect {
  std::vector<int> gpus;   // out of service until the repair (gpu, nic, node, rack_power, leaf, GPU cables)
  int uplink_rack = -1;    // a leaf uplink cable of this rack: the rack's aggregated uplink loses one cable's share
  bool spine = false;      // every leaf's aggregated uplink loses 1 / spines
  int storage_server = -1; // this server's link runs degraded
};
FailureEffect failure_effect(const workloads::FailureEvent& event, const platforms::Topology& topo);

// "class:index", e.g. "node:12".
std::string component_name(const workloads::FailureEvent& event);

// Failures per second of the components a job of `gpus` GPUs depends on when packed (ceil(gpus / node) nodes and
// their racks): GPUs x (gpu + nic + NIC cable) + nodes x node + racks x (leaf + rack_power). Capacity-only failures
// (uplink cables, spines, storage) do not interrupt a job and are left out.
double job_failure_rate(const std::array<workloads::ClassFailureSpec, workloads::kNumComponentClasses>& classes,
                        const platforms::Topology& topo, int gpus);

} // namespace racksim::sim
