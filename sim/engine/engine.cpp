#include "sim/engine/run_info.hpp"
#include "sim/engine/simgrid_run.hpp"
#include "sim/engine/engine.hpp"

#include "platforms/catalog.hpp"
#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "policies/registry.hpp"
#include "sim/engine/activities.hpp"
#include "sim/results/results.hpp"
#include "sim/engine/collective_run.hpp"
#include "sim/engine/energy.hpp"
#include "sim/analytic/failure_domains.hpp"
#include "sim/analytic/ideal.hpp"
#include "sim/analytic/kernel_timing.hpp"
#include "sim/engine/inference_run.hpp"
#include "sim/engine/storage_io.hpp"
#include "sim/version.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/faults/failures.hpp"
#include "workloads/synthetic/synthetic.hpp"
#include "workloads/training/parallel_model.hpp"
#include "workloads/training/step_model.hpp"
#include "workloads/training/training_model.hpp"

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <deque>
#include <map>
#include <exception>
#include <memory>
#include <set>
#include <tuple>

namespace sg4 = simgrid::s4u;

namespace racksim::sim {

namespace {

struct JobState {
  workloads::JobSpec spec;
  workloads::TrainingPlan plan;
  std::vector<workloads::Step> steps;
  std::vector<int> gpus; // allocated, ascending
  double alpha_s = 0;    // largest ring-edge path latency of the allocation
  std::string timing;    // JobRecord::timing
  std::string status = "queued";
  double start_s = -1, end_s = -1;
  double compute_s = 0, comm_s = 0, checkpoint_s = 0;
  // 3D parallelism (workload.training.global_batch > 0): the iteration's costs; null = pure data parallelism.
  std::shared_ptr<const workloads::IterationCosts> par;
  std::int64_t iterations_done = 0; // progress kept so far: completed steps (and a preempted step's share)

  // Interruptions: preemption and failures (docs/failures.md). A job runs as one actor per run; an interrupted run
  // is killed and the job goes back to the queue (or fails, or goes on elsewhere) with what it keeps.
  sg4::ActorPtr actor;                  // this run's actor; null when not running
  std::vector<sg4::ActorPtr> readers;   // the current step's data-set readers
  std::int64_t checkpointed = 0;        // iterations safe in the last checkpoint (a failure restarts from here)
  double iter_ideal_s = 0;              // one iteration placed well: a step's progress from its elapsed time
  double step_start_s = 0;
  std::int64_t step_iters = 0;          // the step in progress; 0 between steps
  double run_start_s = -1;              // this run's start (before its restart delay)
  double safe_s = 0;                    // when this run last made progress a failure would not lose
  double pending_delay_s = 0;           // paid when the next run starts (restart, swap, shrink)
  int restarts = 0, preemptions = 0;
  double kept_gpu_s = 0;                // GPU time that produced the progress kept so far
  double lost_gpu_s = 0, lost_s = 0;    // work thrown away by failures: GPU-seconds, seconds
  double delay_s = 0;                   // restart delays and preemption saves paid, seconds
  double busy_s = 0, attained_gpu_s = 0; // time on GPUs over all runs; the same in GPU-seconds
  double computed_gpu_s = 0, computed_mark = 0; // energy: GPU-seconds computing over all runs; meter at run start
  double first_start_s = -1;
  double queue_enter_s = 0;
  double checkpoint_interval_s = 0; // set by the failover policy (Young/Daly); 0 = the workload's cadence
};

// The flow plans of one 3D-parallel job's step (K iterations), built once per job and step size.
struct ParallelPhases {
  std::vector<workloads::CollectivePhase> tp, pp, dp_grad, dp_param;
  std::vector<PhaseCosts> tp_costs, pp_costs, dp_grad_costs, dp_param_costs;
};

// The whole simulation state; actors reach it by reference. SimGrid actors are cooperative (one runs at a
// time), so no locking is needed.
class Simulation {
 public:
  Simulation(const Scenario& scenario, const RunOptions& options)
      : scenario_(scenario), options_(options), topo_(platforms::build_topology(scenario.platform)),
        scheduler_(policies::schedulers().create(scenario.policies.scheduler, policy_params(scenario))),
        placement_(policies::placements().create(scenario.policies.placement, policy_params(scenario))),
        params_(policy_params(scenario)),
        failover_(policies::failovers().create(scenario.policies.failover, params_)) {
    shape_.gpus_per_node = scenario.platform.gpus_per_node;
    shape_.nodes_per_rack = scenario.platform.nodes_per_rack;
    shape_.nodes = topo_.num_nodes();
    for (int n = 0; n < shape_.nodes; ++n) { // leaf = rack's switch; pod: fat_tree pod / dragonfly group
      shape_.node_leaf.push_back(topo_.rack_of_node(n));
      shape_.node_pod.push_back(topo_.pod_of_rack(topo_.rack_of_node(n)));
    }
    gpu_free_.assign(static_cast<std::size_t>(topo_.num_gpus()), 1);
    free_gpus_ = topo_.num_gpus();
    // An inference service next to the jobs (docs/inference.md): its replicas take their GPUs first, for the run.
    if (scenario.workload.inference.replicas > 0) {
      service_ = std::make_unique<InferenceService>(scenario, topo_, gpu_free_);
      free_gpus_ -= service_->gpus();
    }
    owner_.assign(gpu_free_.size(), no_owner);
    down_.assign(gpu_free_.size(), 0);
    for (std::size_t g = 0; g < gpu_free_.size(); ++g)
      if (!gpu_free_[g]) owner_[g] = service_owner;
    // Hot spares: the last failover.spare_nodes nodes' free GPUs, held out of scheduling.
    for (int node = shape_.nodes - 1; node >= 0 && node >= shape_.nodes - params_.failover_spare_nodes; --node)
      for (int g = node * shape_.gpus_per_node; g < (node + 1) * shape_.gpus_per_node; ++g)
        if (gpu_free_[static_cast<std::size_t>(g)]) {
          gpu_free_[static_cast<std::size_t>(g)] = 0;
          owner_[static_cast<std::size_t>(g)] = spare_owner;
          spare_free_.push_back(g);
          --free_gpus_;
          ++idle_unavailable_;
        }
    spare_target_ = static_cast<int>(spare_free_.size());
    gpus_up_count_ = topo_.num_gpus();
    gpus_up_.set(0, gpus_up_count_);
    failure_classes_ = workloads::effective_classes(scenario.failures);
  }

