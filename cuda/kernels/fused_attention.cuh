#pragma once
// Device code of racksim's own fused causal attention (fused.cu): a FlashAttention-2 style forward that never
// materializes the m×n score matrix, and its backward. Private to fused.cu.
//
// Layout: Q, K, V, O, dO, dQ, dK, dV are [batch][seq][D] row-major in the storage type T (bf16 or fp16); the
// logsumexp and delta are [batch][seq] fp32. Causal self-attention: query i sees keys 0..i (m == n).
//
// Correctness-first: all arithmetic is scalar fp32 FMAs on fp32 copies of the tiles in shared memory, with
// padded rows so the hot loops are free of bank conflicts. A faster version would keep the tiles in bf16/fp16,
// load them with cp.async / the bulk tensor copy engine in a 2-3 stage pipeline, and do the two products per
// tile on the tensor cores (mma.sync, or wgmma on sm_90a) with the scores and O in registers; the backward
// would use larger key tiles, accumulate dQ with fp32 atomics in the same pass instead of the separate dQ pass
// below (which recomputes P and dP), and overlap the tiles' loads with compute.

#include "cuda/kernels/common.cuh"

#include <cstdint>

namespace racksim::cuda::fused {

using common::from_float;
using common::to_float;

// Tile shape shared by the three kernels: kRows queries × kCols keys per tile, kThreads threads per block.
// Each row of a tile is owned by a quad of 4 consecutive lanes (one warp holds 8 rows): a thread keeps the
// score columns c ≡ lane%4 (mod 4) and the output columns d ≡ lane%4 (mod 4) of its row in registers.
constexpr int kRows = 32;
constexpr int kCols = 32;
constexpr int kThreads = 128;
constexpr int kQuad = 4;
static_assert(kThreads == kRows * kQuad && kThreads == kCols * kQuad, "one quad per tile row");

// Row pitch of a [*][D] fp32 tile in shared memory: D+1 spreads the rows of a warp's 8 distinct rows over 8
// distinct banks (D is a multiple of 32).
template <int D>
constexpr int pitch() {
  return D + 1;
}
constexpr int kScorePitch = kCols + 1; // [kRows][kCols] score/probability tiles
static_assert(kRows == kCols, "the backward's transposed tiles use kScorePitch too");

template <int D>
constexpr std::size_t fwd_smem_bytes() {
  return sizeof(float) * (std::size_t(kRows + 2 * kCols) * pitch<D>() + std::size_t(kRows) * kScorePitch);
}
template <int D>
constexpr std::size_t bwd_dkdv_smem_bytes() {
  return sizeof(float) * (std::size_t(2 * kRows + 2 * kCols) * pitch<D>() + 2 * std::size_t(kCols) * kScorePitch +
                          2 * std::size_t(kRows));
}
template <int D>
constexpr std::size_t bwd_dq_smem_bytes() {
  return sizeof(float) * (std::size_t(2 * kRows + 2 * kCols) * pitch<D>() + std::size_t(kRows) * kScorePitch);
}

// Copies rows [row0, row0+rows) of a [seq][D] matrix into an fp32 [rows][pitch] shared tile; rows past seq
// become 0. Coalesced: consecutive threads read consecutive elements of a row.
template <class T, int D>
__device__ __forceinline__ void load_tile(float* tile, const T* __restrict__ src, int row0, int rows, int seq) {
  for (int idx = threadIdx.x; idx < rows * D; idx += blockDim.x) {
    const int r = idx / D, c = idx % D, row = row0 + r;
    tile[r * pitch<D>() + c] = row < seq ? to_float(src[static_cast<std::int64_t>(row) * D + c]) : 0.0f;
  }
}

template <int D>
__device__ __forceinline__ float dot_rows(const float* a, const float* b) {
  float s = 0.0f;
#pragma unroll 16
  for (int kk = 0; kk < D; ++kk)
    s = fmaf(a[kk], b[kk], s);
  return s;
}

// Max / sum over the 4 lanes of a quad (lanes 4q..4q+3). Every lane of the warp must call it.
__device__ __forceinline__ float quad_max(float v) {
  v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
  return fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
}
__device__ __forceinline__ float quad_sum(float v) {
  v += __shfl_xor_sync(0xffffffffu, v, 1);
  return v + __shfl_xor_sync(0xffffffffu, v, 2);
}

// Key tiles a query tile starting at q0 needs: keys 0 .. min(seq, q0+kRows)-1 (causal).
__device__ __forceinline__ int causal_key_tiles(int q0, int seq) {
  const int last_key = min(seq, q0 + kRows) - 1;
  return last_key / kCols + 1;
}

// ---------------------------------------------------------------------------------------------------------
// Forward. Grid (ceil(seq/kRows), batch); block kThreads; dynamic shared memory fwd_smem_bytes<D>().
// Writes O [batch][seq][D] and lse [batch][seq] = log Σ_j exp(scale·q_i·k_j) over j ≤ i.
template <class T, int D>
__global__ void __launch_bounds__(kThreads)
    attention_fwd_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v, T* __restrict__ o,
                         float* __restrict__ lse, int seq, float scale) {
  static_assert(D % 32 == 0, "the padded pitch and the quad split need D a multiple of 32");
  constexpr int P = pitch<D>();
  constexpr int kOut = D / kQuad;       // output columns per thread
  constexpr int kScore = kCols / kQuad; // score columns per thread
  extern __shared__ float smem[];
  float* qs = smem;           // [kRows][P]
  float* ks = qs + kRows * P; // [kCols][P]
  float* vs = ks + kCols * P; // [kCols][P]
  float* ps = vs + kCols * P; // [kRows][kScorePitch]

  const int q_tiles = (seq + kRows - 1) / kRows;
  const int q0 = (q_tiles - 1 - static_cast<int>(blockIdx.x)) * kRows; // the longest (last) tiles start first
  const std::int64_t base = static_cast<std::int64_t>(blockIdx.y) * seq * D;
  const int r = threadIdx.x / kQuad, sub = threadIdx.x % kQuad;
  const int qi = q0 + r; // may be >= seq in the last tile: computed (finite), never stored

  load_tile<T, D>(qs, q + base, q0, kRows, seq);

  float acc[kOut];
#pragma unroll
  for (int j = 0; j < kOut; ++j)
    acc[j] = 0.0f;
  // Running max and sum of exp(s - max) of this row. Key 0 is visible to every row (also to the padding rows
  // qi >= seq), so after the first tile row_max is finite and no exp(-inf - -inf) can arise.
  float row_max = -INFINITY, row_sum = 0.0f;

  const int k_tiles = causal_key_tiles(q0, seq);
  for (int kt = 0; kt < k_tiles; ++kt) {
    const int k0 = kt * kCols;
    __syncthreads(); // the previous tile's ks/vs/ps are no longer read
    load_tile<T, D>(ks, k + base, k0, kCols, seq);
    load_tile<T, D>(vs, v + base, k0, kCols, seq);
    __syncthreads();

    float s[kScore];
    float tile_max = -INFINITY;
#pragma unroll
    for (int j = 0; j < kScore; ++j) {
      const int c = sub + kQuad * j, kj = k0 + c;
      const float dot = dot_rows<D>(qs + r * P, ks + c * P);
      s[j] = (kj <= qi && kj < seq) ? dot * scale : -INFINITY;
      tile_max = fmaxf(tile_max, s[j]);
    }
    tile_max = quad_max(tile_max);
    const float new_max = fmaxf(row_max, tile_max);   // finite (see above)
    const float correction = expf(row_max - new_max); // 0 on the first tile
    float tile_sum = 0.0f;
#pragma unroll
    for (int j = 0; j < kScore; ++j) {
      const float p = expf(s[j] - new_max); // masked: exp(-inf) = 0
      ps[r * kScorePitch + sub + kQuad * j] = p;
      tile_sum += p;
    }
    tile_sum = quad_sum(tile_sum);
    row_sum = row_sum * correction + tile_sum;
    row_max = new_max;
#pragma unroll
    for (int j = 0; j < kOut; ++j)
      acc[j] *= correction;
    __syncthreads(); // ps complete
    for (int c = 0; c < kCols; ++c) {
      const float p = ps[r * kScorePitch + c];
      const float* vrow = vs + c * P + sub;
#pragma unroll
      for (int j = 0; j < kOut; ++j)
        acc[j] = fmaf(p, vrow[kQuad * j], acc[j]);
    }
  }

  if (qi < seq) {
    const float inv = 1.0f / row_sum;
    T* orow = o + base + static_cast<std::int64_t>(qi) * D + sub;
#pragma unroll
    for (int j = 0; j < kOut; ++j)
      orow[kQuad * j] = from_float<T>(acc[j] * inv);
    if (sub == 0) lse[static_cast<std::int64_t>(blockIdx.y) * seq + qi] = row_max + logf(row_sum);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Backward, step 1: delta[row] = Σ_d dO[row][d]·O[row][d] (= Σ_j P_ij dP_ij), one warp per row.
// Grid ceil(rows / (kThreads/32)); block kThreads.
template <class T, int D>
__global__ void __launch_bounds__(kThreads)
    attention_bwd_delta_kernel(const T* __restrict__ o, const T* __restrict__ dout, float* __restrict__ delta,
                               std::int64_t rows) {
  const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * (kThreads / 32) + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return; // whole warps leave together: no barrier below, shuffles within the warp only
  float s = 0.0f;
  for (int d = lane; d < D; d += 32)
    s = fmaf(to_float(dout[row * D + d]), to_float(o[row * D + d]), s);
#pragma unroll
  for (int off = 16; off > 0; off /= 2)
    s += __shfl_xor_sync(0xffffffffu, s, off);
  if (lane == 0) delta[row] = s;
}

// Backward, step 2: dK and dV of one key tile, looping over the query tiles that see it (causal: from the tile
// holding its first key to the end). P is recomputed from Q, K and the forward's logsumexp:
//   P_ij = exp(scale·q_i·k_j − lse_i), dP_ij = dO_i·v_j, dS_ij = P_ij (dP_ij − delta_i),
//   dV_j = Σ_i P_ij dO_i, dK_j = scale Σ_i dS_ij q_i.
// Grid (ceil(seq/kCols), batch); block kThreads; dynamic shared memory bwd_dkdv_smem_bytes<D>().
template <class T, int D>
__global__ void __launch_bounds__(kThreads)
    attention_bwd_dkdv_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                              const T* __restrict__ dout, const float* __restrict__ lse,
                              const float* __restrict__ delta, T* __restrict__ dk, T* __restrict__ dv, int seq,
                              float scale) {
  constexpr int P = pitch<D>();
  constexpr int kOut = D / kQuad;
  constexpr int kScore = kRows / kQuad; // query columns of the transposed tile per thread
  extern __shared__ float smem[];
  float* ks = smem;                        // [kCols][P]
  float* vs = ks + kCols * P;              // [kCols][P]
  float* qs = vs + kCols * P;              // [kRows][P]
  float* dos = qs + kRows * P;             // [kRows][P]
  float* pt = dos + kRows * P;             // P transposed: [kCols][kScorePitch], pt[c][i] = P_ic
  float* dst = pt + kCols * kScorePitch;   // dS transposed, same layout
  float* lses = dst + kCols * kScorePitch; // [kRows]
  float* deltas = lses + kRows;            // [kRows]

  const int k0 = static_cast<int>(blockIdx.x) * kCols; // key tile 0 has the most query tiles: it starts first
  const std::int64_t base = static_cast<std::int64_t>(blockIdx.y) * seq * D;
  const std::int64_t row_base = static_cast<std::int64_t>(blockIdx.y) * seq;
  const int c = threadIdx.x / kQuad, sub = threadIdx.x % kQuad;
  const int kj = k0 + c;

  load_tile<T, D>(ks, k + base, k0, kCols, seq);
  load_tile<T, D>(vs, v + base, k0, kCols, seq);

  float dk_acc[kOut], dv_acc[kOut];
#pragma unroll
  for (int j = 0; j < kOut; ++j)
    dk_acc[j] = dv_acc[j] = 0.0f;

  const int q_tiles = (seq + kRows - 1) / kRows;
  for (int qt = k0 / kRows; qt < q_tiles; ++qt) {
    const int q0 = qt * kRows;
    __syncthreads(); // the previous tile's qs/dos/pt/dst/lses/deltas are no longer read
    load_tile<T, D>(qs, q + base, q0, kRows, seq);
    load_tile<T, D>(dos, dout + base, q0, kRows, seq);
    for (int i = threadIdx.x; i < kRows; i += blockDim.x) {
      const bool in = q0 + i < seq;
      lses[i] = in ? lse[row_base + q0 + i] : 0.0f;
      deltas[i] = in ? delta[row_base + q0 + i] : 0.0f;
    }
    __syncthreads();

#pragma unroll
    for (int j = 0; j < kScore; ++j) {
      const int i = sub + kQuad * j, qi = q0 + i;
      const bool visible = qi < seq && kj < seq && kj <= qi;
      float p = 0.0f, ds = 0.0f;
      if (visible) {
        const float s = dot_rows<D>(qs + i * P, ks + c * P) * scale;
        const float dp = dot_rows<D>(dos + i * P, vs + c * P);
        p = expf(s - lses[i]);
        ds = p * (dp - deltas[i]);
      }
      pt[c * kScorePitch + i] = p;
      dst[c * kScorePitch + i] = ds;
    }
    __syncthreads(); // pt, dst complete
    for (int i = 0; i < kRows; ++i) {
      const float p = pt[c * kScorePitch + i], ds = dst[c * kScorePitch + i];
      const float* dorow = dos + i * P + sub;
      const float* qrow = qs + i * P + sub;
#pragma unroll
      for (int j = 0; j < kOut; ++j) {
        dv_acc[j] = fmaf(p, dorow[kQuad * j], dv_acc[j]);
        dk_acc[j] = fmaf(ds, qrow[kQuad * j], dk_acc[j]);
      }
    }
  }

  if (kj < seq) {
    T* dkrow = dk + base + static_cast<std::int64_t>(kj) * D + sub;
    T* dvrow = dv + base + static_cast<std::int64_t>(kj) * D + sub;
#pragma unroll
    for (int j = 0; j < kOut; ++j) {
      dkrow[kQuad * j] = from_float<T>(dk_acc[j] * scale);
      dvrow[kQuad * j] = from_float<T>(dv_acc[j]);
    }
  }
}

// Backward, step 3: dQ_i = scale Σ_j dS_ij k_j for one query tile, looping over its causal key tiles and
// recomputing P and dP (a separate pass instead of atomics: deterministic, no zero-fill of an accumulator).
// Grid (ceil(seq/kRows), batch); block kThreads; dynamic shared memory bwd_dq_smem_bytes<D>().
template <class T, int D>
__global__ void __launch_bounds__(kThreads)
    attention_bwd_dq_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                            const T* __restrict__ dout, const float* __restrict__ lse, const float* __restrict__ delta,
                            T* __restrict__ dq, int seq, float scale) {
  constexpr int P = pitch<D>();
  constexpr int kOut = D / kQuad;
  constexpr int kScore = kCols / kQuad;
  extern __shared__ float smem[];
  float* qs = smem;            // [kRows][P]
  float* dos = qs + kRows * P; // [kRows][P]
  float* ks = dos + kRows * P; // [kCols][P]
  float* vs = ks + kCols * P;  // [kCols][P]
  float* dss = vs + kCols * P; // [kRows][kScorePitch]

  const int q_tiles = (seq + kRows - 1) / kRows;
  const int q0 = (q_tiles - 1 - static_cast<int>(blockIdx.x)) * kRows; // longest first
  const std::int64_t base = static_cast<std::int64_t>(blockIdx.y) * seq * D;
  const std::int64_t row_base = static_cast<std::int64_t>(blockIdx.y) * seq;
  const int r = threadIdx.x / kQuad, sub = threadIdx.x % kQuad;
  const int qi = q0 + r;
  const float my_lse = qi < seq ? lse[row_base + qi] : 0.0f;
  const float my_delta = qi < seq ? delta[row_base + qi] : 0.0f;

  load_tile<T, D>(qs, q + base, q0, kRows, seq);
  load_tile<T, D>(dos, dout + base, q0, kRows, seq);

  float acc[kOut];
#pragma unroll
  for (int j = 0; j < kOut; ++j)
    acc[j] = 0.0f;

  const int k_tiles = causal_key_tiles(q0, seq);
  for (int kt = 0; kt < k_tiles; ++kt) {
    const int k0 = kt * kCols;
    __syncthreads(); // the previous tile's ks/vs/dss are no longer read (first pass: qs/dos stores done)
    load_tile<T, D>(ks, k + base, k0, kCols, seq);
    load_tile<T, D>(vs, v + base, k0, kCols, seq);
    __syncthreads();
#pragma unroll
    for (int j = 0; j < kScore; ++j) {
      const int c = sub + kQuad * j, kj = k0 + c;
      float ds = 0.0f;
      if (qi < seq && kj < seq && kj <= qi) {
        const float s = dot_rows<D>(qs + r * P, ks + c * P) * scale;
        const float dp = dot_rows<D>(dos + r * P, vs + c * P);
        ds = expf(s - my_lse) * (dp - my_delta);
      }
      dss[r * kScorePitch + c] = ds;
    }
    __syncthreads(); // dss complete
    for (int c = 0; c < kCols; ++c) {
      const float ds = dss[r * kScorePitch + c];
      const float* krow = ks + c * P + sub;
#pragma unroll
      for (int j = 0; j < kOut; ++j)
        acc[j] = fmaf(ds, krow[kQuad * j], acc[j]);
    }
  }

  if (qi < seq) {
    T* dqrow = dq + base + static_cast<std::int64_t>(qi) * D + sub;
#pragma unroll
    for (int j = 0; j < kOut; ++j)
      dqrow[kQuad * j] = from_float<T>(acc[j] * scale);
  }
}

} // namespace racksim::cuda::fused
