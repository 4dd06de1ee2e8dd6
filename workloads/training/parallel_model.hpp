#pragma once
// Megatron-style 3D-parallel training of a transformer (tensor, pipeline and data parallelism) as plain
// arithmetic: the compute of one iteration on the busiest pipeline stage with the 1F1B bubble, the volumes of its
// TP, PP and DP communication, memory per GPU, model FLOPs and MFU. The engine turns the result into SimGrid
// activities (sim/engine/engine.cpp); every formula is in docs/training-model.md. No SimGrid.

#include "workloads/calibration/calibration.hpp"
#include "workloads/spec.hpp"
#include "workloads/training/step_model.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace racksim::workloads {

enum class Recompute { none, selective, full };
const char* to_string(Recompute r);

// A job's parallel layout and batch, as the scenario gives them (workload.training.*).
struct ParallelConfig {
  std::int64_t tp = 1, pp = 1;
  std::int64_t virtual_stages = 1; // interleaved 1F1B: model chunks per GPU (Narayanan et al. 2021, section 2.2.2)
  std::int64_t global_batch = 0;   // sequences per iteration over the whole job
  Recompute recompute = Recompute::none;
  bool sequence_parallel = false;    // Korthikanti et al.: norms/dropout split over the TP group (memory only here)
  bool distributed_optimizer = true; // Megatron's ZeRO-1: optimizer state sharded over DP; grads reduce-scattered
};

// The scenario's model: a preset (with micro_batch applied when > 0) or, for "custom", the shape in
// workload.training.custom (kv_heads 0 = heads, ffn 0 = 4 x hidden). Throws std::invalid_argument for an unknown
// preset or an invalid custom shape.
TransformerSpec resolve_model(const TrainingSpec& spec);
// tp, pp, global_batch, recompute, sequence_parallel, distributed_optimizer of the scenario.
ParallelConfig parallel_config(const TrainingSpec& spec);

// Why a layout cannot run: not divisible, or does not fit in HBM. The message names what is wrong.
class ParallelismError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Bytes per GPU of the first pipeline stage (the one holding the most activations under 1F1B).
struct MemoryBreakdown {
  double weights = 0, grads = 0, optimizer = 0, activations = 0;
  double total() const { return weights + grads + optimizer + activations; }
  // "weights 6.3 GiB + grads 12.6 GiB + optimizer 0.2 GiB + activations 34.0 GiB = 53.1 GiB"
  std::string describe() const;
};

// Mixed-precision Adam (Megatron with bf16/fp16 and fp32 main gradients; docs/training-model.md):
inline constexpr double grad_bytes_per_param = 4;       // fp32 main gradients
inline constexpr double optimizer_bytes_per_param = 12; // fp32 master weights + Adam m + v
// A checkpoint holds bf16 weights + the fp32 optimizer state: 2 + 12 bytes per parameter.
inline constexpr double checkpoint_bytes_per_param_megatron = 14;

// Checkpoint size with a model: parameters x checkpoint_bytes_per_param when that is > 0, else the scenario's
// checkpoint_size (so existing scenarios keep theirs).
double checkpoint_bytes(const TrainingSpec& spec, const TransformerSpec& model);

// Parameters held by one GPU of the first pipeline stage: its ceil(layers / pp) layers and the input embedding
// (and learned positions), plus the final norm and untied head when pp = 1; projections and embeddings split over
// tp (norms are replicated but counted / tp too: they are < 0.01% of a layer).
double stage_parameters(const TransformerSpec& model, std::int64_t tp, std::int64_t pp);

// Korthikanti et al. 2022, Table 2, per layer per micro-batch, bytes (s seq, b micro-batch, h hidden, a heads,
// t tp), 16-bit activations: none: s.b.h.(10 + 24/t + 5.a.s/(h.t)); selective: s.b.h.(10 + 24/t); with sequence
// parallelism the 10 becomes 10/t; full recompute: 2.s.b.h (only the layer input; / t with sequence parallelism).
double activation_bytes_per_layer(const TransformerSpec& model, std::int64_t tp, Recompute recompute,
                                  bool sequence_parallel);