  RunReport run() {
    const auto wall_start = std::chrono::steady_clock::now();
    wall_start_ = wall_start;
    RunReport report;
    load_jobs(report);

    const auto engine_ptr = make_engine(options_.simgrid_args);
    auto& engine = *engine_ptr;
    platforms::configure_network_model(scenario_.platform.network_model);
    platform_ = platforms::build_simgrid_platform(topo_);
    meter_ = std::make_unique<EnergyMeter>(scenario_, topo_);
    meter_->attach(platform_.gpu_hosts);
    if (service_) {
      service_->set_energy_meter(meter_.get());
      service_->set_failures(failures_configured());
      service_->start(platform_);
      gpus_allocated_.set(0, topo_.num_gpus() - free_gpus_);
    }

    sg4::Actor::create("arrivals", platform_.controller, [this] { guarded([this] { arrivals(); }); });
    // Not a daemon: killing the last job actor must not end the simulation before the failover restarts it.
    if (failures_configured())
      sg4::Actor::create("failures", platform_.controller, [this] { guarded([this] { failure_source(); }); });
    if (scenario_.horizon_s > 0) {
      engine.run_until(scenario_.horizon_s);
      // End the jobs still running or waiting: actors left alive when the Engine goes away are never unwound.
      sg4::Actor::create("horizon", platform_.controller, [] {
        sg4::Actor::kill_all();
        cancel_all_in_flight();
      });
      engine.run();
    } else {
      engine.run();
    }
    if (printed_progress_) std::fprintf(stderr, "\n");
    if (failure_) std::rethrow_exception(failure_);
    if (service_) service_->rethrow_failure();
    const double end = scenario_.horizon_s > 0 ? scenario_.horizon_s
                                               : std::max(last_event_s_, service_ ? service_->last_event_s() : 0.0);

    auto& rs = report.results;
    rs.meta.racksim_version = racksim::version;
    rs.meta.git_sha = racksim::git_sha;
    rs.meta.simgrid_version = simgrid_version_string();
    rs.meta.seed = scenario_.seed;
    rs.meta.scenario_yaml = scenario_.resolved_yaml;
    rs.meta.calibration = timing_source_;
    rs.meta.started_utc = started_utc_;

    for (const auto& job : jobs_)
      rs.jobs.push_back(to_record(job, end));
    const double interval =
        scenario_.output.timeseries_interval_s > 0 ? scenario_.output.timeseries_interval_s : std::max(1.0, end / 1000);
    rs.timeseries.push_back(gpus_allocated_.sample("gpus_allocated", "GPUs", interval, end));
    rs.timeseries.push_back(queue_length_.sample("queue_length", "jobs", interval, end));
    rs.summary = compute_summary(rs.jobs, gpus_allocated_.integral(end), topo_.num_gpus(), end);
    rs.summary.emplace_back("total_gpus", topo_.num_gpus());
    rs.summary.emplace_back("simulated_s", end);
    rs.summary.emplace_back("trace_rows_skipped_zero_gpus", static_cast<double>(report.trace.skipped_zero_gpus));
    rs.summary.emplace_back("trace_rows_skipped_too_large", static_cast<double>(report.trace.skipped_too_large));
    rs.summary.emplace_back("trace_rows_skipped_bad_duration", static_cast<double>(report.trace.skipped_bad_duration));
    rs.summary.emplace_back("trace_rows_skipped_not_run", static_cast<double>(report.trace.skipped_not_run));
    rs.summary.emplace_back("trace_rows_clamped", static_cast<double>(report.trace.clamped_too_large +
                                                                      report.trace.clamped_duration));
    rs.summary.emplace_back("trace_jobs_fractional_gpus", static_cast<double>(report.trace.fractional_rounded_up));
    rs.summary.emplace_back("jobs_compute_clamped", static_cast<double>(report.jobs_compute_clamped));
    rs.summary.emplace_back("model_compute_s_per_iteration", model_compute_s_);
    if (parallel_) {
      // Only in 3D-parallel mode, so other scenarios keep their summary unchanged.
      double sum = 0, count = 0;
      for (const auto& j : rs.jobs)
        if (j.status == "completed" && j.mfu > 0) sum += j.mfu, ++count;
      rs.summary.emplace_back("mean_mfu", count > 0 ? sum / count : 0.0);
      rs.summary.emplace_back("jobs_skipped_parallelism", static_cast<double>(parallel_skipped_));
      rs.summary.emplace_back("jobs_tp_across_nvlink", static_cast<double>(tp_across_nvlink_));
    }
    if (training_.checkpoint_drain != workloads::DrainTarget::none) {
      // Only with a drain configured, so scenarios without one keep their summary unchanged.
      double total = 0, longest = 0;
      for (double d : drain_s_)
        total += d, longest = std::max(longest, d);
      rs.summary.emplace_back("checkpoint_drains", static_cast<double>(drain_s_.size()));
      rs.summary.emplace_back("checkpoint_drain_mean_s", drain_s_.empty() ? 0.0 : total / drain_s_.size());
      rs.summary.emplace_back("checkpoint_drain_max_s", longest);
    }
    add_reliability_summary(rs, end);
    meter_->record(rs, end, interval);
    rs.events = std::move(events_);
    if (service_) {
      service_->record(rs, end, interval, false);
      rs.meta.calibration += "; inference service: " + service_->timing_source();
    }
    rs.meta.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    return report;
  }

 private:
  // Failures, preemption and failover (docs/failures.md, "Metrics"), and Little's law on the job queue.
  void add_reliability_summary(ResultSet& rs, double end) {
    double lost = 0, allocated = 0, productive_gpu_s = 0, ettr_sum = 0, ettr_n = 0;
    long restarts = 0, preemptions = 0;
    for (auto& job : jobs_) {
      if (job.run_start_s >= 0) end_run(job, end); // still running at the horizon
      lost += job.lost_gpu_s;
      allocated += job.attained_gpu_s;
      restarts += job.restarts;
      preemptions += job.preemptions;
      // Productive: time on GPUs less work thrown away, restart delays, preemption saves and checkpoint writes.
      const double productive = std::max(0.0, job.busy_s - job.lost_s - job.delay_s - job.checkpoint_s);
      productive_gpu_s += productive * job.spec.gpus;
      if (job.status == "completed" && job.end_s > job.first_start_s) {
        ettr_sum += productive / (job.end_s - job.first_start_s);
        ++ettr_n;
      }
      if (job.status == "queued") queue_time_total_ += end - job.queue_enter_s;
    }
    auto& sm = rs.summary;
    sm.emplace_back("failures", static_cast<double>(failures_));
    sm.emplace_back("jobs_failed", static_cast<double>(jobs_failed_));
    sm.emplace_back("restarts", static_cast<double>(restarts));
    sm.emplace_back("preemptions", static_cast<double>(preemptions));
    sm.emplace_back("lost_gpu_hours", lost / 3600);
    sm.emplace_back("goodput", allocated > 0 ? productive_gpu_s / allocated : 0.0);
    sm.emplace_back("mean_ettr", ettr_n > 0 ? ettr_sum / ettr_n : 0.0);
    sm.emplace_back("availability", end > 0 ? gpus_up_.integral(end) / (end * topo_.num_gpus()) : 1.0);
    // L = lambda W over the run: mean queue length against entries per second x mean time per entry. Equal by
    // construction when the bookkeeping is right; a check on every run.
    const double L = end > 0 ? queue_length_.integral(end) / end : 0;
    const double lambda_w = end > 0 ? queue_time_total_ / end : 0;
    sm.emplace_back("littles_law_relative_error", L > 0 ? std::abs(L - lambda_w) / L : std::abs(lambda_w));
  }

