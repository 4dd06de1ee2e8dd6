#pragma once
// The workload section of a scenario, as plain typed values.

#include "workloads/collective/collective.hpp"

#include <string>
#include <vector>

namespace racksim::workloads {

enum class DurationDistribution { constant, exponential, lognormal, pareto };
// How job submissions arrive (docs/workload-model.md, "Synthetic jobs").
enum class SyntheticArrival { poisson, diurnal, mmpp };
// Where a job's (GPUs, duration) comes from: the parametric lists and distributions, or whole rows of a trace.
enum class SyntheticSizes { parametric, empirical };

// Trace formats (docs/workload-model.md, "Trace formats", gives each one's columns, mapping and source).
enum class TraceFormat { chronus_philly, gavel_philly, tiresias, helios, alibaba_v2020, alibaba_v2023, swf };

// What happens to a well-formed row the cluster cannot run (0 GPUs, more GPUs than the cluster, a run time <= 0, a
// job that never ran): skip it and count it, clamp it into range and count it, or stop with the row's location.
enum class BadRowPolicy { skip, clamp, error };

struct SyntheticSpec {
  int jobs = 100;                   // number of jobs to generate
  double mean_interarrival_s = 600; // long-run mean time between submissions (before load_scale)
  double load_scale = 1;            // arrival rates x this: inter-arrival times / load_scale
  SyntheticArrival arrival = SyntheticArrival::poisson;
  // diurnal: rate(t) = base x (1 + amplitude x cos(2 pi (t - peak) / period)), base = load_scale / mean_interarrival_s
  double diurnal_amplitude = 0.5;
  double diurnal_period_s = 86400;
  double diurnal_peak_s = 14 * 3600.0; // time of day of the highest rate
  // mmpp: two states; the burst state's rate is burst_multiplier x the calm state's; the long-run mean rate stays
  // load_scale / mean_interarrival_s.
  double mmpp_burst_multiplier = 10;
  double mmpp_calm_mean_s = 4 * 3600.0; // mean sojourn in the calm state
  double mmpp_burst_mean_s = 1800;      // mean sojourn in the burst state
  SyntheticSizes sizes = SyntheticSizes::parametric;
  std::vector<int> gpu_values{1, 2, 4, 8}; // GPU counts a job may ask for
  std::vector<double> gpu_weights{};       // relative weights, same length; empty = uniform
  DurationDistribution duration_distribution = DurationDistribution::lognormal;
  double duration_median_s = 3600; // median (lognormal), mean (exponential) or value (constant)
  double duration_sigma = 1.0;     // lognormal shape (std-dev of ln duration)
  double pareto_shape = 2.5;       // pareto: alpha (the mean is finite for alpha > 1)
  double pareto_scale_s = 1800;    // pareto: x_m, the smallest value
  double duration_min_s = 60;      // drawn durations are clamped to [min, max]
  double duration_max_s = 7 * 86400.0;
  std::string empirical_trace; // sizes empirical: (GPUs, duration) rows resampled from this trace
  TraceFormat empirical_format = TraceFormat::chronus_philly;
  long iterations = 0; // > 0: every job runs this many iterations (work-defined) instead
  // Scheduling classes (JobSpec::priority): 1 = every job class 0; k > 1 = each job's class uniform in 0..k-1, drawn
  // from its own stream, so the other draws are the same whatever k is.
  int priority_classes = 1;
};

struct TraceSpec {
  TraceFormat format = TraceFormat::chronus_philly;
  std::string path;        // resolved relative to the scenario file
  std::string task_path;   // alibaba_v2020 only: pai_task_table.csv (path is pai_job_table.csv)
  long limit = 0;          // read at most this many jobs (0 = all)
  double time_scale = 1.0; // multiply submit times by this (0.5 = twice the load)
  BadRowPolicy bad_rows = BadRowPolicy::skip;
  int swf_processors_per_gpu = 1; // swf only: processors that make one GPU (GPUs = ceil(processors / this))
};

// The storage tier a job writes checkpoints to or reads its data set from (platform.storage; docs/workload-model.md,
// "Storage tiers").
enum class StorageTier { pfs, nvme, object_store };
// Where checkpoints written to node-local NVMe are copied in the background ("drained"); none = they stay there.
enum class DrainTarget { none, pfs, object_store };

// How a training job turns into simulated activities. See docs/workload-model.md.
struct TrainingSpec {
  double iteration_time_s = 1.0;                    // one iteration (compute + all-reduce) when placed well
  double gradient_bytes = 2.0 * 1024 * 1024 * 1024; // data-parallel all-reduce volume per iteration
  long checkpoint_every = 1000;                     // iterations between checkpoints (0 = never)
  double checkpoint_bytes = 16.0 * 1024 * 1024 * 1024;
  long max_iterations_per_step = 1000; // fidelity: iterations aggregated into one exec + one all-reduce
  std::string model = "none";          // a step-model preset (workloads/training/step_model.hpp) or "none"
  long micro_batch = 0;                // sequences per GPU per iteration; 0 = the preset's
  StorageTier checkpoint_tier = StorageTier::pfs;
  DrainTarget checkpoint_drain = DrainTarget::none; // only with checkpoint_tier nvme
  StorageTier dataset_tier = StorageTier::pfs;
  double dataset_read_bytes = 0; // read by each GPU per iteration, overlapped with compute; 0 = no reads
  // 3D parallelism (docs/training-model.md): on when global_batch > 0 (needs a model); else pure data parallelism.
  long global_batch = 0;     // sequences per iteration over the whole job
  long tp = 1, pp = 1;       // tensor- and pipeline-parallel degrees; dp = GPUs / (tp x pp)
  long virtual_stages = 1;   // interleaved 1F1B: model chunks per GPU (1 = plain 1F1B)
  std::string recompute = "none"; // activation recomputation: none | selective | full
  bool sequence_parallel = false;
  bool distributed_optimizer = true;
  double checkpoint_bytes_per_param = 0; // > 0: checkpoint size = parameters x this (replaces checkpoint_bytes)
  // model: custom — the transformer's shape from these (docs/training-model.md)
  struct Custom {
    long layers = 0, hidden = 0, heads = 0, kv_heads = 0, ffn = 0, seq = 0, vocab = 0;
    std::string style = "llama"; // llama (SwiGLU, RMSNorm, RoPE, untied) | gpt (GELU, LayerNorm, biases, tied)
    std::string dtype = "bf16";
  } custom;
};

// nccl-tests-style collective benchmark: every group of `ranks` GPUs runs `op` once per size, all groups at once.
// See docs/collectives.md.
struct CollectiveSpec {
  CollectiveOp op = CollectiveOp::allreduce;
  CollectiveAlgorithm algorithm = CollectiveAlgorithm::automatic;
  // S per run, nccl-tests' "size" (docs/collectives.md): 1 MiB, 64 MiB, 1 GiB.
  std::vector<double> sizes_bytes{1024.0 * 1024, 64.0 * 1024 * 1024, 1024.0 * 1024 * 1024};
  int ranks = 8;  // GPUs per group
  int groups = 1; // concurrent groups, each placed by the placement policy
};

// An inference service: one per scenario (docs/inference.md). Replicas of a model serve requests with continuous
// batching; timings from the kernel model, or from an explicit service-time distribution for what-if studies.
enum class ArrivalProcess { poisson, diurnal, trace };
enum class TokenDistribution { constant, uniform, lognormal };
enum class ServiceTimeDistribution { none, deterministic, exponential, lognormal, empirical };

// Token counts: constant = median; uniform = integers in [min, max]; lognormal(median, sigma) rounded, clamped.
struct TokenSpec {
  TokenDistribution distribution = TokenDistribution::lognormal;
  long median = 0;
  double sigma = 1.0;
  long min = 1;
  long max = 0;
};

struct InferenceSpec {
  std::string name = "service";   // the `service` column of /requests (1 to 16 characters)
  std::string model = "llama3-8b"; // a step-model preset (workloads/training/step_model.hpp)
  int replicas = 0;          // 0 = no service (workload.kind inference needs >= 1; other kinds: a service next to jobs)
  int gpus_per_replica = 1; // tensor parallelism, inside one NVLink domain
  ArrivalProcess arrival = ArrivalProcess::poisson;
  double rate_per_s = 10;               // mean arrival rate (poisson, diurnal)
  double diurnal_amplitude = 0.5;       // rate(t) = rate x (1 + amplitude x sin(2 pi t / period))
  double diurnal_period_s = 86400;
  std::string trace_path;               // arrival: trace; one arrival per line (docs/inference.md)
  long requests = 1000;                 // arrivals to generate (trace: rows to read); 0 = no count limit
  double duration_s = 0;                // no arrival after this time; 0 = no time limit
  TokenSpec prompt_tokens{TokenDistribution::lognormal, 512, 1.0, 1, 8192};
  TokenSpec output_tokens{TokenDistribution::lognormal, 128, 1.0, 1, 2048};
  int max_batch = 256;                   // sequences in one iteration (explicit service time: concurrent servers)
  long max_batch_tokens = 16384;         // tokens processed in one iteration (prompts + one per decoding sequence)
  double hbm_utilization = 0.9;          // fraction of HBM for weights + KV cache; the rest is a reserve
  long max_queue = 0;                    // waiting requests per replica beyond which arrivals are dropped; 0 = no limit
  long max_retries = 2;                  // re-routings of a request whose replica failed before it fails
  double slo_ttft_s = 0, slo_tpot_s = 0, slo_e2e_s = 0; // 0 = no objective
  ServiceTimeDistribution service_time = ServiceTimeDistribution::none;
  double service_time_mean_s = 1;        // deterministic: the value; exponential: the mean; lognormal: the median
  double service_time_sigma = 1;         // lognormal shape
  std::string service_time_path;         // empirical: one sample (seconds) per line
};

enum class WorkloadKind { synthetic, trace, collective, inference };

struct WorkloadSpec {
  WorkloadKind kind = WorkloadKind::synthetic;
  SyntheticSpec synthetic;
  TraceSpec trace;
  TrainingSpec training;
  CollectiveSpec collective;
  InferenceSpec inference;
};

} // namespace racksim::workloads
