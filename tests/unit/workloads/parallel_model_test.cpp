// 3D-parallel training arithmetic (workloads/training/parallel_model.hpp), hand-computed on the `tiny` preset:
// memory per GPU, the 1F1B bubble, model FLOPs and MFU, layout errors, checkpoint size, and the volumes an
// iteration asks of the network. Formulas: docs/training-model.md.

#include "workloads/training/parallel_model.hpp"

#include <gtest/gtest.h>

#include <string>

namespace racksim::workloads {
namespace {

// tiny: 2 layers, h 256, 4 heads (4 KV), ffn 1024, seq 128, vocab 1000, Llama style (untied, RMSNorm, SwiGLU).
// Per layer: 4 h^2 + 3 h f + 2 h = 262,144 + 786,432 + 512 = 1,049,088 parameters; outside the layers: final norm
// 256 + embedding 256,000 + head 256,000; total 2,610,432.
TransformerSpec tiny() {
  return find_model("tiny");
}

ParallelConfig layout(std::int64_t tp, std::int64_t pp, std::int64_t global_batch) {
  ParallelConfig c;
  c.tp = tp;
  c.pp = pp;
  c.global_batch = global_batch;
  return c;
}

TEST(WorkloadParallel, StageParametersOfTiny) {
  // First stage of pp = 2: one layer + the embedding, split over tp = 2.
  EXPECT_DOUBLE_EQ(stage_parameters(tiny(), 2, 2), (1'049'088.0 + 256'000.0) / 2);
  // pp = 1: everything.
  EXPECT_DOUBLE_EQ(stage_parameters(tiny(), 1, 1), 2'610'432.0);
}

TEST(WorkloadParallel, MemoryOfTinyByHand) {
  // tp 2, pp 2, dp 2, micro_batch 1, global_batch 8 -> m = 4 micro-batches, 2 in flight on the first stage.
  const auto mem = memory_per_gpu(tiny(), layout(2, 2, 8), 2, 4);
  EXPECT_DOUBLE_EQ(mem.weights, 652'544.0 * 2);        // bf16
  EXPECT_DOUBLE_EQ(mem.grads, 652'544.0 * 4);          // fp32 main grads
  EXPECT_DOUBLE_EQ(mem.optimizer, 652'544.0 * 12 / 2); // fp32 master + m + v, sharded over dp = 2
  // s b h (10 + 24/t + 5 a s / (h t)) = 32,768 x (10 + 12 + 5) per layer, 1 layer, 2 micro-batches in flight.
  EXPECT_DOUBLE_EQ(mem.activations, 32'768.0 * 27 * 2);
  EXPECT_DOUBLE_EQ(mem.total(), 9'600'000.0);
}

TEST(WorkloadParallel, RecomputeAndSequenceParallelShrinkActivations) {
  const double sbh = 128.0 * 256;
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(tiny(), 2, Recompute::none, false), sbh * 27);
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(tiny(), 2, Recompute::selective, false), sbh * 22);
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(tiny(), 2, Recompute::selective, true), sbh * 17);
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(tiny(), 2, Recompute::full, false), sbh * 2);
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(tiny(), 2, Recompute::full, true), sbh);
  // Without the distributed optimizer every DP rank holds the whole optimizer state.
  auto c = layout(2, 2, 8);
  c.distributed_optimizer = false;
  EXPECT_DOUBLE_EQ(memory_per_gpu(tiny(), c, 2, 4).optimizer, 652'544.0 * 12);
}

TEST(WorkloadParallel, OneFOneBBubble) {
  EXPECT_DOUBLE_EQ(bubble_factor(4, 2), 1.25);
  EXPECT_DOUBLE_EQ(bubble_factor(8, 8), 15.0 / 8);
  EXPECT_DOUBLE_EQ(bubble_factor(1, 1), 1.0);
  EXPECT_THROW(bubble_factor(0, 2), std::invalid_argument);
  // Interleaved: 1 + (pp - 1) / (v m).
  EXPECT_DOUBLE_EQ(bubble_factor(8, 4, 2), 1 + 3.0 / 16);
  EXPECT_DOUBLE_EQ(bubble_factor(8, 4, 1), 11.0 / 8);
}

TEST(WorkloadParallel, InterleavedScheduleChecksAndMemory) {
  auto model = tiny();
  model.layers = 8;
  auto c = layout(1, 2, 4); // 2 GPUs: dp 1, m = 4
  c.virtual_stages = 2;
  EXPECT_EQ(check_layout(model, c, 2, 0, "x"), 1);
  // In flight on the first stage: min(pp, m) x (1 + (pp - 1) / (pp v)) = 2 x 1.25 micro-batches of 4 layers.
  const double per_layer = activation_bytes_per_layer(model, 1, Recompute::none, false);
  EXPECT_DOUBLE_EQ(memory_per_gpu(model, c, 1, 4).activations, per_layer * 4 * 2 * 1.25);
  c.global_batch = 3; // m = 3 is not a multiple of pp = 2
  EXPECT_THROW(check_layout(model, c, 2, 0, "x"), ParallelismError);
  c.global_batch = 4;
  c.virtual_stages = 5; // pp x v = 10 > 8 layers
  EXPECT_THROW(check_layout(model, c, 2, 0, "x"), ParallelismError);
  c.pp = 1;
  c.virtual_stages = 2;
  EXPECT_THROW(check_layout(model, c, 2, 0, "x"), ParallelismError);
}

TEST(WorkloadParallel, ModelFlopsAndMfu) {
  // tokens x (6 N + 12 L h s) = 1,024 x (6 x 2,610,432 + 12 x 2 x 256 x 128).
  const double flops = model_flops_per_iteration(tiny(), 8);
  EXPECT_DOUBLE_EQ(flops, 1024.0 * (6 * 2'610'432.0 + 786'432.0));
  EXPECT_DOUBLE_EQ(mfu(flops, 2.0, 4, 1e12), flops / 8e12);
  EXPECT_EQ(mfu(flops, 0, 4, 1e12), 0);
  // Megatron's count with recomputation: 96 B s l h^2 (1 + s/(6h) + V/(16 l h)).
  EXPECT_DOUBLE_EQ(megatron_flops_per_iteration(tiny(), 8),
                   96.0 * 8 * 128 * 2 * 256 * 256 * (1 + 128.0 / (6 * 256) + 1000.0 / (16 * 2 * 256)));
}

TEST(WorkloadParallel, LayoutErrorsNameWhatDoesNotDivide) {
  const auto message = [](std::int64_t tp, std::int64_t pp, std::int64_t batch, std::int64_t gpus, double hbm) {
    try {
      check_layout(tiny(), layout(tp, pp, batch), gpus, hbm, "GPU-X");
    } catch (const ParallelismError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(2, 2, 8, 6, 0), "tiny tp=2 pp=2: a job of 6 GPUs is not a multiple of tp x pp = 4");
  EXPECT_EQ(message(2, 2, 8, 12, 0), "tiny tp=2 pp=2 dp=3: global_batch 8 is not a multiple of dp x micro_batch = 3");
  EXPECT_NE(message(3, 1, 8, 3, 0).find("must split evenly over tp"), std::string::npos);
  EXPECT_NE(message(1, 3, 9, 3, 0).find("pp is larger than the model's 2 layers"), std::string::npos);
  EXPECT_EQ(message(2, 2, 8, 8, 0), "no error");
  // 9.6 MB does not fit in 9 MB of HBM: the message lists every term.
  const auto hbm = message(2, 2, 8, 8, 9e6);
  EXPECT_NE(hbm.find("tiny tp=2 pp=2 dp=2 micro_batch=1 recompute=none: weights "), std::string::npos) << hbm;
  EXPECT_NE(hbm.find("HBM of GPU-X"), std::string::npos) << hbm;
  EXPECT_EQ(message(2, 2, 8, 8, 9.7e6), "no error");
}

TEST(WorkloadParallel, CheckpointSizeFromParameters) {
  TrainingSpec spec;
  spec.checkpoint_bytes = 123;
  EXPECT_DOUBLE_EQ(checkpoint_bytes(spec, tiny()), 123);
  spec.checkpoint_bytes_per_param = checkpoint_bytes_per_param_megatron;
  EXPECT_DOUBLE_EQ(checkpoint_bytes(spec, tiny()), 14 * 2'610'432.0);
}

TEST(WorkloadParallel, CustomModelFromSettings) {
  TrainingSpec spec;
  spec.model = "custom";
  spec.custom.layers = 2;
  spec.custom.hidden = 256;
  spec.custom.heads = 4;
  spec.custom.ffn = 1024;
  spec.custom.seq = 128;
  spec.custom.vocab = 1000;
  EXPECT_DOUBLE_EQ(parameter_count(resolve_model(spec)), 2'610'432.0); // = tiny
  spec.custom.style = "gpt";
  EXPECT_TRUE(resolve_model(spec).tied_embeddings);
  spec.custom.hidden = 250; // not a multiple of heads
  EXPECT_THROW(resolve_model(spec), std::invalid_argument);
}

// The iteration's volumes: Megatron's 4 all-reduces of s b h x 2 bytes per layer and micro-batch slot, PP sends of
// s b h x 2 / tp, DP fp32 gradients and bf16 parameters of the stage.
TEST(WorkloadParallel, IterationVolumesOfTiny) {
  GpuPeaks peaks;
  peaks.name = "test";
  peaks.bf16_flops = 1e15;
  peaks.fp32_flops = 5e13;
  peaks.hbm_Bps = 3e12;
  const RooflineTimer timer(peaks);
  const auto c = plan_iteration(tiny(), layout(2, 2, 8), 8, timer, 0, "test");
  EXPECT_EQ(c.dp, 2);
  EXPECT_EQ(c.micro_batches, 4);
  EXPECT_DOUBLE_EQ(c.pipeline_s, c.fwd_bwd_s * 1.25);
  EXPECT_GT(c.overlap_s, 0);
  EXPECT_LT(c.overlap_s, c.fwd_bwd_s / 4);
  EXPECT_DOUBLE_EQ(c.tp_allreduce_bytes, 128.0 * 256 * 2);
  EXPECT_DOUBLE_EQ(c.tp_allreduces, 4.0 * 1 * (4 + 2 - 1));
  EXPECT_DOUBLE_EQ(c.pp_bytes_per_microbatch, 128.0 * 256);
  EXPECT_DOUBLE_EQ(c.pp_sends, 4);
  EXPECT_DOUBLE_EQ(c.dp_grad_bytes, 652'544.0 * 4);
  EXPECT_DOUBLE_EQ(c.dp_param_bytes, 652'544.0 * 2);
  EXPECT_DOUBLE_EQ(c.memory.total(), 9'600'000.0);
  // Full recomputation reruns the forward: more compute, 6 TP all-reduces per layer.
  auto full = layout(2, 2, 8);
  full.recompute = Recompute::full;
  const auto r = plan_iteration(tiny(), full, 8, timer, 0, "test");
  EXPECT_GT(r.fwd_bwd_s, c.fwd_bwd_s);
  EXPECT_DOUBLE_EQ(r.tp_allreduces, 6.0 * 5);
}

} // namespace
} // namespace racksim::workloads