  void load_jobs(RunReport& report) {
    started_utc_ = utc_now();
    std::vector<workloads::JobSpec> specs;
    const auto& wl = scenario_.workload;
    if (wl.kind == workloads::WorkloadKind::trace) {
      specs = workloads::read_trace(wl.trace, free_gpus_, report.trace); // less an inference service's GPUs
    } else {
      specs = workloads::generate_synthetic(wl.synthetic, scenario_.seed, free_gpus_);
      for (const auto& s : specs)
        if (s.gpus > free_gpus_)
          throw RunError("workload.synthetic.gpus: a job asks for " + std::to_string(s.gpus) +
                         " GPUs but the cluster has " + std::to_string(free_gpus_) +
                         (service_ ? " besides the inference service's" : ""));
    }

    // With a model, its kernels give the compute time of an iteration (pure data parallelism: every GPU runs the
    // whole model on its micro-batch, so the time does not depend on the job's size) and its gradients the
    // all-reduce volume. Without one, compute time comes from the job's duration or iteration_time.
    training_ = wl.training;
    double model_compute_s = 0;
    gpu_peak_bf16_ = platforms::find_gpu(topo_.spec.gpu_model).peak_bf16_flops;
    job_tp_private_ = !(training_.dataset_read_bytes > 0) && training_.checkpoint_drain == workloads::DrainTarget::none;
    parallel_ = training_.global_batch > 0;
    if (parallel_ && training_.model == "none")
      throw RunError("workload.training.global_batch: 3D parallelism needs workload.training.model");
    if (training_.model != "none") {
      const auto model = workloads::resolve_model(training_);
      model_ = model;
      timer_ = make_kernel_timer(scenario_.calibration, topo_.spec.gpu_model);
      const auto& timer = timer_;
      training_.checkpoint_bytes = workloads::checkpoint_bytes(training_, model);
      model_compute_s = workloads::predict_s(workloads::iteration_calls(model, {}, 1), *timer);
      training_.gradient_bytes = workloads::parameter_count(model) * workloads::dtype_bytes(model.dtype);
      timing_source_ = describe_timer(*timer);
      timing_kind_ = scenario_.calibration == "roofline" ? "roofline" : "calibration";
      model_compute_s_ = model_compute_s;
    }

    // Ideal costs depend only on the GPU count: compute them once per distinct count.
    std::vector<std::pair<int, workloads::IdealCosts>> ideal_cache;
    // The checkpoint's tier decides its ideal cost (a drain runs in the background and is not part of it).
    const double ckpt_ideal = storage_write_s(topo_, training_.checkpoint_tier, 0, training_.checkpoint_bytes, 0);
    jobs_.reserve(specs.size());
    if (parallel_) {
      load_parallel_jobs(specs, ckpt_ideal);
      specs.clear();
    }
    for (auto& spec : specs) {
      auto it =
          std::find_if(ideal_cache.begin(), ideal_cache.end(), [&](const auto& p) { return p.first == spec.gpus; });
      if (it == ideal_cache.end()) {
        workloads::IdealCosts ideal;
        ideal.allreduce_s_per_iteration = ring_allreduce_packed_s(topo_, spec.gpus, training_.gradient_bytes);
        ideal.checkpoint_s = ckpt_ideal;
        ideal.model_compute_s_per_iteration = model_compute_s;
        ideal_cache.emplace_back(spec.gpus, ideal);
        it = std::prev(ideal_cache.end());
      }
      JobState job;
      job.plan = workloads::plan_training(spec, training_, it->second);
      job.steps = workloads::plan_steps(job.plan, training_.max_iterations_per_step);
      job.timing = spec.iterations <= 0 ? "duration" : (model_compute_s > 0 ? timing_kind_ : "iteration_time");
      job.iter_ideal_s = job.plan.compute_s_per_iteration + it->second.allreduce_s_per_iteration;
      job.spec = std::move(spec);
      if (job.plan.compute_clamped) ++report.jobs_compute_clamped;
      jobs_.push_back(std::move(job));
    }
    if (failures_configured()) {
      // The failover policy's checkpoint interval (Young/Daly by default) replaces the workload's cadence.
      for (auto& job : jobs_) {
        const double rate = job_failure_rate(failure_classes_, topo_, job.spec.gpus);
        const double tau = failover_->checkpoint_interval_s(ckpt_ideal, rate > 0 ? 1 / rate : HUGE_VAL);
        if (!(tau > 0) || !std::isfinite(tau) || !(job.iter_ideal_s > 0)) continue;
        job.plan.checkpoint_every = std::max<std::int64_t>(1, std::llround(tau / job.iter_ideal_s));
        job.plan.checkpoints = (job.plan.iterations - 1) / job.plan.checkpoint_every;
        job.checkpoint_interval_s = static_cast<double>(job.plan.checkpoint_every) * job.iter_ideal_s;
        job.steps = workloads::plan_steps(job.plan, training_.max_iterations_per_step);
      }
    }
    // Arrival order: (submit, id); readers already sort, synthetic jobs are generated in order.
    std::stable_sort(jobs_.begin(), jobs_.end(), [](const JobState& a, const JobState& b) {
      return a.spec.submit_s < b.spec.submit_s || (a.spec.submit_s == b.spec.submit_s && a.spec.id < b.spec.id);
    });
  }

  // 3D-parallel jobs: costs per distinct GPU count; a trace job whose size does not suit the layout (not a multiple
  // of tp x pp, global_batch not a multiple of dp x micro_batch, or not fitting in HBM) is skipped and counted.
  void load_parallel_jobs(std::vector<workloads::JobSpec>& specs, double ckpt_ideal) {
    const auto& gpu = platforms::find_gpu(topo_.spec.gpu_model);
    const auto config = workloads::parallel_config(training_);
    const int domain = topo_.spec.nvlink_domain == "rack" ? topo_.spec.gpus_per_node * topo_.spec.nodes_per_rack
                                                         : topo_.spec.gpus_per_node;
    if (config.tp > domain)
      throw RunError("workload.training.tp: " + std::to_string(config.tp) + " is more than the " +
                     std::to_string(domain) + " GPUs of one NVLink domain");
    std::map<int, std::shared_ptr<const workloads::IterationCosts>> cache;
    std::map<int, std::string> rejected;
    for (auto& spec : specs) {
      if (!cache.count(spec.gpus) && !rejected.count(spec.gpus)) {
        try {
          cache[spec.gpus] = std::make_shared<const workloads::IterationCosts>(
              workloads::plan_iteration(model_, config, spec.gpus, *timer_, gpu.hbm_bytes, gpu.name));
        } catch (const std::invalid_argument& e) {
          rejected[spec.gpus] = e.what();
        }
      }
      if (const auto r = rejected.find(spec.gpus); r != rejected.end()) {
        if (scenario_.workload.kind != workloads::WorkloadKind::trace) throw RunError(std::string("workload: ") + r->second);
        ++parallel_skipped_;
        continue;
      }
      const auto& costs = cache.at(spec.gpus);
      // The model defines the work: a duration-defined job runs round(duration / ideal iteration) iterations.
      workloads::IdealCosts ideal;
      ideal.checkpoint_s = ckpt_ideal;
      ideal.model_compute_s_per_iteration = parallel_iteration_packed_s(topo_, *costs);
      JobState job;
      workloads::TrainingSpec no_allreduce = training_;
      no_allreduce.gradient_bytes = 0;
      job.plan = workloads::plan_training(spec, no_allreduce, ideal);
      job.plan.compute_s_per_iteration = costs->pipeline_s;
      job.plan.allreduce_bytes_per_iteration = 0;
      job.steps = workloads::plan_steps(job.plan, training_.max_iterations_per_step);
      job.timing = timing_kind_;
      job.iter_ideal_s = ideal.model_compute_s_per_iteration;
      job.par = costs;
      job.spec = std::move(spec);
      jobs_.push_back(std::move(job));
    }
  }

  void arrivals() {
    std::size_t i = 0;
    while (i < jobs_.size()) {
      const double t = jobs_[i].spec.submit_s;
      if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
      for (; i < jobs_.size() && jobs_[i].spec.submit_s == t; ++i) {
        queue_.push_back(i);
        enter_queue(i, sg4::Engine::get_clock());
      }
      queue_length_.set(sg4::Engine::get_clock(), static_cast<double>(queue_.size()));
      schedule();
    }
  }

  void schedule() {
    const double now = sg4::Engine::get_clock();
    last_event_s_ = std::max(last_event_s_, now);
    report_progress(now);
    if (queue_.empty()) return;

    std::vector<policies::QueuedJob> queued;
    queued.reserve(queue_.size());
    for (std::size_t idx : queue_) {
      const auto& s = jobs_[idx].spec;
      const auto& j = jobs_[idx];
      queued.push_back({s.id, s.gpus, s.submit_s, s.duration_s, s.user, s.priority, j.attained_gpu_s,
                        s.duration_s * (1 - done_fraction(j, now))});
    }
    std::vector<policies::RunningJob> running;
    running.reserve(running_.size() + preempting_.size());
    // Jobs saving a checkpoint after a preemption still hold their GPUs: the scheduler sees them as running.
    for (const auto* set : {&running_, &preempting_})
      for (std::size_t idx : *set) {
        const auto& j = jobs_[idx];
        const double remaining = j.spec.duration_s * (1 - done_fraction(j, now));
        const bool resumed = j.restarts > 0 || j.preemptions > 0;
        const double attained = j.attained_gpu_s + (j.run_start_s >= 0 ? (now - j.run_start_s) * j.spec.gpus : 0.0);
        running.push_back({j.spec.id, j.spec.gpus, j.start_s, resumed ? now + remaining : j.start_s + j.spec.duration_s,
                           j.spec.user, j.spec.priority, attained, remaining});
      }
    policies::SchedulerView view{now, topo_.num_gpus(), free_gpus_, queued, running};
    const auto decision = scheduler_->decide(view);
    std::vector<std::size_t> to_preempt;
    for (const auto id : decision.preempt) {
      const auto it = std::find_if(running_.begin(), running_.end(), [&](std::size_t i) { return jobs_[i].spec.id == id; });
      if (it == running_.end()) {
        if (std::any_of(preempting_.begin(), preempting_.end(), [&](std::size_t i) { return jobs_[i].spec.id == id; }))
          continue; // already saving
        throw RunError("scheduler '" + scenario_.policies.scheduler + "' preempted job " + std::to_string(id) +
                       " which is not running");
      }
      to_preempt.push_back(*it);
      preempting_.insert(*it);
      running_.erase(it);
      jobs_[to_preempt.back()].status = "preempting";
    }

    // Apply the whole decision before any SimGrid call: creating an actor is a simcall, during which other
    // actors (a finishing job calling schedule()) may run, and they must see a consistent state.
    std::vector<std::size_t> to_launch;
    for (const auto id : decision.start) {
      auto pos = std::find_if(queue_.begin(), queue_.end(), [&](std::size_t idx) { return jobs_[idx].spec.id == id; });
      if (pos == queue_.end())
        throw RunError("scheduler '" + scenario_.policies.scheduler + "' started job " + std::to_string(id) +
                       " which is not queued");
      const std::size_t idx = *pos;
      JobState& job = jobs_[idx];
      if (job.spec.gpus > free_gpus_) break; // an over-eager decision: the rest waits for the next pass
      policies::PlacementView pview{shape_, gpu_free_, job.spec.gpus};
      auto gpus = placement_->place(pview);
      if (gpus.empty()) break;
      validate_placement(gpus, job.spec.gpus);
      for (int g : gpus) {
        gpu_free_[static_cast<std::size_t>(g)] = 0;
        owner_[static_cast<std::size_t>(g)] = static_cast<std::int64_t>(idx);
      }
      free_gpus_ -= job.spec.gpus;
      job.gpus = std::move(gpus);
      if (job.start_s < 0) job.start_s = now;
      job.status = "running";
      leave_queue(idx, now);
      queue_.erase(pos);
      running_.insert(idx);
      to_launch.push_back(idx);
    }
    if (to_launch.empty() && to_preempt.empty()) return;
    gpus_allocated_.set(now, allocated_gpus());
    queue_length_.set(now, static_cast<double>(queue_.size()));
    // SimGrid calls last: preemptions (kill, then save), then launches.
    for (std::size_t idx : to_preempt)
      preempt(idx, now);
    for (std::size_t idx : to_launch)
      launch(idx);
  }

