#pragma once
// Closed-form, uncontended times on the platform graph: the alpha-beta ring all-reduce and a striped
// checkpoint write. The workload model uses them to turn a trace duration into compute time, and the engine
// tests check the simulator against them.

#include "platforms/topology.hpp"
#include "workloads/spec.hpp"

#include <vector>

namespace racksim::sim {

// Ring over `gpus` in the given order: T = 2(n-1) * alpha + 2(n-1)/n * S / B, alpha = the largest path latency
// of a ring edge, B = the smallest path bandwidth of a ring edge. 0 for one GPU.
double ring_allreduce_s(const platforms::Topology& topo, const std::vector<int>& gpus, double bytes);
// The same on the packed placement of n GPUs (GPUs 0..n-1).
double ring_allreduce_packed_s(const platforms::Topology& topo, int n, double bytes);

// Checkpoint of `bytes` written by `writer_gpu`, striped evenly over all storage servers, network transfer and
// disk writes concurrent: max(latency + bytes / B_path, bytes / (servers x disk write bandwidth)).
double checkpoint_write_s(const platforms::Topology& topo, int writer_gpu, double bytes);

// ---- storage tiers (docs/network-model.md, "Storage"; the simulator side is sim/storage_io.hpp) ----------------

// Fluid max-min completion time of flows that all start at t = 0: flow i moves bytes[i], at most caps[i], through
// its group's link (groups[i] indexes group_Bps; -1 = none) and through one link of shared_Bps that every flow
// crosses. Progressive filling, re-solved each time a flow finishes. 0 with no flows.
double fluid_completion_s(const std::vector<double>& bytes, const std::vector<double>& caps,
                          const std::vector<int>& groups, const std::vector<double>& group_Bps, double shared_Bps);

// A PFS write (read) of `bytes` by `gpu` with the stripe layout of writer `client` (platforms::pfs_layout):
//   max(latency + network, max_s bytes_s / disk bandwidth)
// network = bytes / min(shared, k x server link) for an even layout over k servers, else fluid_completion_s of the
// stripes (cap: one server link each) through the shared path; shared = min(nvlink, node uplink, leaf aggregate,
// storage-leaf aggregate); latency = gpu_to_storage_path latency. With stripe_count = servers and stripe_size 0 the
// write is exactly checkpoint_write_s.
double pfs_write_s(const platforms::Topology& topo, int gpu, double bytes, long long client);
double pfs_read_s(const platforms::Topology& topo, int gpu, double bytes, long long client);

// Node-local NVMe: bytes / the node's NVMe write (read) bandwidth (platforms::nvme_write_Bps); no network.
double nvme_write_s(const platforms::Topology& topo, double bytes);
double nvme_read_s(const platforms::Topology& topo, double bytes);

// Object store: sum over rounds of `streams` requests of
//   request_latency + path latency + fluid_completion_s(round's requests, cap stream_bandwidth, group = gateway
//   (offset + i) mod G of capacity bandwidth / G, shared = min(nvlink, node uplink, leaf aggregate, object-store
//   aggregate))
// offset = client mod gateways. Put and get are symmetric (full-duplex links of equal capacity).
double object_store_transfer_s(const platforms::Topology& topo, int gpu, double bytes, long long client);

// Dispatch on the tier: the uncontended time of one write (checkpoint) or read by `gpu` for `client`.
double storage_write_s(const platforms::Topology& topo, workloads::StorageTier tier, int gpu, double bytes,
                       long long client);
double storage_read_s(const platforms::Topology& topo, workloads::StorageTier tier, int gpu, double bytes,
                      long long client);

} // namespace racksim::sim
