// Tests of the fused kernel family (cuda/kernels/fused.cu: attention, layernorm, rmsnorm). The host-only tests
// (names, work counts, refusals) run everywhere; the GPU tests skip, saying why, where no device is usable.

#include "cuda/device_info.hpp"
#include "cuda/kernels/kernel.hpp"

#include <gtest/gtest.h>

#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using racksim::cuda::CheckResult;
using racksim::cuda::Kernel;
using racksim::cuda::KernelCall;

const Kernel& fused(const std::string& name) {
  static const auto kernels = racksim::cuda::fused_kernels();
  return racksim::cuda::find_kernel(kernels, name);
}

KernelCall make_call(const std::string& kernel, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                     const std::string& dtype) {
  KernelCall c;
  c.kernel = kernel;
  c.m = m;
  c.n = n;
  c.k = k;
  c.batch = batch;
  c.dtype = dtype;
  return c;
}

KernelCall attention(const std::string& kernel, std::int64_t seq, std::int64_t dim, std::int64_t batch,
                     const std::string& dtype) {
  return make_call(kernel, seq, seq, dim, batch, dtype);
}

KernelCall norm(const std::string& kernel, std::int64_t rows, std::int64_t cols, const std::string& dtype) {
  return make_call(kernel, rows, cols, 0, 0, dtype);
}

// "" when a GPU is usable, otherwise why not.
std::string no_gpu_reason() {
  static const std::string why = [] {
    const auto q = racksim::cuda::query_devices();
    if (!q.devices.empty()) return std::string();
    return "no GPU here: " + (q.error.empty() ? std::string("no CUDA device found") : q.error);
  }();
  return why;
}

