#pragma once
// Step-time model: a transformer training iteration as the list of kernel launches one GPU makes, from the
// model's shapes and parallelism; its time is the sum of each call's time from a KernelTimer (calibration table
// or roofline). Compute only: communication (TP/PP/DP collectives) is simulated by the engine.

#include "workloads/calibration/calibration.hpp"
#include "workloads/training/kernel_call.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace racksim::workloads {

struct TransformerSpec {
  std::string name;
  std::int64_t layers = 0, hidden = 0, heads = 0, kv_heads = 0, ffn = 0, seq = 0, vocab = 0;
  std::int64_t micro_batch = 1;  // sequences per micro-batch
  bool swiglu = true;            // SwiGLU MLP (gate, up, down) or GELU MLP (up, down)
  bool rmsnorm = true;           // RMSNorm or LayerNorm
  std::string dtype = "bf16";
  // Additions: architecture details parameter_count needs (GPT-3 style: all three true; Llama 3: all false).
  bool tied_embeddings = false;    // the LM head reuses the input embedding matrix
  bool linear_biases = false;      // biases on the QKV, output and MLP projections
  bool learned_positions = false;  // a learned seq x hidden position-embedding table (else RoPE: no parameters)
};

struct Parallelism {
  std::int64_t tp = 1, pp = 1, dp = 1;
};

// Presets named after real models (docs/calibration.md gives their sources). Throws std::invalid_argument listing
// the known names.
const TransformerSpec& find_model(std::string_view name);
std::vector<std::string> model_names();

double parameter_count(const TransformerSpec& model);

// One transformer layer, forward then backward, for one micro-batch on one GPU of a TP group.
std::vector<KernelCall> layer_calls(const TransformerSpec& model, const Parallelism& par);
// One iteration on the busiest GPU: layers/pp layers x micro_batches, plus embedding and loss (first and last stage
// counted together, as when pp = 1), plus the AdamW step over this GPU's share of the parameters.
std::vector<KernelCall> iteration_calls(const TransformerSpec& model, const Parallelism& par,
                                        std::int64_t micro_batches);

// Sum over calls of count x timer.time_s(call).
double predict_s(const std::vector<KernelCall>& calls, const KernelTimer& timer);

} // namespace racksim::workloads
