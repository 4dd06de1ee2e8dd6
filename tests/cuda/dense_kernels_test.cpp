// The dense kernel family (cuda/kernels/dense.cu). Work counts, names and refusals are host code and run
// everywhere; the correctness checks need a GPU and skip, saying why, where there is none.

#include "cuda/device_info.hpp"
#include "cuda/kernels/dense_support.cuh"
#include "cuda/kernels/kernel.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <iostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using racksim::cuda::CheckResult;
using racksim::cuda::dense_kernels;
using racksim::cuda::find_kernel;
using racksim::cuda::Kernel;
using racksim::cuda::KernelCall;

// GTEST_SKIP must run in the test body itself, hence a macro.
#define RACKSIM_REQUIRE_GPU()                                                                                          \
  do {                                                                                                                 \
    const auto q_ = racksim::cuda::query_devices();                                                                    \
    if (q_.devices.empty()) GTEST_SKIP() << "no GPU here: " << q_.error;                                               \
  } while (0)

KernelCall call(const std::string& kernel, const std::string& dtype, std::int64_t m, std::int64_t n = 0,
                std::int64_t k = 0) {
  KernelCall c;
  c.kernel = kernel;
  c.dtype = dtype;
  c.m = m;
  c.n = n;
  c.k = k;
  return c;
}

struct Shape {
  std::int64_t m, n, k;
};

// ---------------------------------------------------------------------------------------------------------
// Host only

TEST(CudaDenseRegistry, HasExactlyTheSchemaKernels) {
  const auto ks = dense_kernels();
  std::set<std::string> names;
  for (const auto& k : ks)
    names.insert(k->name());
  EXPECT_EQ(names.size(), ks.size()) << "duplicate names";
  const std::set<std::string> expected = {"gemm",     "gemm_tiled",    "copy",          "gelu_fwd",
                                          "gelu_bwd", "swiglu_fwd",    "swiglu_bwd",    "softmax_fwd",
                                          "adamw",    "embedding_fwd", "embedding_bwd", "cross_entropy"};
  EXPECT_EQ(names, expected);
  EXPECT_THROW(find_kernel(ks, "gemmm"), std::invalid_argument);
}

struct Work {
  std::string kernel, dtype;
  std::int64_t m, n, k;
  double flops, bytes; // by hand from docs/calibration-schema.md
};

TEST(CudaDenseWork, FlopsAndBytesFollowTheSchema) {
  const std::vector<Work> cases = {
      // gemm: 2mnk; B(mk + kn + mn) with m=2, n=3, k=5: mk=10, kn=15, mn=6 -> 31 elements
      {"gemm", "bf16", 2, 3, 5, 60, 62},
      {"gemm", "fp16", 2, 3, 5, 60, 62},
      {"gemm", "fp32", 2, 3, 5, 60, 124},
      {"gemm", "tf32", 2, 3, 5, 60, 124},
      {"gemm", "fp8", 2, 3, 5, 60, 37}, // 1-byte A and B (10 + 15), bf16 C (2 x 6)
      {"gemm_tiled", "fp32", 2, 3, 5, 60, 124},
      {"gemm_tiled", "bf16", 2, 3, 5, 60, 62},
      {"copy", "bf16", 1000, 0, 0, 0, 2000},
      {"gelu_fwd", "bf16", 1000, 0, 0, 15000, 4000},
      {"gelu_fwd", "fp32", 1000, 0, 0, 15000, 8000},
      {"gelu_bwd", "bf16", 1000, 0, 0, 25000, 6000},
      {"swiglu_fwd", "fp16", 1000, 0, 0, 8000, 6000},
      {"swiglu_bwd", "bf16", 1000, 0, 0, 16000, 10000},
      {"softmax_fwd", "bf16", 3, 7, 0, 105, 84},
      {"softmax_fwd", "fp32", 3, 7, 0, 105, 168},
      {"adamw", "bf16", 100, 0, 0, 1600, 2600},
      {"adamw", "fp32", 100, 0, 0, 1600, 2800},
      // embedding: m=4 tokens, n=8 hidden, k=50 vocabulary; ids 8m = 32
      {"embedding_fwd", "bf16", 4, 8, 50, 0, 32 + 2 * 2 * 32},
      {"embedding_bwd", "bf16", 4, 8, 50, 32, 32 + 2 * 32 + 4 * 32},
      {"embedding_bwd", "fp32", 4, 8, 50, 32, 32 + 4 * 32 + 4 * 32},
      // cross_entropy: m=4 tokens, n=10 vocabulary: 6mn; B·2mn + 8m (targets) + 4m (fp32 loss)
      {"cross_entropy", "bf16", 4, 10, 0, 240, 2 * 2 * 40 + 32 + 16},
  };
  const auto ks = dense_kernels();
  for (const Work& w : cases) {
    SCOPED_TRACE(w.kernel + " " + w.dtype);
    const Kernel& k = find_kernel(ks, w.kernel);
    const KernelCall c = call(w.kernel, w.dtype, w.m, w.n, w.k);
    EXPECT_DOUBLE_EQ(k.flops(c), w.flops);
    EXPECT_DOUBLE_EQ(k.bytes(c), w.bytes);
  }
  // Large shapes do not overflow: a 16384^3 GEMM is 8.8e12 FLOPs.
  EXPECT_DOUBLE_EQ(find_kernel(ks, "gemm").flops(call("gemm", "bf16", 16384, 16384, 16384)),
                   2.0 * 16384.0 * 16384.0 * 16384.0);
}