  void launch(std::size_t idx) {
    JobState& job = jobs_[idx];
    job.run_start_s = sg4::Engine::get_clock();
    job.computed_mark = meter_->busy_gpu_s(job.gpus, job.run_start_s);
    ++launches_;
    if (job.first_start_s < 0) job.first_start_s = job.run_start_s;
    job.actor = sg4::Actor::create("job-" + std::to_string(job.spec.id), platform_.gpu_hosts[job.gpus.front()],
                                   [this, idx] { guarded([this, idx] { run_job(idx); }); });
  }

  template <class F>
  void guarded(F&& body) {
    run_guarded(failure_, std::forward<F>(body));
  }

  void validate_placement(const std::vector<int>& gpus, int wanted) const {
    bool ok = static_cast<int>(gpus.size()) == wanted && std::is_sorted(gpus.begin(), gpus.end()) &&
              std::adjacent_find(gpus.begin(), gpus.end()) == gpus.end();
    for (int g : gpus)
      ok = ok && g >= 0 && g < topo_.num_gpus() && gpu_free_[static_cast<std::size_t>(g)];
    if (!ok)
      throw RunError("placement '" + scenario_.policies.placement + "' returned an invalid GPU set for a " +
                     std::to_string(wanted) + "-GPU job");
  }

  void run_job(std::size_t idx) {
    JobState& job = jobs_[idx];
    if (job.pending_delay_s > 0) {
      const double d = job.pending_delay_s;
      job.pending_delay_s = 0;
      sg4::this_actor::sleep_for(d);
      job.delay_s += d;
    }
    job.safe_s = sg4::Engine::get_clock();
    const int n = static_cast<int>(job.gpus.size());
    std::vector<sg4::Host*> hosts;
    for (int g : job.gpus)
      hosts.push_back(platform_.gpu_hosts[static_cast<std::size_t>(g)]);
    double alpha = 0;
    for (int i = 0; i < n && n > 1; ++i)
      alpha = std::max(alpha, platforms::gpu_path(topo_, job.gpus[i], job.gpus[(i + 1) % n]).latency_s);
    job.alpha_s = alpha;

    const StorageClient storage(topo_, platform_);
    const auto readers = dataset_readers(job);
    if (job.par) {
      run_parallel_job(job, storage, readers);
      finish_job(idx);
      return;
    }
    for (const auto& step : job.steps) {
      const double iters = static_cast<double>(step.iterations);
      double t0 = sg4::Engine::get_clock();
      begin_step(job, step);
      // Data-set reads of the step overlap its compute (a prefetching loader); the compute phase ends when both have.
      const auto reading = start_dataset_reads(job, storage, readers, iters);
      if (job.plan.compute_s_per_iteration > 0) {
        const double flops = iters * job.plan.compute_s_per_iteration * topo_.gpu_flops;
        std::vector<sg4::ExecPtr> execs;
        execs.reserve(hosts.size());
        // Not Host::exec_async: in SimGrid 3.32 it runs on the calling actor's host, whatever host it is called on.
        for (auto* h : hosts)
          execs.push_back(sg4::this_actor::exec_init(flops)->set_host(h)->start());
        for (auto& e : execs)
          e->wait();
      }
      for (auto& r : reading)
        r->join();
      double t1 = sg4::Engine::get_clock();
      job.compute_s += t1 - t0;

      if (n > 1 && job.plan.allreduce_bytes_per_iteration > 0) {
        ring_allreduce(hosts, job.plan.allreduce_bytes_per_iteration, iters, alpha);
        const double t2 = sg4::Engine::get_clock();
        job.comm_s += t2 - t1;
        t1 = t2;
      }

      end_step(job, step, storage, t1);
    }
    finish_job(idx);
  }

  void begin_step(JobState& job, const workloads::Step& step) {
    job.step_start_s = sg4::Engine::get_clock();
    job.step_iters = step.iterations;
  }

  // Counts the step's iterations and writes its checkpoint, if any; `t` is when its last activity ended.
  void end_step(JobState& job, const workloads::Step& step, const StorageClient& storage, double t) {
    job.step_iters = 0;
    job.iterations_done += step.iterations;
    if (!step.checkpoint_after) return;
    storage.write(training_.checkpoint_tier, job.gpus.front(), job.spec.id, training_.checkpoint_bytes);
    const double now = sg4::Engine::get_clock();
    job.checkpoint_s += now - t;
    job.checkpointed = job.iterations_done;
    job.kept_gpu_s += (now - job.safe_s) * job.spec.gpus;
    job.safe_s = now;
    if (training_.checkpoint_drain != workloads::DrainTarget::none) start_drain(job);
  }

  // Rank order of a 3D-parallel job (Megatron's tp-dp-pp: rank = t + tp (d + dp p)), with every TP group made of
  // consecutive GPUs of one NVLink domain where the placement allows; the rest are grouped across domains (their TP
  // traffic then crosses the fabric) and the job is counted in jobs_tp_across_nvlink.
  std::vector<int> parallel_rank_order(const JobState& job) {
    const auto tp = static_cast<std::size_t>(job.par->tp);
    std::vector<int> aligned, rest, chunk;
    for (std::size_t i = 0; i <= job.gpus.size(); ++i) {
      const bool boundary = i == job.gpus.size() ||
                            (!chunk.empty() && topo_.domain_of_gpu(chunk.front()) != topo_.domain_of_gpu(job.gpus[i]));
      if (boundary) {
        const std::size_t whole = chunk.size() / tp * tp;
        aligned.insert(aligned.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(whole));
        rest.insert(rest.end(), chunk.begin() + static_cast<std::ptrdiff_t>(whole), chunk.end());
        chunk.clear();
      }
      if (i < job.gpus.size()) chunk.push_back(job.gpus[i]);
    }
    if (!rest.empty()) ++tp_across_nvlink_;
    aligned.insert(aligned.end(), rest.begin(), rest.end());
    return aligned;
  }

