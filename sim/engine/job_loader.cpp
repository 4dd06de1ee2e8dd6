#include "sim/engine/job_loader.hpp"

#include "platforms/catalog.hpp"
#include "sim/analytic/ideal.hpp"
#include "sim/analytic/kernel_timing.hpp"
#include "workloads/synthetic/synthetic.hpp"
#include "workloads/traces/trace_reader.hpp"
#include "workloads/training/parallel_model.hpp"
#include "workloads/training/training_model.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <utility>

namespace racksim::sim {
namespace {

// The workload's jobs as submitted (for a trace: what the reader kept of it).
std::vector<workloads::JobSpec> job_specs(const Scenario& scenario, int free_gpus, bool beside_service,
                                          RunReport& report) {
  const auto& wl = scenario.workload;
  if (wl.kind == workloads::WorkloadKind::trace) return workloads::read_trace(wl.trace, free_gpus, report.trace);
  auto specs = workloads::generate_synthetic(wl.synthetic, scenario.seed, free_gpus);
  for (const auto& s : specs)
    if (s.gpus > free_gpus)
      throw RunError("workload.synthetic.gpus: a job asks for " + std::to_string(s.gpus) +
                     " GPUs but the cluster has " + std::to_string(free_gpus) +
                     (beside_service ? " besides the inference service's" : ""));
  return specs;
}

// With a model, its kernels give the compute time of an iteration (pure data parallelism: every GPU runs the whole
// model on its micro-batch, so the time does not depend on the job's size) and its gradients the all-reduce
// volume. Without one, compute time comes from the job's duration or iteration_time.
TrainingSetup training_setup(const Scenario& scenario, const platforms::Topology& topo) {
  TrainingSetup setup;
  auto& training = setup.training;
  training = scenario.workload.training;
  setup.gpu_peak_bf16_flops = platforms::find_gpu(topo.spec.gpu_model).peak_bf16_flops;
  setup.job_tp_private =
      !(training.dataset_read_bytes > 0) && training.checkpoint_drain == workloads::DrainTarget::none;
  setup.parallel = training.global_batch > 0;
  if (setup.parallel && training.model == "none")
    throw RunError("workload.training.global_batch: 3D parallelism needs workload.training.model");
  if (training.model != "none") {
    const auto model = workloads::resolve_model(training);
    setup.model = model;
    setup.timer = make_kernel_timer(scenario.calibration, topo.spec.gpu_model);
    const auto& timer = setup.timer;
    training.checkpoint_bytes = workloads::checkpoint_bytes(training, model);
    setup.model_compute_s = workloads::predict_s(workloads::iteration_calls(model, {}, 1), *timer);
    training.gradient_bytes = workloads::parameter_count(model) * workloads::dtype_bytes(model.dtype);
    setup.timing_source = describe_timer(*timer);
    setup.timing_kind = scenario.calibration == "roofline" ? "roofline" : "calibration";
  }
  // The checkpoint's tier decides its ideal cost (a drain runs in the background and is not part of it).
  setup.checkpoint_ideal_s = storage_write_s(topo, training.checkpoint_tier, 0, training.checkpoint_bytes, 0);
  return setup;
}

// Data-parallel jobs. Ideal costs depend only on the GPU count: computed once per distinct count.
void load_data_parallel_jobs(std::vector<workloads::JobSpec>& specs, const TrainingSetup& setup,
                             const platforms::Topology& topo, RunReport& report, std::vector<JobState>& jobs) {
  const auto& training = setup.training;
  std::vector<std::pair<int, workloads::IdealCosts>> ideal_cache;
  for (auto& spec : specs) {
    auto it = std::find_if(ideal_cache.begin(), ideal_cache.end(), [&](const auto& p) { return p.first == spec.gpus; });
    if (it == ideal_cache.end()) {
      workloads::IdealCosts ideal;
      ideal.allreduce_s_per_iteration = ring_allreduce_packed_s(topo, spec.gpus, training.gradient_bytes);
      ideal.checkpoint_s = setup.checkpoint_ideal_s;
      ideal.model_compute_s_per_iteration = setup.model_compute_s;
      ideal_cache.emplace_back(spec.gpus, ideal);
      it = std::prev(ideal_cache.end());
    }
    JobState job;
    job.plan = workloads::plan_training(spec, training, it->second);
    job.steps = workloads::plan_steps(job.plan, training.max_iterations_per_step);
    job.timing = spec.iterations <= 0 ? "duration" : (setup.model_compute_s > 0 ? setup.timing_kind : "iteration_time");
    job.iter_ideal_s = job.plan.compute_s_per_iteration + it->second.allreduce_s_per_iteration;
    job.spec = std::move(spec);
    if (job.plan.compute_clamped) ++report.jobs_compute_clamped;
    jobs.push_back(std::move(job));
  }
}

// 3D-parallel jobs: costs per distinct GPU count; a trace job whose size does not suit the layout (not a multiple
// of tp x pp, global_batch not a multiple of dp x micro_batch, or not fitting in HBM) is skipped and counted.
long load_parallel_jobs(std::vector<workloads::JobSpec>& specs, const TrainingSetup& setup, const Scenario& scenario,
                        const platforms::Topology& topo, std::vector<JobState>& jobs) {
  const auto& training = setup.training;
  const auto& gpu = platforms::find_gpu(topo.spec.gpu_model);
  const auto config = workloads::parallel_config(training);
  const int domain =
      topo.spec.nvlink_domain == "rack" ? topo.spec.gpus_per_node * topo.spec.nodes_per_rack : topo.spec.gpus_per_node;
  if (config.tp > domain)
    throw RunError("workload.training.tp: " + std::to_string(config.tp) + " is more than the " +
                   std::to_string(domain) + " GPUs of one NVLink domain");
  long skipped = 0;
  std::map<int, std::shared_ptr<const workloads::IterationCosts>> cache;
  std::map<int, std::string> rejected;
  for (auto& spec : specs) {
    if (!cache.count(spec.gpus) && !rejected.count(spec.gpus)) {
      try {
        cache[spec.gpus] = std::make_shared<const workloads::IterationCosts>(
            workloads::plan_iteration(setup.model, config, spec.gpus, *setup.timer, gpu.hbm_bytes, gpu.name));
      } catch (const std::invalid_argument& e) {
        rejected[spec.gpus] = e.what();
      }
    }
    if (const auto r = rejected.find(spec.gpus); r != rejected.end()) {
      if (scenario.workload.kind != workloads::WorkloadKind::trace)
        throw RunError(std::string("workload: ") + r->second);
      ++skipped;
      continue;
    }
    const auto& costs = cache.at(spec.gpus);
    // The model defines the work: a duration-defined job runs round(duration / ideal iteration) iterations.
    workloads::IdealCosts ideal;
    ideal.checkpoint_s = setup.checkpoint_ideal_s;
    ideal.model_compute_s_per_iteration = parallel_iteration_packed_s(topo, *costs);
    JobState job;
    workloads::TrainingSpec no_allreduce = training;
    no_allreduce.gradient_bytes = 0;
    job.plan = workloads::plan_training(spec, no_allreduce, ideal);
    job.plan.compute_s_per_iteration = costs->pipeline_s;
    job.plan.allreduce_bytes_per_iteration = 0;
    job.steps = workloads::plan_steps(job.plan, training.max_iterations_per_step);
    job.timing = setup.timing_kind;
    job.iter_ideal_s = ideal.model_compute_s_per_iteration;
    job.par = costs;
    job.spec = std::move(spec);
    jobs.push_back(std::move(job));
  }
  return skipped;
}

} // namespace

LoadedJobs load_jobs(const Scenario& scenario, const platforms::Topology& topo, int free_gpus, bool beside_service,
                     RunReport& report) {
  auto specs = job_specs(scenario, free_gpus, beside_service, report);
  LoadedJobs loaded;
  loaded.setup = training_setup(scenario, topo);
  loaded.jobs.reserve(specs.size());
  if (loaded.setup.parallel)
    loaded.parallel_skipped = load_parallel_jobs(specs, loaded.setup, scenario, topo, loaded.jobs);
  else
    load_data_parallel_jobs(specs, loaded.setup, topo, report, loaded.jobs);
  // Arrival order: (submit, id); readers already sort, synthetic jobs are generated in order.
  std::stable_sort(loaded.jobs.begin(), loaded.jobs.end(), [](const JobState& a, const JobState& b) {
    return a.spec.submit_s < b.spec.submit_s || (a.spec.submit_s == b.spec.submit_s && a.spec.id < b.spec.id);
  });
  return loaded;
}

} // namespace racksim::sim
