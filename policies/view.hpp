#pragma once
// What a policy may see: a read-only snapshot of the queue and the cluster. Plain data, no SimGrid.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace racksim::policies {

using JobId = std::int64_t;

struct QueuedJob {
  JobId id = 0;
  int gpus = 1;
  double submit_s = 0;
  double estimate_s = 0; // the run-time estimate the scheduler may use (the trace duration)
  std::string_view user;  // user or virtual cluster ("" when unknown); valid during decide()
  int priority = 0;       // class: higher is more important (workload priority, 0 by default)
  double attained_gpu_s = 0; // service received so far, GPU-seconds (0 unless preempted or restarted before)
  double remaining_s = 0;    // estimate_s less the work already done (= estimate_s for a fresh job)
};

struct RunningJob {
  JobId id = 0;
  int gpus = 1;
  double start_s = 0;
  double expected_end_s = 0; // start + estimate
  std::string_view user;
  int priority = 0;
  double attained_gpu_s = 0; // service received so far, this run included, GPU-seconds
  double remaining_s = 0;    // estimate of the work left, seconds (0 when overdue)
};

struct SchedulerView {
  double now_s = 0;
  int total_gpus = 0;
  int free_gpus = 0;
  std::span<const QueuedJob> queue;    // in arrival order (submit_s, then id)
  std::span<const RunningJob> running; // any order
};

// A decision is an intent: the engine checks it (enough free GPUs, job queued) and applies it.
struct SchedulingDecision {
  std::vector<JobId> start; // jobs to start now, in this order
  // easy_backfill: when the blocked head job is guaranteed to start (its "shadow time"); < 0 when none.
  double head_reservation_s = -1;
  // Running jobs to preempt before `start` is applied. A preempted job saves a checkpoint (its GPUs stay held
  // meanwhile, policies.preemption.checkpoint), goes back to the queue keeping its progress and pays
  // policies.preemption.restart when it starts again. Its GPUs are free only after the save, so a job in `start`
  // that needs them starts at a later pass.
  std::vector<JobId> preempt;
};

// The cluster's shape and which GPUs are free. GPU g sits on node g / gpus_per_node, rack node / nodes_per_rack.
struct ClusterShape {
  int gpus_per_node = 8;
  int nodes_per_rack = 4;
  int nodes = 0;
  int total_gpus() const { return gpus_per_node * nodes; }
  int node_of(int gpu) const { return gpu / gpus_per_node; }
  int rack_of_node(int node) const { return node / nodes_per_rack; }
  // Network domains for topology_aware placement, by node: the leaf switch and the pod (fat_tree pod, dragonfly
  // group) the node hangs off. Empty = derived: leaf = rack_of_node, pod = 0 (one pod).
  std::vector<int> node_leaf;
  std::vector<int> node_pod;
  int leaf_of_node(int node) const {
    return node_leaf.empty() ? rack_of_node(node) : node_leaf[static_cast<std::size_t>(node)];
  }
  int pod_of_node(int node) const { return node_pod.empty() ? 0 : node_pod[static_cast<std::size_t>(node)]; }
};

struct PlacementView {
  const ClusterShape& shape;
  std::span<const std::uint8_t> gpu_free; // size shape.total_gpus(); 1 = free
  int gpus_requested = 1;
};

} // namespace racksim::policies