  // The step's flow plans for K iterations: every group of a kind merged into one phase (they run at once), each
  // flow carrying K x its per-iteration volume and the phase K x its latency steps.
  ParallelPhases parallel_phases(const JobState& job, const std::vector<int>& order,
                                 const std::vector<sg4::Host*>& hosts, double k) const {
    const auto& c = *job.par;
    const int tp = static_cast<int>(c.tp), pp = static_cast<int>(c.pp), dp = static_cast<int>(c.dp);
    const auto rank = [&](int t, int d, int p) { return t + tp * (d + dp * p); };
    using workloads::CollectiveAlgorithm;
    using workloads::CollectiveOp;
    // Plans `op` over each group, in the group's rank numbering, then maps to job ranks and merges. Ring plans have one
    // phase, so all groups' flows form one phase that starts together.
    const auto merged = [&](CollectiveOp op, double bytes, double repeats, const std::vector<std::vector<int>>& groups) {
      workloads::CollectivePhase out{workloads::to_string(op), {}, 0};
      for (const auto& group : groups) {
        std::vector<int> nodes;
        for (int r : group)
          nodes.push_back(topo_.node_of_gpu(order[static_cast<std::size_t>(r)]));
        for (auto& phase : workloads::plan_collective(op, CollectiveAlgorithm::ring, bytes, nodes)) {
          for (auto& f : phase.flows)
            out.flows.push_back({group[static_cast<std::size_t>(f.src)], group[static_cast<std::size_t>(f.dst)], f.bytes});
          out.alpha_steps = std::max(out.alpha_steps, phase.alpha_steps * repeats);
        }
      }
      return std::vector<workloads::CollectivePhase>{std::move(out)};
    };
    ParallelPhases ph;
    const bool analytic = scenario_.platform.network_model == platforms::NetworkModel::rdma;
    if (c.tp > 1 && c.tp_allreduces > 0) {
      std::vector<std::vector<int>> groups;
      for (int p = 0; p < pp; ++p)
        for (int d = 0; d < dp; ++d) {
          groups.emplace_back();
          for (int t = 0; t < tp; ++t)
            groups.back().push_back(rank(t, d, p));
        }
      const double n = k * c.tp_allreduces;
      ph.tp = merged(CollectiveOp::allreduce, n * c.tp_allreduce_bytes, n, groups);
      // NVLink flows inside a TP group's domain meet no other job's traffic during this phase (docs/training-model.md).
      for (const auto& phase : ph.tp)
        ph.tp_costs.push_back(phase_costs(hosts, phase, analytic && job_tp_private_));
    }
    if (c.pp > 1) {
      workloads::CollectivePhase phase{"pipeline p2p", {}, 2.0 * k * c.pp_sends};
      const double bytes = k * c.pp_sends * c.pp_bytes_per_microbatch;
      for (int p = 0; p + 1 < pp; ++p)
        for (int d = 0; d < dp; ++d)
          for (int t = 0; t < tp; ++t) {
            phase.flows.push_back({rank(t, d, p), rank(t, d, p + 1), bytes});
            phase.flows.push_back({rank(t, d, p + 1), rank(t, d, p), bytes});
          }
      ph.pp.push_back(std::move(phase));
      ph.pp_costs.push_back(phase_costs(hosts, ph.pp.front()));
    }
    if (c.dp > 1) {
      std::vector<std::vector<int>> groups;
      for (int p = 0; p < pp; ++p)
        for (int t = 0; t < tp; ++t) {
          groups.emplace_back();
          for (int d = 0; d < dp; ++d)
            groups.back().push_back(rank(t, d, p));
        }
      if (c.dp_param_bytes > 0) {
        ph.dp_grad = merged(CollectiveOp::reducescatter, k * c.dp_grad_bytes, k, groups);
        ph.dp_param = merged(CollectiveOp::allgather, k * c.dp_param_bytes, k, groups);
      } else {
        ph.dp_grad = merged(CollectiveOp::allreduce, k * c.dp_grad_bytes, k, groups);
      }
      for (const auto& phase : ph.dp_grad)
        ph.dp_grad_costs.push_back(phase_costs(hosts, phase));
      for (const auto& phase : ph.dp_param)
        ph.dp_param_costs.push_back(phase_costs(hosts, phase));
    }
    return ph;
  }

  // Every GPU of the job computes `seconds` (at the GPU's modelled rate) at once; returns the started execs.
  std::vector<sg4::ExecPtr> start_compute(const std::vector<sg4::Host*>& hosts, double seconds) const {
    std::vector<sg4::ExecPtr> execs;
    if (!(seconds > 0)) return execs;
    for (auto* h : hosts)
      execs.push_back(sg4::this_actor::exec_init(seconds * topo_.gpu_flops)->set_host(h)->start());
    return execs;
  }

  // One 3D-parallel job (docs/training-model.md, "Per iteration"), a step of K iterations at a time:
  //   compute (pipeline with bubble, minus the last micro-batch's backward) -> TP all-reduces on NVLink -> PP
  //   point-to-point -> [DP gradient reduce-scatter || last backward] -> optimizer -> DP parameter all-gather
  void run_parallel_job(JobState& job, const StorageClient& storage,
                        const std::vector<std::tuple<int, int, int>>& readers) {
    const auto order = parallel_rank_order(job);
    std::vector<sg4::Host*> hosts;
    for (int g : order)
      hosts.push_back(platform_.gpu_hosts[static_cast<std::size_t>(g)]);
    const auto& c = *job.par;
    std::map<std::int64_t, ParallelPhases> by_size; // K -> plans (a job has at most a few distinct step sizes)
    const auto wait = [](std::vector<sg4::ExecPtr>& execs) {
      for (auto& e : execs)
        e->wait();
    };
    for (const auto& step : job.steps) {
      auto it = by_size.find(step.iterations);
      if (it == by_size.end())
        it = by_size.emplace(step.iterations, parallel_phases(job, order, hosts, static_cast<double>(step.iterations))).first;
      const auto& ph = it->second;
      const double k = static_cast<double>(step.iterations);
      double t0 = sg4::Engine::get_clock();
      begin_step(job, step);
      // Data-set reads overlap the pipeline compute, as for data-parallel jobs (a prefetching loader).
      const auto reading = start_dataset_reads(job, storage, readers, k);
      auto execs = start_compute(hosts, k * (c.pipeline_s - c.overlap_s));
      wait(execs);
      for (auto& r : reading)
        r->join();
      double t1 = sg4::Engine::get_clock();
      job.compute_s += t1 - t0;
      if (!ph.tp.empty()) run_collective(hosts, ph.tp, ph.tp_costs);
      if (!ph.pp.empty()) run_collective(hosts, ph.pp, ph.pp_costs);
      double t2 = sg4::Engine::get_clock();
      job.comm_s += t2 - t1;
      // DP gradient reduction overlapped with the backward pass of the last micro-batch.
      execs = start_compute(hosts, k * c.overlap_s);
      if (!ph.dp_grad.empty()) run_collective(hosts, ph.dp_grad, ph.dp_grad_costs);
      wait(execs);
      double t3 = sg4::Engine::get_clock();
      const double hidden = std::min(t3 - t2, k * c.overlap_s);
      job.compute_s += hidden;
      job.comm_s += (t3 - t2) - hidden;
      execs = start_compute(hosts, k * c.optimizer_s);
      wait(execs);
      double t4 = sg4::Engine::get_clock();
      job.compute_s += t4 - t3;
      if (!ph.dp_param.empty()) run_collective(hosts, ph.dp_param, ph.dp_param_costs);
      double t5 = sg4::Engine::get_clock();
      job.comm_s += t5 - t4;
      end_step(job, step, storage, t5);
    }
  }

  // Starts one reader actor per entry of `readers`, each reading `iterations` iterations' worth for its node's GPUs.
  std::vector<sg4::ActorPtr> start_dataset_reads(JobState& job, const StorageClient& storage,
                                                 const std::vector<std::tuple<int, int, int>>& readers,
                                                 double iterations) {
    std::vector<sg4::ActorPtr> reading;
    for (const auto& [gpu, gpus_on_node, rank] : readers) {
      const double bytes = iterations * gpus_on_node * training_.dataset_read_bytes;
      const long long client = job.spec.id + rank;
      reading.push_back(sg4::Actor::create("read-" + std::to_string(job.spec.id), platform_.gpu_hosts[gpu],
                                           [this, &storage, gpu, client, bytes] {
                                             guarded([&] { storage.read(training_.dataset_tier, gpu, client, bytes); });
                                           }));
    }
    job.readers = reading;
    return reading;
  }

  // One reader per node of the job with data-set reads on: (its first GPU of the job, the job's GPUs on that node,
  // the node's rank in the job). Empty when workload.training.dataset_read_size is 0.
  std::vector<std::tuple<int, int, int>> dataset_readers(const JobState& job) const {
    std::vector<std::tuple<int, int, int>> out;
    if (!(training_.dataset_read_bytes > 0)) return out;
    for (int g : job.gpus) { // ascending, so a node's GPUs are contiguous
      if (!out.empty() && topo_.node_of_gpu(std::get<0>(out.back())) == topo_.node_of_gpu(g))
        ++std::get<1>(out.back());
      else
        out.emplace_back(g, 1, static_cast<int>(out.size()));
    }
    return out;
  }

