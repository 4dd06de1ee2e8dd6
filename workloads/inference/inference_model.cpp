// Inference iterations as kernel launches, KV-cache capacity and continuous-batching admission
// (docs/inference.md gives the formulas and their limits).

#include "workloads/inference/inference_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string_view>
#include <utility>

namespace racksim::workloads {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

std::string gib(double bytes) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
  return text;
}

// KV heads held by one GPU of the TP group: kv_heads / tp, or 1 (replicated) when tp > kv_heads.
std::int64_t kv_heads_per_gpu(const TransformerSpec& model, std::int64_t tp) {
  return std::max<std::int64_t>(1, model.kv_heads / tp);
}

void check_tp(const TransformerSpec& model, std::int64_t tp) {
  if (tp < 1) throw std::invalid_argument("tensor parallelism must be at least 1");
  const std::string what = "model '" + model.name + "' with tp = " + std::to_string(tp) + ": ";
  if (model.heads % tp != 0) throw std::invalid_argument(what + "heads must be a multiple of tp");
  if (model.ffn % tp != 0) throw std::invalid_argument(what + "ffn must be a multiple of tp");
  if (model.kv_heads % tp != 0 && tp % model.kv_heads != 0)
    throw std::invalid_argument(what + "kv_heads and tp must divide one another");
}

} // namespace

double weight_bytes(const TransformerSpec& model) {
  return parameter_count(model) * dtype_bytes(model.dtype);
}

double kv_bytes_per_token_per_gpu(const TransformerSpec& model, std::int64_t tp) {
  check_tp(model, tp);
  const double head_dim = static_cast<double>(model.hidden / model.heads);
  return 2.0 * static_cast<double>(model.layers) * static_cast<double>(kv_heads_per_gpu(model, tp)) * head_dim *
         dtype_bytes(model.dtype);
}

ReplicaMemory replica_memory(const TransformerSpec& model, std::int64_t tp, double hbm_bytes_per_gpu,
                             double hbm_utilization) {
  ReplicaMemory m;
  m.hbm_bytes_per_gpu = hbm_bytes_per_gpu;
  m.usable_bytes_per_gpu = hbm_bytes_per_gpu * hbm_utilization;
  m.weight_bytes_per_gpu = weight_bytes(model) / static_cast<double>(tp);
  m.kv_bytes_per_token = kv_bytes_per_token_per_gpu(model, tp);
  const double free = m.usable_bytes_per_gpu - m.weight_bytes_per_gpu;
  if (!(free > 0))
    throw ModelDoesNotFit("model '" + model.name + "' does not fit: its weights are " + gib(weight_bytes(model)) +
                          " (" + std::to_string(static_cast<long long>(weight_bytes(model))) + " B), " +
                          gib(m.weight_bytes_per_gpu) + " per GPU over " + std::to_string(tp) +
                          " GPU(s), but a GPU has " + gib(hbm_bytes_per_gpu) + " of HBM of which " +
                          gib(m.usable_bytes_per_gpu) + " is usable (hbm_utilization); use more gpus_per_replica");
  m.kv_capacity_tokens = static_cast<std::int64_t>(std::floor(free / m.kv_bytes_per_token));
  return m;
}

