#pragma once
// Closed-form, uncontended times on the platform graph: the alpha-beta ring all-reduce and a striped
// checkpoint write. The workload model uses them to turn a trace duration into compute time, and the engine
// tests check the simulator against them.

#include "platforms/topology.hpp"

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

} // namespace racksim::sim
