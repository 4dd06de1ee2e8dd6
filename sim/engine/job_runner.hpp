#pragma once
// One run of a job on the GPUs it holds (docs/training-model.md): the body of the job's actor, from its restart delay
// to its last step. A step of K iterations is compute on every GPU (overlapping the step's data-set reads, one
// reader actor per node), then the gradient all-reduce as a ring of flows, then the checkpoint when one is due (and
// its drain to another tier in the background); a 3D-parallel job runs its pipeline compute, TP, PP and DP
// collectives instead. The engine finishes the job when run() returns; an interruption kills the actors instead.

#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "sim/config/scenario.hpp"
#include "sim/engine/activities.hpp"
#include "sim/engine/job_loader.hpp"
#include "sim/engine/job_table.hpp"
#include "sim/engine/storage_io.hpp"

#include <simgrid/s4u.hpp>

#include <exception>
#include <tuple>
#include <vector>

namespace racksim::sim {

class JobRunner {
 public:
  // `failure`: where the actors this runner starts (data-set readers, drains) keep the first exception
  // (sim/engine/simgrid_run.hpp).
  JobRunner(const Scenario& scenario, const platforms::Topology& topo, const platforms::SimPlatform& platform,
            const TrainingSetup& setup, std::exception_ptr& failure);

  void run(JobState& job); // in the job's actor

  long tp_across_nvlink() const { return tp_across_nvlink_; }     // runs with a TP group split over NVLink domains
  const std::vector<double>& drain_s() const { return drain_s_; } // every finished checkpoint drain, in order

 private:
  // The flow plans of one 3D-parallel job's step (K iterations), built once per job and step size.
  struct ParallelPhases {
    std::vector<workloads::CollectivePhase> tp, pp, dp_grad, dp_param;
    std::vector<PhaseCosts> tp_costs, pp_costs, dp_grad_costs, dp_param_costs;
  };
  // A data-set reader: (its first GPU of the job, the job's GPUs on that node, the node's rank in the job).
  using Reader = std::tuple<int, int, int>;

  void run_data_parallel(JobState& job, const std::vector<simgrid::s4u::Host*>& hosts, const StorageClient& storage,
                         const std::vector<Reader>& readers);
  void run_parallel(JobState& job, const StorageClient& storage, const std::vector<Reader>& readers);
  void begin_step(JobState& job, const workloads::Step& step);
  void end_step(JobState& job, const workloads::Step& step, const StorageClient& storage, double t);
  std::vector<int> parallel_rank_order(const JobState& job);
  ParallelPhases parallel_phases(const JobState& job, const std::vector<int>& order,
                                 const std::vector<simgrid::s4u::Host*>& hosts, double k) const;
  std::vector<simgrid::s4u::ExecPtr> start_compute(const std::vector<simgrid::s4u::Host*>& hosts, double seconds) const;
  std::vector<simgrid::s4u::ActorPtr> start_dataset_reads(JobState& job, const StorageClient& storage,
                                                          const std::vector<Reader>& readers, double iterations);
  std::vector<Reader> dataset_readers(const JobState& job) const;
  void start_drain(const JobState& job);
  template <class F>
  void guarded(F&& body);

  const Scenario& scenario_;
  const platforms::Topology& topo_;
  const platforms::SimPlatform& platform_;
  const TrainingSetup& setup_;
  const workloads::TrainingSpec& training_;
  std::exception_ptr& failure_;
  long tp_across_nvlink_ = 0;
  std::vector<double> drain_s_;
};

} // namespace racksim::sim