std::vector<KernelCall> forward_calls(const TransformerSpec& model, std::int64_t tp,
                                      const std::vector<std::int64_t>& prompts,
                                      const std::vector<std::int64_t>& contexts) {
  check_tp(model, tp);
  const std::int64_t prompt_tokens = std::accumulate(prompts.begin(), prompts.end(), std::int64_t{0});
  const std::int64_t tokens = prompt_tokens + static_cast<std::int64_t>(contexts.size());
  const std::int64_t sequences = static_cast<std::int64_t>(prompts.size() + contexts.size());
  std::vector<KernelCall> calls;
  if (tokens == 0) return calls;

  const std::int64_t h = model.hidden;
  const std::int64_t head_dim = h / model.heads;
  const std::int64_t qkv = h + 2 * h * model.kv_heads / model.heads;
  const std::int64_t ffn_t = model.ffn / tp;
  const std::int64_t mlp_in = model.swiglu ? 2 * ffn_t : ffn_t;
  const std::int64_t vocab_t = ceil_div(model.vocab, tp);
  const std::int64_t layers = model.layers;
  const std::string norm = model.rmsnorm ? "rmsnorm_fwd" : "layernorm_fwd";
  const auto add = [&](std::string kernel, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                       std::int64_t count) {
    calls.push_back(KernelCall{std::move(kernel), m, n, k, batch, model.dtype, count, "fwd"});
  };

  add("embedding_fwd", tokens, h, vocab_t, 0, 1);
  add(norm, tokens, h, 0, 0, layers);
  add("gemm", tokens, ceil_div(qkv, tp), h, 0, layers);
  for (const std::int64_t p : prompts)
    add("attention_fwd", p, p, head_dim, model.heads / tp, layers);
  if (!contexts.empty()) {
    // One launch for all decoding sequences (as paged-attention kernels do): its bytes and FLOPs are linear in the
    // context length, so the mean context gives the batch's total (up to rounding to whole tokens).
    const std::int64_t total = std::accumulate(contexts.begin(), contexts.end(), std::int64_t{0});
    const std::int64_t n = static_cast<std::int64_t>(contexts.size());
    const std::int64_t mean_context = (total + n / 2) / n;
    const std::int64_t kv_groups = kv_heads_per_gpu(model, tp);
    const std::int64_t queries_per_group = model.heads / tp / kv_groups;
    add("attention_fwd", queries_per_group, mean_context, head_dim, kv_groups * n, layers);
  }
  add("gemm", tokens, h, h / tp, 0, layers);
  add(norm, tokens, h, 0, 0, layers);
  add("gemm", tokens, mlp_in, h, 0, layers);
  add(model.swiglu ? "swiglu_fwd" : "gelu_fwd", tokens * ffn_t, 0, 0, 0, layers);
  add("gemm", tokens, h, ffn_t, 0, layers);
  // Only each sequence's last position needs logits.
  add(norm, sequences, h, 0, 0, 1);
  add("gemm", sequences, vocab_t, h, 0, 1);
  return calls;
}

double tp_allreduce_s(std::int64_t tp, double bytes, double nvlink_Bps, double alpha_s) {
  if (tp <= 1 || !(bytes > 0)) return 0;
  const double n = static_cast<double>(tp);
  return 2 * (n - 1) * alpha_s + 2 * (n - 1) / n * bytes / nvlink_Bps;
}

IterationModel::IterationModel(TransformerSpec model, std::int64_t tp, const KernelTimer& timer, double nvlink_Bps,
                               double nvlink_alpha_s)
    : model_(std::move(model)), tp_(tp), timer_(timer), nvlink_Bps_(nvlink_Bps), alpha_s_(nvlink_alpha_s) {
  (void)layer_calls(model_, Parallelism{tp_, 1, 1}); // validates the model's shapes against tp
  check_tp(model_, tp_);
  if (tp_ > 1 && !(nvlink_Bps_ > 0)) throw std::invalid_argument("NVLink bandwidth must be positive for tp > 1");
}

double IterationModel::compute_s(const std::vector<std::int64_t>& prompts,
                                 const std::vector<std::int64_t>& contexts) const {
  return predict_s(forward_calls(model_, tp_, prompts, contexts), timer_);
}

double IterationModel::comm_s(std::int64_t tokens) const {
  const double bytes = static_cast<double>(tokens) * static_cast<double>(model_.hidden) * dtype_bytes(model_.dtype);
  return 2.0 * static_cast<double>(model_.layers) * tp_allreduce_s(tp_, bytes, nvlink_Bps_, alpha_s_);
}

double IterationModel::time_s(const std::vector<std::int64_t>& prompts,
                              const std::vector<std::int64_t>& contexts) const {
  const std::int64_t tokens =
      std::accumulate(prompts.begin(), prompts.end(), std::int64_t{0}) + static_cast<std::int64_t>(contexts.size());
  return compute_s(prompts, contexts) + comm_s(tokens);
}

std::size_t admit_count(const std::deque<Waiting>& queue, const BatchState& state, const BatchLimits& limits) {
  int sequences = state.running;
  std::int64_t tokens = state.running; // one decode token per running sequence
  std::int64_t kv = state.kv_reserved_tokens;
  std::size_t admitted = 0;
  for (const Waiting& w : queue) {
    if (sequences + 1 > limits.max_batch) break;
    if (tokens + w.prompt_tokens > limits.max_batch_tokens) break;
    if (kv + w.prompt_tokens + w.output_tokens > limits.kv_capacity_tokens) break;
    ++sequences;
    tokens += w.prompt_tokens;
    kv += w.prompt_tokens + w.output_tokens;
    ++admitted;
  }
  return admitted;
}

bool can_ever_fit(const Waiting& request, const BatchLimits& limits) {
  return limits.max_batch >= 1 && request.prompt_tokens <= limits.max_batch_tokens &&
         request.prompt_tokens + request.output_tokens <= limits.kv_capacity_tokens;
}

} // namespace racksim::workloads
