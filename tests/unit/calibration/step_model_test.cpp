// Step model: presets, exact parameter counts, the kernel calls of a layer and an iteration, FLOP accounting
// against the 6 x parameters x tokens rule, tensor parallelism, and predict_s.

#include "workloads/training/step_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

using namespace racksim::workloads;

namespace {

struct Flops {
  double gemm_fwd = 0, gemm_bwd = 0, attention_fwd = 0, attention_bwd = 0, other = 0;
  double total() const { return gemm_fwd + gemm_bwd + attention_fwd + attention_bwd + other; }
};

Flops flops_of(const std::vector<KernelCall>& calls) {
  Flops f;
  for (const auto& c : calls) {
    const double w = static_cast<double>(c.count) * call_flops(c);
    if (c.kernel == "gemm")
      (c.phase == "fwd" ? f.gemm_fwd : f.gemm_bwd) += w;
    else if (c.kernel == "attention_fwd")
      f.attention_fwd += w;
    else if (c.kernel == "attention_bwd")
      f.attention_bwd += w;
    else
      f.other += w;
  }
  return f;
}

// Weights of one layer's projections (what its GEMMs multiply by): Q, K, V, O and the MLP.
double layer_weights(const TransformerSpec& m) {
  const double h = static_cast<double>(m.hidden), f = static_cast<double>(m.ffn);
  const double kv = h * static_cast<double>(m.kv_heads) / static_cast<double>(m.heads);
  return 2 * h * h + 2 * h * kv + (m.swiglu ? 3 : 2) * h * f;
}

class ConstantTimer final : public KernelTimer {
 public:
  double time_s(const KernelCall&) const override { return 1e-3; }
  std::string source() const override { return "constant"; }
};

} // namespace

