#include "sim/engine/engine.hpp"

#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "policies/registry.hpp"
#include "sim/engine/cluster_state.hpp"
#include "sim/engine/collective_run.hpp"
#include "sim/engine/energy.hpp"
#include "sim/engine/failure_source.hpp"
#include "sim/engine/inference_run.hpp"
#include "sim/engine/interruptions.hpp"
#include "sim/engine/job_loader.hpp"
#include "sim/engine/job_recorder.hpp"
#include "sim/engine/job_runner.hpp"
#include "sim/engine/job_table.hpp"
#include "sim/engine/run_recorder.hpp"
#include "sim/engine/simgrid_run.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <exception>
#include <memory>

namespace sg4 = simgrid::s4u;

namespace racksim::sim {

namespace {

// The job engine (workload.kind: synthetic or trace). Jobs arrive; a scheduling pass, after every arrival batch and
// every job completion, asks the scheduler which jobs to start or preempt and the placement policy where; each run
// of a job is one actor (JobRunner). Its parts: the GPUs (ClusterState), the jobs (JobTable), preemptions and
// failures (Interruptions), the results (record_job_run). SimGrid actors are cooperative (one runs at a time), so
// no locking is needed.
class Simulation {
 public:
  Simulation(const Scenario& scenario, const RunOptions& options)
      : scenario_(scenario), options_(options), topo_(platforms::build_topology(scenario.platform)),
        scheduler_(policies::schedulers().create(scenario.policies.scheduler, policy_params(scenario))),
        placement_(policies::placements().create(scenario.policies.placement, policy_params(scenario))),
        params_(policy_params(scenario)), failover_(policies::failovers().create(scenario.policies.failover, params_)),
        failures_(failures_configured(scenario)), cluster_(topo_), progress_(options.progress) {
    // An inference service next to the jobs (docs/inference.md): its replicas take their GPUs first, for the run.
    if (scenario.workload.inference.replicas > 0)
      service_ = std::make_unique<InferenceService>(scenario, topo_, cluster_);
    // Hot spares: the last failover.spare_nodes nodes' free GPUs, held out of scheduling.
    cluster_.hold_spares(params_.failover_spare_nodes);
  }

  RunReport run() {
    const RunStamp stamp;
    RunReport report;
    load_jobs(report);

    const auto engine = make_engine(options_.simgrid_args);
    platforms::configure_network_model(scenario_.platform.network_model);
    platform_ = platforms::build_simgrid_platform(topo_);
    meter_ = std::make_unique<EnergyMeter>(scenario_, topo_);
    meter_->attach(platform_.gpu_hosts);
    runner_ = std::make_unique<JobRunner>(scenario_, topo_, platform_, setup_, failure_);
    Interruptions::EngineCalls calls{[this](std::size_t idx) { launch(idx); }, [this] { schedule(); },
                                     [this] { schedule_after_repair(); }};
    interruptions_ = std::make_unique<Interruptions>(scenario_, topo_, platform_, setup_, params_, *failover_, cluster_,
                                                     jobs_, *meter_, service_.get(), failure_, std::move(calls));
    if (service_) {
      service_->set_energy_meter(meter_.get());
      service_->set_failures(failures_);
      service_->start(platform_);
      // Before the first scheduling pass: the service's GPUs, and the idle hot spares with them.
      cluster_.note_allocated(0, cluster_.total_gpus() - cluster_.free_gpus());
    }

    sg4::Actor::create("arrivals", platform_.controller, [this] { guarded([this] { arrivals(); }); });
    // Not a daemon: killing the last job actor must not end the simulation before the failover restarts it.
    if (failures_)
      sg4::Actor::create("failures", platform_.controller,
                         [this] { guarded([this] { interruptions_->failure_source(); }); });
    run_to_end(*engine, platform_.controller, scenario_.horizon_s);
    progress_.end();
    if (failure_) std::rethrow_exception(failure_);
    if (service_) service_->rethrow_failure();
    const double end = scenario_.horizon_s > 0 ? scenario_.horizon_s
                                               : std::max(last_event_s_, service_ ? service_->last_event_s() : 0.0);

    jobs_.close_runs(end, *meter_); // before any record: the runs under way at the horizon end there
    auto& rs = report.results;
    stamp.write(rs.meta, scenario_, setup_.timing_source);
    record_job_run({scenario_, topo_, setup_, jobs_, cluster_, *runner_, *interruptions_, *meter_, parallel_skipped_},
                   end, report);
    if (service_) {
      service_->record(rs, end, timeseries_interval(scenario_, end), false);
      rs.meta.calibration += "; inference service: " + service_->timing_source();
    }
    stamp.finish(rs.meta);
    return report;
  }

