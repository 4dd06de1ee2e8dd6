#pragma once
// Closed-form, uncontended times on the platform graph: the alpha-beta ring all-reduce and a striped
// checkpoint write. The workload model uses them to turn a trace duration into compute time, and the engine
// tests check the simulator against them.

#include "platforms/topology.hpp"
#include "workloads/spec.hpp"
#include "workloads/training/parallel_model.hpp"

#include <vector>

namespace racksim::sim {

// Ring over `gpus` in the given order: T = 2(n-1) * alpha + 2(n-1)/n * S / B, alpha = the largest path latency
// of a ring edge, B = the smallest path bandwidth of a ring edge. 0 for one GPU.
double ring_allreduce_s(const platforms::Topology& topo, const std::vector<int>& gpus, double bytes);
// The same on the packed placement of n GPUs (GPUs 0..n-1).
double ring_allreduce_packed_s(const platforms::Topology& topo, int n, double bytes);

// Alpha-beta closed forms of the collectives as racksim models them (docs/collectives.md), for n ranks, S bytes
// (nccl-tests' "size" of the op), alpha = latency of one step, B = the bandwidth each rank's path gets. They are
// exact for the simulation on an idle platform where no two flows of a phase share a link beyond what the formula
// counts (e.g. a ring over consecutive GPUs, a tree over one GPU per node).
//   ring allreduce            2(n-1) alpha + 2(n-1)/n S/B
//   ring allgather / reducescatter  (n-1) alpha + (n-1)/n S/B
//   tree allreduce (NCCL double binary tree, S/2 per tree, up and down pipelined)
//                             2 ceil(log2 n) alpha + k S/B, k = the busiest rank's traffic per direction in units
//                             of S: 1 (n = 2), 3/2 (n = 3), 2 (n >= 4)
//   chain (ring) broadcast    (n-1) alpha + S/B
//   tree broadcast (NCCL binary tree from rank 0, pipelined)
//                             ceil(log2 n) alpha + c S/B, c = most children of a rank: 1 (n <= 3), 2 (n >= 4)
//   direct alltoall           alpha + (n-1)/n S/B   (when the per-rank links, not the spine layer, are the bottleneck)
double ring_allreduce_ab_s(int n, double bytes, double alpha_s, double bandwidth_Bps);
double ring_allgather_ab_s(int n, double bytes, double alpha_s, double bandwidth_Bps); // = reducescatter
double tree_allreduce_ab_s(int n, double bytes, double alpha_s, double bandwidth_Bps);
double chain_broadcast_ab_s(int n, double bytes, double alpha_s, double bandwidth_Bps);
double tree_broadcast_ab_s(int n, double bytes, double alpha_s, double bandwidth_Bps);
double direct_alltoall_ab_s(int n, double bytes, double alpha_s, double bandwidth_Bps);
// Hierarchical allreduce over m nodes of g ranks: intra-node ring reduce-scatter, g parallel inter-node rings on
// S/g each (sharing the node uplink B_up), intra-node ring all-gather:
//   2(g-1) alpha_in + 2(g-1)/g S/B_in + 2(m-1) alpha_out + 2(m-1)/m S/B_up
// Hierarchical allgather and reducescatter are half of it: (g-1) alpha_in + (g-1)/g S/B_in + (m-1) alpha_out +
// (m-1)/m S/B_up.
double hierarchical_allreduce_ab_s(int g, int m, double bytes, double alpha_in_s, double bandwidth_in_Bps,
                                   double alpha_out_s, double uplink_Bps);
double hierarchical_allgather_ab_s(int g, int m, double bytes, double alpha_in_s, double bandwidth_in_Bps,
                                   double alpha_out_s, double uplink_Bps);

// One 3D-parallel iteration (docs/training-model.md) on the packed placement (GPUs 0..n-1 in Megatron rank order),
// one group of each kind alone on the platform:
//   (pipeline - overlap) + n_tp x ring_allreduce(TP group, S_tp) + PP + max(DP grads, overlap) + optimizer + DP params
// PP = 2 m v alpha + m v S_pp / B over the stage-0 -> stage-1 path (full-duplex links); DP grads = ring reduce-scatter
// (half a ring all-reduce) of the stage's fp32 gradients, or a ring all-reduce without the distributed optimizer;
// DP params = ring all-gather of the 16-bit parameters. Groups running at once that share links (e.g. the tp DP rings
// of a node sharing its NIC) are slower in the simulation than this.
double parallel_iteration_packed_s(const platforms::Topology& topo, const workloads::IterationCosts& costs);

// Checkpoint of `bytes` written by `writer_gpu`, striped evenly over all storage servers, network transfer and
// disk writes concurrent: max(latency + bytes / B_path, bytes / (servers x disk write bandwidth)).
double checkpoint_write_s(const platforms::Topology& topo, int writer_gpu, double bytes);

// ---- storage tiers (docs/network-model.md, "Storage"; the simulator side is sim/engine/storage_io.hpp) ----------------

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
