// The "fused" kernel family: racksim's own causal attention (forward and backward, FlashAttention-2 style) and
// LayerNorm / RMSNorm (forward and backward), each behind the Kernel interface (kernel.hpp): work counts as in
// docs/calibration-schema.md, random input sets for timing, and a check against a CPU float64 reference.
// Device code lives in fused_attention.cuh and fused_norm.cuh.

#include "cuda/kernels/common.cuh"
#include "cuda/kernels/fused_attention.cuh"
#include "cuda/kernels/fused_norm.cuh"
#include "cuda/kernels/kernel.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace racksim::cuda {
namespace {

using common::DeviceBuffer;
using common::DType;

// ---------------------------------------------------------------------------------------------------------
// Shared helpers

// Values of the random inputs: uniform in [lo, hi), rounded to the storage type.
struct Range {
  float lo, hi;
};
constexpr Range kUnit{-1.0f, 1.0f};
constexpr Range kNormX{-0.5f, 1.5f}; // a nonzero mean, so layernorm's centring matters
constexpr Range kGamma{0.5f, 1.5f};
constexpr Range kBeta{-0.5f, 0.5f};

// Seed of input `index` of input set `set` (set -1: the check's inputs).
std::uint64_t input_seed(std::uint64_t seed, int set, int index) {
  return common::derive_seed(seed, static_cast<std::uint64_t>(set + 1) * 64u + static_cast<std::uint64_t>(index));
}

std::size_t elems(std::int64_t a, std::int64_t b = 1, std::int64_t c = 1) {
  return static_cast<std::size_t>(a) * static_cast<std::size_t>(b) * static_cast<std::size_t>(c);
}

DeviceBuffer filled(std::size_t count, DType d, std::uint64_t seed, Range r) {
  DeviceBuffer b(count * common::dtype_bytes(d));
  common::fill_uniform(b, d, seed, r.lo, r.hi, nullptr);
  return b;
}

DeviceBuffer poisoned(std::size_t count, DType d) {
  DeviceBuffer b(count * common::dtype_bytes(d));
  common::poison(b, nullptr);
  return b;
}

void check_set(int input_set, std::size_t sets) {
  if (input_set < 0 || static_cast<std::size_t>(input_set) >= sets)
    throw std::out_of_range("input set " + std::to_string(input_set) + " out of range (prepared " +
                            std::to_string(sets) + ")");
}

void require_supported(const std::string& why, const KernelCall& call) {
  if (!why.empty()) throw std::invalid_argument(call.kernel + ": " + why);
}

std::string known_dtype_or_reason(const std::string& dtype, std::initializer_list<DType> allowed,
                                  const char* allowed_text, DType& out) {
  try {
    out = common::parse_dtype(dtype);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  if (std::find(allowed.begin(), allowed.end(), out) == allowed.end())
    return "dtype " + dtype + " is not implemented (" + allowed_text + ")";
  return "";
}

// ---------------------------------------------------------------------------------------------------------
// Attention: launch plumbing

constexpr std::int64_t kMaxSeq = std::int64_t{1} << 30; // seq is an int in the kernels, tiles too
constexpr std::int64_t kMaxGridY = 65535;               // batch × heads is gridDim.y

std::string attention_unsupported(const KernelCall& c) {
  DType d{};
  if (auto why = known_dtype_or_reason(c.dtype, {DType::bf16, DType::fp16}, "attention takes bf16 or fp16", d);
      !why.empty())
    return why;
  if (c.k != 64 && c.k != 128) return "head dim k = " + std::to_string(c.k) + " is not implemented (64 or 128)";
  if (c.m < 1) return "query length m must be at least 1";
  if (c.n != c.m)
    return "only causal self-attention is implemented: key length n must equal query length m (m = " +
           std::to_string(c.m) + ", n = " + std::to_string(c.n) + ")";
  if (c.m > kMaxSeq) return "sequence length above 2^30 is not supported";
  if (c.batch < 1) return "batch (batch x heads) must be at least 1";
  if (c.batch > kMaxGridY) return "batch (batch x heads) above 65535 is not supported (grid y)";
  return "";
}

// Calls f(T{}, std::integral_constant<int, D>{}) for the supported (dtype, head dim) pairs: the only
// instantiations of the attention kernels.
template <class F>
void dispatch_attention(DType d, std::int64_t head_dim, F&& f) {
  auto by_dim = [&](auto tag) {
    if (head_dim == 64) return f(tag, std::integral_constant<int, 64>{});
    if (head_dim == 128) return f(tag, std::integral_constant<int, 128>{});
    throw std::invalid_argument("attention: head dim " + std::to_string(head_dim) + " not instantiated");
  };
  if (d == DType::bf16) return by_dim(__nv_bfloat16{});
  if (d == DType::fp16) return by_dim(__half{});
  throw std::invalid_argument(std::string("attention: dtype ") + common::dtype_name(d) + " not instantiated");
}

// Raise the dynamic shared-memory limit of the kernels (above 48 KB for head dim 128). Per device; call in
// prepare()/check(), never inside launch().
void attention_set_smem(DType d, std::int64_t head_dim) {
  dispatch_attention(d, head_dim, [](auto tag, auto dim) {
    using T = decltype(tag);
    constexpr int D = decltype(dim)::value;
    CUDA_CHECK(cudaFuncSetAttribute(fused::attention_fwd_kernel<T, D>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    static_cast<int>(fused::fwd_smem_bytes<D>())));
    CUDA_CHECK(cudaFuncSetAttribute(fused::attention_bwd_dkdv_kernel<T, D>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    static_cast<int>(fused::bwd_dkdv_smem_bytes<D>())));
    CUDA_CHECK(cudaFuncSetAttribute(fused::attention_bwd_dq_kernel<T, D>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    static_cast<int>(fused::bwd_dq_smem_bytes<D>())));
  });
}

float attention_scale(std::int64_t head_dim) {
  return static_cast<float>(1.0 / std::sqrt(static_cast<double>(head_dim)));
}

void launch_attention_fwd(DType d, std::int64_t head_dim, std::int64_t batch, std::int64_t seq, const void* q,
                          const void* k, const void* v, void* o, float* lse, cudaStream_t stream) {
  dispatch_attention(d, head_dim, [&](auto tag, auto dim) {
    using T = decltype(tag);
    constexpr int D = decltype(dim)::value;
    const dim3 grid(static_cast<unsigned>((seq + fused::kRows - 1) / fused::kRows), static_cast<unsigned>(batch));
    fused::attention_fwd_kernel<T, D><<<grid, fused::kThreads, fused::fwd_smem_bytes<D>(), stream>>>(
        static_cast<const T*>(q), static_cast<const T*>(k), static_cast<const T*>(v), static_cast<T*>(o), lse,
        static_cast<int>(seq), attention_scale(head_dim));
    CUDA_CHECK_LAUNCH();
  });
}

// delta: [batch·seq] fp32 workspace.
void launch_attention_bwd(DType d, std::int64_t head_dim, std::int64_t batch, std::int64_t seq, const void* q,
                          const void* k, const void* v, const void* o, const void* dout, const float* lse, float* delta,
                          void* dq, void* dk, void* dv, cudaStream_t stream) {
  dispatch_attention(d, head_dim, [&](auto tag, auto dim) {
    using T = decltype(tag);
    constexpr int D = decltype(dim)::value;
    const std::int64_t rows = batch * seq;
    constexpr int kWarps = fused::kThreads / 32;
    fused::attention_bwd_delta_kernel<T, D>
        <<<static_cast<unsigned>((rows + kWarps - 1) / kWarps), fused::kThreads, 0, stream>>>(
            static_cast<const T*>(o), static_cast<const T*>(dout), delta, rows);
    CUDA_CHECK_LAUNCH();
    const float scale = attention_scale(head_dim);
    const dim3 kv_grid(static_cast<unsigned>((seq + fused::kCols - 1) / fused::kCols), static_cast<unsigned>(batch));
    fused::attention_bwd_dkdv_kernel<T, D><<<kv_grid, fused::kThreads, fused::bwd_dkdv_smem_bytes<D>(), stream>>>(
        static_cast<const T*>(q), static_cast<const T*>(k), static_cast<const T*>(v), static_cast<const T*>(dout), lse,
        delta, static_cast<T*>(dk), static_cast<T*>(dv), static_cast<int>(seq), scale);
    CUDA_CHECK_LAUNCH();
    const dim3 q_grid(static_cast<unsigned>((seq + fused::kRows - 1) / fused::kRows), static_cast<unsigned>(batch));
    fused::attention_bwd_dq_kernel<T, D><<<q_grid, fused::kThreads, fused::bwd_dq_smem_bytes<D>(), stream>>>(
        static_cast<const T*>(q), static_cast<const T*>(k), static_cast<const T*>(v), static_cast<const T*>(dout), lse,
        delta, static_cast<T*>(dq), static_cast<int>(seq), scale);
    CUDA_CHECK_LAUNCH();
  });
}

// ---------------------------------------------------------------------------------------------------------
// Attention: CPU float64 reference (straightforward O(batch·m·n·k), explicit causal softmax)

struct AttentionRef {
  std::vector<double> o, lse;     // forward
  std::vector<double> dq, dk, dv; // backward (when dout was given)
};

// q, k, v, dout: [batch][seq][dim]. dout empty: forward only.
AttentionRef attention_reference(const std::vector<double>& q, const std::vector<double>& k,
                                 const std::vector<double>& v, const std::vector<double>& dout, std::int64_t batch,
                                 std::int64_t seq, std::int64_t dim) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim));
  const bool backward = !dout.empty();
  AttentionRef r;
  r.o.assign(elems(batch, seq, dim), 0.0);
  r.lse.assign(elems(batch, seq), 0.0);
  if (backward) {
    r.dq.assign(r.o.size(), 0.0);
    r.dk.assign(r.o.size(), 0.0);
    r.dv.assign(r.o.size(), 0.0);
  }
  std::vector<double> p(static_cast<std::size_t>(seq)), dp(static_cast<std::size_t>(seq));
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::size_t base = elems(b, seq, dim);
    auto row = [&](const std::vector<double>& t, std::int64_t i) { return t.data() + base + elems(i, dim); };
    for (std::int64_t i = 0; i < seq; ++i) {
      // Scores of keys 0..i (causal), softmax.
      double mx = -std::numeric_limits<double>::infinity();
      for (std::int64_t j = 0; j <= i; ++j) {
        double s = 0;
        for (std::int64_t d = 0; d < dim; ++d)
          s += row(q, i)[d] * row(k, j)[d];
        p[j] = s * scale;
        mx = std::max(mx, p[j]);
      }
      double sum = 0;
      for (std::int64_t j = 0; j <= i; ++j) {
        p[j] = std::exp(p[j] - mx);
        sum += p[j];
      }
      for (std::int64_t j = 0; j <= i; ++j)
        p[j] /= sum;
      r.lse[elems(b, seq) + i] = mx + std::log(sum);
      double* orow = r.o.data() + base + elems(i, dim);
      for (std::int64_t j = 0; j <= i; ++j)
        for (std::int64_t d = 0; d < dim; ++d)
          orow[d] += p[j] * row(v, j)[d];
      if (!backward) continue;
      // dV_j += P_ij dO_i; dP_ij = dO_i·V_j; dS_ij = P_ij (dP_ij − Σ_l P_il dP_il);
      // dQ_i = scale Σ_j dS_ij K_j; dK_j += scale dS_ij Q_i.
      double delta = 0;
      for (std::int64_t j = 0; j <= i; ++j) {
        double s = 0;
        for (std::int64_t d = 0; d < dim; ++d)
          s += row(dout, i)[d] * row(v, j)[d];
        dp[j] = s;
        delta += p[j] * s;
      }
      double* dqrow = r.dq.data() + base + elems(i, dim);
      for (std::int64_t j = 0; j <= i; ++j) {
        const double ds = p[j] * (dp[j] - delta);
        double* dkrow = r.dk.data() + base + elems(j, dim);
        double* dvrow = r.dv.data() + base + elems(j, dim);
        for (std::int64_t d = 0; d < dim; ++d) {
          dqrow[d] += scale * ds * row(k, j)[d];
          dkrow[d] += scale * ds * row(q, i)[d];
          dvrow[d] += p[j] * row(dout, i)[d];
        }
      }
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// Attention kernels

// One input set of the attention kernels. The backward also needs the forward's O and logsumexp of its Q, K, V.
struct AttentionInputs {
  DeviceBuffer q, k, v, dout, o, lse;
};

AttentionInputs make_attention_inputs(const KernelCall& c, DType d, std::uint64_t seed, int set, bool backward) {
  const std::size_t n = elems(c.batch, c.m, c.k);
  AttentionInputs in;
  in.q = filled(n, d, input_seed(seed, set, 0), kUnit);
  in.k = filled(n, d, input_seed(seed, set, 1), kUnit);
  in.v = filled(n, d, input_seed(seed, set, 2), kUnit);
  if (backward) {
    in.dout = filled(n, d, input_seed(seed, set, 3), kUnit);
    in.o = poisoned(n, d);
    in.lse = poisoned(elems(c.batch, c.m), DType::fp32);
    launch_attention_fwd(d, c.k, c.batch, c.m, in.q.get(), in.k.get(), in.v.get(), in.o.get(), in.lse.as<float>(),
                         nullptr);
  }
  return in;
}

class AttentionFwdPrepared final : public Prepared {
 public:
  AttentionFwdPrepared(const KernelCall& c, int input_sets, std::uint64_t seed)
      : call_(c), dtype_(common::parse_dtype(c.dtype)) {
    attention_set_smem(dtype_, c.k);
    for (int s = 0; s < input_sets; ++s)
      sets_.push_back(make_attention_inputs(c, dtype_, seed, s, false));
    o_ = poisoned(elems(c.batch, c.m, c.k), dtype_);
    lse_ = poisoned(elems(c.batch, c.m), DType::fp32);
    CUDA_CHECK(cudaDeviceSynchronize());
  }
  void launch(int input_set, cudaStream_t stream) override {
    check_set(input_set, sets_.size());
    const AttentionInputs& in = sets_[static_cast<std::size_t>(input_set)];
    launch_attention_fwd(dtype_, call_.k, call_.batch, call_.m, in.q.get(), in.k.get(), in.v.get(), o_.get(),
                         lse_.as<float>(), stream);
  }

 private:
  KernelCall call_;
  DType dtype_;
  std::vector<AttentionInputs> sets_;
  DeviceBuffer o_, lse_;
};

class AttentionBwdPrepared final : public Prepared {
 public:
  AttentionBwdPrepared(const KernelCall& c, int input_sets, std::uint64_t seed)
      : call_(c), dtype_(common::parse_dtype(c.dtype)) {
    attention_set_smem(dtype_, c.k);
    for (int s = 0; s < input_sets; ++s)
      sets_.push_back(make_attention_inputs(c, dtype_, seed, s, true));
    const std::size_t n = elems(c.batch, c.m, c.k);
    dq_ = poisoned(n, dtype_);
    dk_ = poisoned(n, dtype_);
    dv_ = poisoned(n, dtype_);
    delta_ = poisoned(elems(c.batch, c.m), DType::fp32);
    CUDA_CHECK(cudaDeviceSynchronize());
  }
  void launch(int input_set, cudaStream_t stream) override {
    check_set(input_set, sets_.size());
    const AttentionInputs& in = sets_[static_cast<std::size_t>(input_set)];
    launch_attention_bwd(dtype_, call_.k, call_.batch, call_.m, in.q.get(), in.k.get(), in.v.get(), in.o.get(),
                         in.dout.get(), in.lse.as<float>(), delta_.as<float>(), dq_.get(), dk_.get(), dv_.get(),
                         stream);
  }

 private:
  KernelCall call_;
  DType dtype_;
  std::vector<AttentionInputs> sets_;
  DeviceBuffer dq_, dk_, dv_, delta_;
};

class AttentionKernel final : public Kernel {
 public:
  explicit AttentionKernel(bool backward) : backward_(backward) {}
  std::string name() const override { return backward_ ? "attention_bwd" : "attention_fwd"; }
  std::string unsupported(const KernelCall& call) const override { return attention_unsupported(call); }
  std::unique_ptr<Prepared> prepare(const KernelCall& call, int input_sets, std::uint64_t seed) const override {
    require_supported(unsupported(call), call);
    if (input_sets < 1) throw std::invalid_argument(name() + ": input_sets must be at least 1");
    if (backward_) return std::make_unique<AttentionBwdPrepared>(call, input_sets, seed);
    return std::make_unique<AttentionFwdPrepared>(call, input_sets, seed);
  }
  CheckResult check(const KernelCall& call, std::uint64_t seed) const override;

 private:
  bool backward_;
};

CheckResult AttentionKernel::check(const KernelCall& c, std::uint64_t seed) const {
  require_supported(unsupported(c), c);
  const DType d = common::parse_dtype(c.dtype);
  attention_set_smem(d, c.k);
  const std::size_t n = elems(c.batch, c.m, c.k), rows = elems(c.batch, c.m);
  AttentionInputs in = make_attention_inputs(c, d, seed, -1, backward_); // backward: O, lse from our forward
  CheckResult result;
  result.bound = common::accuracy_bound(d, common::Op::reduction);
  auto q = common::download(in.q, d).values, k = common::download(in.k, d).values, v = common::download(in.v, d).values;
  if (!backward_) {
    DeviceBuffer o = poisoned(n, d), lse = poisoned(rows, DType::fp32);
    launch_attention_fwd(d, c.k, c.batch, c.m, in.q.get(), in.k.get(), in.v.get(), o.get(), lse.as<float>(), nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    const AttentionRef ref = attention_reference(q, k, v, {}, c.batch, c.m, c.k);
    common::compare_output(result, "O", common::download(o, d), ref.o);
    common::compare_output(result, "logsumexp", common::download(lse, DType::fp32), ref.lse);
    return result;
  }
  DeviceBuffer dq = poisoned(n, d), dk = poisoned(n, d), dv = poisoned(n, d);
  DeviceBuffer delta = poisoned(rows, DType::fp32); // a read of an unwritten delta would show as NaN
  launch_attention_bwd(d, c.k, c.batch, c.m, in.q.get(), in.k.get(), in.v.get(), in.o.get(), in.dout.get(),
                       in.lse.as<float>(), delta.as<float>(), dq.get(), dk.get(), dv.get(), nullptr);
  CUDA_CHECK(cudaDeviceSynchronize());
  const auto dout = common::download(in.dout, d).values;
  const AttentionRef ref = attention_reference(q, k, v, dout, c.batch, c.m, c.k);
  common::compare_output(result, "dQ", common::download(dq, d), ref.dq);
  common::compare_output(result, "dK", common::download(dk, d), ref.dk);
  common::compare_output(result, "dV", common::download(dv, d), ref.dv);
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// LayerNorm / RMSNorm: launch plumbing

constexpr std::int64_t kMaxRows = 2147483647;                       // gridDim.x
constexpr std::int64_t kMaxCols = 2147483647 - fused::kNormThreads; // cols is an int, col indices too

std::string norm_unsupported(const KernelCall& c) {
  DType d{};
  if (auto why =
          known_dtype_or_reason(c.dtype, {DType::bf16, DType::fp16, DType::fp32}, "norms take bf16, fp16 or fp32", d);
      !why.empty())
    return why;
  if (c.m < 1 || c.n < 1) return "rows m and cols n must be at least 1";
  if (c.k != 0 || c.batch != 0) return "k and batch are unused by norms and must be 0";
  if (c.m > kMaxRows) return "rows m above 2^31 - 1 are not supported (grid x)";
  if (c.n > kMaxCols) return "cols n above 2^31 - 257 are not supported";
  return "";
}

// Calls f(T{}) for bf16, fp16, fp32 storage (the only instantiations of the norm kernels).
template <class F>
void dispatch_norm(DType d, F&& f) {
  if (d == DType::bf16) return f(__nv_bfloat16{});
  if (d == DType::fp16) return f(__half{});
  if (d == DType::fp32) return f(float{});
  throw std::invalid_argument(std::string("norm: dtype ") + common::dtype_name(d) + " not instantiated");
}

// mean may be null for rmsnorm; beta too.
void launch_norm_fwd(bool rms, DType d, std::int64_t rows, std::int64_t cols, const void* x, const float* gamma,
                     const float* beta, void* y, float* mean, float* rstd, cudaStream_t stream) {
  dispatch_norm(d, [&](auto tag) {
    using T = decltype(tag);
    const auto grid = static_cast<unsigned>(rows);
    if (rms)
      fused::norm_fwd_kernel<T, true><<<grid, fused::kNormThreads, 0, stream>>>(
          static_cast<const T*>(x), gamma, beta, static_cast<T*>(y), mean, rstd, static_cast<int>(cols));
    else
      fused::norm_fwd_kernel<T, false><<<grid, fused::kNormThreads, 0, stream>>>(
          static_cast<const T*>(x), gamma, beta, static_cast<T*>(y), mean, rstd, static_cast<int>(cols));
    CUDA_CHECK_LAUNCH();
  });
}

// Row chunks of the dγ/dβ partial sums: at most kNormChunks, none empty.
struct NormChunks {
  std::int64_t rows_per_chunk;
  int chunks;
};
NormChunks norm_chunks(std::int64_t rows) {
  const std::int64_t want = std::min<std::int64_t>(rows, fused::kNormChunks);
  const std::int64_t per = (rows + want - 1) / want;
  return {per, static_cast<int>((rows + per - 1) / per)};
}

// part_gamma, part_beta: [chunks][cols] fp32 workspaces (part_beta, dbeta, mean null for rmsnorm).
void launch_norm_bwd(bool rms, DType d, std::int64_t rows, std::int64_t cols, const void* x, const void* dy,
                     const float* gamma, const float* mean, const float* rstd, void* dx, float* part_gamma,
                     float* part_beta, float* dgamma, float* dbeta, cudaStream_t stream) {
  const NormChunks ch = norm_chunks(rows);
  const auto col_blocks = static_cast<unsigned>((cols + fused::kNormThreads - 1) / fused::kNormThreads);
  const int icols = static_cast<int>(cols);
  dispatch_norm(d, [&](auto tag) {
    using T = decltype(tag);
    const auto* xt = static_cast<const T*>(x);
    const auto* dyt = static_cast<const T*>(dy);
    const dim3 part_grid(col_blocks, static_cast<unsigned>(ch.chunks));
    // The three launches, with rmsnorm-or-layernorm as a compile-time flag.
    const auto launch = [&](auto rms_flag) {
      constexpr bool kRms = decltype(rms_flag)::value;
      fused::norm_bwd_dx_kernel<T, kRms><<<static_cast<unsigned>(rows), fused::kNormThreads, 0, stream>>>(
          xt, dyt, gamma, mean, rstd, static_cast<T*>(dx), icols);
      CUDA_CHECK_LAUNCH();
      fused::norm_bwd_partial_kernel<T, kRms><<<part_grid, fused::kNormThreads, 0, stream>>>(
          xt, dyt, mean, rstd, part_gamma, part_beta, rows, icols, ch.rows_per_chunk);
      CUDA_CHECK_LAUNCH();
      fused::norm_bwd_final_kernel<kRms>
          <<<col_blocks, fused::kNormThreads, 0, stream>>>(part_gamma, part_beta, ch.chunks, icols, dgamma, dbeta);
      CUDA_CHECK_LAUNCH();
    };
    if (rms)
      launch(std::true_type{});
    else
      launch(std::false_type{});
  });
}

// ---------------------------------------------------------------------------------------------------------
// Norms: CPU float64 reference

struct NormRef {
  std::vector<double> y, mean, rstd;     // forward
  std::vector<double> dx, dgamma, dbeta; // backward (when dy was given)
};

NormRef norm_reference(bool rms, const std::vector<double>& x, const std::vector<double>& gamma,
                       const std::vector<double>& beta, const std::vector<double>& dy, std::int64_t rows,
                       std::int64_t cols) {
  const double eps = static_cast<double>(fused::kNormEps);
  const bool backward = !dy.empty();
  NormRef r;
  r.y.assign(elems(rows, cols), 0.0);
  r.mean.assign(elems(rows), 0.0);
  r.rstd.assign(elems(rows), 0.0);
  if (backward) {
    r.dx.assign(r.y.size(), 0.0);
    r.dgamma.assign(elems(cols), 0.0);
    r.dbeta.assign(elems(cols), 0.0);
  }
  std::vector<double> xh(static_cast<std::size_t>(cols)), g(static_cast<std::size_t>(cols));
  for (std::int64_t i = 0; i < rows; ++i) {
    const std::size_t base = elems(i, cols);
    double mean = 0;
    if (!rms) {
      for (std::int64_t j = 0; j < cols; ++j)
        mean += x[base + j];
      mean /= static_cast<double>(cols);
    }
    double ss = 0;
    for (std::int64_t j = 0; j < cols; ++j)
      ss += (x[base + j] - mean) * (x[base + j] - mean);
    const double rstd = 1.0 / std::sqrt(ss / static_cast<double>(cols) + eps);
    r.mean[i] = mean;
    r.rstd[i] = rstd;
    for (std::int64_t j = 0; j < cols; ++j) {
      xh[j] = (x[base + j] - mean) * rstd;
      r.y[base + j] = xh[j] * gamma[j] + (rms ? 0.0 : beta[j]);
    }
    if (!backward) continue;
    double mean_g = 0, mean_gx = 0;
    for (std::int64_t j = 0; j < cols; ++j) {
      g[j] = dy[base + j] * gamma[j];
      mean_g += g[j];
      mean_gx += g[j] * xh[j];
      r.dgamma[j] += dy[base + j] * xh[j];
      r.dbeta[j] += dy[base + j];
    }
    mean_g = rms ? 0.0 : mean_g / static_cast<double>(cols);
    mean_gx /= static_cast<double>(cols);
    for (std::int64_t j = 0; j < cols; ++j)
      r.dx[base + j] = rstd * (g[j] - mean_g - xh[j] * mean_gx);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// Norm kernels

// One input set: x (and dy for the backward); the backward also needs the forward's mean and rstd of its x.
struct NormInputs {
  DeviceBuffer x, dy, mean, rstd;
};

// γ, β are parameters, shared by all input sets.
struct NormParams {
  DeviceBuffer gamma, beta;
};

NormParams make_norm_params(const KernelCall& c, std::uint64_t seed, int set) {
  NormParams p;
  p.gamma = filled(elems(c.n), DType::fp32, input_seed(seed, set, 10), kGamma);
  p.beta = filled(elems(c.n), DType::fp32, input_seed(seed, set, 11), kBeta);
  return p;
}

NormInputs make_norm_inputs(bool rms, const KernelCall& c, DType d, const NormParams& p, std::uint64_t seed, int set,
                            bool backward) {
  NormInputs in;
  in.x = filled(elems(c.m, c.n), d, input_seed(seed, set, 0), kNormX);
  if (backward) {
    in.dy = filled(elems(c.m, c.n), d, input_seed(seed, set, 1), kUnit);
    in.mean = poisoned(elems(c.m), DType::fp32);
    in.rstd = poisoned(elems(c.m), DType::fp32);
    DeviceBuffer y = poisoned(elems(c.m, c.n), d);
    launch_norm_fwd(rms, d, c.m, c.n, in.x.get(), p.gamma.as<float>(), p.beta.as<float>(), y.get(), in.mean.as<float>(),
                    in.rstd.as<float>(), nullptr);
    CUDA_CHECK(cudaDeviceSynchronize()); // y is freed on return
  }
  return in;
}

class NormFwdPrepared final : public Prepared {
 public:
  NormFwdPrepared(bool rms, const KernelCall& c, int input_sets, std::uint64_t seed)
      : rms_(rms), call_(c), dtype_(common::parse_dtype(c.dtype)), params_(make_norm_params(c, seed, 0)) {
    for (int s = 0; s < input_sets; ++s)
      sets_.push_back(make_norm_inputs(rms, c, dtype_, params_, seed, s, false));
    y_ = poisoned(elems(c.m, c.n), dtype_);
    mean_ = poisoned(elems(c.m), DType::fp32);
    rstd_ = poisoned(elems(c.m), DType::fp32);
    CUDA_CHECK(cudaDeviceSynchronize());
  }
  void launch(int input_set, cudaStream_t stream) override {
    check_set(input_set, sets_.size());
    launch_norm_fwd(rms_, dtype_, call_.m, call_.n, sets_[static_cast<std::size_t>(input_set)].x.get(),
                    params_.gamma.as<float>(), params_.beta.as<float>(), y_.get(), mean_.as<float>(), rstd_.as<float>(),
                    stream);
  }

 private:
  bool rms_;
  KernelCall call_;
  DType dtype_;
  NormParams params_;
  std::vector<NormInputs> sets_;
  DeviceBuffer y_, mean_, rstd_;
};

// Outputs and workspace of the norm backward.
struct NormBwdOutputs {
  DeviceBuffer dx, dgamma, dbeta, part_gamma, part_beta;
  NormBwdOutputs(const KernelCall& c, DType d) {
    const auto chunks = static_cast<std::int64_t>(norm_chunks(c.m).chunks);
    dx = poisoned(elems(c.m, c.n), d);
    dgamma = poisoned(elems(c.n), DType::fp32);
    dbeta = poisoned(elems(c.n), DType::fp32);
    part_gamma = poisoned(elems(chunks, c.n), DType::fp32);
    part_beta = poisoned(elems(chunks, c.n), DType::fp32);
  }
};

void launch_norm_bwd(bool rms, DType d, const KernelCall& c, const NormParams& p, const NormInputs& in,
                     NormBwdOutputs& out, cudaStream_t stream) {
  launch_norm_bwd(rms, d, c.m, c.n, in.x.get(), in.dy.get(), p.gamma.as<float>(), in.mean.as<float>(),
                  in.rstd.as<float>(), out.dx.get(), out.part_gamma.as<float>(), out.part_beta.as<float>(),
                  out.dgamma.as<float>(), out.dbeta.as<float>(), stream);
}

class NormBwdPrepared final : public Prepared {
 public:
  NormBwdPrepared(bool rms, const KernelCall& c, int input_sets, std::uint64_t seed)
      : rms_(rms), call_(c), dtype_(common::parse_dtype(c.dtype)), params_(make_norm_params(c, seed, 0)),
        out_(c, dtype_) {
    for (int s = 0; s < input_sets; ++s)
      sets_.push_back(make_norm_inputs(rms, c, dtype_, params_, seed, s, true));
    CUDA_CHECK(cudaDeviceSynchronize());
  }
  void launch(int input_set, cudaStream_t stream) override {
    check_set(input_set, sets_.size());
    launch_norm_bwd(rms_, dtype_, call_, params_, sets_[static_cast<std::size_t>(input_set)], out_, stream);
  }

 private:
  bool rms_;
  KernelCall call_;
  DType dtype_;
  NormParams params_;
  std::vector<NormInputs> sets_;
  NormBwdOutputs out_;
};

class NormKernel final : public Kernel {
 public:
  NormKernel(bool rms, bool backward) : rms_(rms), backward_(backward) {}
  std::string name() const override {
    return std::string(rms_ ? "rmsnorm" : "layernorm") + (backward_ ? "_bwd" : "_fwd");
  }
  std::string unsupported(const KernelCall& call) const override { return norm_unsupported(call); }
  std::unique_ptr<Prepared> prepare(const KernelCall& call, int input_sets, std::uint64_t seed) const override {
    require_supported(unsupported(call), call);
    if (input_sets < 1) throw std::invalid_argument(name() + ": input_sets must be at least 1");
    if (backward_) return std::make_unique<NormBwdPrepared>(rms_, call, input_sets, seed);
    return std::make_unique<NormFwdPrepared>(rms_, call, input_sets, seed);
  }
  CheckResult check(const KernelCall& call, std::uint64_t seed) const override;

 private:
  bool rms_, backward_;
};

CheckResult NormKernel::check(const KernelCall& c, std::uint64_t seed) const {
  require_supported(unsupported(c), c);
  const DType d = common::parse_dtype(c.dtype);
  const NormParams p = make_norm_params(c, seed, -1);
  NormInputs in = make_norm_inputs(rms_, c, d, p, seed, -1, backward_); // backward: mean, rstd from our forward
  CheckResult result;
  result.bound = common::accuracy_bound(d, common::Op::reduction);
  const auto x = common::download(in.x, d).values;
  const auto gamma = common::download(p.gamma, DType::fp32).values;
  const auto beta = common::download(p.beta, DType::fp32).values;
  if (!backward_) {
    DeviceBuffer y = poisoned(elems(c.m, c.n), d), mean = poisoned(elems(c.m), DType::fp32),
                 rstd = poisoned(elems(c.m), DType::fp32);
    launch_norm_fwd(rms_, d, c.m, c.n, in.x.get(), p.gamma.as<float>(), p.beta.as<float>(), y.get(), mean.as<float>(),
                    rstd.as<float>(), nullptr);
    CUDA_CHECK(cudaDeviceSynchronize());
    const NormRef ref = norm_reference(rms_, x, gamma, beta, {}, c.m, c.n);
    common::compare_output(result, "y", common::download(y, d), ref.y);
    if (!rms_) common::compare_output(result, "mean", common::download(mean, DType::fp32), ref.mean);
    common::compare_output(result, "rstd", common::download(rstd, DType::fp32), ref.rstd);
    return result;
  }
  NormBwdOutputs out(c, d);
  launch_norm_bwd(rms_, d, c, p, in, out, nullptr);
  CUDA_CHECK(cudaDeviceSynchronize());
  const auto dy = common::download(in.dy, d).values;
  const NormRef ref = norm_reference(rms_, x, gamma, beta, dy, c.m, c.n);
  common::compare_output(result, "dx", common::download(out.dx, d), ref.dx);
  common::compare_output(result, "dgamma", common::download(out.dgamma, DType::fp32), ref.dgamma);
  if (!rms_) common::compare_output(result, "dbeta", common::download(out.dbeta, DType::fp32), ref.dbeta);
  return result;
}

} // namespace

std::vector<std::unique_ptr<Kernel>> fused_kernels() {
  std::vector<std::unique_ptr<Kernel>> out;
  out.push_back(std::make_unique<AttentionKernel>(false));
  out.push_back(std::make_unique<AttentionKernel>(true));
  out.push_back(std::make_unique<NormKernel>(false, false));
  out.push_back(std::make_unique<NormKernel>(false, true));
  out.push_back(std::make_unique<NormKernel>(true, false));
  out.push_back(std::make_unique<NormKernel>(true, true));
  return out;
}

} // namespace racksim::cuda
