#pragma once
// What interrupts the jobs' runs (docs/failures.md): a scheduler's preemption (the job saves a checkpoint, then waits
// in the queue again), and failed components, drawn by the failure process: GPUs out of service until their repair
// (the failover policy decides what each job on them does: fail, restart from zero or from its checkpoint, swap in
// hot spares, shrink) or capacity lost (leaf uplinks, spines, storage servers). Also the failover policy's
// checkpoint cadence for every job. Every interruption leaves /events rows.

#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "policies/failover.hpp"
#include "policies/params.hpp"
#include "sim/analytic/failure_domains.hpp"
#include "sim/config/scenario.hpp"
#include "sim/engine/cluster_state.hpp"
#include "sim/engine/job_loader.hpp"
#include "sim/engine/job_table.hpp"
#include "sim/results/results.hpp"
#include "workloads/faults/failures.hpp"

#include <exception>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace racksim::sim {

class EnergyMeter;
class InferenceService;

// The failover policy's checkpoint interval (Young/Daly by default) replaces the workload's cadence, from each job's
// failure rate. For scenarios with failures; before the run.
void plan_failover_checkpoints(std::vector<JobState>& jobs, const policies::Failover& failover,
                               const Scenario& scenario, const platforms::Topology& topo, const TrainingSetup& setup);

class Interruptions {
 public:
  // What the interruptions ask of the job engine.
  struct EngineCalls {
    std::function<void(std::size_t)> launch;     // a job's next run on the GPUs it holds (after a swap or a shrink)
    std::function<void()> schedule;              // a scheduling pass
    std::function<void()> schedule_after_repair; // the same, after a repair (a repair alone does not extend the run)
  };

  // `service`: an inference service next to the jobs, or null; `failure`: where the actors started here keep the
  // first exception (sim/engine/simgrid_run.hpp).
  Interruptions(const Scenario& scenario, const platforms::Topology& topo, const platforms::SimPlatform& platform,
                const TrainingSetup& setup, const policies::PolicyParams& params, policies::Failover& failover,
                ClusterState& cluster, JobTable& jobs, const EnergyMeter& meter, InferenceService* service,
                std::exception_ptr& failure, EngineCalls calls);

  // A scheduler's preemption of a job (already moved to preempting): it keeps its progress, saves a checkpoint
  // holding its GPUs, then requeues and pays policies.preemption.restart when it runs again.
  void preempt(std::size_t idx, double now);
  // The failure actor's body: every failure of the scenario's process at its time, until every job is done.
  void failure_source();

  long failures() const { return failures_; }
  const std::vector<EventRecord>& events() const { return events_; }

 private:
  void interrupt(std::size_t idx, double now, const std::string& component);
  void apply_failure(const workloads::FailureEvent& e);
  void fail_gpus(const std::vector<int>& gpus, const std::string& component, const std::string& cause, double repair_s);
  void repair_gpus(const std::vector<int>& gpus, const std::string& component);
  void degrade(const FailureEffect& effect, int delta);
  void event(double t, std::string kind, std::string component, std::int64_t job, double value, std::string cause);
  template <class F>
  void guarded(F&& body);

  const Scenario& scenario_;
  const platforms::Topology& topo_;
  const platforms::SimPlatform& platform_;
  const workloads::TrainingSpec& training_;
  const policies::PolicyParams& params_;
  policies::Failover& failover_;
  ClusterState& cluster_;
  JobTable& jobs_;
  const EnergyMeter& meter_;
  InferenceService* service_;
  std::exception_ptr& failure_;
  EngineCalls calls_;

  std::vector<EventRecord> events_;
  long failures_ = 0;
  // Capacity failures: the links' bandwidths before any, and what is down now.
  std::vector<double> uplink_base_;
  std::vector<int> uplink_cables_down_;
  int spines_down_ = 0;
  std::map<int, int> storage_down_;
  std::map<int, double> storage_base_;
};

} // namespace racksim::sim