 private:
  void load_jobs(RunReport& report) {
    auto loaded = sim::load_jobs(scenario_, topo_, cluster_.free_gpus(), service_ != nullptr, report);
    if (failures_) plan_failover_checkpoints(loaded.jobs, *failover_, scenario_, topo_, loaded.setup);
    setup_ = std::move(loaded.setup);
    jobs_.load(std::move(loaded.jobs));
    parallel_skipped_ = loaded.parallel_skipped;
  }

  // All jobs submitted at the same instant enter the queue together (by id) before the scheduler is asked.
  void arrivals() {
    std::size_t i = 0;
    while (i < jobs_.size()) {
      const double t = jobs_[i].spec.submit_s;
      if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
      for (; i < jobs_.size() && jobs_[i].spec.submit_s == t; ++i)
        jobs_.arrive(i, sg4::Engine::get_clock());
      jobs_.note_queue_length(sg4::Engine::get_clock());
      schedule();
    }
  }

  // A scheduling pass: the scheduler's decision, validated and applied to the state first, then the SimGrid calls.
  void schedule() {
    const double now = sg4::Engine::get_clock();
    last_event_s_ = std::max(last_event_s_, now);
    progress_.update(now, jobs_.completed(), jobs_.size(), jobs_.running().size(), jobs_.queue().size());
    if (jobs_.queue().empty()) return;

    const auto decision = decide(now);
    // Apply the whole decision before any SimGrid call: creating an actor is a simcall, during which other
    // actors (a finishing job calling schedule()) may run, and they must see a consistent state.
    const auto to_preempt = apply_preemptions(decision.preempt);
    const auto to_launch = apply_starts(decision.start, now);
    if (to_launch.empty() && to_preempt.empty()) return;
    cluster_.note_allocated(now);
    jobs_.note_queue_length(now);
    // SimGrid calls last: preemptions (kill, then save), then launches.
    for (std::size_t idx : to_preempt)
      interruptions_->preempt(idx, now);
    for (std::size_t idx : to_launch)
      launch(idx);
  }

  // The scheduler's decision on what it sees: the queue in arrival order, and the running jobs, those saving a
  // checkpoint after a preemption included (they still hold their GPUs).
  policies::SchedulingDecision decide(double now) {
    std::vector<policies::QueuedJob> queued;
    queued.reserve(jobs_.queue().size());
    for (std::size_t idx : jobs_.queue()) {
      const auto& j = jobs_[idx];
      const auto& s = j.spec;
      queued.push_back({s.id, s.gpus, s.submit_s, s.duration_s, s.user, s.priority, j.attained_gpu_s,
                        s.duration_s * (1 - done_fraction(j, now))});
    }
    std::vector<policies::RunningJob> running;
    running.reserve(jobs_.running().size() + jobs_.preempting().size());
    for (const auto* set : {&jobs_.running(), &jobs_.preempting()})
      for (std::size_t idx : *set) {
        const auto& j = jobs_[idx];
        const double remaining = j.spec.duration_s * (1 - done_fraction(j, now));
        const bool resumed = j.restarts > 0 || j.preemptions > 0;
        const double attained = j.attained_gpu_s + (j.run_start_s >= 0 ? (now - j.run_start_s) * j.spec.gpus : 0.0);
        running.push_back({j.spec.id, j.spec.gpus, j.start_s, resumed ? now + remaining : j.start_s + j.spec.duration_s,
                           j.spec.user, j.spec.priority, attained, remaining});
      }
    const policies::SchedulerView view{now, cluster_.total_gpus(), cluster_.free_gpus(), queued, running};
    return scheduler_->decide(view);
  }

  // The running jobs the scheduler preempts move to preempting; returns them.
  std::vector<std::size_t> apply_preemptions(const std::vector<std::int64_t>& ids) {
    std::vector<std::size_t> out;
    for (const auto id : ids) {
      const auto idx = jobs_.find_running(id);
      if (!idx) {
        if (jobs_.is_preempting(id)) continue; // already saving
        throw RunError("scheduler '" + scenario_.policies.scheduler + "' preempted job " + std::to_string(id) +
                       " which is not running");
      }
      out.push_back(*idx);
      jobs_.preempt(*idx);
    }
    return out;
  }