TEST(StepModel, PresetsAndUnknownNames) {
  const std::vector<std::string> names = model_names();
  for (const char* name : {"tiny", "gpt3-1.3b", "gpt3-175b", "llama3-8b", "llama3-70b", "llama3-405b"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  const TransformerSpec& gpt = find_model("gpt3-175b");
  EXPECT_EQ(gpt.layers, 96);
  EXPECT_EQ(gpt.hidden, 12288);
  EXPECT_EQ(gpt.heads, 96);
  EXPECT_EQ(gpt.ffn, 4 * 12288);
  EXPECT_FALSE(gpt.swiglu);
  EXPECT_FALSE(gpt.rmsnorm);
  const TransformerSpec& llama = find_model("llama3-405b");
  EXPECT_EQ(llama.layers, 126);
  EXPECT_EQ(llama.kv_heads, 8);
  EXPECT_EQ(llama.ffn, 53248);
  EXPECT_EQ(llama.vocab, 128256);
  try {
    find_model("gpt5");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("llama3-70b"), std::string::npos) << e.what();
  }
}

TEST(StepModel, ParameterCounts) {
  // Exact values of our formula (docs/calibration.md works them out), then the published sizes with tolerances.
  EXPECT_EQ(parameter_count(find_model("gpt3-175b")), 174604259328.0);
  EXPECT_EQ(parameter_count(find_model("gpt3-1.3b")), 1315723264.0);
  EXPECT_EQ(parameter_count(find_model("llama3-8b")), 8030261248.0);
  EXPECT_EQ(parameter_count(find_model("llama3-70b")), 70553706496.0);
  EXPECT_EQ(parameter_count(find_model("llama3-405b")), 405853388800.0);
  EXPECT_NEAR(parameter_count(find_model("gpt3-175b")), 175e9, 0.005 * 175e9);    // 0.5%
  EXPECT_NEAR(parameter_count(find_model("gpt3-1.3b")), 1.3e9, 0.02 * 1.3e9);     // 2%
  EXPECT_NEAR(parameter_count(find_model("llama3-8b")), 8.0e9, 0.005 * 8.0e9);    // 0.5%
  EXPECT_NEAR(parameter_count(find_model("llama3-70b")), 70.6e9, 0.001 * 70.6e9); // 0.1%
  EXPECT_NEAR(parameter_count(find_model("llama3-405b")), 405e9, 0.005 * 405e9);  // 0.5%
  // Tying the head removes vocab x hidden parameters.
  TransformerSpec tied = find_model("llama3-8b");
  tied.tied_embeddings = true;
  EXPECT_EQ(parameter_count(find_model("llama3-8b")) - parameter_count(tied), 128256.0 * 4096);
}

TEST(StepModel, LayerShapesForLlama) {
  TransformerSpec m = find_model("llama3-8b");
  m.micro_batch = 2;
  const std::vector<KernelCall> calls = layer_calls(m, {2, 1, 1});
  const std::int64_t tokens = 2 * 8192;
  ASSERT_GE(calls.size(), 8u);
  EXPECT_EQ(calls[0].kernel, "rmsnorm_fwd");
  EXPECT_EQ(calls[0].m, tokens);
  EXPECT_EQ(calls[0].n, 4096);
  EXPECT_EQ(calls[1].kernel, "gemm"); // QKV: (4096 + 2 * 1024) / 2
  EXPECT_EQ(calls[1].m, tokens);
  EXPECT_EQ(calls[1].n, 3072);
  EXPECT_EQ(calls[1].k, 4096);
  EXPECT_EQ(calls[2].kernel, "attention_fwd"); // batch = 2 * 32 / 2 heads, head dim 128
  EXPECT_EQ(calls[2].m, 8192);
  EXPECT_EQ(calls[2].n, 8192);
  EXPECT_EQ(calls[2].k, 128);
  EXPECT_EQ(calls[2].batch, 32);
  EXPECT_EQ(calls[3].n, 4096); // output projection, k = 4096 / 2
  EXPECT_EQ(calls[3].k, 2048);
  EXPECT_EQ(calls[5].n, 14336); // gate + up: 2 * 14336 / 2
  EXPECT_EQ(calls[6].kernel, "swiglu_fwd");
  EXPECT_EQ(calls[6].m, tokens * 7168);
  EXPECT_EQ(calls[7].n, 4096); // down: k = 14336 / 2
  EXPECT_EQ(calls[7].k, 7168);
  // Backward of the down projection: dgrad (m, k_fwd, n_fwd) then wgrad (k_fwd, n_fwd, m).
  EXPECT_EQ(calls[8].phase, "bwd");
  EXPECT_EQ(calls[8].m, tokens);
  EXPECT_EQ(calls[8].n, 7168);
  EXPECT_EQ(calls[8].k, 4096);
  EXPECT_EQ(calls[9].m, 7168);
  EXPECT_EQ(calls[9].n, 4096);
  EXPECT_EQ(calls[9].k, tokens);
  std::multiset<std::string> kernels;
  for (const auto& c : calls) {
    kernels.insert(c.kernel);
    EXPECT_EQ(c.dtype, "bf16");
    EXPECT_EQ(c.count, 1);
    EXPECT_TRUE(c.phase == "fwd" || c.phase == "bwd") << c.phase;
  }
  EXPECT_EQ(kernels.count("gemm"), 12u); // 4 forward, 8 backward
  EXPECT_EQ(kernels.count("rmsnorm_fwd"), 2u);
  EXPECT_EQ(kernels.count("rmsnorm_bwd"), 2u);
  EXPECT_EQ(kernels.count("attention_bwd"), 1u);
  EXPECT_EQ(kernels.count("swiglu_bwd"), 1u);
}

TEST(StepModel, GptUsesGeluAndLayerNorm) {
  const std::vector<KernelCall> calls = layer_calls(find_model("gpt3-175b"), {8, 1, 1});
  std::multiset<std::string> kernels;
  for (const auto& c : calls)
    kernels.insert(c.kernel);
  EXPECT_EQ(kernels.count("gelu_fwd"), 1u);
  EXPECT_EQ(kernels.count("gelu_bwd"), 1u);
  EXPECT_EQ(kernels.count("layernorm_fwd"), 2u);
  EXPECT_EQ(kernels.count("swiglu_fwd"), 0u);
  EXPECT_EQ(calls[5].n, 49152 / 8); // up projection
}

TEST(StepModel, LayerFlopsFollowTheSixPTRule) {
  for (const char* name : {"gpt3-175b", "llama3-8b", "llama3-70b"}) {
    SCOPED_TRACE(name);
    const TransformerSpec& m = find_model(name);
    const Flops f = flops_of(layer_calls(m, {1, 1, 1}));
    const double tokens = static_cast<double>(m.micro_batch * m.seq);
    // GEMMs: exactly 2 P T forward and 4 P T backward.
    EXPECT_DOUBLE_EQ(f.gemm_fwd, 2 * layer_weights(m) * tokens);
    EXPECT_DOUBLE_EQ(f.gemm_bwd, 2 * f.gemm_fwd);
    EXPECT_DOUBLE_EQ(f.attention_bwd, 2.5 * f.attention_fwd);
    // Causal attention adds 2 b s^2 h forward, 5 b s^2 h backward.
    const double s = static_cast<double>(m.seq), h = static_cast<double>(m.hidden);
    EXPECT_DOUBLE_EQ(f.attention_fwd, 2 * static_cast<double>(m.micro_batch) * s * s * h);
    // Everything: 6 P T + attention, within 0.5% (norms and activations are the rest).
    const double rule = 6 * layer_weights(m) * tokens + 7 * static_cast<double>(m.micro_batch) * s * s * h;
    EXPECT_NEAR(f.total() / rule, 1.0, 0.005);
    // Forward + backward ~ 3 x forward.
    const double forward = f.gemm_fwd + f.attention_fwd;
    EXPECT_NEAR(f.total() / forward, 3.0, 0.15);
  }
}

TEST(StepModel, TensorParallelismSplitsGemmAndAttentionWork) {
  const TransformerSpec& m = find_model("llama3-70b");
  const Flops one = flops_of(layer_calls(m, {1, 1, 1}));
  const Flops two = flops_of(layer_calls(m, {2, 1, 1}));
  const Flops eight = flops_of(layer_calls(m, {8, 1, 1}));
  EXPECT_DOUBLE_EQ(two.gemm_fwd, one.gemm_fwd / 2);
  EXPECT_DOUBLE_EQ(two.gemm_bwd, one.gemm_bwd / 2);
  EXPECT_DOUBLE_EQ(two.attention_fwd, one.attention_fwd / 2);
  EXPECT_DOUBLE_EQ(eight.gemm_fwd, one.gemm_fwd / 8);
  // Norms are replicated across the TP group (no sequence parallelism): "other" shrinks by less than half.
  EXPECT_GT(two.other, one.other / 2);
  EXPECT_THROW(layer_calls(m, {3, 1, 1}), std::invalid_argument); // 64 heads do not split 3 ways
  EXPECT_THROW(layer_calls(m, {0, 1, 1}), std::invalid_argument);
}

TEST(StepModel, IterationCountsLayersEmbeddingLossAndOptimizer) {
  const TransformerSpec& m = find_model("llama3-8b");
  const Parallelism par{2, 3, 4};
  const std::int64_t micro_batches = 5;
  const std::vector<KernelCall> calls = iteration_calls(m, par, micro_batches);
  const std::size_t per_layer = layer_calls(m, par).size();
  std::size_t layer_entries = 0;
  bool saw_adamw = false, saw_loss = false, saw_head = false;
  for (const auto& c : calls) {
    if (c.kernel == "adamw") {
      saw_adamw = true;
      EXPECT_EQ(c.count, 1);
      EXPECT_EQ(c.m, static_cast<std::int64_t>(std::ceil(parameter_count(m) / 6)));
      EXPECT_EQ(c.phase, "optimizer");
    } else if (c.count == 11 * micro_batches) { // ceil(32 / 3) layers on the busiest stage
      ++layer_entries;
    } else {
      EXPECT_EQ(c.count, micro_batches) << c.kernel;
      if (c.kernel == "cross_entropy") {
        saw_loss = true;
        EXPECT_EQ(c.m, 8192);
        EXPECT_EQ(c.n, 128256 / 2);
        EXPECT_EQ(c.phase, "loss");
      }
      if (c.kernel == "gemm" && c.phase == "fwd") {
        saw_head = true;
        EXPECT_EQ(c.n, 128256 / 2);
        EXPECT_EQ(c.k, 4096);
      }
      if (c.kernel == "embedding_fwd") {
        EXPECT_EQ(c.k, 128256 / 2);
      }
    }
  }
  EXPECT_EQ(layer_entries, per_layer);
  EXPECT_TRUE(saw_adamw && saw_loss && saw_head);
  EXPECT_THROW(iteration_calls(m, par, 0), std::invalid_argument);
}

TEST(StepModel, IterationFlopsAreSixPTPlusAttention) {
  const TransformerSpec& m = find_model("llama3-8b");
  const Flops f = flops_of(iteration_calls(m, {1, 1, 1}, 1));
  const double tokens = static_cast<double>(m.seq);
  const double s = static_cast<double>(m.seq), h = static_cast<double>(m.hidden);
  // Parameters that multiply: every layer's projections plus the (untied) LM head; the embedding is a lookup.
  const double multiplying = static_cast<double>(m.layers) * layer_weights(m) + static_cast<double>(m.vocab) * h;
  EXPECT_DOUBLE_EQ(f.gemm_fwd + f.gemm_bwd, 6 * multiplying * tokens);
  const double rule = 6 * multiplying * tokens + 7 * s * s * h * static_cast<double>(m.layers);
  EXPECT_NEAR(f.total() / rule, 1.0, 0.002);
}

TEST(StepModel, CallsAreDeterministic) {
  const TransformerSpec& m = find_model("gpt3-175b");
  const auto a = iteration_calls(m, {8, 16, 64}, 32);
  const auto b = iteration_calls(m, {8, 16, 64}, 32);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].kernel, b[i].kernel);
    EXPECT_EQ(a[i].m, b[i].m);
    EXPECT_EQ(a[i].n, b[i].n);
    EXPECT_EQ(a[i].k, b[i].k);
    EXPECT_EQ(a[i].batch, b[i].batch);
    EXPECT_EQ(a[i].dtype, b[i].dtype);
    EXPECT_EQ(a[i].count, b[i].count);
    EXPECT_EQ(a[i].phase, b[i].phase);
  }
}

