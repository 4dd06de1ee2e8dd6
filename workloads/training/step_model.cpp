// Transformer training iteration as kernel launches (docs/calibration.md, "Step model"). Megatron-style tensor
// parallelism without sequence parallelism: projections are split across the TP group, norms and the vocabulary-
// parallel loss inputs are not; communication is the engine's business.

#include "workloads/training/step_model.hpp"

#include <cmath>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace racksim::workloads {
namespace {

TransformerSpec make_spec(std::string name, std::int64_t layers, std::int64_t hidden, std::int64_t heads,
                          std::int64_t kv_heads, std::int64_t ffn, std::int64_t seq, std::int64_t vocab, bool gpt) {
  TransformerSpec spec;
  spec.name = std::move(name);
  spec.layers = layers;
  spec.hidden = hidden;
  spec.heads = heads;
  spec.kv_heads = kv_heads;
  spec.ffn = ffn;
  spec.seq = seq;
  spec.vocab = vocab;
  spec.micro_batch = 1;
  spec.swiglu = !gpt;
  spec.rmsnorm = !gpt;
  spec.tied_embeddings = gpt;
  spec.linear_biases = gpt;
  spec.learned_positions = gpt;
  return spec;
}

// Sources in docs/calibration.md: GPT-3 paper (Brown et al. 2020) Table 2.1; Llama 3 paper (Dubey et al. 2024)
// Table 3. GPT-3 style = GELU MLP, LayerNorm, biases, learned positions, tied embeddings (as GPT-2's released code);
// Llama 3 style = SwiGLU, RMSNorm, no biases, RoPE, untied output head.
const std::vector<TransformerSpec>& presets() {
  static const std::vector<TransformerSpec> specs = {
      // A model small enough for tests: hand-checkable shapes, Llama style.
      make_spec("tiny", 2, 256, 4, 4, 1024, 128, 1000, false),
      // Table 2.1 lists GPT-3 XL with 24 heads of 128, which does not multiply to d_model = 2048; we keep
      // d_head = 128 and use 16 heads (the parameter count does not depend on the split).
      make_spec("gpt3-1.3b", 24, 2048, 16, 16, 4 * 2048, 2048, 50257, true),
      make_spec("gpt3-175b", 96, 12288, 96, 96, 4 * 12288, 2048, 50257, true),
      make_spec("llama3-8b", 32, 4096, 32, 8, 14336, 8192, 128256, false),
      make_spec("llama3-70b", 80, 8192, 64, 8, 28672, 8192, 128256, false),
      make_spec("llama3-405b", 126, 16384, 128, 8, 53248, 8192, 128256, false),
  };
  return specs;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

void require(bool ok, const TransformerSpec& model, const std::string& what) {
  if (!ok) throw std::invalid_argument("model '" + model.name + "': " + what);
}

std::int64_t qkv_width(const TransformerSpec& model) {
  return model.hidden + 2 * model.hidden * model.kv_heads / model.heads;
}

void validate(const TransformerSpec& model) {
  require(model.layers > 0 && model.hidden > 0 && model.heads > 0 && model.kv_heads > 0 && model.ffn > 0 &&
              model.seq > 0 && model.vocab > 0 && model.micro_batch > 0,
          model, "layers, hidden, heads, kv_heads, ffn, seq, vocab and micro_batch must be positive");
  require(model.hidden % model.heads == 0, model, "hidden must be a multiple of heads");
  require(model.heads % model.kv_heads == 0, model, "heads must be a multiple of kv_heads");
  dtype_bytes(model.dtype); // throws for an unknown dtype
}

void validate(const TransformerSpec& model, const Parallelism& par) {
  validate(model);
  if (par.tp < 1 || par.pp < 1 || par.dp < 1) throw std::invalid_argument("tp, pp and dp must be at least 1");
  const std::string tp = " (tp = " + std::to_string(par.tp) + ")";
  require(model.heads % par.tp == 0, model, "heads must be a multiple of tp" + tp);
  require(qkv_width(model) % par.tp == 0, model, "the QKV width must be a multiple of tp" + tp);
  require(model.ffn % par.tp == 0, model, "ffn must be a multiple of tp" + tp);
}

struct CallBuilder {
  const TransformerSpec& model;
  std::vector<KernelCall> calls;

  void add(std::string kernel, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch, const char* phase) {
    calls.push_back(KernelCall{std::move(kernel), m, n, k, batch, model.dtype, 1, phase});
  }
  // Forward C[m,n] = A[m,k] . B[k,n] (A activations, B weights).
  void gemm_fwd(std::int64_t m, std::int64_t n, std::int64_t k) { add("gemm", m, n, k, 0, "fwd"); }
  // Its backward: dgrad dA[m,k] = dC[m,n] . B^T[n,k]; wgrad dB[k,n] = A^T[k,m] . dC[m,n].
  void gemm_bwd(std::int64_t m, std::int64_t n, std::int64_t k) {
    add("gemm", m, k, n, 0, "bwd");
    add("gemm", k, n, m, 0, "bwd");
  }
  void norm(std::int64_t rows, std::int64_t cols, const char* phase) {
    const bool fwd = std::string_view(phase) == "fwd";
    add(std::string(model.rmsnorm ? "rmsnorm" : "layernorm") + (fwd ? "_fwd" : "_bwd"), rows, cols, 0, 0, phase);
  }
  void activation(std::int64_t elements, const char* phase) {
    const bool fwd = std::string_view(phase) == "fwd";
    add(std::string(model.swiglu ? "swiglu" : "gelu") + (fwd ? "_fwd" : "_bwd"), elements, 0, 0, 0, phase);
  }
};

} // namespace

const TransformerSpec& find_model(std::string_view name) {
  for (const auto& spec : presets())
    if (spec.name == name) return spec;
  std::string known;
  for (const auto& spec : presets())
    known += (known.empty() ? "" : ", ") + spec.name;
  throw std::invalid_argument("unknown model '" + std::string(name) + "' (known: " + known + ")");
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& spec : presets())
    names.push_back(spec.name);
  return names;
}

