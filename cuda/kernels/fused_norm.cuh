#pragma once
// Device code of racksim's LayerNorm and RMSNorm, forward and backward (fused.cu). Private to fused.cu.
//
// x, y, dy, dx are [rows][cols] row-major in the storage type T (bf16, fp16 or fp32); γ, β, dγ, dβ are [cols]
// fp32; mean and rstd are [rows] fp32. One template serves both norms: kRms drops the mean and β.
//   layernorm: y = (x − mean)·rstd·γ + β, rstd = 1/sqrt(var + eps), var the biased variance (two passes).
//   rmsnorm:   y = x·rstd·γ,              rstd = 1/sqrt(mean(x²) + eps).
// Backward, with x̂ = (x − mean)·rstd (mean = 0 for rmsnorm) and g = dy·γ:
//   dx = rstd·(g − mean(g) − x̂·mean(g·x̂))   (rmsnorm: without the mean(g) term)
//   dγ = Σ_rows dy·x̂,  dβ = Σ_rows dy       (column sums: per-chunk partials, then a second small kernel, so
//                                               the result does not depend on scheduling)
// Correctness-first: one block per row re-reads the row from global memory (L1/L2) in each pass; a faster
// version would keep the row in registers when it fits and use 16-byte vector loads.

#include "cuda/kernels/common.cuh"

#include <cstdint>

namespace racksim::cuda::fused {

using common::from_float;
using common::to_float;

constexpr int kNormThreads = 256;
constexpr float kNormEps = 1e-5f;
// Row chunks of the dγ/dβ partial sums (at most; fewer when there are fewer rows).
constexpr int kNormChunks = 64;

// Sum over the block, returned to every thread in the same order (so every thread sees the same value).
// `red` holds kNormThreads/32 floats. Every thread of the block must call it.
__device__ __forceinline__ float block_sum(float v, float* red) {
#pragma unroll
  for (int off = 16; off > 0; off /= 2)
    v += __shfl_xor_sync(0xffffffffu, v, off);
  if (threadIdx.x % 32 == 0) red[threadIdx.x / 32] = v;
  __syncthreads();
  float total = 0.0f;
#pragma unroll
  for (int w = 0; w < kNormThreads / 32; ++w)
    total += red[w];
  __syncthreads(); // red may be reused by the next call
  return total;
}

// Forward: grid rows, block kNormThreads. mean is not written for rmsnorm (may be null).
template <class T, bool kRms>
__global__ void __launch_bounds__(kNormThreads)
    norm_fwd_kernel(const T* __restrict__ x, const float* __restrict__ gamma, const float* __restrict__ beta,
                    T* __restrict__ y, float* __restrict__ mean_out, float* __restrict__ rstd_out, int cols) {
  __shared__ float red[kNormThreads / 32];
  const std::int64_t row = blockIdx.x;
  const T* xr = x + row * cols;
  T* yr = y + row * cols;
  const float inv_cols = 1.0f / static_cast<float>(cols);

  float mean = 0.0f;
  if constexpr (!kRms) {
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += kNormThreads)
      s += to_float(xr[c]);
    mean = block_sum(s, red) * inv_cols;
  }
  float ss = 0.0f;
  for (int c = threadIdx.x; c < cols; c += kNormThreads) {
    const float d = to_float(xr[c]) - mean;
    ss = fmaf(d, d, ss);
  }
  const float rstd = 1.0f / sqrtf(block_sum(ss, red) * inv_cols + kNormEps);
  for (int c = threadIdx.x; c < cols; c += kNormThreads) {
    float out = (to_float(xr[c]) - mean) * rstd * gamma[c];
    if constexpr (!kRms) out += beta[c];
    yr[c] = from_float<T>(out);
  }
  if (threadIdx.x == 0) {
    if constexpr (!kRms) mean_out[row] = mean;
    rstd_out[row] = rstd;
  }
}