TEST(StepModel, PredictSumsCountTimesTime) {
  const auto calls = iteration_calls(find_model("tiny"), {1, 1, 1}, 4);
  double launches = 0;
  for (const auto& c : calls)
    launches += static_cast<double>(c.count);
  EXPECT_NEAR(predict_s(calls, ConstantTimer()), launches * 1e-3, 1e-12);
  EXPECT_EQ(predict_s({}, ConstantTimer()), 0);
}

TEST(StepModel, RooflineStepTimeIsPlausible) {
  // One llama3-8b sequence of 8192 tokens on one H100 (roofline): model FLOPs utilisation between 45% and 78%
  // (published Llama-class training runs report ~40-55% MFU including communication).
  const TransformerSpec& m = find_model("llama3-8b");
  const RooflineTimer timer({"H100-SXM5-80GB", 989.4e12, 989.4e12, 67e12, 0, 0, 3.35e12});
  const double step = predict_s(iteration_calls(m, {1, 1, 1}, 1), timer);
  const double mfu = 6 * parameter_count(m) * static_cast<double>(m.seq) / (step * 989.4e12);
  EXPECT_GT(mfu, 0.45) << step;
  EXPECT_LT(mfu, 0.78) << step;
}

TEST(StepModel, CalibratedPredictionUsesTheFixtureAndCountsFallbacks) {
  const CalibratedTimer timer(load_calibration(RACKSIM_CALIBRATION_FIXTURE),
                              RooflineTimer({"H100-SXM5-80GB", 989.4e12, 989.4e12, 67e12, 0, 0, 3.35e12}));
  const auto calls = iteration_calls(find_model("tiny"), {1, 1, 1}, 2);
  const double step = predict_s(calls, timer);
  EXPECT_GT(step, 0);
  // The fixture has no embedding, cross-entropy or swiglu_bwd rows: those calls fall back to the roofline.
  EXPECT_GT(timer.fallbacks(), 0);
  EXPECT_LT(timer.fallbacks(), static_cast<long>(calls.size()));
}