TEST(CudaDenseRefusals, UnsupportedSaysWhyAndPrepareRefuses) {
  const auto ks = dense_kernels();
  const std::string tiled = find_kernel(ks, "gemm_tiled").unsupported(call("gemm_tiled", "fp16", 8, 8, 8));
  EXPECT_NE(tiled.find("fp32, bf16"), std::string::npos) << tiled;
  EXPECT_FALSE(find_kernel(ks, "gelu_fwd").unsupported(call("gelu_fwd", "fp8", 8)).empty());
  EXPECT_FALSE(find_kernel(ks, "softmax_fwd").unsupported(call("softmax_fwd", "tf32", 8, 8)).empty());
  EXPECT_FALSE(find_kernel(ks, "gemm").unsupported(call("gemm", "int4", 8, 8, 8)).empty());
  EXPECT_FALSE(find_kernel(ks, "gemm").unsupported(call("gemm", "bf16", 8, 0, 8)).empty());
  EXPECT_FALSE(find_kernel(ks, "embedding_fwd").unsupported(call("embedding_fwd", "bf16", 8, 8, 0)).empty());
  // fp8 at a shape that is not a multiple of 16 is refused on any machine (without a GPU: no device).
  EXPECT_FALSE(find_kernel(ks, "gemm").unsupported(call("gemm", "fp8", 67, 45, 33)).empty());
  // The refusal comes before any CUDA call, so this holds without a GPU too.
  EXPECT_THROW(find_kernel(ks, "gemm_tiled").prepare(call("gemm_tiled", "fp16", 8, 8, 8), 1, 1), std::invalid_argument);
  EXPECT_THROW(find_kernel(ks, "adamw").check(call("adamw", "fp8", 8), 1), std::invalid_argument);
}

TEST(CudaDenseRefusals, Fp8GemmNeedsAdaOrNewerAndMultiplesOf16) {
  using racksim::cuda::dense::gemm_fp8_unsupported;
  const std::string a100 = gemm_fp8_unsupported(64, 64, 64, 8, 0);
  EXPECT_NE(a100.find("8.9"), std::string::npos) << a100;
  EXPECT_NE(a100.find("8.0"), std::string::npos) << a100;
  EXPECT_EQ(gemm_fp8_unsupported(64, 64, 64, 8, 9), "");
  EXPECT_EQ(gemm_fp8_unsupported(64, 48, 32, 9, 0), "");
  EXPECT_EQ(gemm_fp8_unsupported(64, 64, 64, 10, 0), "");
  const std::string odd = gemm_fp8_unsupported(67, 64, 64, 9, 0);
  EXPECT_NE(odd.find("multiples of 16"), std::string::npos) << odd;
  EXPECT_FALSE(gemm_fp8_unsupported(64, 64, 33, 9, 0).empty());
}

// ---------------------------------------------------------------------------------------------------------
// On a GPU: check() against the CPU float64 reference, fresh inputs per case, outputs poisoned first.

void expect_checks(const std::string& kernel, const std::vector<std::string>& dtypes,
                   const std::vector<Shape>& shapes) {
  const auto ks = dense_kernels();
  const Kernel& k = find_kernel(ks, kernel);
  std::uint64_t seed = 0x5EED0000u + std::hash<std::string>{}(kernel) % 1000;
  for (const std::string& dtype : dtypes)
    for (const Shape& s : shapes) {
      const KernelCall c = call(kernel, dtype, s.m, s.n, s.k);
      const std::string why = k.unsupported(c);
      if (dtype == "fp8" && !why.empty()) { // the device decides; anything else must run
        std::cout << "[ note ] " << kernel << " fp8 m=" << s.m << " n=" << s.n << " k=" << s.k << " not run: " << why
                  << "\n";
        continue;
      }
      ASSERT_EQ(why, "") << kernel << " " << dtype;
      CheckResult r;
      ASSERT_NO_THROW(r = k.check(c, ++seed)) << kernel << " " << dtype << " m=" << s.m << " n=" << s.n;
      EXPECT_TRUE(r.ok()) << r.detail << " (rel_error " << r.rel_error << ", bound " << r.bound << ", all_written "
                          << r.all_written << ", finite " << r.finite << ")";
      EXPECT_TRUE(r.all_written) << r.detail;
    }
}

TEST(CudaDenseCheck, Gemm) {
  RACKSIM_REQUIRE_GPU();
  expect_checks("gemm", {"bf16", "fp16", "fp32", "tf32"}, {{67, 45, 33}, {64, 64, 64}, {128, 96, 200}});
  expect_checks("gemm", {"fp8"}, {{64, 48, 32}, {128, 96, 80}, {16, 16, 256}});
}