  // Copies the checkpoint just written to the writer's NVMe to the drain tier, in the background: an NVMe read and
  // the write to the target run together (pipelined), while the job trains on.
  void start_drain(const JobState& job) {
    const int gpu = job.gpus.front();
    const long long client = job.spec.id;
    const double bytes = training_.checkpoint_bytes;
    sg4::Actor::create("drain-" + std::to_string(job.spec.id), platform_.gpu_hosts[gpu], [this, gpu, client, bytes] {
      guarded([&] {
        const double t0 = sg4::Engine::get_clock();
        auto* disk = platform_.nvme_disks.at(static_cast<std::size_t>(topo_.node_of_gpu(gpu)));
        auto read = disk->read_async(static_cast<sg_size_t>(bytes));
        const auto target = training_.checkpoint_drain == workloads::DrainTarget::pfs ? workloads::StorageTier::pfs
                                                                                     : workloads::StorageTier::object_store;
        StorageClient(topo_, platform_).write(target, gpu, client, bytes);
        read->wait();
        drain_s_.push_back(sg4::Engine::get_clock() - t0);
      });
    });
  }

  void finish_job(std::size_t idx) {
    JobState& job = jobs_[idx];
    const double now = sg4::Engine::get_clock();
    job.end_s = now;
    job.status = "completed";
    end_run(job, now);
    job.kept_gpu_s += (now - job.safe_s) * job.spec.gpus;
    job.actor = nullptr;
    job.readers.clear();
    release_gpus(job.gpus);
    running_.erase(idx);
    ++completed_;
    gpus_allocated_.set(now, allocated_gpus());
    schedule();
  }

  // ---- Interruptions: preemption and failures (docs/failures.md) ---------------------------------------------------

  static constexpr std::int64_t no_owner = -1, service_owner = -2, spare_owner = -3;

  std::int64_t progress_iters(const JobState& job, double now) const {
    std::int64_t done = job.iterations_done;
    if (job.run_start_s >= 0 && job.step_iters > 0 && job.iter_ideal_s > 0)
      done += std::min(job.step_iters, static_cast<std::int64_t>((now - job.step_start_s) / job.iter_ideal_s));
    return done;
  }
  double done_fraction(const JobState& job, double now) const {
    return job.plan.iterations > 0 ? std::min(1.0, static_cast<double>(progress_iters(job, now)) /
                                                       static_cast<double>(job.plan.iterations))
                                   : 0.0;
  }
  int allocated_gpus() const { return topo_.num_gpus() - free_gpus_ - idle_unavailable_; }

  void end_run(JobState& job, double now) {
    job.computed_gpu_s += meter_->busy_gpu_s(job.gpus, now) - job.computed_mark;
    job.busy_s += now - job.run_start_s;
    job.attained_gpu_s += (now - job.run_start_s) * job.spec.gpus;
    job.run_start_s = -1;
  }

  // The steps left after `iterations_done`, checkpoints counted from there.
  void replan_remaining(JobState& job) {
    auto rest = job.plan;
    rest.iterations = std::max<std::int64_t>(0, job.plan.iterations - job.iterations_done);
    rest.checkpoints = rest.checkpoint_every > 0 && rest.iterations > 0 ? (rest.iterations - 1) / rest.checkpoint_every : 0;
    job.steps = rest.iterations > 0 ? workloads::plan_steps(rest, training_.max_iterations_per_step)
                                    : std::vector<workloads::Step>{};
    job.step_iters = 0;
  }

  void enter_queue(std::size_t idx, double now) {
    jobs_[idx].queue_enter_s = now;
    ++queue_visits_;
  }
  void leave_queue(std::size_t idx, double now) { queue_time_total_ += now - jobs_[idx].queue_enter_s; }

  // Back to the queue in arrival order (submit, id), as a newly arrived job would be.
  void requeue(std::size_t idx, double now) {
    JobState& job = jobs_[idx];
    job.status = "queued";
    job.gpus.clear();
    const auto before = [&](std::size_t other) {
      const auto& o = jobs_[other].spec;
      return o.submit_s < job.spec.submit_s || (o.submit_s == job.spec.submit_s && o.id < job.spec.id);
    };
    auto pos = queue_.begin();
    while (pos != queue_.end() && before(*pos))
      ++pos;
    queue_.insert(pos, idx);
    enter_queue(idx, now);
    queue_length_.set(now, static_cast<double>(queue_.size()));
  }

  // Frees a job's GPUs; those that are down stay out of service until repaired.
  void release_gpus(const std::vector<int>& gpus) {
    for (int g : gpus) {
      const auto i = static_cast<std::size_t>(g);
      owner_[i] = no_owner;
      if (down_[i] > 0) {
        ++idle_unavailable_;
      } else {
        gpu_free_[i] = 1;
        ++free_gpus_;
      }
    }
  }

  // A run's actors (the job's and its readers'), taken from the job: stop_actors() ends them once the state is updated.
  static std::vector<sg4::ActorPtr> take_actors(JobState& job) {
    auto actors = std::move(job.readers);
    job.readers.clear();
    actors.push_back(std::move(job.actor));
    job.actor = nullptr;
    return actors;
  }

  // Kills a run's actors and cancels what they left running. Call after the state is updated (a simcall).
  static void stop_actors(const std::vector<sg4::ActorPtr>& actors) {
    for (const auto& a : actors) {
      if (!a) continue;
      const auto pid = a->get_pid();
      if (auto alive = sg4::Actor::by_pid(pid)) alive->kill();
      cancel_in_flight(pid);
    }
  }

  void event(double t, std::string kind, std::string component, std::int64_t job, double value, std::string cause) {
    if (cause.size() > job_string_bytes) cause.resize(job_string_bytes);
    if (component.size() > job_string_bytes) component.resize(job_string_bytes);
    events_.push_back({t, std::move(kind), std::move(component), job, value, std::move(cause)});
  }

  // A scheduler's preemption: the job keeps its progress, saves a checkpoint holding its GPUs, then requeues and
  // pays policies.preemption.restart when it runs again.
  void preempt(std::size_t idx, double now) {
    JobState& job = jobs_[idx];
    job.iterations_done = progress_iters(job, now);
    job.checkpointed = job.iterations_done;
    job.kept_gpu_s += (now - job.safe_s) * job.spec.gpus;
    end_run(job, now);
    ++job.preemptions;
    job.pending_delay_s = params_.preemption_restart_s;
    replan_remaining(job);
    stop_actors(take_actors(job));
    sg4::Actor::create("save-" + std::to_string(job.spec.id), platform_.controller, [this, idx] {
      guarded([this, idx] {
        JobState& j = jobs_[idx];
        const double t0 = sg4::Engine::get_clock();
        if (params_.preemption_checkpoint_s > 0)
          sg4::this_actor::sleep_for(params_.preemption_checkpoint_s);
        else
          StorageClient(topo_, platform_).write(training_.checkpoint_tier, j.gpus.front(), j.spec.id,
                                                training_.checkpoint_bytes);
        const double t = sg4::Engine::get_clock();
        j.delay_s += t - t0;
        event(t0, "preempt", "", j.spec.id, t - t0, "");
        preempting_.erase(idx);
        release_gpus(j.gpus);
        requeue(idx, t);
        gpus_allocated_.set(t, allocated_gpus());
        schedule();
      });
    });
  }