MemoryBreakdown memory_per_gpu(const TransformerSpec& model, const ParallelConfig& config, std::int64_t dp,
                               std::int64_t micro_batches);

// 1F1B (Narayanan et al. 2021, section 2.2.1): pipeline time = (m + pp - 1) / m x the ideal; interleaved with v
// model chunks per GPU (section 2.2.2): 1 + (pp - 1) / (v m).
double bubble_factor(std::int64_t micro_batches, std::int64_t pp, std::int64_t virtual_stages = 1);

// Model FLOPs of one iteration (PaLM, Chowdhery et al. 2022, Appendix B): tokens x (6 N + 12 L h s), N = all
// parameters, L layers, h hidden, s sequence length; no recomputation counted.
double model_flops_per_iteration(const TransformerSpec& model, std::int64_t global_batch);
// Megatron-LM's count (Narayanan et al. 2021, eq. 3), which includes the forward recomputation of full activation
// checkpointing: 96 B s L h^2 (1 + s/(6h) + V/(16 L h)). Used to compare with that paper's TFLOP/s.
double megatron_flops_per_iteration(const TransformerSpec& model, std::int64_t global_batch);
// flops / (iteration_s x gpus x peak): model FLOPs utilization.
double mfu(double flops_per_iteration, double iteration_s, std::int64_t gpus, double peak_flops);

// One iteration of one job, per GPU of the busiest (first) stage. Times are at the GPU's modelled rate (the timer),
// volumes in bytes.
struct IterationCosts {
  std::int64_t tp = 1, pp = 1, dp = 1, micro_batches = 1;
  double fwd_bwd_s = 0;   // forward + backward of all m micro-batches, embedding and head included, no bubble
  double pipeline_s = 0;  // fwd_bwd_s x bubble_factor
  double overlap_s = 0;   // backward of one micro-batch: the compute the DP gradient reduce-scatter overlaps
  double optimizer_s = 0; // AdamW over this GPU's parameters (its shard of them with the distributed optimizer)
  // TP: all-reduces of s.b.h x dtype bytes each, 4 per layer per micro-batch (6 with full recompute), over the
  // ceil(L/pp) layers of a stage and the (m + pp - 1) micro-batch slots of the 1F1B critical path.
  double tp_allreduce_bytes = 0;
  double tp_allreduces = 0;
  // PP: per adjacent-stage GPU pair and direction, per micro-batch and model chunk: s.b.h x dtype / tp (Megatron's
  // scatter-gather); pp_sends = m x v such sends per direction.
  double pp_bytes_per_microbatch = 0;
  double pp_sends = 0;
  // DP: reduce-scatter of fp32 gradients (S = stage parameters x 4) then all-gather of the updated 16-bit
  // parameters (S = stage parameters x dtype); without the distributed optimizer one all-reduce of the gradients.
  double dp_grad_bytes = 0;
  double dp_param_bytes = 0;
  double stage_params = 0;
  MemoryBreakdown memory;
  double model_flops = 0; // per iteration, whole job
  double tokens = 0;      // per iteration, whole job
};

// Checks the layout (gpus a multiple of tp x pp, global_batch a multiple of dp x micro_batch, heads/ffn divisible
// by tp, pp <= layers) and the memory (hbm_bytes > 0: the first stage must fit), then times the compute with
// `timer`. Throws ParallelismError naming the model, the layout and what does not divide or fit.
IterationCosts plan_iteration(const TransformerSpec& model, const ParallelConfig& config, std::int64_t gpus,
                              const KernelTimer& timer, double hbm_bytes, const std::string& gpu_name);

// Just the checks of plan_iteration (no timer): for the scenario layer. Returns dp.
std::int64_t check_layout(const TransformerSpec& model, const ParallelConfig& config, std::int64_t gpus,
                          double hbm_bytes, const std::string& gpu_name);

} // namespace racksim::workloads
