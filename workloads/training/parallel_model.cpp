// 3D-parallel training arithmetic (docs/training-model.md gives every formula and its source).

#include "workloads/training/parallel_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace racksim::workloads {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  return buf;
}

std::string layout_name(const TransformerSpec& model, const ParallelConfig& c, std::int64_t dp) {
  return model.name + " tp=" + std::to_string(c.tp) + " pp=" + std::to_string(c.pp) + " dp=" + std::to_string(dp);
}

} // namespace

const char* to_string(Recompute r) {
  switch (r) {
  case Recompute::none:
    return "none";
  case Recompute::selective:
    return "selective";
  case Recompute::full:
    return "full";
  }
  return "?";
}

TransformerSpec resolve_model(const TrainingSpec& spec) {
  TransformerSpec model;
  if (spec.model == "custom") {
    const auto& c = spec.custom;
    model.name = "custom";
    model.layers = c.layers;
    model.hidden = c.hidden;
    model.heads = c.heads;
    model.kv_heads = c.kv_heads > 0 ? c.kv_heads : c.heads;
    model.ffn = c.ffn > 0 ? c.ffn : 4 * c.hidden;
    model.seq = c.seq;
    model.vocab = c.vocab;
    const bool gpt = c.style == "gpt";
    model.swiglu = !gpt;
    model.rmsnorm = !gpt;
    model.tied_embeddings = gpt;
    model.linear_biases = gpt;
    model.learned_positions = gpt;
    model.dtype = c.dtype;
    model.micro_batch = 1;
  } else {
    model = find_model(spec.model);
  }
  if (spec.micro_batch > 0) model.micro_batch = spec.micro_batch;
  parameter_count(model); // validates the shape
  return model;
}

double checkpoint_bytes(const TrainingSpec& spec, const TransformerSpec& model) {
  return spec.checkpoint_bytes_per_param > 0 ? parameter_count(model) * spec.checkpoint_bytes_per_param
                                             : spec.checkpoint_bytes;
}

ParallelConfig parallel_config(const TrainingSpec& spec) {
  ParallelConfig c;
  c.tp = spec.tp;
  c.pp = spec.pp;
  c.virtual_stages = spec.virtual_stages;
  c.global_batch = spec.global_batch;
  c.recompute = spec.recompute == "full"        ? Recompute::full
                : spec.recompute == "selective" ? Recompute::selective
                                                : Recompute::none;
  c.sequence_parallel = spec.sequence_parallel;
  c.distributed_optimizer = spec.distributed_optimizer;
  return c;
}

std::string MemoryBreakdown::describe() const {
  return "weights " + gib(weights) + " + grads " + gib(grads) + " + optimizer " + gib(optimizer) + " + activations " +
         gib(activations) + " = " + gib(total());
}

double stage_parameters(const TransformerSpec& model, std::int64_t tp, std::int64_t pp) {
  // Per-layer and non-layer parameters from parameter_count itself, so the two never disagree.
  TransformerSpec one = model, two = model;
  one.layers = 1;
  two.layers = 2;
  const double per_layer = parameter_count(two) - parameter_count(one);
  const double h = static_cast<double>(model.hidden), v = static_cast<double>(model.vocab);
  const double norm = model.rmsnorm ? h : 2 * h;
  double first = static_cast<double>(ceil_div(model.layers, pp)) * per_layer + v * h;
  if (model.learned_positions) first += static_cast<double>(model.seq) * h;
  if (pp == 1) first += norm + (model.tied_embeddings ? 0 : v * h);
  return first / static_cast<double>(tp);
}

double activation_bytes_per_layer(const TransformerSpec& model, std::int64_t tp, Recompute recompute,
                                  bool sequence_parallel) {
  const double s = static_cast<double>(model.seq), b = static_cast<double>(model.micro_batch);
  const double h = static_cast<double>(model.hidden), a = static_cast<double>(model.heads);
  const double t = static_cast<double>(tp);
  const double sbh = s * b * h;
  if (recompute == Recompute::full) return sequence_parallel ? 2 * sbh / t : 2 * sbh;
  const double replicated = sequence_parallel ? 10 / t : 10;
  const double attention_scores = recompute == Recompute::selective ? 0 : 5 * a * s / (h * t);
  return sbh * (replicated + 24 / t + attention_scores);
}

