#include "sim/run_info.hpp"
#include "sim/simgrid_run.hpp"
#include "sim/engine.hpp"

#include "platforms/catalog.hpp"
#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "policies/registry.hpp"
#include "sim/activities.hpp"
#include "sim/collective_run.hpp"
#include "sim/ideal.hpp"
#include "sim/kernel_timing.hpp"
#include "sim/inference_run.hpp"
#include "sim/storage_io.hpp"
#include "sim/version.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/synthetic/synthetic.hpp"
#include "workloads/training/parallel_model.hpp"
#include "workloads/training/step_model.hpp"
#include "workloads/training/training_model.hpp"

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include <algorithm>
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
  std::int64_t iterations_done = 0;
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
        placement_(policies::placements().create(scenario.policies.placement, policy_params(scenario))) {
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
    if (service_) {
      service_->start(platform_);
      gpus_allocated_.set(0, topo_.num_gpus() - free_gpus_);
    }

    sg4::Actor::create("arrivals", platform_.controller, [this] { guarded([this] { arrivals(); }); });
    if (scenario_.horizon_s > 0) {
      engine.run_until(scenario_.horizon_s);
      // End the jobs still running or waiting: actors left alive when the Engine goes away are never unwound.
      sg4::Actor::create("horizon", platform_.controller, [] { sg4::Actor::kill_all(); });
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
    if (service_) {
      service_->record(rs, end, interval, false);
      rs.meta.calibration += "; inference service: " + service_->timing_source();
    }
    rs.meta.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    return report;
  }

 private:
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
      job.spec = std::move(spec);
      if (job.plan.compute_clamped) ++report.jobs_compute_clamped;
      jobs_.push_back(std::move(job));
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
      for (; i < jobs_.size() && jobs_[i].spec.submit_s == t; ++i)
        queue_.push_back(i);
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
      queued.push_back({s.id, s.gpus, s.submit_s, s.duration_s, s.user, s.priority, 0.0, s.duration_s});
    }
    std::vector<policies::RunningJob> running;
    running.reserve(running_.size());
    for (std::size_t idx : running_) {
      const auto& j = jobs_[idx];
      const double elapsed = now - j.start_s;
      running.push_back({j.spec.id, j.spec.gpus, j.start_s, j.start_s + j.spec.duration_s, j.spec.user,
                         j.spec.priority, elapsed * j.spec.gpus, std::max(0.0, j.spec.duration_s - elapsed)});
    }
    policies::SchedulerView view{now, topo_.num_gpus(), free_gpus_, queued, running};
    const auto decision = scheduler_->decide(view);

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
      for (int g : gpus)
        gpu_free_[static_cast<std::size_t>(g)] = 0;
      free_gpus_ -= job.spec.gpus;
      job.gpus = std::move(gpus);
      job.start_s = now;
      job.status = "running";
      queue_.erase(pos);
      running_.insert(idx);
      to_launch.push_back(idx);
    }
    if (to_launch.empty()) return;
    gpus_allocated_.set(now, topo_.num_gpus() - free_gpus_);
    queue_length_.set(now, static_cast<double>(queue_.size()));
    for (std::size_t idx : to_launch)
      sg4::Actor::create("job-" + std::to_string(jobs_[idx].spec.id), platform_.gpu_hosts[jobs_[idx].gpus.front()],
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

      if (step.checkpoint_after) {
        storage.write(training_.checkpoint_tier, job.gpus.front(), job.spec.id, training_.checkpoint_bytes);
        job.checkpoint_s += sg4::Engine::get_clock() - t1;
        if (training_.checkpoint_drain != workloads::DrainTarget::none) start_drain(job);
      }
    }
    finish_job(idx);
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
      job.iterations_done += step.iterations;
      if (step.checkpoint_after) {
        storage.write(training_.checkpoint_tier, job.gpus.front(), job.spec.id, training_.checkpoint_bytes);
        job.checkpoint_s += sg4::Engine::get_clock() - t5;
        if (training_.checkpoint_drain != workloads::DrainTarget::none) start_drain(job);
      }
    }
  }

  // Starts one reader actor per entry of `readers`, each reading `iterations` iterations' worth for its node's GPUs.
  std::vector<sg4::ActorPtr> start_dataset_reads(const JobState& job, const StorageClient& storage,
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
    for (int g : job.gpus)
      gpu_free_[static_cast<std::size_t>(g)] = 1;
    free_gpus_ += job.spec.gpus;
    running_.erase(idx);
    ++completed_;
    gpus_allocated_.set(now, topo_.num_gpus() - free_gpus_);
    schedule();
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
    r.timing = job.timing;
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
  policies::ClusterShape shape_;
  std::vector<std::uint8_t> gpu_free_;
  int free_gpus_ = 0;

  std::vector<JobState> jobs_;
  std::deque<std::size_t> queue_; // indices into jobs_, arrival order
  std::set<std::size_t> running_; // ordered: deterministic iteration
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
  if (scenario.workload.kind == workloads::WorkloadKind::collective) return run_collective_simulation(scenario, options);
  if (scenario.workload.kind == workloads::WorkloadKind::inference) return run_inference_simulation(scenario, options);
  Simulation simulation(scenario, options);
  return simulation.run();
}

} // namespace racksim::sim
