#pragma once
// The GPUs of a run and who has each one: free for the placement policy, held by a job (or a collective group), by
// the inference service, or kept as an idle hot spare; and how many failed components each one is under. One place
// shared by the three run kinds (the job engine, the collective benchmark, the inference service), built once from
// the topology. Plain bookkeeping, no SimGrid: whoever changes a GPU's host (off at a failure, on at its repair)
// does that around these calls.

#include "platforms/topology.hpp"
#include "policies/placement.hpp"
#include "policies/view.hpp"
#include "sim/results/results.hpp"

#include <cstdint>
#include <set>
#include <vector>

namespace racksim::sim {

class ClusterState {
 public:
  // Owners that are not a job (a job's owner id is its index, >= 0).
  static constexpr std::int64_t no_owner = -1, service_owner = -2, spare_owner = -3;

  explicit ClusterState(const platforms::Topology& topo);

  const policies::ClusterShape& shape() const { return shape_; }
  const std::vector<std::uint8_t>& gpu_free() const { return gpu_free_; } // by GPU: 1 = free for placement
  int total_gpus() const { return static_cast<int>(gpu_free_.size()); }
  int free_gpus() const { return free_gpus_; }
  // GPUs held by a job or the service: neither free nor idle and unavailable (down and unheld, or idle spares).
  int allocated_gpus() const { return total_gpus() - free_gpus_ - idle_unavailable_; }
  std::int64_t owner(int gpu) const { return owner_[static_cast<std::size_t>(gpu)]; }
  bool is_down(int gpu) const { return down_[static_cast<std::size_t>(gpu)] > 0; } // under a failed component

  // Where `placement` puts `gpus` GPUs among the free ones (empty: cannot), and whether an answer is a valid set:
  // exactly `wanted` distinct free GPUs, ascending.
  std::vector<int> place(policies::Placement& placement, int gpus) const;
  bool valid_placement(const std::vector<int>& gpus, int wanted) const;
  // Free GPUs become `owner`'s.
  void take(const std::vector<int>& gpus, std::int64_t owner);
  // A job gives GPUs back: free again, or out of service while a failed component they are under is not repaired.
  void release(const std::vector<int>& gpus);

  // Hot spares (failover.spare_nodes): the free GPUs of the last `nodes` nodes, held out of placement.
  void hold_spares(int nodes);
  int spares_free() const { return static_cast<int>(spare_free_.size()); }
  // An idle spare becomes `owner`'s (the last one held first); there must be one.
  int take_spare(std::int64_t owner);

  // Failures (docs/failures.md). take_down: `gpus` go under one more failed component. What it hit, for the caller
  // to act on: the service's GPUs among them, the GPUs that just went down (their hosts go off), and the jobs
  // holding those.
  struct Hit {
    std::vector<int> service_gpus;
    std::vector<int> down;
    std::set<std::int64_t> job_owners;
  };
  Hit take_down(const std::vector<int>& gpus, double now);
  // A repair, GPU by GPU: bring_up is true when `gpu` (not the service's) is under no failed component any more (its
  // host goes back on); then return_to_service puts it back among the spares, short of their number, or the free
  // GPUs, unless a job still holds it (that job frees it).
  bool bring_up(int gpu);
  void return_to_service(int gpu);
  void note_up(double now) { gpus_up_.set(now, gpus_up_count_); }

  // GPUs allocated over time: note_allocated records allocated_gpus() at `now`.
  void note_allocated(double now) { allocated_.set(now, allocated_gpus()); }
  void note_allocated(double now, int gpus) { allocated_.set(now, gpus); }
  const StepSeries& allocated_series() const { return allocated_; }
  const StepSeries& up_series() const { return gpus_up_; } // GPUs in service over time

 private:
  policies::ClusterShape shape_;
  std::vector<std::uint8_t> gpu_free_;
  int free_gpus_ = 0;
  std::vector<std::int64_t> owner_; // by GPU: the job index holding it, or no_owner / service_owner / spare_owner
  std::vector<int> down_;           // by GPU: failed components it is under (0 = up)
  int idle_unavailable_ = 0;        // GPUs neither free nor allocated: down and unheld, or idle hot spares
  std::vector<int> spare_free_;     // idle hot spares
  int spare_target_ = 0;
  int gpus_up_count_ = 0;
  StepSeries gpus_up_, allocated_;
};

} // namespace racksim::sim