  // The queued jobs the scheduler starts, in its order, each on the GPUs the placement policy picks, until one does
  // not fit (an over-eager decision: the rest waits for the next pass). Returns the started jobs.
  std::vector<std::size_t> apply_starts(const std::vector<std::int64_t>& ids, double now) {
    std::vector<std::size_t> out;
    for (const auto id : ids) {
      const auto idx = jobs_.find_queued(id);
      if (!idx)
        throw RunError("scheduler '" + scenario_.policies.scheduler + "' started job " + std::to_string(id) +
                       " which is not queued");
      JobState& job = jobs_[*idx];
      if (job.spec.gpus > cluster_.free_gpus()) break;
      auto gpus = cluster_.place(*placement_, job.spec.gpus);
      if (gpus.empty()) break;
      if (!cluster_.valid_placement(gpus, job.spec.gpus))
        throw RunError("placement '" + scenario_.policies.placement + "' returned an invalid GPU set for a " +
                       std::to_string(job.spec.gpus) + "-GPU job");
      cluster_.take(gpus, static_cast<std::int64_t>(*idx));
      job.gpus = std::move(gpus);
      if (job.start_s < 0) job.start_s = now;
      jobs_.start(*idx, now);
      out.push_back(*idx);
    }
    return out;
  }

  // A run of the job on the GPUs it holds: its actor runs it (JobRunner), then finishes the job.
  void launch(std::size_t idx) {
    JobState& job = jobs_[idx];
    begin_run(job, sg4::Engine::get_clock(), *meter_);
    ++launches_;
    job.actor =
        sg4::Actor::create("job-" + std::to_string(job.spec.id), platform_.gpu_hosts[job.gpus.front()], [this, idx] {
          guarded([this, idx] {
            runner_->run(jobs_[idx]);
            finish_job(idx);
          });
        });
  }

  void finish_job(std::size_t idx) {
    JobState& job = jobs_[idx];
    const double now = sg4::Engine::get_clock();
    jobs_.complete(idx, now);
    end_run(job, now, *meter_);
    job.kept_gpu_s += (now - job.safe_s) * job.spec.gpus;
    job.actor = nullptr;
    job.readers.clear();
    cluster_.release(job.gpus);
    cluster_.note_allocated(now);
    schedule();
  }

  // A scheduling pass after a repair: the repair alone does not extend the run, a launch it allows does.
  void schedule_after_repair() {
    const double last = last_event_s_;
    const long launched = launches_;
    schedule();
    if (launches_ == launched) last_event_s_ = last;
  }

  template <class F>
  void guarded(F&& body) {
    run_guarded(failure_, std::forward<F>(body));
  }

  const Scenario& scenario_;
  const RunOptions& options_;
  platforms::Topology topo_;
  std::unique_ptr<policies::Scheduler> scheduler_;
  std::unique_ptr<policies::Placement> placement_;
  policies::PolicyParams params_;
  std::unique_ptr<policies::Failover> failover_;
  const bool failures_; // the scenario has failures (failure_source.hpp)
  ClusterState cluster_;
  std::unique_ptr<InferenceService> service_; // workload.inference.replicas > 0: a service next to the jobs
  TrainingSetup setup_;
  JobTable jobs_;
  long parallel_skipped_ = 0;
  // The SimGrid side, made in run() once the Engine exists.
  platforms::SimPlatform platform_;
  std::unique_ptr<EnergyMeter> meter_; // docs/energy.md
  std::unique_ptr<JobRunner> runner_;
  std::unique_ptr<Interruptions> interruptions_;
  ProgressLine progress_;
  long launches_ = 0;
  double last_event_s_ = 0; // the last scheduling pass: the run's end without a horizon
  std::exception_ptr failure_;
};

} // namespace

RunReport run_simulation(const Scenario& scenario, const RunOptions& options) {
  RunReport report;
  if (scenario.workload.kind == workloads::WorkloadKind::collective) {
    report = run_collective_simulation(scenario, options);
  } else if (scenario.workload.kind == workloads::WorkloadKind::inference) {
    report = run_inference_simulation(scenario, options);
  } else {
    Simulation simulation(scenario, options);
    report = simulation.run();
  }
  // Alerts (docs/alerts.md): once here, on the finished results of whichever run kind ran.
  try {
    apply_alerts(scenario.alerts, report.results, scenario.source_path);
  } catch (const AlertError& e) {
    throw RunError(e.what());
  }
  return report;
}

} // namespace racksim::sim