MemoryBreakdown memory_per_gpu(const TransformerSpec& model, const ParallelConfig& config, std::int64_t dp,
                               std::int64_t micro_batches) {
  const double params = stage_parameters(model, config.tp, config.pp);
  MemoryBreakdown m;
  m.weights = params * dtype_bytes(model.dtype);
  m.grads = params * grad_bytes_per_param;
  m.optimizer = params * optimizer_bytes_per_param / (config.distributed_optimizer ? static_cast<double>(dp) : 1.0);
  // 1F1B: the first stage holds the activations of min(pp, m) micro-batches in flight.
  // Interleaving holds (1 + (pp - 1) / (pp v)) times more (Korthikanti et al. 2022, section 4.2.3).
  double in_flight = static_cast<double>(std::min(config.pp, micro_batches));
  if (config.virtual_stages > 1)
    in_flight *= 1 + static_cast<double>(config.pp - 1) / static_cast<double>(config.pp * config.virtual_stages);
  m.activations = activation_bytes_per_layer(model, config.tp, config.recompute, config.sequence_parallel) *
                  static_cast<double>(ceil_div(model.layers, config.pp)) * in_flight;
  return m;
}

double bubble_factor(std::int64_t micro_batches, std::int64_t pp, std::int64_t virtual_stages) {
  if (micro_batches < 1 || pp < 1 || virtual_stages < 1)
    throw std::invalid_argument("bubble_factor: micro_batches, pp and virtual_stages must be >= 1");
  return 1 + static_cast<double>(pp - 1) / static_cast<double>(virtual_stages * micro_batches);
}

double model_flops_per_iteration(const TransformerSpec& model, std::int64_t global_batch) {
  const double tokens = static_cast<double>(global_batch) * static_cast<double>(model.seq);
  const double n = parameter_count(model);
  return tokens * (6 * n + 12.0 * static_cast<double>(model.layers) * static_cast<double>(model.hidden) *
                               static_cast<double>(model.seq));
}

double megatron_flops_per_iteration(const TransformerSpec& model, std::int64_t global_batch) {
  const double B = static_cast<double>(global_batch), s = static_cast<double>(model.seq);
  const double l = static_cast<double>(model.layers), h = static_cast<double>(model.hidden);
  const double V = static_cast<double>(model.vocab);
  return 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
}

double mfu(double flops_per_iteration, double iteration_s, std::int64_t gpus, double peak_flops) {
  if (!(iteration_s > 0) || gpus < 1 || !(peak_flops > 0)) return 0;
  return flops_per_iteration / (iteration_s * static_cast<double>(gpus) * peak_flops);
}

std::int64_t check_layout(const TransformerSpec& model, const ParallelConfig& c, std::int64_t gpus, double hbm_bytes,
                          const std::string& gpu_name) {
  if (c.tp < 1 || c.pp < 1) throw ParallelismError("tp and pp must be at least 1");
  const std::string tp_pp = model.name + " tp=" + std::to_string(c.tp) + " pp=" + std::to_string(c.pp);
  if (gpus % (c.tp * c.pp) != 0)
    throw ParallelismError(tp_pp + ": a job of " + std::to_string(gpus) +
                           " GPUs is not a multiple of tp x pp = " + std::to_string(c.tp * c.pp));
  const std::int64_t dp = gpus / (c.tp * c.pp);
  if (c.pp > model.layers)
    throw ParallelismError(tp_pp + ": pp is larger than the model's " + std::to_string(model.layers) + " layers");
  if (model.heads % c.tp != 0 || model.ffn % c.tp != 0)
    throw ParallelismError(tp_pp + ": heads (" + std::to_string(model.heads) + ") and ffn (" +
                           std::to_string(model.ffn) + ") must split evenly over tp");
  if (c.global_batch < 1) throw ParallelismError(tp_pp + ": global_batch must be at least 1");
  const std::int64_t per_step = dp * model.micro_batch;
  if (c.global_batch % per_step != 0)
    throw ParallelismError(layout_name(model, c, dp) + ": global_batch " + std::to_string(c.global_batch) +
                           " is not a multiple of dp x micro_batch = " + std::to_string(per_step));
  const std::int64_t m = c.global_batch / per_step;
  if (c.virtual_stages < 1) throw ParallelismError(tp_pp + ": virtual_stages must be at least 1");
  if (c.virtual_stages > 1) {
    if (c.pp < 2) throw ParallelismError(tp_pp + ": virtual_stages > 1 needs pp > 1");
    if (m % c.pp != 0)
      throw ParallelismError(layout_name(model, c, dp) + ": the interleaved schedule needs the " + std::to_string(m) +
                             " micro-batches to be a multiple of pp");
    if (c.pp * c.virtual_stages > model.layers)
      throw ParallelismError(tp_pp + ": pp x virtual_stages is more than the model's " + std::to_string(model.layers) +
                             " layers");
  }
  if (hbm_bytes > 0) {
    const auto mem = memory_per_gpu(model, c, dp, m);
    if (mem.total() > hbm_bytes)
      throw ParallelismError(layout_name(model, c, dp) + " micro_batch=" + std::to_string(model.micro_batch) +
                             " recompute=" + to_string(c.recompute) + ": " + mem.describe() + " > " + gib(hbm_bytes) +
                             " HBM of " + gpu_name);
  }
  return dp;
}