  // A failure hit GPUs of a running job: the failover policy decides what happens to it.
  void interrupt(std::size_t idx, double now, const std::string& component) {
    JobState& job = jobs_[idx];
    std::vector<int> healthy, failed;
    for (int g : job.gpus)
      (down_[static_cast<std::size_t>(g)] > 0 ? failed : healthy).push_back(g);
    end_run(job, now);
    policies::FailoverView view;
    view.now_s = now;
    view.id = job.spec.id;
    view.gpus = job.spec.gpus;
    view.gpus_failed = static_cast<int>(failed.size());
    view.restarts = job.restarts;
    view.has_checkpoint = job.checkpointed > 0;
    view.spare_gpus_free = static_cast<int>(spare_free_.size());
    view.can_shrink = !job.par && job.spec.iterations <= 0;
    auto decision = failover_->on_failure(view);
    using policies::FailoverAction;
    if ((decision.action == FailoverAction::swap_in_spares && view.spare_gpus_free < view.gpus_failed) ||
        (decision.action == FailoverAction::shrink && (!view.can_shrink || healthy.empty())))
      decision = {FailoverAction::restart_from_checkpoint, 0};
    // failover.max_restarts: a job that keeps failing gives up instead of restarting for ever.
    if (params_.failover_max_restarts > 0 && job.restarts >= params_.failover_max_restarts)
      decision = {FailoverAction::fail, 0};
    // What is lost: since the last checkpoint, or everything for a restart from zero and a failed job.
    const bool keep = decision.action != FailoverAction::restart_from_zero && decision.action != FailoverAction::fail;
    double lost_gpu_s = (now - job.safe_s) * job.spec.gpus;
    job.lost_s += now - job.safe_s;
    if (keep) {
      job.iterations_done = job.checkpointed;
    } else {
      lost_gpu_s += job.kept_gpu_s;
      job.lost_s += job.kept_gpu_s / job.spec.gpus;
      job.kept_gpu_s = 0;
      job.iterations_done = job.checkpointed = 0;
    }
    job.lost_gpu_s += lost_gpu_s;
    event(now, "interrupt", "", job.spec.id, lost_gpu_s, component);
    const auto actors = take_actors(job);
    running_.erase(idx);

    bool relaunch = false;
    switch (decision.action) {
    case FailoverAction::fail:
      release_gpus(job.gpus);
      job.status = "failed";
      job.end_s = now;
      ++jobs_failed_;
      event(now, "job_failed", "", job.spec.id, 0, component);
      break;
    case FailoverAction::restart_from_zero:
    case FailoverAction::restart_from_checkpoint:
      release_gpus(job.gpus);
      ++job.restarts;
      job.pending_delay_s = params_.failover_restart_delay_s;
      replan_remaining(job);
      requeue(idx, now);
      event(now, "restart", "", job.spec.id, static_cast<double>(job.iterations_done),
            decision.action == FailoverAction::restart_from_zero ? "from_zero" : "from_checkpoint");
      break;
    case FailoverAction::swap_in_spares: {
      release_gpus(failed);
      for (std::size_t k = 0; k < failed.size(); ++k) {
        const int g = spare_free_.back();
        spare_free_.pop_back();
        --idle_unavailable_;
        owner_[static_cast<std::size_t>(g)] = static_cast<std::int64_t>(idx);
        healthy.push_back(g);
      }
      std::sort(healthy.begin(), healthy.end());
      job.gpus = std::move(healthy);
      ++job.restarts;
      job.pending_delay_s = decision.delay_s;
      replan_remaining(job);
      running_.insert(idx);
      relaunch = true;
      event(now, "swap", "", job.spec.id, static_cast<double>(failed.size()), component);
      break;
    }
    case FailoverAction::shrink: {
      release_gpus(failed);
      const double old_gpus = job.spec.gpus;
      job.gpus = std::move(healthy);
      job.spec.gpus = static_cast<int>(job.gpus.size());
      // Same global batch on fewer data-parallel replicas: each GPU computes old/new times as much per iteration.
      job.plan.compute_s_per_iteration *= old_gpus / job.spec.gpus;
      job.iter_ideal_s *= old_gpus / job.spec.gpus;
      ++job.restarts;
      job.pending_delay_s = decision.delay_s;
      replan_remaining(job);
      running_.insert(idx);
      relaunch = true;
      event(now, "shrink", "", job.spec.id, static_cast<double>(job.spec.gpus), component);
      break;
    }
    }
    stop_actors(actors);
    if (relaunch) launch(idx);
  }

  // Takes GPUs out of service (a failed component, docs/failures.md): interrupts the jobs on them and turns their
  // hosts off, so whatever still runs there fails as it would. The inference service's GPUs go to the service (its
  // replicas leave the balancer, docs/inference.md "Failures"); their hosts stay on.
  void fail_gpus(const std::vector<int>& gpus, const std::string& component, const std::string& cause, double repair_s) {
    const double now = sg4::Engine::get_clock();
    event(now, "failure", component, -1, repair_s, cause);
    ++failures_;
    std::set<std::size_t> hit;
    std::vector<sg4::Host*> off;
    std::vector<int> service_gpus;
    for (int g : gpus) {
      const auto i = static_cast<std::size_t>(g);
      if (owner_[i] == service_owner) service_gpus.push_back(g);
      if (owner_[i] == service_owner || down_[i]++ > 0) continue;
      --gpus_up_count_;
      off.push_back(platform_.gpu_hosts[i]);
      if (gpu_free_[i]) {
        gpu_free_[i] = 0;
        --free_gpus_;
        ++idle_unavailable_;
      } else if (owner_[i] == spare_owner) {
        spare_free_.erase(std::find(spare_free_.begin(), spare_free_.end(), g));
        owner_[i] = no_owner;
      } else if (owner_[i] >= 0 && jobs_[static_cast<std::size_t>(owner_[i])].status == "running") {
        hit.insert(static_cast<std::size_t>(owner_[i]));
      }
    }
    gpus_up_.set(now, gpus_up_count_);
    for (std::size_t idx : hit)
      interrupt(idx, now, component);
    if (!service_gpus.empty()) service_->fail_gpus(service_gpus);
    gpus_allocated_.set(now, allocated_gpus());
    for (auto* h : off)
      h->turn_off();
    schedule();
  }

  void repair_gpus(const std::vector<int>& gpus, const std::string& component) {
    const double now = sg4::Engine::get_clock();
    event(now, "repair", component, -1, 0, "");
    std::vector<int> service_gpus;
    for (int g : gpus) {
      const auto i = static_cast<std::size_t>(g);
      if (owner_[i] == service_owner) service_gpus.push_back(g);
      if (owner_[i] == service_owner || down_[i] == 0 || --down_[i] > 0) continue;
      ++gpus_up_count_;
      platform_.gpu_hosts[i]->turn_on();
      if (owner_[i] != no_owner) continue; // still held by a job (e.g. one saving a checkpoint): freed by it
      if (static_cast<int>(spare_free_.size()) < spare_target_) {
        owner_[i] = spare_owner;
        spare_free_.push_back(g);
      } else {
        --idle_unavailable_;
        gpu_free_[i] = 1;
        ++free_gpus_;
      }
    }
    if (!service_gpus.empty()) service_->repair_gpus(service_gpus);
    gpus_up_.set(now, gpus_up_count_);
    gpus_allocated_.set(now, allocated_gpus());
    const double last = last_event_s_;
    const long launched = launches_;
    schedule();
    if (launches_ == launched) last_event_s_ = last; // a repair alone does not extend the run
  }

  // ---- Failure model driven in SimGrid (docs/failures.md, "Engine") ----------------------------------------------

  bool failures_configured() const {
    if (!scenario_.failures.trace.empty()) return true;
    for (const auto& c : failure_classes_)
      if (c.mtbf_s > 0) return true;
    return false;
  }

  bool all_jobs_done() const { return completed_ + static_cast<std::size_t>(jobs_failed_) == jobs_.size(); }