TEST(CudaDenseCheck, GemmTiled) {
  RACKSIM_REQUIRE_GPU();
  expect_checks("gemm_tiled", {"fp32", "bf16"}, {{67, 45, 33}, {64, 64, 64}, {130, 70, 200}, {1, 1, 1}});
}

TEST(CudaDenseCheck, Copy) {
  RACKSIM_REQUIRE_GPU();
  expect_checks("copy", {"bf16"}, {{1, 0, 0}, {4096, 0, 0}, {1000003, 0, 0}});
}

TEST(CudaDenseCheck, Elementwise) {
  RACKSIM_REQUIRE_GPU();
  // 7: shorter than one 16-byte vector; 1000: whole vectors; 12345: vectors and a tail.
  for (const char* name : {"gelu_fwd", "gelu_bwd", "swiglu_fwd", "swiglu_bwd"})
    expect_checks(name, {"bf16", "fp16", "fp32"}, {{7, 0, 0}, {1000, 0, 0}, {12345, 0, 0}});
}

TEST(CudaDenseCheck, Softmax) {
  RACKSIM_REQUIRE_GPU();
  expect_checks("softmax_fwd", {"bf16", "fp16", "fp32"}, {{67, 45, 0}, {5, 1000, 0}, {1, 1, 0}, {9, 32, 0}});
}

TEST(CudaDenseCheck, Adamw) {
  RACKSIM_REQUIRE_GPU();
  expect_checks("adamw", {"bf16", "fp16", "fp32"}, {{1, 0, 0}, {12345, 0, 0}});
}

TEST(CudaDenseCheck, Embedding) {
  RACKSIM_REQUIRE_GPU();
  // Row bytes 90/180 (2-/4-byte units), 128/256 (16-byte units); fewer ids than tokens forces repeats.
  const std::vector<Shape> shapes = {{67, 45, 33}, {16, 64, 1000}, {100, 3, 5}};
  expect_checks("embedding_fwd", {"bf16", "fp16", "fp32"}, shapes);
  expect_checks("embedding_bwd", {"bf16", "fp16", "fp32"}, shapes);
}

TEST(CudaDenseCheck, CrossEntropy) {
  RACKSIM_REQUIRE_GPU();
  expect_checks("cross_entropy", {"bf16", "fp16", "fp32"}, {{67, 45, 0}, {4, 5000, 0}, {1, 1, 0}});
}

// A result that changes between runs on the same inputs is a race (METHOD.md). Own kernels only: the
// atomics of embedding_bwd legitimately reorder, and cuBLASLt's algorithm choice is not ours.
TEST(CudaDenseCheck, OwnKernelsRepeatExactlyOnTheSameSeed) {
  RACKSIM_REQUIRE_GPU();
  const auto ks = dense_kernels();
  const std::vector<KernelCall> calls = {call("gemm_tiled", "fp32", 130, 70, 200),
                                         call("softmax_fwd", "bf16", 67, 45),
                                         call("gelu_bwd", "fp16", 12345),
                                         call("swiglu_bwd", "bf16", 12345),
                                         call("adamw", "bf16", 12345),
                                         call("embedding_fwd", "bf16", 67, 45, 33),
                                         call("cross_entropy", "fp32", 67, 45),
                                         call("copy", "bf16", 4096)};
  for (const KernelCall& c : calls) {
    const Kernel& k = find_kernel(ks, c.kernel);
    const CheckResult a = k.check(c, 77), b = k.check(c, 77);
    EXPECT_EQ(a.rel_error, b.rel_error) << c.kernel;
    EXPECT_TRUE(a.ok()) << a.detail;
  }
}

// What the calibration harness does: several input sets, each launched on a stream, no allocation in launch.
TEST(CudaDenseCheck, PrepareLaunchesEveryInputSet) {
  RACKSIM_REQUIRE_GPU();
  const auto ks = dense_kernels();
  cudaStream_t stream = nullptr;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
  const std::vector<KernelCall> calls = {call("gemm", "bf16", 256, 128, 64),
                                         call("gemm_tiled", "bf16", 67, 45, 33),
                                         call("copy", "bf16", 1 << 20),
                                         call("gelu_fwd", "bf16", 4099),
                                         call("gelu_bwd", "bf16", 4099),
                                         call("swiglu_fwd", "bf16", 4099),
                                         call("swiglu_bwd", "bf16", 4099),
                                         call("softmax_fwd", "bf16", 33, 2049),
                                         call("adamw", "bf16", 4099),
                                         call("embedding_fwd", "bf16", 64, 128, 500),
                                         call("embedding_bwd", "bf16", 64, 128, 500),
                                         call("cross_entropy", "bf16", 8, 32000)};
  for (const KernelCall& c : calls) {
    SCOPED_TRACE(c.kernel);
    const auto p = find_kernel(ks, c.kernel).prepare(c, 3, 11);
    for (int rep = 0; rep < 2; ++rep)
      for (int s = 0; s < 3; ++s)
        EXPECT_NO_THROW(p->launch(s, stream));
    EXPECT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
    EXPECT_THROW(p->launch(3, stream), std::out_of_range);
  }
  EXPECT_EQ(cudaStreamDestroy(stream), cudaSuccess);
}

} // namespace