double parameter_count(const TransformerSpec& model) {
  validate(model);
  const double h = static_cast<double>(model.hidden);
  const double f = static_cast<double>(model.ffn);
  const double kv = h * static_cast<double>(model.kv_heads) / static_cast<double>(model.heads); // K (or V) width
  const double v = static_cast<double>(model.vocab);
  const double norm = model.rmsnorm ? h : 2 * h; // gamma (+ beta)

  double attention = h * h + 2 * h * kv + h * h; // Q, K, V, output projection
  double mlp = model.swiglu ? 3 * h * f : 2 * h * f;
  if (model.linear_biases) {
    attention += h + 2 * kv + h;
    mlp += model.swiglu ? 2 * f + h : f + h;
  }
  const double per_layer = attention + mlp + 2 * norm;

  double total = static_cast<double>(model.layers) * per_layer + norm /* final norm */ + v * h /* embedding */;
  if (!model.tied_embeddings) total += v * h;
  if (model.learned_positions) total += static_cast<double>(model.seq) * h;
  return total;
}

std::vector<KernelCall> layer_calls(const TransformerSpec& model, const Parallelism& par) {
  validate(model, par);
  const std::int64_t t = par.tp;
  const std::int64_t tokens = model.micro_batch * model.seq;
  const std::int64_t h = model.hidden;
  const std::int64_t head_dim = h / model.heads;
  const std::int64_t attention_batch = model.micro_batch * model.heads / t;
  const std::int64_t ffn_t = model.ffn / t;
  const std::int64_t mlp_in_width = model.swiglu ? 2 * ffn_t : ffn_t; // gate+up, or up

  CallBuilder b{model, {}};
  // forward
  b.norm(tokens, h, "fwd");
  b.gemm_fwd(tokens, qkv_width(model) / t, h);
  b.add("attention_fwd", model.seq, model.seq, head_dim, attention_batch, "fwd");
  b.gemm_fwd(tokens, h, h / t);
  b.norm(tokens, h, "fwd");
  b.gemm_fwd(tokens, mlp_in_width, h);
  b.activation(tokens * ffn_t, "fwd");
  b.gemm_fwd(tokens, h, ffn_t);
  // backward, in reverse
  b.gemm_bwd(tokens, h, ffn_t);
  b.activation(tokens * ffn_t, "bwd");
  b.gemm_bwd(tokens, mlp_in_width, h);
  b.norm(tokens, h, "bwd");
  b.gemm_bwd(tokens, h, h / t);
  b.add("attention_bwd", model.seq, model.seq, head_dim, attention_batch, "bwd");
  b.gemm_bwd(tokens, qkv_width(model) / t, h);
  b.norm(tokens, h, "bwd");
  return std::move(b.calls);
}

std::vector<KernelCall> iteration_calls(const TransformerSpec& model, const Parallelism& par,
                                        std::int64_t micro_batches) {
  if (micro_batches < 1) throw std::invalid_argument("micro_batches must be at least 1");
  std::vector<KernelCall> layer = layer_calls(model, par); // validates
  const std::int64_t layer_repeats = ceil_div(model.layers, par.pp) * micro_batches;
  for (auto& call : layer)
    call.count = layer_repeats;

  const std::int64_t tokens = model.micro_batch * model.seq;
  const std::int64_t h = model.hidden;
  // Vocabulary-parallel embedding and head; Megatron pads the vocabulary so it divides, hence the ceiling.
  const std::int64_t vocab_t = ceil_div(model.vocab, par.tp);

  CallBuilder b{model, {}};
  b.add("embedding_fwd", tokens, h, vocab_t, 0, "fwd");
  b.calls.insert(b.calls.end(), layer.begin(), layer.end());
  const std::size_t head_begin = b.calls.size();
  b.norm(tokens, h, "fwd"); // final norm
  b.gemm_fwd(tokens, vocab_t, h);
  b.add("cross_entropy", tokens, vocab_t, 0, 0, "loss");
  b.gemm_bwd(tokens, vocab_t, h);
  b.norm(tokens, h, "bwd");
  b.add("embedding_bwd", tokens, h, vocab_t, 0, "bwd");
  for (std::size_t i = head_begin; i < b.calls.size(); ++i)
    b.calls[i].count = micro_batches;
  b.calls.front().count = micro_batches; // embedding_fwd

  const double share = parameter_count(model) / static_cast<double>(par.tp * par.pp);
  b.add("adamw", static_cast<std::int64_t>(std::ceil(share)), 0, 0, 0, "optimizer");
  return std::move(b.calls);
}

double predict_s(const std::vector<KernelCall>& calls, const KernelTimer& timer) {
  double total = 0;
  for (const auto& call : calls)
    total += static_cast<double>(call.count) * timer.time_s(call);
  return total;
}

} // namespace racksim::workloads