#define SKIP_WITHOUT_GPU()                                                                                             \
  do {                                                                                                                 \
    if (const std::string why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;                                    \
  } while (0)

std::string describe(const KernelCall& c) {
  return c.kernel + " " + c.dtype + " m=" + std::to_string(c.m) + " n=" + std::to_string(c.n) +
         " k=" + std::to_string(c.k) + " batch=" + std::to_string(c.batch);
}

void expect_check_ok(const KernelCall& c, std::uint64_t seed) {
  const CheckResult r = fused(c.kernel).check(c, seed);
  EXPECT_TRUE(r.ok()) << describe(c) << ": rel_error " << r.rel_error << " bound " << r.bound << "; " << r.detail;
  EXPECT_GT(r.bound, 0.0);
  EXPECT_FALSE(r.detail.empty()); // names every output compared
}

// ---------------------------------------------------------------------------------------------------------
// Host-only

TEST(CudaFusedHost, FamilyHasTheSixKernels) {
  const auto kernels = racksim::cuda::fused_kernels();
  std::set<std::string> names;
  for (const auto& k : kernels)
    names.insert(k->name());
  EXPECT_EQ(names, (std::set<std::string>{"attention_fwd", "attention_bwd", "layernorm_fwd", "layernorm_bwd",
                                          "rmsnorm_fwd", "rmsnorm_bwd"}));
  EXPECT_EQ(kernels.size(), 6u);
}

TEST(CudaFusedHost, AttentionWorkCountsFollowTheSchema) {
  // batch 2, m = n = 1024, k = 128, bf16 (B = 2).
  const auto fwd = attention("attention_fwd", 1024, 128, 2, "bf16");
  EXPECT_DOUBLE_EQ(fused("attention_fwd").flops(fwd), 2.0 * 2 * 1024 * 1024 * 128); // 536,870,912
  EXPECT_DOUBLE_EQ(fused("attention_fwd").flops(fwd), 536870912.0);
  // B·batch·(2mk + 2nk) + 4·batch·m = 4·524,288 + 8,192
  EXPECT_DOUBLE_EQ(fused("attention_fwd").bytes(fwd), 2105344.0);
  const auto bwd = attention("attention_bwd", 1024, 128, 2, "fp16");
  EXPECT_DOUBLE_EQ(fused("attention_bwd").flops(bwd), 1342177280.0); // 5·2·1024·1024·128
  // B·batch·(4mk + 4nk) + 4·batch·m = 4·1,048,576 + 8,192
  EXPECT_DOUBLE_EQ(fused("attention_bwd").bytes(bwd), 4202496.0);
  // The batch multiplies everything; head dim 64 halves the matrix terms.
  const auto small = attention("attention_fwd", 100, 64, 3, "bf16");
  EXPECT_DOUBLE_EQ(fused("attention_fwd").flops(small), 2.0 * 3 * 100 * 100 * 64);
  EXPECT_DOUBLE_EQ(fused("attention_fwd").bytes(small), 2.0 * 3 * (4 * 100 * 64) + 4.0 * 3 * 100);
}

TEST(CudaFusedHost, NormWorkCountsFollowTheSchema) {
  const std::int64_t m = 4096, n = 1024;                                                           // mn = 4,194,304
  EXPECT_DOUBLE_EQ(fused("layernorm_fwd").flops(norm("layernorm_fwd", m, n, "bf16")), 33554432.0); // 8mn
  EXPECT_DOUBLE_EQ(fused("rmsnorm_fwd").flops(norm("rmsnorm_fwd", m, n, "bf16")), 20971520.0);     // 5mn
  EXPECT_DOUBLE_EQ(fused("layernorm_bwd").flops(norm("layernorm_bwd", m, n, "bf16")), 50331648.0); // 12mn
  EXPECT_DOUBLE_EQ(fused("rmsnorm_bwd").flops(norm("rmsnorm_bwd", m, n, "bf16")), 33554432.0);     // 8mn
  // layernorm fwd: B·2mn + 4·2n + 8m; rmsnorm fwd: B·2mn + 4n + 4m; layernorm bwd: B·3mn + 4·3n + 8m;
  // rmsnorm bwd: B·3mn + 4·2n + 4m (docs/calibration-schema.md)
  EXPECT_DOUBLE_EQ(fused("layernorm_fwd").bytes(norm("layernorm_fwd", m, n, "bf16")), 16818176.0);
  EXPECT_DOUBLE_EQ(fused("rmsnorm_fwd").bytes(norm("rmsnorm_fwd", m, n, "fp16")), 16797696.0);
  EXPECT_DOUBLE_EQ(fused("layernorm_fwd").bytes(norm("layernorm_fwd", m, n, "fp32")), 33595392.0);
  EXPECT_DOUBLE_EQ(fused("layernorm_bwd").bytes(norm("layernorm_bwd", m, n, "bf16")), 25210880.0);
  EXPECT_DOUBLE_EQ(fused("rmsnorm_bwd").bytes(norm("rmsnorm_bwd", m, n, "fp32")), 50356224.0);
}

TEST(CudaFusedHost, SupportedCallsAreAccepted) {
  for (const char* k : {"attention_fwd", "attention_bwd"})
    for (const char* d : {"bf16", "fp16"})
      for (std::int64_t dim : {64, 128})
        EXPECT_EQ(fused(k).unsupported(attention(k, 17, dim, 3, d)), "") << k << " " << d << " " << dim;
  for (const char* k : {"layernorm_fwd", "layernorm_bwd", "rmsnorm_fwd", "rmsnorm_bwd"})
    for (const char* d : {"bf16", "fp16", "fp32"})
      EXPECT_EQ(fused(k).unsupported(norm(k, 7, 33, d)), "") << k << d;
}

TEST(CudaFusedHost, UnsupportedCallsSayWhy) {
  const auto reason = [](const KernelCall& c) { return fused(c.kernel).unsupported(c); };
  EXPECT_NE(reason(attention("attention_fwd", 64, 96, 2, "bf16")).find("head dim k = 96"), std::string::npos);
  EXPECT_NE(reason(attention("attention_bwd", 64, 256, 2, "bf16")).find("64 or 128"), std::string::npos);
  EXPECT_NE(reason(attention("attention_fwd", 64, 64, 2, "fp32")).find("dtype fp32"), std::string::npos);
  EXPECT_NE(reason(attention("attention_fwd", 64, 64, 2, "fp64")).find("unknown dtype"), std::string::npos);
  EXPECT_NE(reason(make_call("attention_fwd", 64, 128, 64, 2, "bf16")).find("causal self-attention"),
            std::string::npos);
  EXPECT_NE(reason(attention("attention_bwd", 0, 64, 2, "bf16")).find("at least 1"), std::string::npos);
  EXPECT_NE(reason(attention("attention_bwd", 16, 64, 0, "bf16")).find("batch"), std::string::npos);
  EXPECT_NE(reason(attention("attention_bwd", 16, 64, 70000, "bf16")).find("65535"), std::string::npos);
  EXPECT_NE(reason(norm("layernorm_fwd", 8, 8, "fp8")).find("dtype fp8"), std::string::npos);
  EXPECT_NE(reason(norm("rmsnorm_bwd", 8, 8, "tf32")).find("dtype tf32"), std::string::npos);
  EXPECT_NE(reason(norm("rmsnorm_fwd", 0, 8, "bf16")).find("at least 1"), std::string::npos);
  EXPECT_NE(reason(make_call("layernorm_bwd", 8, 8, 4, 0, "bf16")).find("must be 0"), std::string::npos);
}

TEST(CudaFusedHost, PrepareAndCheckRefuseUnsupportedCallsBeforeTouchingTheDevice) {
  const auto c = attention("attention_fwd", 64, 96, 2, "bf16");
  EXPECT_THROW((void)fused("attention_fwd").prepare(c, 1, 1), std::invalid_argument);
  EXPECT_THROW((void)fused("attention_fwd").check(c, 1), std::invalid_argument);
  const auto n = norm("rmsnorm_bwd", 8, 8, "fp8");
  EXPECT_THROW((void)fused("rmsnorm_bwd").prepare(n, 1, 1), std::invalid_argument);
  EXPECT_THROW((void)fused("rmsnorm_bwd").check(n, 1), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------------------
// On a GPU: every kernel against its float64 reference, at sequence lengths that are and are not tile
// multiples (tiles are 32), head dims 64 and 128, batch × heads 3.

using AttentionParam = std::tuple<std::string, std::string, std::int64_t, std::int64_t>; // kernel, dtype, dim, seq

class CudaFusedAttention : public ::testing::TestWithParam<AttentionParam> {};

TEST_P(CudaFusedAttention, MatchesFloat64Reference) {
  SKIP_WITHOUT_GPU();
  const auto& [kernel, dtype, dim, seq] = GetParam();
  expect_check_ok(attention(kernel, seq, dim, 3, dtype), 0xA77E0000u + static_cast<std::uint64_t>(seq * 1000 + dim));
}

INSTANTIATE_TEST_SUITE_P(CudaFused, CudaFusedAttention,
                         ::testing::Combine(::testing::Values("attention_fwd", "attention_bwd"),
                                            ::testing::Values("bf16", "fp16"), ::testing::Values(64, 128),
                                            ::testing::Values(1, 17, 32, 130, 257)),
                         [](const ::testing::TestParamInfo<AttentionParam>& info) {
                           // std::get, not a structured binding: its commas would split the macro's arguments
                           const AttentionParam& p = info.param;
                           return std::get<0>(p) + "_" + std::get<1>(p) + "_d" + std::to_string(std::get<2>(p)) + "_s" +
                                  std::to_string(std::get<3>(p));
                         });

using NormParam = std::tuple<std::string, std::string, std::pair<std::int64_t, std::int64_t>>; // kernel, dtype, shape

class CudaFusedNorm : public ::testing::TestWithParam<NormParam> {};

TEST_P(CudaFusedNorm, MatchesFloat64Reference) {
  SKIP_WITHOUT_GPU();
  const auto& [kernel, dtype, shape] = GetParam();
  expect_check_ok(norm(kernel, shape.first, shape.second, dtype),
                  0x4E0E0000u + static_cast<std::uint64_t>(shape.first * 7919 + shape.second));
}

// Shapes: a single row, cols not a multiple of the 256 threads, rows above the 64 dγ/dβ chunks. Not 1 column:
// there rmsnorm's dx = rstd·g·(1 − x²/(x² + eps)) is pure cancellation, ill-conditioned in any precision.
INSTANTIATE_TEST_SUITE_P(CudaFused, CudaFusedNorm,
                         ::testing::Combine(::testing::Values("layernorm_fwd", "layernorm_bwd", "rmsnorm_fwd",
                                                              "rmsnorm_bwd"),
                                            ::testing::Values("bf16", "fp16", "fp32"),
                                            ::testing::Values(std::pair<std::int64_t, std::int64_t>{1, 3},
                                                              std::pair<std::int64_t, std::int64_t>{7, 33},
                                                              std::pair<std::int64_t, std::int64_t>{130, 1000},
                                                              std::pair<std::int64_t, std::int64_t>{300, 4096})),
                         [](const ::testing::TestParamInfo<NormParam>& info) {
                           const NormParam& p = info.param;
                           return std::get<0>(p) + "_" + std::get<1>(p) + "_" + std::to_string(std::get<2>(p).first) +
                                  "x" + std::to_string(std::get<2>(p).second);
                         });

// A moving error on the same inputs is a race: the kernels are deterministic (no atomics), so a check repeated
// with the same seed must give the same error to the last bit, and a new seed new inputs.
TEST(CudaFusedGpu, ChecksAreRepeatableAndSeedsDrawFreshInputs) {
  SKIP_WITHOUT_GPU();
  for (const auto& c :
       {attention("attention_fwd", 130, 128, 2, "bf16"), attention("attention_bwd", 130, 128, 2, "bf16"),
        norm("layernorm_bwd", 300, 1000, "fp16"), norm("rmsnorm_bwd", 300, 1000, "bf16")}) {
    const CheckResult a = fused(c.kernel).check(c, 11), b = fused(c.kernel).check(c, 11);
    const CheckResult other = fused(c.kernel).check(c, 12);
    EXPECT_EQ(a.rel_error, b.rel_error) << describe(c) << ": " << a.detail << " vs " << b.detail;
    EXPECT_NE(a.rel_error, other.rel_error) << describe(c);
  }
}

// The harness's path: prepare several input sets, launch each on a stream; the input set is range-checked.
TEST(CudaFusedGpu, PreparedCallsLaunchOnAStream) {
  SKIP_WITHOUT_GPU();
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  for (const auto& c :
       {attention("attention_fwd", 1000, 128, 4, "bf16"), attention("attention_bwd", 1000, 64, 4, "fp16"),
        norm("layernorm_fwd", 2048, 4096, "bf16"), norm("layernorm_bwd", 2048, 4096, "bf16"),
        norm("rmsnorm_fwd", 2048, 4096, "fp32"), norm("rmsnorm_bwd", 2048, 4096, "fp16")}) {
    const auto prepared = fused(c.kernel).prepare(c, 2, 7);
    ASSERT_NE(prepared, nullptr);
    EXPECT_NO_THROW(prepared->launch(0, stream)) << describe(c);
    EXPECT_NO_THROW(prepared->launch(1, stream)) << describe(c);
    EXPECT_THROW(prepared->launch(2, stream), std::out_of_range) << describe(c);
    EXPECT_EQ(cudaStreamSynchronize(stream), cudaSuccess) << describe(c);
  }
  EXPECT_EQ(cudaStreamDestroy(stream), cudaSuccess);
}

} // namespace