  void failure_source() {
    workloads::FailureProcess process(scenario_.failures, component_counts(topo_), scenario_.seed);
    while (auto e = process.next()) {
      if (all_jobs_done()) return;
      if (e->time_s > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(e->time_s);
      if (all_jobs_done()) return;
      apply_failure(*e);
    }
  }

  // One failure: GPUs out of service (gpu, node, nic, GPU cables, leaf, rack power) or capacity lost (leaf uplink
  // cables, spines, storage servers) until its repair.
  void apply_failure(const workloads::FailureEvent& e) {
    const std::string component = component_name(e);
    const auto effect = failure_effect(e, topo_);
    const double repair = e.repair_s;
    if (!effect.gpus.empty()) {
      fail_gpus(effect.gpus, component, e.cause, repair);
    } else {
      event(sg4::Engine::get_clock(), "failure", component, -1, repair, e.cause);
      ++failures_;
      degrade(effect, +1);
    }
    sg4::Actor::create("repair", platform_.controller, [this, effect, component, repair] {
      guarded([&] {
        sg4::this_actor::sleep_for(repair);
        if (!effect.gpus.empty()) {
          repair_gpus(effect.gpus, component);
        } else {
          event(sg4::Engine::get_clock(), "repair", component, -1, 0, "");
          degrade(effect, -1);
        }
      });
    });
  }

  // Capacity failures (fluid ECMP, platforms/topology.hpp): a leaf uplink cable takes 1/(GPUs per rack) of its rack's
  // aggregated uplink, a spine 1/spines of every leaf's; a failed storage server's link runs at 1% (rebuilding).
  void degrade(const FailureEffect& effect, int delta) {
    const int rack = effect.uplink_rack, storage_server = effect.storage_server;
    const bool spine = effect.spine;
    if (uplink_base_.empty())
      for (auto* l : platform_.leaf_uplinks)
        uplink_base_.push_back(l->get_bandwidth());
    if (uplink_cables_down_.empty()) uplink_cables_down_.assign(platform_.leaf_uplinks.size(), 0);
    if (spine) spines_down_ += delta;
    if (rack >= 0 && rack < static_cast<int>(uplink_cables_down_.size())) uplink_cables_down_[rack] += delta;
    if (spine || rack >= 0) {
      const double per_rack = shape_.gpus_per_node * shape_.nodes_per_rack;
      const double spines = std::max<std::size_t>(1, topo_.spines.size());
      for (std::size_t r = 0; r < platform_.leaf_uplinks.size(); ++r) {
        const double share = (1 - uplink_cables_down_[r] / per_rack) * (1 - spines_down_ / spines);
        platform_.leaf_uplinks[r]->set_bandwidth(uplink_base_[r] * std::max(0.01, share));
      }
    }
    if (storage_server >= 0) {
      if (auto* link = sg4::Link::by_name_or_null(platforms::names::storage_server_link(storage_server))) {
        auto& down = storage_down_[storage_server];
        if (down == 0 && delta > 0) storage_base_[storage_server] = link->get_bandwidth();
        down += delta;
        link->set_bandwidth(storage_base_[storage_server] * (down > 0 ? 0.01 : 1.0));
      }
    }
  }

  void report_progress(double now) {
    if (!options_.progress) return;
    const auto wall = std::chrono::steady_clock::now();
    // Quiet for short runs; then at most two updates a second.
    if (wall - wall_start_ < std::chrono::seconds(2) || wall - last_progress_ < std::chrono::milliseconds(500)) return;
    printed_progress_ = true;
    last_progress_ = wall;
    const double elapsed = std::chrono::duration<double>(wall - wall_start_).count();
    std::fprintf(stderr, "\r[racksim] simulated %.1f h | jobs done %zu/%zu | running %zu | queued %zu | %.1f s wall   ",
                 now / 3600, completed_, jobs_.size(), running_.size(), queue_.size(), elapsed);
    std::fflush(stderr);
  }

  JobRecord to_record(const JobState& job, double end) const {
    JobRecord r;
    r.id = job.spec.id;
    r.kind = workloads::to_string(job.spec.kind);
    r.submit_s = job.spec.submit_s;
    r.start_s = job.start_s;
    r.end_s = job.end_s;
    r.gpus = job.spec.gpus;
    r.status = job.status;
    // Clamped at 0: SimGrid's clock after sleep_until(t) can sit a few ulps below t.
    r.queue_s = std::max(0.0, (job.start_s >= 0 ? job.start_s : std::max(end, job.spec.submit_s)) - job.spec.submit_s);
    r.compute_s = job.compute_s;
    r.comm_s = job.comm_s;
    r.checkpoint_s = job.checkpoint_s;
    r.restarts = job.restarts;
    r.lost_gpu_s = job.lost_gpu_s;
    r.timing = job.timing;
    // Energy (docs/energy.md): its GPUs while it held them (every run, the one under way at the end included) at
    // idle power plus their node's share, and (max - idle) while they computed; times the PUE.
    double held = job.attained_gpu_s, computed = job.computed_gpu_s;
    if (job.run_start_s >= 0) {
      held += (end - job.run_start_s) * job.spec.gpus;
      computed += meter_->busy_gpu_s(job.gpus, end) - job.computed_mark;
    }
    r.energy_j = meter_->job_energy_j(held, computed);
    if (job.par && job.iterations_done > 0 && job.compute_s + job.comm_s > 0) {
      const double busy = job.compute_s + job.comm_s;
      const double iters = static_cast<double>(job.iterations_done);
      r.mfu = workloads::mfu(job.par->model_flops * iters, busy, job.spec.gpus, gpu_peak_bf16_);
      r.tokens_per_s = job.par->tokens * iters / busy;
    }
    std::set<int> nodes, racks;
    for (int g : job.gpus) {
      nodes.insert(topo_.node_of_gpu(g));
      racks.insert(topo_.rack_of_gpu(g));
    }
    r.nodes = static_cast<std::int32_t>(nodes.size());
    r.racks = static_cast<std::int32_t>(racks.size());
    return r;
  }

  const Scenario& scenario_;
  const RunOptions& options_;
  platforms::Topology topo_;
  platforms::SimPlatform platform_;
  std::unique_ptr<policies::Scheduler> scheduler_;
  std::unique_ptr<policies::Placement> placement_;
  std::unique_ptr<InferenceService> service_; // workload.inference.replicas > 0: a service next to the jobs
  std::unique_ptr<EnergyMeter> meter_;        // docs/energy.md
  policies::ClusterShape shape_;
  std::vector<std::uint8_t> gpu_free_;
  int free_gpus_ = 0;
  policies::PolicyParams params_;
  std::unique_ptr<policies::Failover> failover_;
  std::vector<std::int64_t> owner_;   // by GPU: the job index holding it, or no_owner / service_owner / spare_owner
  std::vector<int> down_;             // by GPU: failed components it is under (0 = up)
  int idle_unavailable_ = 0;          // GPUs neither free nor allocated: down and unheld, or idle hot spares
  std::vector<int> spare_free_;       // idle hot spares (failover.spare_nodes)
  int spare_target_ = 0;
  int gpus_up_count_ = 0;
  StepSeries gpus_up_;
  std::vector<EventRecord> events_;
  long failures_ = 0, jobs_failed_ = 0;
  std::array<workloads::ClassFailureSpec, workloads::kNumComponentClasses> failure_classes_{}; // MTBFs in effect
  std::vector<double> uplink_base_;
  std::vector<int> uplink_cables_down_;
  int spines_down_ = 0;
  std::map<int, int> storage_down_;
  std::map<int, double> storage_base_;
  long launches_ = 0;
  long queue_visits_ = 0;             // Little's law: entries into the queue, and the time they spent there
  double queue_time_total_ = 0;

  std::vector<JobState> jobs_;
  std::deque<std::size_t> queue_; // indices into jobs_, arrival order
  std::set<std::size_t> running_; // ordered: deterministic iteration
  std::set<std::size_t> preempting_; // preempted, saving a checkpoint, GPUs still held
  std::size_t completed_ = 0;
  double last_event_s_ = 0;
  StepSeries gpus_allocated_, queue_length_;
  std::string started_utc_;
  std::chrono::steady_clock::time_point wall_start_, last_progress_{};
  std::exception_ptr failure_;
  workloads::TrainingSpec training_; // the scenario's, with the model's gradient size when a model is set
  double model_compute_s_ = 0;
  bool parallel_ = false;                  // workload.training.global_batch > 0
  workloads::TransformerSpec model_;       // the resolved model when one is set
  std::unique_ptr<workloads::KernelTimer> timer_;
  long parallel_skipped_ = 0;              // trace jobs whose size does not suit the layout or HBM
  long tp_across_nvlink_ = 0;              // jobs with a TP group split over NVLink domains
  bool job_tp_private_ = true;             // TP NVLink flows may be timed analytically (no dataset reads/drains)
  double gpu_peak_bf16_ = 0;
  std::vector<double> drain_s_; // duration of every finished checkpoint drain, in completion order
  // /meta/calibration: what timed the model's kernels, or how compute time was derived without a model.
  std::string timing_source_ = "none: compute time from job durations or workload.training.iteration_time";
  std::string timing_kind_;
  bool printed_progress_ = false;
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