// Backward, dx: grid rows, block kNormThreads.
template <class T, bool kRms>
__global__ void __launch_bounds__(kNormThreads)
    norm_bwd_dx_kernel(const T* __restrict__ x, const T* __restrict__ dy, const float* __restrict__ gamma,
                       const float* __restrict__ mean_in, const float* __restrict__ rstd_in, T* __restrict__ dx,
                       int cols) {
  __shared__ float red[kNormThreads / 32];
  const std::int64_t row = blockIdx.x;
  const T* xr = x + row * cols;
  const T* dyr = dy + row * cols;
  T* dxr = dx + row * cols;
  const float inv_cols = 1.0f / static_cast<float>(cols);
  const float mean = kRms ? 0.0f : mean_in[row];
  const float rstd = rstd_in[row];

  float sg = 0.0f, sgx = 0.0f;
  for (int c = threadIdx.x; c < cols; c += kNormThreads) {
    const float g = to_float(dyr[c]) * gamma[c];
    const float xh = (to_float(xr[c]) - mean) * rstd;
    sg += g;
    sgx = fmaf(g, xh, sgx);
  }
  const float mean_g = kRms ? 0.0f : block_sum(sg, red) * inv_cols;
  const float mean_gx = block_sum(sgx, red) * inv_cols;
  for (int c = threadIdx.x; c < cols; c += kNormThreads) {
    const float g = to_float(dyr[c]) * gamma[c];
    const float xh = (to_float(xr[c]) - mean) * rstd;
    dxr[c] = from_float<T>(rstd * (g - mean_g - xh * mean_gx));
  }
}

// Backward, dγ/dβ step 1: column partial sums over one chunk of rows. Grid (ceil(cols/kNormThreads), chunks);
// block kNormThreads; one thread per column (coalesced across the warp). part_* are [chunks][cols].
template <class T, bool kRms>
__global__ void __launch_bounds__(kNormThreads)
    norm_bwd_partial_kernel(const T* __restrict__ x, const T* __restrict__ dy, const float* __restrict__ mean_in,
                            const float* __restrict__ rstd_in, float* __restrict__ part_gamma,
                            float* __restrict__ part_beta, std::int64_t rows, int cols, std::int64_t rows_per_chunk) {
  const int col = static_cast<int>(blockIdx.x) * kNormThreads + static_cast<int>(threadIdx.x);
  if (col >= cols) return; // no barrier in this kernel
  const std::int64_t r0 = static_cast<std::int64_t>(blockIdx.y) * rows_per_chunk;
  const std::int64_t r1 = r0 + rows_per_chunk < rows ? r0 + rows_per_chunk : rows;
  float sg = 0.0f, sb = 0.0f;
  for (std::int64_t r = r0; r < r1; ++r) {
    const float d = to_float(dy[r * cols + col]);
    const float xh = (to_float(x[r * cols + col]) - (kRms ? 0.0f : mean_in[r])) * rstd_in[r];
    sg = fmaf(d, xh, sg);
    sb += d;
  }
  const std::int64_t at = static_cast<std::int64_t>(blockIdx.y) * cols + col;
  part_gamma[at] = sg;
  if constexpr (!kRms) part_beta[at] = sb;
}

// Backward, dγ/dβ step 2: sum of the chunks' partials per column. Grid ceil(cols/kNormThreads).
template <bool kRms>
__global__ void __launch_bounds__(kNormThreads)
    norm_bwd_final_kernel(const float* __restrict__ part_gamma, const float* __restrict__ part_beta, int chunks,
                          int cols, float* __restrict__ dgamma, float* __restrict__ dbeta) {
  const int col = static_cast<int>(blockIdx.x) * kNormThreads + static_cast<int>(threadIdx.x);
  if (col >= cols) return;
  float sg = 0.0f, sb = 0.0f;
  for (int ch = 0; ch < chunks; ++ch) {
    sg += part_gamma[static_cast<std::int64_t>(ch) * cols + col];
    if constexpr (!kRms) sb += part_beta[static_cast<std::int64_t>(ch) * cols + col];
  }
  dgamma[col] = sg;
  if constexpr (!kRms) dbeta[col] = sb;
}

} // namespace racksim::cuda::fused