IterationCosts plan_iteration(const TransformerSpec& model, const ParallelConfig& c, std::int64_t gpus,
                              const KernelTimer& timer, double hbm_bytes, const std::string& gpu_name) {
  IterationCosts out;
  out.dp = check_layout(model, c, gpus, hbm_bytes, gpu_name);
  out.tp = c.tp;
  out.pp = c.pp;
  const std::int64_t m = c.global_batch / (out.dp * model.micro_batch);
  out.micro_batches = m;
  const Parallelism par{c.tp, c.pp, out.dp};

  // Compute of the busiest stage: every call but the optimizer's, for all m micro-batches.
  const auto calls = iteration_calls(model, par, m);
  const auto one_mb = iteration_calls(model, par, 1);
  const double layers_here = static_cast<double>(ceil_div(model.layers, c.pp));
  double fwd_bwd = 0, optimizer = 0, overlap = 0;
  for (const auto& call : calls) {
    const double t = static_cast<double>(call.count) * timer.time_s(call);
    if (call.phase == "optimizer") {
      // The distributed optimizer updates only this rank's 1/dp shard.
      KernelCall shard = call;
      if (c.distributed_optimizer) shard.m = ceil_div(call.m, out.dp);
      optimizer += static_cast<double>(shard.count) * timer.time_s(shard);
    } else {
      fwd_bwd += t;
    }
  }
  for (const auto& call : one_mb)
    if (call.phase == "bwd") overlap += static_cast<double>(call.count) * timer.time_s(call);
  // Recomputation: full reruns each layer's forward before its backward; selective reruns the attention core.
  if (c.recompute != Recompute::none)
    for (const auto& call : layer_calls(model, par)) {
      const bool again =
          call.phase == "fwd" && (c.recompute == Recompute::full || std::string_view(call.kernel) == "attention_fwd");
      if (again) fwd_bwd += layers_here * static_cast<double>(m) * timer.time_s(call);
    }
  out.fwd_bwd_s = fwd_bwd;
  const double bubble = bubble_factor(m, c.pp, c.virtual_stages);
  out.pipeline_s = fwd_bwd * bubble;
  out.overlap_s = std::min(overlap, out.pipeline_s);
  out.optimizer_s = optimizer;

  const double act = static_cast<double>(model.seq) * static_cast<double>(model.micro_batch) *
                     static_cast<double>(model.hidden) * dtype_bytes(model.dtype);
  if (c.tp > 1) {
    out.tp_allreduce_bytes = act;
    const double per_layer = c.recompute == Recompute::full ? 6 : 4;
    out.tp_allreduces = per_layer * layers_here * static_cast<double>(m) * bubble;
  }
  if (c.pp > 1) {
    out.pp_bytes_per_microbatch = act / static_cast<double>(c.tp);
    out.pp_sends = static_cast<double>(m * c.virtual_stages);
  }
  out.stage_params = stage_parameters(model, c.tp, c.pp);
  if (out.dp > 1) {
    out.dp_grad_bytes = out.stage_params * grad_bytes_per_param;
    out.dp_param_bytes = c.distributed_optimizer ? out.stage_params * dtype_bytes(model.dtype) : 0;
  }
  out.memory = memory_per_gpu(model, c, out.dp, m);
  out.model_flops = model_flops_per_iteration(model, c.global_batch);
  out.tokens = static_cast<double>(c.global_batch) * static_cast<double>(model.seq);
  return out;
}

} // namespace racksim::workloads
