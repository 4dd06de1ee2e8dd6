// workload.* (docs/workload-model.md, docs/training-model.md, docs/collectives.md, docs/inference.md). Defaults
// live in workloads/spec.hpp.

#include "sim/config/settings_table.hpp"

#include "workloads/traces/trace_reader.hpp"
#include "workloads/training/step_model.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace racksim::sim::table {
namespace {

// workload.kind and workload.synthetic: generated jobs.
void add_synthetic(std::vector<Setting>& t) {
  using ST = SettingType;
  using workloads::DurationDistribution;
  using workloads::SyntheticArrival;
  using workloads::SyntheticSizes;
  using workloads::WorkloadKind;
  t.push_back(enum_field(
      "workload.kind", [](auto& s) -> auto& { return s.workload.kind; },
      std::vector<std::pair<std::string, WorkloadKind>>{{"synthetic", WorkloadKind::synthetic},
                                                        {"trace", WorkloadKind::trace},
                                                        {"collective", WorkloadKind::collective},
                                                        {"inference", WorkloadKind::inference}},
      "synthetic: generated jobs (workload.synthetic); trace: replayed jobs (workload.trace); collective: an "
      "nccl-tests-style collective benchmark (workload.collective); inference: one inference service "
      "(workload.inference)"));
  t.push_back(field(
      "workload.synthetic.jobs", ST::integer, [](auto& s) -> auto& { return s.workload.synthetic.jobs; }, at_least(1),
      "jobs", "number of jobs to generate"));
  t.push_back(field(
      "workload.synthetic.mean_interarrival", ST::time,
      [](auto& s) -> auto& { return s.workload.synthetic.mean_interarrival_s; }, above(0), "",
      "long-run mean time between job submissions (every arrival process), before load_scale"));
  t.push_back(field(
      "workload.synthetic.load_scale", ST::real, [](auto& s) -> auto& { return s.workload.synthetic.load_scale; },
      above(0), "", "arrival rates x this: inter-arrival times / load_scale (3 = three times the load)"));
  t.push_back(enum_field(
      "workload.synthetic.arrival", [](auto& s) -> auto& { return s.workload.synthetic.arrival; },
      std::vector<std::pair<std::string, SyntheticArrival>>{{"poisson", SyntheticArrival::poisson},
                                                            {"diurnal", SyntheticArrival::diurnal},
                                                            {"mmpp", SyntheticArrival::mmpp}},
      "poisson: constant rate; diurnal: Poisson with rate x (1 + amplitude x cos(2 pi (t - peak) / period)); mmpp: "
      "two-state Markov-modulated Poisson (calm and burst states)"));
  t.push_back(enum_field(
      "workload.synthetic.sizes", [](auto& s) -> auto& { return s.workload.synthetic.sizes; },
      std::vector<std::pair<std::string, SyntheticSizes>>{{"parametric", SyntheticSizes::parametric},
                                                          {"empirical", SyntheticSizes::empirical}},
      "parametric: GPUs from gpus/gpu_weights, durations from duration.*; empirical: (GPUs, duration) rows "
      "resampled jointly from empirical_trace"));
  t.push_back(field(
      "workload.synthetic.empirical_trace", ST::path,
      [](auto& s) -> auto& { return s.workload.synthetic.empirical_trace; }, any(), "",
      "sizes empirical: trace file whose rows are resampled, relative to the scenario file's directory"));
  t.push_back(enum_field(
      "workload.synthetic.empirical_format", [](auto& s) -> auto& { return s.workload.synthetic.empirical_format; },
      workloads::trace_format_names(), "sizes empirical: format of empirical_trace"));
  Setting gpus = field(
      "workload.synthetic.gpus", ST::int_list, [](auto& s) -> auto& { return s.workload.synthetic.gpu_values; },
      at_least(1), "GPUs", "GPU counts a job may ask for");
  gpus.min_items = 1;
  t.push_back(std::move(gpus));
  t.push_back(field(
      "workload.synthetic.gpu_weights", ST::real_list,
      [](auto& s) -> auto& { return s.workload.synthetic.gpu_weights; }, at_least(0), "",
      "relative weight of each entry of gpus (same length); [] = uniform"));
  t.push_back(field(
      "workload.synthetic.iterations", ST::integer, [](auto& s) -> auto& { return s.workload.synthetic.iterations; },
      at_least(0), "iterations",
      "> 0: every job runs this many iterations and its run time follows from the model and the network "
      "(work-defined); 0 = jobs take the drawn durations"));
  t.push_back(field(
      "workload.synthetic.priority_classes", ST::integer,
      [](auto& s) -> auto& { return s.workload.synthetic.priority_classes; }, at_least(1), "classes",
      "scheduling classes (policies.scheduler priority): 1 = all jobs class 0; k > 1 = each job's class uniform in "
      "0..k-1"));
  t.push_back(field(
      "workload.synthetic.diurnal.amplitude", ST::real,
      [](auto& s) -> auto& { return s.workload.synthetic.diurnal_amplitude; }, closed(0, 1), "",
      "diurnal: relative swing of the rate around its mean"));
  t.push_back(field(
      "workload.synthetic.diurnal.period", ST::time,
      [](auto& s) -> auto& { return s.workload.synthetic.diurnal_period_s; }, above(0), "",
      "diurnal: period of the rate's cycle"));
  t.push_back(field(
      "workload.synthetic.diurnal.peak", ST::time, [](auto& s) -> auto& { return s.workload.synthetic.diurnal_peak_s; },
      at_least(0), "", "diurnal: time of the highest rate within a period (t = 0 is the start of a period)"));
  t.push_back(field(
      "workload.synthetic.mmpp.burst_multiplier", ST::real,
      [](auto& s) -> auto& { return s.workload.synthetic.mmpp_burst_multiplier; }, at_least(1), "",
      "mmpp: the burst state's rate / the calm state's rate; the long-run mean rate stays load_scale / "
      "mean_interarrival"));
  t.push_back(field(
      "workload.synthetic.mmpp.calm_mean", ST::time,
      [](auto& s) -> auto& { return s.workload.synthetic.mmpp_calm_mean_s; }, above(0), "",
      "mmpp: mean time spent in the calm state (exponential)"));
  t.push_back(field(
      "workload.synthetic.mmpp.burst_mean", ST::time,
      [](auto& s) -> auto& { return s.workload.synthetic.mmpp_burst_mean_s; }, above(0), "",
      "mmpp: mean time spent in the burst state (exponential)"));
  t.push_back(enum_field(
      "workload.synthetic.duration.distribution",
      [](auto& s) -> auto& { return s.workload.synthetic.duration_distribution; },
      std::vector<std::pair<std::string, DurationDistribution>>{{"constant", DurationDistribution::constant},
                                                                {"exponential", DurationDistribution::exponential},
                                                                {"lognormal", DurationDistribution::lognormal},
                                                                {"pareto", DurationDistribution::pareto}},
      "distribution of job durations (sizes parametric)"));
  t.push_back(field(
      "workload.synthetic.duration.median", ST::time,
      [](auto& s) -> auto& { return s.workload.synthetic.duration_median_s; }, above(0), "",
      "median (lognormal), mean (exponential) or the value (constant) of job durations"));
  t.push_back(field(
      "workload.synthetic.duration.sigma", ST::real,
      [](auto& s) -> auto& { return s.workload.synthetic.duration_sigma; }, at_least(0), "",
      "lognormal shape: standard deviation of ln(duration)"));
  t.push_back(field(
      "workload.synthetic.duration.pareto_shape", ST::real,
      [](auto& s) -> auto& { return s.workload.synthetic.pareto_shape; }, above(0), "",
      "pareto: tail index alpha, P(D > d) = (scale / d)^alpha; the mean is finite for alpha > 1, the variance for "
      "alpha > 2"));
  t.push_back(field(
      "workload.synthetic.duration.pareto_scale", ST::time,
      [](auto& s) -> auto& { return s.workload.synthetic.pareto_scale_s; }, above(0), "",
      "pareto: x_m, the smallest duration drawn (before clamping)"));
  t.push_back(field(
      "workload.synthetic.duration.min", ST::time, [](auto& s) -> auto& { return s.workload.synthetic.duration_min_s; },
      at_least(0), "", "drawn durations are clamped to at least this"));
  t.push_back(field(
      "workload.synthetic.duration.max", ST::time, [](auto& s) -> auto& { return s.workload.synthetic.duration_max_s; },
      above(0), "", "drawn durations are clamped to at most this (>= duration.min)"));
}

// workload.trace: replayed jobs.
void add_trace(std::vector<Setting>& t) {
  using ST = SettingType;
  using workloads::BadRowPolicy;
  t.push_back(enum_field(
      "workload.trace.format", [](auto& s) -> auto& { return s.workload.trace.format; },
      workloads::trace_format_names(), "trace file format (docs/workload-model.md, \"Trace formats\")"));
  t.push_back(field(
      "workload.trace.path", ST::path, [](auto& s) -> auto& { return s.workload.trace.path; }, any(), "",
      "trace file, relative to the scenario file's directory; required when workload.kind is trace "
      "(alibaba_v2020: pai_job_table.csv)"));
  t.push_back(field(
      "workload.trace.task_path", ST::path, [](auto& s) -> auto& { return s.workload.trace.task_path; }, any(), "",
      "alibaba_v2020 only, and required there: pai_task_table.csv, relative to the scenario file's directory"));
  t.push_back(enum_field(
      "workload.trace.bad_rows", [](auto& s) -> auto& { return s.workload.trace.bad_rows; },
      std::vector<std::pair<std::string, BadRowPolicy>>{
          {"skip", BadRowPolicy::skip}, {"clamp", BadRowPolicy::clamp}, {"error", BadRowPolicy::error}},
      "rows the cluster cannot run (0 GPUs, too many GPUs, run time <= 0, never ran): skip and count, clamp into "
      "range and count, or stop with the row's file:line"));
  t.push_back(field(
      "workload.trace.swf_processors_per_gpu", ST::integer,
      [](auto& s) -> auto& { return s.workload.trace.swf_processors_per_gpu; }, at_least(1), "processors",
      "swf only: processors that make one GPU; GPUs = ceil(processors / this)"));
  t.push_back(field(
      "workload.trace.limit", ST::integer, [](auto& s) -> auto& { return s.workload.trace.limit; }, at_least(0), "jobs",
      "read at most this many jobs from the trace; 0 = all"));
  t.push_back(field(
      "workload.trace.time_scale", ST::real, [](auto& s) -> auto& { return s.workload.trace.time_scale; }, above(0), "",
      "multiply trace submit times by this (0.5 = twice the load)"));
}

// workload.training: the step model, checkpoints, storage tiers, 3D parallelism and the custom model.
void add_training(std::vector<Setting>& t) {
  using ST = SettingType;
  using workloads::DrainTarget;
  using workloads::StorageTier;
  t.push_back(field(
      "workload.training.iteration_time", ST::time,
      [](auto& s) -> auto& { return s.workload.training.iteration_time_s; }, above(0), "",
      "one training iteration (compute + all-reduce) when the job is placed well"));
  t.push_back(field(
      "workload.training.gradient_size", ST::size, [](auto& s) -> auto& { return s.workload.training.gradient_bytes; },
      at_least(0), "", "data-parallel all-reduce volume per iteration"));
  t.push_back(field(
      "workload.training.checkpoint_every", ST::integer,
      [](auto& s) -> auto& { return s.workload.training.checkpoint_every; }, at_least(0), "iterations",
      "iterations between checkpoints; 0 = never checkpoint"));
  t.push_back(field(
      "workload.training.checkpoint_size", ST::size,
      [](auto& s) -> auto& { return s.workload.training.checkpoint_bytes; }, at_least(0), "",
      "bytes written to storage by one checkpoint"));
  t.push_back(field(
      "workload.training.max_iterations_per_step", ST::integer,
      [](auto& s) -> auto& { return s.workload.training.max_iterations_per_step; }, at_least(1), "iterations",
      "fidelity: iterations aggregated into one simulated compute + all-reduce step"));
  t.push_back(name_field(
      "workload.training.model", [](auto& s) -> auto& { return s.workload.training.model; },
      [] {
        auto names = workloads::model_names();
        names.insert(names.begin(), "none");
        names.push_back("custom");
        return names;
      },
      "transformer preset whose kernels give each iteration's compute time (and gradient size); custom = the shape "
      "in workload.training.custom.*; none = use iteration_time and gradient_size"));
  t.push_back(field(
      "workload.training.micro_batch", ST::integer, [](auto& s) -> auto& { return s.workload.training.micro_batch; },
      at_least(0), "sequences", "sequences per GPU per iteration with a model; 0 = the preset's micro-batch"));
  const std::vector<std::pair<std::string, StorageTier>> tiers{
      {"pfs", StorageTier::pfs}, {"nvme", StorageTier::nvme}, {"object_store", StorageTier::object_store}};
  t.push_back(enum_field(
      "workload.training.checkpoint_tier", [](auto& s) -> auto& { return s.workload.training.checkpoint_tier; }, tiers,
      "where checkpoints are written: pfs (parallel file system), nvme (the writer's node-local NVMe), object_store"));
  t.push_back(enum_field(
      "workload.training.checkpoint_drain", [](auto& s) -> auto& { return s.workload.training.checkpoint_drain; },
      std::vector<std::pair<std::string, DrainTarget>>{
          {"none", DrainTarget::none}, {"pfs", DrainTarget::pfs}, {"object_store", DrainTarget::object_store}},
      "with checkpoint_tier nvme: copy each checkpoint to this tier in the background while training goes on"));
  t.push_back(enum_field(
      "workload.training.dataset_tier", [](auto& s) -> auto& { return s.workload.training.dataset_tier; }, tiers,
      "where training data is read from (with dataset_read_size > 0)"));
  t.push_back(field(
      "workload.training.dataset_read_size", ST::size,
      [](auto& s) -> auto& { return s.workload.training.dataset_read_bytes; }, at_least(0), "",
      "bytes each GPU reads per iteration, overlapped with compute; 0 = no reads"));
  // 3D parallelism and the custom model (docs/training-model.md).
  t.push_back(field(
      "workload.training.global_batch", ST::integer, [](auto& s) -> auto& { return s.workload.training.global_batch; },
      at_least(0), "sequences",
      "> 0: 3D-parallel training (tp, pp, dp = GPUs / (tp x pp)) of this many sequences per iteration, needs a "
      "model; 0 = pure data parallelism"));
  t.push_back(field(
      "workload.training.tp", ST::integer, [](auto& s) -> auto& { return s.workload.training.tp; }, at_least(1), "GPUs",
      "tensor-parallel degree (with global_batch > 0): consecutive GPUs of one NVLink domain"));
  t.push_back(field(
      "workload.training.pp", ST::integer, [](auto& s) -> auto& { return s.workload.training.pp; }, at_least(1),
      "stages", "pipeline-parallel stages (with global_batch > 0), 1F1B schedule"));
  t.push_back(field(
      "workload.training.virtual_stages", ST::integer,
      [](auto& s) -> auto& { return s.workload.training.virtual_stages; }, at_least(1), "chunks",
      "interleaved 1F1B: model chunks per GPU (bubble / v, v x the pipeline sends); 1 = plain 1F1B"));
  t.push_back(name_field(
      "workload.training.recompute", [](auto& s) -> auto& { return s.workload.training.recompute; },
      [] {
        return std::vector<std::string>{"none", "selective", "full"};
      },
      "activation recomputation (Korthikanti et al. 2022): none, selective (attention core), full (every layer)"));
  t.push_back(field(
      "workload.training.sequence_parallel", ST::boolean,
      [](auto& s) -> auto& { return s.workload.training.sequence_parallel; }, any(), "",
      "sequence parallelism: activations outside the TP regions split over tp (memory only; same TP traffic)"));
  t.push_back(field(
      "workload.training.distributed_optimizer", ST::boolean,
      [](auto& s) -> auto& { return s.workload.training.distributed_optimizer; }, any(), "",
      "optimizer state sharded over DP; gradients reduce-scattered and parameters all-gathered (else all-reduced)"));
  t.push_back(field(
      "workload.training.checkpoint_bytes_per_param", ST::real,
      [](auto& s) -> auto& { return s.workload.training.checkpoint_bytes_per_param; }, at_least(0), "B/parameter",
      "> 0 (with a model): checkpoint size = model parameters x this (14 = bf16 weights + fp32 Adam state), "
      "replacing checkpoint_size; 0 = checkpoint_size"));
  const auto custom_int = [&t](const char* key, long workloads::TrainingSpec::Custom::*member, const char* unit,
                               const char* doc) {
    t.push_back(field(
        std::string("workload.training.custom.") + key,
        ST::integer, [member](auto& s) -> auto& { return s.workload.training.custom.*member; }, at_least(0), unit,
        doc));
  };
  custom_int("layers", &workloads::TrainingSpec::Custom::layers, "layers", "model: custom: transformer layers");
  custom_int("hidden", &workloads::TrainingSpec::Custom::hidden, "", "model: custom: hidden size h");
  custom_int("heads", &workloads::TrainingSpec::Custom::heads, "heads", "model: custom: attention heads");
  custom_int("kv_heads", &workloads::TrainingSpec::Custom::kv_heads, "heads",
             "model: custom: key/value heads (GQA); 0 = heads");
  custom_int("ffn", &workloads::TrainingSpec::Custom::ffn, "", "model: custom: MLP width; 0 = 4 x hidden");
  custom_int("seq", &workloads::TrainingSpec::Custom::seq, "tokens", "model: custom: sequence length");
  custom_int("vocab", &workloads::TrainingSpec::Custom::vocab, "tokens", "model: custom: vocabulary size");
  t.push_back(name_field(
      "workload.training.custom.style", [](auto& s) -> auto& { return s.workload.training.custom.style; },
      [] {
        return std::vector<std::string>{"llama", "gpt"};
      },
      "model: custom: llama (SwiGLU, RMSNorm, RoPE, untied head) or gpt (GELU, LayerNorm, biases, learned "
      "positions, tied head)"));
  t.push_back(name_field(
      "workload.training.custom.dtype", [](auto& s) -> auto& { return s.workload.training.custom.dtype; },
      [] {
        return std::vector<std::string>{"bf16", "fp16"};
      },
      "model: custom: 16-bit training precision"));
}

void add_collective(std::vector<Setting>& t) {
  using ST = SettingType;
  using workloads::CollectiveAlgorithm;
  using workloads::CollectiveOp;
  // Collective benchmark (workload.kind: collective). Which algorithms an op accepts is a cross-check in
  // scenario_checks.cpp, from workloads::valid_algorithms.
  t.push_back(enum_field(
      "workload.collective.op", [](auto& s) -> auto& { return s.workload.collective.op; },
      std::vector<std::pair<std::string, CollectiveOp>>{{"allreduce", CollectiveOp::allreduce},
                                                        {"allgather", CollectiveOp::allgather},
                                                        {"reducescatter", CollectiveOp::reducescatter},
                                                        {"alltoall", CollectiveOp::alltoall},
                                                        {"broadcast", CollectiveOp::broadcast}},
      "collective operation every group runs once per size"));
  t.push_back(enum_field(
      "workload.collective.algorithm", [](auto& s) -> auto& { return s.workload.collective.algorithm; },
      std::vector<std::pair<std::string, CollectiveAlgorithm>>{{"auto", CollectiveAlgorithm::automatic},
                                                               {"ring", CollectiveAlgorithm::ring},
                                                               {"tree", CollectiveAlgorithm::tree},
                                                               {"hierarchical", CollectiveAlgorithm::hierarchical},
                                                               {"direct", CollectiveAlgorithm::direct}},
      "auto (ring; direct for alltoall), ring, tree (allreduce, broadcast), hierarchical (allreduce, allgather, "
      "reducescatter), direct (alltoall)"));
  Setting sizes = field(
      "workload.collective.sizes", ST::size_list, [](auto& s) -> auto& { return s.workload.collective.sizes_bytes; },
      above(0), "", "message sizes S, as nccl-tests counts them (docs/collectives.md), run in this order");
  sizes.min_items = 1;
  t.push_back(std::move(sizes));
  t.push_back(field(
      "workload.collective.ranks", ST::integer, [](auto& s) -> auto& { return s.workload.collective.ranks; },
      at_least(2), "GPUs", "GPUs in one group (its ranks, in ascending GPU order)"));
  t.push_back(field(
      "workload.collective.groups", ST::integer, [](auto& s) -> auto& { return s.workload.collective.groups; },
      at_least(1), "groups", "groups running the same collective at the same time, each placed by policies.placement"));
}

void add_inference(std::vector<Setting>& t) {
  using ST = SettingType;
  // Inference service (workload.kind: inference; docs/inference.md). One service per scenario.
  using workloads::ArrivalProcess;
  using workloads::ServiceTimeDistribution;
  using workloads::TokenDistribution;
  t.push_back(field(
      "workload.inference.name", ST::string, [](auto& s) -> auto& { return s.workload.inference.name; }, any(), "",
      "the service's name, written in the service column of /requests (1 to 16 characters)"));
  t.push_back(name_field(
      "workload.inference.model", [](auto& s) -> auto& { return s.workload.inference.model; }, workloads::model_names,
      "transformer preset served; its kernels give prefill and decode times, its size the KV-cache capacity"));
  t.push_back(field(
      "workload.inference.replicas", ST::integer, [](auto& s) -> auto& { return s.workload.inference.replicas; },
      at_least(0), "replicas",
      "copies of the model, each on its own GPUs (placed by policies.placement); 0 = no service; with a workload.kind "
      "other than inference, > 0 runs the service next to the jobs"));
  t.push_back(field(
      "workload.inference.gpus_per_replica", ST::integer,
      [](auto& s) -> auto& { return s.workload.inference.gpus_per_replica; }, at_least(1), "GPUs",
      "GPUs of one replica = its tensor parallelism; they must share one NVLink domain"));
  t.push_back(enum_field(
      "workload.inference.arrival", [](auto& s) -> auto& { return s.workload.inference.arrival; },
      std::vector<std::pair<std::string, ArrivalProcess>>{
          {"poisson", ArrivalProcess::poisson}, {"diurnal", ArrivalProcess::diurnal}, {"trace", ArrivalProcess::trace}},
      "poisson: rate; diurnal: Poisson with rate x (1 + amplitude x sin(2 pi t / period)); trace: arrival_trace"));
  t.push_back(field(
      "workload.inference.rate", ST::real, [](auto& s) -> auto& { return s.workload.inference.rate_per_s; }, above(0),
      "requests/s", "mean arrival rate (poisson, diurnal)"));
  t.push_back(field(
      "workload.inference.diurnal_amplitude", ST::real,
      [](auto& s) -> auto& { return s.workload.inference.diurnal_amplitude; }, closed(0, 1), "",
      "diurnal: relative swing of the rate around its mean"));
  t.push_back(field(
      "workload.inference.diurnal_period", ST::time,
      [](auto& s) -> auto& { return s.workload.inference.diurnal_period_s; }, above(0), "",
      "diurnal: period of the rate's sine"));
  t.push_back(field(
      "workload.inference.arrival_trace", ST::path, [](auto& s) -> auto& { return s.workload.inference.trace_path; },
      any(), "",
      "arrival: trace: text file, one 'arrival_s[,prompt_tokens,output_tokens]' per line, relative to the scenario"));
  t.push_back(field(
      "workload.inference.requests", ST::integer, [](auto& s) -> auto& { return s.workload.inference.requests; },
      at_least(0), "requests", "requests to generate (trace: rows to read); 0 = no count limit (then use duration)"));
  t.push_back(field(
      "workload.inference.duration", ST::time, [](auto& s) -> auto& { return s.workload.inference.duration_s; },
      at_least(0), "", "no arrival after this simulated time; 0 = no time limit"));
  t.push_back(field(
      "workload.inference.max_batch", ST::integer, [](auto& s) -> auto& { return s.workload.inference.max_batch; },
      at_least(1), "sequences",
      "sequences in one batching iteration; with an explicit service_time: requests served at once per replica"));
  t.push_back(field(
      "workload.inference.max_batch_tokens", ST::integer,
      [](auto& s) -> auto& { return s.workload.inference.max_batch_tokens; }, at_least(1), "tokens",
      "tokens in one iteration: prompts of newly admitted sequences + one per decoding sequence"));
  t.push_back(field(
      "workload.inference.hbm_utilization", ST::real,
      [](auto& s) -> auto& { return s.workload.inference.hbm_utilization; }, left_open(0, 1), "",
      "fraction of each GPU's HBM for weights and KV cache; the rest is reserved (activations, workspace)"));
  t.push_back(field(
      "workload.inference.max_queue", ST::integer, [](auto& s) -> auto& { return s.workload.inference.max_queue; },
      at_least(0), "requests", "waiting requests per replica; an arrival beyond is dropped; 0 = no limit"));
  t.push_back(field(
      "workload.inference.max_retries", ST::integer, [](auto& s) -> auto& { return s.workload.inference.max_retries; },
      at_least(0), "", "times a request whose replica failed under it is re-routed; one more failure and it fails"));
  const std::vector<std::pair<std::string, TokenDistribution>> token_kinds{{"constant", TokenDistribution::constant},
                                                                           {"uniform", TokenDistribution::uniform},
                                                                           {"lognormal", TokenDistribution::lognormal}};
  for (const char* which : {"prompt_tokens", "output_tokens"}) {
    const bool prompt = std::string_view(which) == "prompt_tokens";
    const auto tokens = [prompt](auto& s) -> auto& {
      return prompt ? s.workload.inference.prompt_tokens : s.workload.inference.output_tokens;
    };
    const std::string base = std::string("workload.inference.") + which;
    const std::string noun = prompt ? "prompt" : "output";
    t.push_back(enum_field(
        base + ".distribution", [tokens](auto& s) -> auto& { return tokens(s).distribution; }, token_kinds,
        "distribution of " + noun + " lengths: constant (= median), uniform integers in [min, max], lognormal"));
    t.push_back(field(
        base + ".median", ST::integer, [tokens](auto& s) -> auto& { return tokens(s).median; }, at_least(1), "tokens",
        "constant: the value; lognormal: the median"));
    t.push_back(field(
        base + ".sigma", ST::real, [tokens](auto& s) -> auto& { return tokens(s).sigma; }, at_least(0), "",
        "lognormal shape: standard deviation of ln(length)"));
    t.push_back(field(
        base + ".min", ST::integer, [tokens](auto& s) -> auto& { return tokens(s).min; }, at_least(1), "tokens",
        "drawn lengths are clamped to at least this"));
    t.push_back(field(
        base + ".max", ST::integer, [tokens](auto& s) -> auto& { return tokens(s).max; }, at_least(1), "tokens",
        "drawn lengths are clamped to at most this (>= min)"));
  }
  t.push_back(field(
      "workload.inference.slo.ttft", ST::time, [](auto& s) -> auto& { return s.workload.inference.slo_ttft_s; },
      at_least(0), "", "time-to-first-token objective; 0 = none"));
  t.push_back(field(
      "workload.inference.slo.tpot", ST::time, [](auto& s) -> auto& { return s.workload.inference.slo_tpot_s; },
      at_least(0), "", "time-per-output-token objective (after the first token); 0 = none"));
  t.push_back(field(
      "workload.inference.slo.e2e", ST::time, [](auto& s) -> auto& { return s.workload.inference.slo_e2e_s; },
      at_least(0), "", "end-to-end latency objective (arrival to last token); 0 = none"));
  t.push_back(enum_field(
      "workload.inference.service_time.distribution",
      [](auto& s) -> auto& { return s.workload.inference.service_time; },
      std::vector<std::pair<std::string, ServiceTimeDistribution>>{
          {"none", ServiceTimeDistribution::none},
          {"deterministic", ServiceTimeDistribution::deterministic},
          {"exponential", ServiceTimeDistribution::exponential},
          {"lognormal", ServiceTimeDistribution::lognormal},
          {"empirical", ServiceTimeDistribution::empirical}},
      "none: times from the kernel model; otherwise each request takes a drawn time, max_batch at once per replica"));
  t.push_back(field(
      "workload.inference.service_time.mean", ST::time,
      [](auto& s) -> auto& { return s.workload.inference.service_time_mean_s; }, above(0), "",
      "deterministic: the value; exponential: the mean; lognormal: the median"));
  t.push_back(field(
      "workload.inference.service_time.sigma", ST::real,
      [](auto& s) -> auto& { return s.workload.inference.service_time_sigma; }, at_least(0), "",
      "lognormal shape: standard deviation of ln(service time)"));
  t.push_back(field(
      "workload.inference.service_time.path", ST::path,
      [](auto& s) -> auto& { return s.workload.inference.service_time_path; }, any(), "",
      "empirical: file of service-time samples in seconds, one per line, relative to the scenario"));
}

} // namespace

void add_workload_settings(std::vector<Setting>& t) {
  add_synthetic(t);
  add_trace(t);
  add_training(t);
  add_collective(t);
  add_inference(t);
}

} // namespace racksim::sim::table
