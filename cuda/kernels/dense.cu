// The dense family of racksim's real CUDA training kernels (docs/calibration-schema.md): cuBLASLt GEMM, an own
// shared-memory tiled GEMM, device-to-device copy, GELU / SwiGLU forward and backward, row softmax, AdamW,
// embedding gather / scatter-add, and fused cross-entropy (loss + gradient).
//
// Every kernel is a DenseKernel: it lists the arrays it reads and writes (element type, count, random range),
// makes a launch function once in prepare (cuBLASLt plans, workspaces), and gives a CPU float64 reference.
// The base class does the rest the same way for all of them: allocation and seeded random fills in prepare,
// and in check: poison the outputs, launch, copy everything back, compare with the reference.
// Device code is C++17 (CMake's nvcc dialect); keep template instantiations few (compile time).

#include "cuda/kernels/common.cuh"
#include "cuda/kernels/dense_support.cuh"
#include "cuda/kernels/kernel.hpp"

#include <cublasLt.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::cuda {

namespace dense {

std::string gemm_fp8_unsupported(std::int64_t m, std::int64_t n, std::int64_t k, int cc_major, int cc_minor) {
  if (cc_major * 10 + cc_minor < 89)
    return "fp8 GEMM needs compute capability 8.9 (Ada) or newer; this device is " + std::to_string(cc_major) + "." +
           std::to_string(cc_minor);
  if (m % 16 != 0 || n % 16 != 0 || k % 16 != 0)
    return "fp8 GEMM (cuBLASLt) needs m, n and k to be multiples of 16; got m=" + std::to_string(m) +
           " n=" + std::to_string(n) + " k=" + std::to_string(k);
  return "";
}

} // namespace dense

namespace {

using namespace common;

// ---------------------------------------------------------------------------------------------------------
// Arrays a kernel reads and writes

enum class Elem { bf16, fp16, fp32, fp8, i64, u8 };

Elem elem_of(DType d) {
  switch (d) {
  case DType::bf16:
    return Elem::bf16;
  case DType::fp16:
    return Elem::fp16;
  case DType::fp32:
  case DType::tf32:
    return Elem::fp32;
  case DType::fp8:
    return Elem::fp8;
  }
  throw std::invalid_argument("elem_of: bad dtype");
}

bool is_float(Elem e) {
  return e != Elem::i64 && e != Elem::u8;
}

DType dtype_of(Elem e) {
  switch (e) {
  case Elem::bf16:
    return DType::bf16;
  case Elem::fp16:
    return DType::fp16;
  case Elem::fp32:
    return DType::fp32;
  case Elem::fp8:
    return DType::fp8;
  default:
    throw std::invalid_argument("dtype_of: not a floating-point element");
  }
}

std::size_t elem_bytes(Elem e) {
  switch (e) {
  case Elem::i64:
    return 8;
  case Elem::u8:
    return 1;
  default:
    return dtype_bytes(dtype_of(e));
  }
}

struct Array {
  std::string name;
  Elem elem = Elem::fp32;
  std::size_t count = 0;
  double lo = -1, hi = 1;   // random fill: uniform in [lo, hi); integers in [lo, hi)
  int alias_input = -1;     // output: updated in place in this input of the set while timing (AdamW)
  bool accumulates = false; // output: read-modify-written (+=), so filled randomly like an input, never poisoned
};

Array arr(std::string name, Elem e, std::size_t count, double lo = -1, double hi = 1) {
  Array a;
  a.name = std::move(name);
  a.elem = e;
  a.count = count;
  a.lo = lo;
  a.hi = hi;
  return a;
}

// Pointers to the arrays of one input set, in the order of inputs() / outputs().
using LaunchFn = std::function<void(void* const* in, void* const* out, cudaStream_t stream)>;
using HostArrays = std::vector<std::vector<double>>;

__global__ void fill_bytes_kernel(unsigned char* out, std::size_t n, std::uint64_t seed) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    out[i] = static_cast<unsigned char>(mix64(seed ^ mix64(i)) >> 56);
}

void fill_array(void* p, const Array& a, std::uint64_t seed) {
  if (a.count == 0) return;
  if (is_float(a.elem)) {
    fill_uniform(p, a.count, dtype_of(a.elem), seed, static_cast<float>(a.lo), static_cast<float>(a.hi), nullptr);
  } else if (a.elem == Elem::i64) {
    fill_uniform_int64(static_cast<std::int64_t*>(p), a.count, seed, static_cast<std::int64_t>(a.lo),
                       static_cast<std::int64_t>(a.hi), nullptr);
  } else {
    fill_bytes_kernel<<<grid_blocks(a.count, 256), 256>>>(static_cast<unsigned char*>(p), a.count, seed);
    CUDA_CHECK_LAUNCH();
  }
}

// Poison applies to floating-point arrays only: any byte value is a valid u8/i64 element.
HostArray download_array(const void* p, const Array& a) {
  if (is_float(a.elem)) return download(p, a.count, dtype_of(a.elem));
  HostArray h;
  if (a.elem == Elem::i64) {
    for (std::int64_t v : download_int64(p, a.count))
      h.values.push_back(static_cast<double>(v));
  } else {
    std::vector<unsigned char> raw(a.count);
    if (a.count > 0) CUDA_CHECK(cudaMemcpy(raw.data(), p, a.count, cudaMemcpyDeviceToHost));
    h.values.assign(raw.begin(), raw.end());
  }
  return h;
}

std::string describe(const KernelCall& c) {
  std::ostringstream os;
  os << c.kernel << " " << c.dtype << " m=" << c.m << " n=" << c.n << " k=" << c.k;
  return os.str();
}

// ---------------------------------------------------------------------------------------------------------
// The shared Prepared and Kernel

class DensePrepared final : public Prepared {
 public:
  void launch(int input_set, cudaStream_t stream) override {
    if (input_set < 0 || input_set >= static_cast<int>(in_ptrs.size()))
      throw std::out_of_range("input set " + std::to_string(input_set) + " of " + std::to_string(in_ptrs.size()));
    fn(in_ptrs[static_cast<std::size_t>(input_set)].data(), out_ptrs[static_cast<std::size_t>(input_set)].data(),
       stream);
  }

  std::vector<Array> in_spec, out_spec;
  std::vector<std::vector<DeviceBuffer>> in;         // [set][input]
  std::vector<DeviceBuffer> out;                     // [output]; empty where the output aliases an input while timing
  std::vector<std::vector<void*>> in_ptrs, out_ptrs; // [set][array]
  LaunchFn fn;
};

class DenseKernel : public Kernel {
 public:
  std::unique_ptr<Prepared> prepare(const KernelCall& call, int input_sets, std::uint64_t seed) const override {
    return build(call, input_sets, seed, false);
  }
  CheckResult check(const KernelCall& call, std::uint64_t seed) const override;

 protected:
  virtual std::vector<Array> inputs(const KernelCall& call) const = 0;
  virtual std::vector<Array> outputs(const KernelCall& call) const = 0;
  // Called once per prepare: plans, workspaces. The returned function launches once and checks the launch.
  virtual LaunchFn make_launch(const KernelCall& call) const = 0;
  // Expected outputs from the inputs as stored (already rounded to their dtype), and the outputs' values
  // before the launch (used only by accumulating outputs).
  virtual HostArrays reference(const KernelCall& call, const HostArrays& in, const HostArrays& before) const = 0;
  virtual double bound(const KernelCall& call) const = 0;

 private:
  std::unique_ptr<DensePrepared> build(const KernelCall& call, int sets, std::uint64_t seed, bool checking) const;
};

std::unique_ptr<DensePrepared> DenseKernel::build(const KernelCall& call, int sets, std::uint64_t seed,
                                                  bool checking) const {
  if (sets < 1) throw std::invalid_argument(name() + ": input_sets must be at least 1");
  const std::string why = unsupported(call);
  if (!why.empty()) throw std::invalid_argument(describe(call) + ": " + why);
  auto p = std::make_unique<DensePrepared>();
  p->in_spec = inputs(call);
  p->out_spec = outputs(call);
  for (int s = 0; s < sets; ++s) {
    p->in.emplace_back();
    p->in_ptrs.emplace_back();
    for (std::size_t i = 0; i < p->in_spec.size(); ++i) {
      const Array& a = p->in_spec[i];
      p->in.back().emplace_back(a.count * elem_bytes(a.elem));
      fill_array(p->in.back().back().get(), a, derive_seed(seed, static_cast<std::uint64_t>(s) * 1000 + i));
      p->in_ptrs.back().push_back(p->in.back().back().get());
    }
  }
  for (std::size_t j = 0; j < p->out_spec.size(); ++j) {
    const Array& a = p->out_spec[j];
    if (!checking && a.alias_input >= 0) {
      p->out.emplace_back(); // updates its input set in place
      continue;
    }
    p->out.emplace_back(a.count * elem_bytes(a.elem));
    if (a.accumulates) fill_array(p->out.back().get(), a, derive_seed(seed, 1000000 + j));
  }
  for (int s = 0; s < sets; ++s) {
    p->out_ptrs.emplace_back();
    for (std::size_t j = 0; j < p->out_spec.size(); ++j) {
      const int alias = p->out_spec[j].alias_input;
      p->out_ptrs.back().push_back(!checking && alias >= 0 ? p->in_ptrs[static_cast<std::size_t>(s)][alias]
                                                           : p->out[j].get());
    }
  }
  p->fn = make_launch(call);
  // The fills ran on the legacy default stream; finish them before the caller launches on any stream.
  CUDA_CHECK(cudaDeviceSynchronize());
  return p;
}

CheckResult DenseKernel::check(const KernelCall& call, std::uint64_t seed) const {
  auto p = build(call, 1, seed, true);
  CheckResult r;
  r.bound = bound(call);
  r.detail = describe(call) + ": ";
  HostArrays in, before(p->out_spec.size());
  for (std::size_t i = 0; i < p->in_spec.size(); ++i)
    in.push_back(download_array(p->in_ptrs[0][i], p->in_spec[i]).values);
  for (std::size_t j = 0; j < p->out_spec.size(); ++j) {
    if (p->out_spec[j].accumulates) {
      before[j] = download_array(p->out[j].get(), p->out_spec[j]).values;
      r.detail += p->out_spec[j].name + " accumulates into random initial values (poison does not apply); ";
    } else {
      poison(p->out[j], nullptr);
    }
  }
  CUDA_CHECK(cudaDeviceSynchronize());
  p->launch(0, nullptr);
  CUDA_CHECK(cudaDeviceSynchronize()); // surfaces faults of the launch itself
  const HostArrays ref = reference(call, in, before);
  for (std::size_t j = 0; j < p->out_spec.size(); ++j)
    compare_output(r, p->out_spec[j].name, download_array(p->out[j].get(), p->out_spec[j]), ref[j]);
  return r;
}

// Reasons shared by the kernels' unsupported().
std::string dtype_not_in(const KernelCall& c, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (c.dtype == a) return "";
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  return c.kernel + " supports dtype " + list + ", not '" + c.dtype + "'";
}

std::string dims_not_positive(const KernelCall& c, bool need_n, bool need_k) {
  if (c.m <= 0 || (need_n && c.n <= 0) || (need_k && c.k <= 0))
    return "needs positive m" + std::string(need_n ? ", n" : "") + (need_k ? ", k" : "") +
           "; got m=" + std::to_string(c.m) + " n=" + std::to_string(c.n) + " k=" + std::to_string(c.k);
  return "";
}

std::size_t sz(std::int64_t v) {
  return static_cast<std::size_t>(v);
}
double dbl(std::int64_t v) {
  return static_cast<double>(v);
}

// ---------------------------------------------------------------------------------------------------------
// gemm: cuBLASLt, row-major C[m,n] = A[m,k]·B[k,n], fp32 accumulation.
//
// cuBLASLt is column-major. A row-major [r,c] matrix is the column-major [c,r] one, so the call computes
// Cᵀ[n,m] = Bᵀ[n,k]·Aᵀ[k,m]: cuBLAS's first operand is our B, its second our A, D is our C, no copies.
// fp8: cuBLASLt's fp8 kernels need the "TN" form (first operand transposed). Our B is then stored transposed,
// as Bt[n,k] row-major (the nn.Linear weight layout), which is exactly a column-major k×n matrix: op = T.

struct GemmPlan {
  cublasLtHandle_t handle = nullptr;
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t first = nullptr, second = nullptr, out = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  cublasLtMatmulAlgo_t algo{};
  DeviceBuffer workspace, scales;
  float alpha = 1, beta = 0;

  GemmPlan() = default;
  GemmPlan(const GemmPlan&) = delete;
  GemmPlan& operator=(const GemmPlan&) = delete;
  ~GemmPlan() { // destruction never throws; a failed destroy is not actionable
    if (pref != nullptr) (void)cublasLtMatmulPreferenceDestroy(pref);
    if (out != nullptr) (void)cublasLtMatrixLayoutDestroy(out);
    if (second != nullptr) (void)cublasLtMatrixLayoutDestroy(second);
    if (first != nullptr) (void)cublasLtMatrixLayoutDestroy(first);
    if (op != nullptr) (void)cublasLtMatmulDescDestroy(op);
    if (handle != nullptr) (void)cublasLtDestroy(handle);
  }
};

constexpr std::size_t kGemmWorkspaceBytes = 32u << 20;

std::shared_ptr<GemmPlan> make_gemm_plan(std::int64_t m, std::int64_t n, std::int64_t k, DType d) {
  cudaDataType_t ab = CUDA_R_32F, cd = CUDA_R_32F;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F; // fp32 accumulation for every dtype; pure fp32 for fp32
  switch (d) {
  case DType::bf16:
    ab = cd = CUDA_R_16BF;
    break;
  case DType::fp16:
    ab = cd = CUDA_R_16F;
    break;
  case DType::fp32:
    break;
  case DType::tf32:
    compute = CUBLAS_COMPUTE_32F_FAST_TF32;
    break;
  case DType::fp8:
    ab = CUDA_R_8F_E4M3;
    cd = CUDA_R_16BF;
    break;
  }
  const bool tn = d == DType::fp8;
  auto p = std::make_shared<GemmPlan>();
  CUBLAS_CHECK(cublasLtCreate(&p->handle));
  CUBLAS_CHECK(cublasLtMatmulDescCreate(&p->op, compute, CUDA_R_32F));
  const cublasOperation_t trans_first = tn ? CUBLAS_OP_T : CUBLAS_OP_N, trans_second = CUBLAS_OP_N;
  CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(p->op, CUBLASLT_MATMUL_DESC_TRANSA, &trans_first, sizeof(trans_first)));
  CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(p->op, CUBLASLT_MATMUL_DESC_TRANSB, &trans_second, sizeof(trans_second)));
  const auto um = static_cast<std::uint64_t>(m), un = static_cast<std::uint64_t>(n), uk = static_cast<std::uint64_t>(k);
  // first = our B: NN: column-major n×k (ld n) = B[k,n] row-major; TN: column-major k×n (ld k) = Bt[n,k] row-major.
  CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p->first, ab, tn ? uk : un, tn ? un : uk, tn ? k : n));
  // second = our A[m,k] row-major = column-major k×m (ld k).
  CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p->second, ab, uk, um, k));
  // C = D = our C[m,n] row-major = column-major n×m (ld n).
  CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&p->out, cd, un, um, n));
  if (tn) { // per-tensor dequantization scales (compute type fp32), 1: inputs are already in e4m3 range.
    // One device float serves as both A's and B's scale. Two floats side by side (B's scale 4 bytes past A's)
    // made cuBLASLt 13.1's Hopper fp8 kernels refuse the call at run time (CUBLAS_STATUS_NOT_SUPPORTED) after
    // its heuristic had accepted the descriptors: the scale pointers evidently need more than 4-byte alignment.
    const float one = 1.0f;
    p->scales = DeviceBuffer(sizeof(one));
    CUDA_CHECK(cudaMemcpy(p->scales.get(), &one, sizeof(one), cudaMemcpyHostToDevice));
    const void* scale = p->scales.as<float>();
    CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(p->op, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &scale, sizeof(scale)));
    CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(p->op, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &scale, sizeof(scale)));
  }
  p->workspace = DeviceBuffer(kGemmWorkspaceBytes);
  CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&p->pref));
  const std::uint64_t ws = kGemmWorkspaceBytes;
  CUBLAS_CHECK(
      cublasLtMatmulPreferenceSetAttribute(p->pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
  cublasLtMatmulHeuristicResult_t heuristic{};
  int found = 0;
  CUBLAS_CHECK(cublasLtMatmulAlgoGetHeuristic(p->handle, p->op, p->first, p->second, p->out, p->out, p->pref, 1,
                                              &heuristic, &found));
  if (found < 1 || heuristic.state != CUBLAS_STATUS_SUCCESS)
    throw CudaError("cuBLASLt has no algorithm for gemm " + std::string(dtype_name(d)) + " m=" + std::to_string(m) +
                    " n=" + std::to_string(n) + " k=" + std::to_string(k));
  p->algo = heuristic.algo;
  return p;
}

class Gemm final : public DenseKernel {
 public:
  std::string name() const override { return "gemm"; }
  std::string unsupported(const KernelCall& c) const override {
    std::string why = dtype_not_in(c, {"bf16", "fp16", "fp32", "tf32", "fp8"});
    if (why.empty()) why = dims_not_positive(c, true, true);
    if (why.empty() && c.dtype == "fp8") {
      int dev = 0, major = 0, minor = 0;
      const cudaError_t e = cudaGetDevice(&dev);
      if (e != cudaSuccess) {
        (void)cudaGetLastError(); // do not leave the error for the next launch check to report
        return std::string("no usable CUDA device (") + cudaGetErrorString(e) + ")";
      }
      CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev));
      CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev));
      why = dense::gemm_fp8_unsupported(c.m, c.n, c.k, major, minor);
    }
    return why;
  }

 protected:
  std::vector<Array> inputs(const KernelCall& c) const override {
    const Elem e = elem_of(parse_dtype(c.dtype));
    return {arr("A", e, sz(c.m) * sz(c.k)), arr(c.dtype == "fp8" ? "Bt" : "B", e, sz(c.k) * sz(c.n))};
  }
  std::vector<Array> outputs(const KernelCall& c) const override {
    const Elem e = c.dtype == "fp8" ? Elem::bf16 : elem_of(parse_dtype(c.dtype));
    return {arr("C", e, sz(c.m) * sz(c.n))};
  }
  LaunchFn make_launch(const KernelCall& c) const override {
    auto plan = make_gemm_plan(c.m, c.n, c.k, parse_dtype(c.dtype));
    return [plan](void* const* in, void* const* out, cudaStream_t stream) {
      CUBLAS_CHECK(cublasLtMatmul(plan->handle, plan->op, &plan->alpha, in[1], plan->first, in[0], plan->second,
                                  &plan->beta, out[0], plan->out, out[0], plan->out, &plan->algo, plan->workspace.get(),
                                  plan->workspace.bytes(), stream));
    };
  }
  HostArrays reference(const KernelCall& c, const HostArrays& in, const HostArrays&) const override {
    const std::size_t m = sz(c.m), n = sz(c.n), k = sz(c.k);
    const bool bt = c.dtype == "fp8"; // B stored as Bt[n,k]
    std::vector<double> out(m * n, 0.0);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        double s = 0;
        for (std::size_t q = 0; q < k; ++q)
          s += in[0][i * k + q] * (bt ? in[1][j * k + q] : in[1][q * n + j]);
        out[i * n + j] = s;
      }
    return {out};
  }
  double bound(const KernelCall& c) const override { return accuracy_bound(parse_dtype(c.dtype), Op::reduction); }
};

// ---------------------------------------------------------------------------------------------------------
// gemm_tiled: own shared-memory GEMM, row-major C[m,n] = A[m,k]·B[k,n], fp32 accumulation.
// A 64×64 tile of C per 256-thread block, k in steps of 16 through shared memory; each thread holds a 4×4
// register tile at rows ty+16i, columns tx+16j (so a warp reads consecutive shared-memory columns of B).
// Out-of-range loads read 0 and out-of-range stores are skipped: any m, n, k.

constexpr int kTileM = 64, kTileN = 64, kTileK = 16, kTileThreads = 256;

template <class T>
__global__ void __launch_bounds__(kTileThreads)
    gemm_tiled_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ c, int m, int n, int k) {
  __shared__ float as[kTileK][kTileM + 1]; // A tile stored k-major; +1 pads away bank conflicts of the stores
  __shared__ float bs[kTileK][kTileN];
  const int tx = static_cast<int>(threadIdx.x) % 16, ty = static_cast<int>(threadIdx.x) / 16;
  const int m0 = static_cast<int>(blockIdx.y) * kTileM, n0 = static_cast<int>(blockIdx.x) * kTileN;
  float acc[4][4] = {};
  for (int k0 = 0; k0 < k; k0 += kTileK) {
#pragma unroll
    for (int l = 0; l < kTileM * kTileK / kTileThreads; ++l) {
      const int idx = static_cast<int>(threadIdx.x) + kTileThreads * l;
      const int mm = idx / kTileK, kk = idx % kTileK, gm = m0 + mm, gk = k0 + kk;
      as[kk][mm] = (gm < m && gk < k) ? to_float(a[static_cast<std::size_t>(gm) * k + gk]) : 0.0f;
    }
#pragma unroll
    for (int l = 0; l < kTileK * kTileN / kTileThreads; ++l) {
      const int idx = static_cast<int>(threadIdx.x) + kTileThreads * l;
      const int kk = idx / kTileN, nn = idx % kTileN, gk = k0 + kk, gn = n0 + nn;
      bs[kk][nn] = (gk < k && gn < n) ? to_float(b[static_cast<std::size_t>(gk) * n + gn]) : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTileK; ++kk) {
      float av[4], bv[4];
#pragma unroll
      for (int i = 0; i < 4; ++i)
        av[i] = as[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; ++j)
        bv[j] = bs[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
          acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
    __syncthreads(); // the next step overwrites the tiles
  }
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int gm = m0 + ty + 16 * i, gn = n0 + tx + 16 * j;
      if (gm < m && gn < n) c[static_cast<std::size_t>(gm) * n + gn] = from_float<T>(acc[i][j]);
    }
}

class GemmTiled final : public DenseKernel {
 public:
  std::string name() const override { return "gemm_tiled"; }
  std::string unsupported(const KernelCall& c) const override {
    std::string why = dtype_not_in(c, {"fp32", "bf16"});
    if (why.empty()) why = dims_not_positive(c, true, true);
    if (why.empty() && (c.m > INT_MAX || c.n > INT_MAX || c.k > INT_MAX || (c.m + kTileM - 1) / kTileM > 65535))
      why = "gemm_tiled needs m <= 65535*64 and n, k < 2^31";
    return why;
  }

 protected:
  std::vector<Array> inputs(const KernelCall& c) const override {
    const Elem e = elem_of(parse_dtype(c.dtype));
    return {arr("A", e, sz(c.m) * sz(c.k)), arr("B", e, sz(c.k) * sz(c.n))};
  }
  std::vector<Array> outputs(const KernelCall& c) const override {
    return {arr("C", elem_of(parse_dtype(c.dtype)), sz(c.m) * sz(c.n))};
  }
  LaunchFn make_launch(const KernelCall& c) const override {
    const int m = static_cast<int>(c.m), n = static_cast<int>(c.n), k = static_cast<int>(c.k);
    const DType d = parse_dtype(c.dtype);
    return [m, n, k, d](void* const* in, void* const* out, cudaStream_t stream) {
      const dim3 grid(static_cast<unsigned>((n + kTileN - 1) / kTileN),
                      static_cast<unsigned>((m + kTileM - 1) / kTileM));
      if (d == DType::bf16)
        gemm_tiled_kernel<__nv_bfloat16><<<grid, kTileThreads, 0, stream>>>(
            static_cast<const __nv_bfloat16*>(in[0]), static_cast<const __nv_bfloat16*>(in[1]),
            static_cast<__nv_bfloat16*>(out[0]), m, n, k);
      else
        gemm_tiled_kernel<float><<<grid, kTileThreads, 0, stream>>>(
            static_cast<const float*>(in[0]), static_cast<const float*>(in[1]), static_cast<float*>(out[0]), m, n, k);
      CUDA_CHECK_LAUNCH();
    };
  }
  HostArrays reference(const KernelCall& c, const HostArrays& in, const HostArrays&) const override {
    const std::size_t m = sz(c.m), n = sz(c.n), k = sz(c.k);
    std::vector<double> out(m * n, 0.0);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        double s = 0;
        for (std::size_t q = 0; q < k; ++q)
          s += in[0][i * k + q] * in[1][q * n + j];
        out[i * n + j] = s;
      }
    return {out};
  }
  double bound(const KernelCall& c) const override { return accuracy_bound(parse_dtype(c.dtype), Op::reduction); }
};

// ---------------------------------------------------------------------------------------------------------
// copy: m bytes device to device (the bandwidth ceiling). dtype is ignored; the check is exact.

class Copy final : public DenseKernel {
 public:
  std::string name() const override { return "copy"; }
  std::string unsupported(const KernelCall& c) const override {
    std::string why = dtype_not_in(c, {"bf16", "fp16", "fp32", "tf32", "fp8"});
    return why.empty() ? dims_not_positive(c, false, false) : why;
  }

 protected:
  std::vector<Array> inputs(const KernelCall& c) const override { return {arr("src", Elem::u8, sz(c.m))}; }
  std::vector<Array> outputs(const KernelCall& c) const override { return {arr("dst", Elem::u8, sz(c.m))}; }
  LaunchFn make_launch(const KernelCall& c) const override {
    const std::size_t bytes = sz(c.m);
    return [bytes](void* const* in, void* const* out, cudaStream_t stream) {
      CUDA_CHECK(cudaMemcpyAsync(out[0], in[0], bytes, cudaMemcpyDeviceToDevice, stream));
    };
  }
  HostArrays reference(const KernelCall&, const HostArrays& in, const HostArrays&) const override { return {in[0]}; }
  double bound(const KernelCall&) const override { return 0; } // a copy is exact
};

// ---------------------------------------------------------------------------------------------------------
// Elementwise: GELU (tanh approximation) and SwiGLU, forward and backward. Math in fp32, storage in T.
// Each op maps kIn fp32 values to kOut; the kernel does 16-byte vector loads/stores when every pointer is
// 16-byte aligned (cudaMalloc's are), and finishes the n % (16 / sizeof(T)) tail element by element.

constexpr float kGeluCf = 0.7978845608028654f; // sqrt(2/pi)
constexpr float kGeluAf = 0.044715f;
constexpr double kGeluC = 0.7978845608028654;
constexpr double kGeluA = 0.044715;

struct GeluFwd {
  static constexpr int kIn = 1, kOut = 1;
  __host__ __device__ void operator()(const float* in, float* out) const {
    const float x = in[0];
    out[0] = 0.5f * x * (1.0f + tanhf(kGeluCf * (x + kGeluAf * x * x * x)));
  }
  static void reference(const double* in, double* out) {
    const double x = in[0];
    out[0] = 0.5 * x * (1.0 + std::tanh(kGeluC * (x + kGeluA * x * x * x)));
  }
};

struct GeluBwd { // in: dy, x; out: dx
  static constexpr int kIn = 2, kOut = 1;
  __host__ __device__ void operator()(const float* in, float* out) const {
    const float dy = in[0], x = in[1];
    const float t = tanhf(kGeluCf * (x + kGeluAf * x * x * x));
    const float du = kGeluCf * (1.0f + 3.0f * kGeluAf * x * x);
    out[0] = dy * (0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du);
  }
  static void reference(const double* in, double* out) {
    const double dy = in[0], x = in[1];
    const double t = std::tanh(kGeluC * (x + kGeluA * x * x * x));
    out[0] = dy * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * kGeluC * (1.0 + 3.0 * kGeluA * x * x));
  }
};

struct SwigluFwd { // in: gate, up; out: silu(gate) * up
  static constexpr int kIn = 2, kOut = 1;
  __host__ __device__ void operator()(const float* in, float* out) const {
    const float g = in[0], s = 1.0f / (1.0f + expf(-g));
    out[0] = g * s * in[1];
  }
  static void reference(const double* in, double* out) {
    const double g = in[0], s = 1.0 / (1.0 + std::exp(-g));
    out[0] = g * s * in[1];
  }
};

struct SwigluBwd { // in: dout, gate, up; out: dgate, dup
  static constexpr int kIn = 3, kOut = 2;
  __host__ __device__ void operator()(const float* in, float* out) const {
    const float d = in[0], g = in[1], u = in[2], s = 1.0f / (1.0f + expf(-g));
    out[0] = d * u * s * (1.0f + g * (1.0f - s)); // d silu(g)/dg = s (1 + g (1 - s))
    out[1] = d * g * s;
  }
  static void reference(const double* in, double* out) {
    const double d = in[0], g = in[1], u = in[2], s = 1.0 / (1.0 + std::exp(-g));
    out[0] = d * u * s * (1.0 + g * (1.0 - s));
    out[1] = d * g * s;
  }
};

template <int NI, int NO>
struct IoPtrs {
  const void* in[NI];
  void* out[NO];
};

template <class T, int N>
struct alignas(16) Pack {
  T v[N];
};

template <class T, class Fn>
__global__ void __launch_bounds__(256)
    elementwise_kernel(IoPtrs<Fn::kIn, Fn::kOut> io, std::size_t n, bool vectorized, Fn fn) {
  constexpr int kVec = static_cast<int>(16 / sizeof(T));
  using P = Pack<T, kVec>;
  const std::size_t first = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  const std::size_t nvec = vectorized ? n / kVec : 0;
  for (std::size_t i = first; i < nvec; i += stride) {
    P x[Fn::kIn], y[Fn::kOut];
#pragma unroll
    for (int a = 0; a < Fn::kIn; ++a)
      x[a] = static_cast<const P*>(io.in[a])[i];
#pragma unroll
    for (int e = 0; e < kVec; ++e) {
      float xi[Fn::kIn], yo[Fn::kOut];
#pragma unroll
      for (int a = 0; a < Fn::kIn; ++a)
        xi[a] = to_float(x[a].v[e]);
      fn(xi, yo);
#pragma unroll
      for (int b = 0; b < Fn::kOut; ++b)
        y[b].v[e] = from_float<T>(yo[b]);
    }
#pragma unroll
    for (int b = 0; b < Fn::kOut; ++b)
      static_cast<P*>(io.out[b])[i] = y[b];
  }
  for (std::size_t i = nvec * kVec + first; i < n; i += stride) {
    float xi[Fn::kIn], yo[Fn::kOut];
#pragma unroll
    for (int a = 0; a < Fn::kIn; ++a)
      xi[a] = to_float(static_cast<const T*>(io.in[a])[i]);
    fn(xi, yo);
#pragma unroll
    for (int b = 0; b < Fn::kOut; ++b)
      static_cast<T*>(io.out[b])[i] = from_float<T>(yo[b]);
  }
}

struct ElementwiseSpec {
  const char* name;
  double flops_per_element, bytes_per_element_per_dtype_byte; // schema: e.g. 15m FLOPs, B·2m bytes
  std::vector<Array> in;                                      // names and ranges (count, elem set per call)
  std::vector<std::string> out;
};

template <class Fn>
class Elementwise final : public DenseKernel {
 public:
  explicit Elementwise(ElementwiseSpec spec) : spec_(std::move(spec)) {}
  std::string name() const override { return spec_.name; }
  std::string unsupported(const KernelCall& c) const override {
    std::string why = dtype_not_in(c, {"bf16", "fp16", "fp32"});
    return why.empty() ? dims_not_positive(c, false, false) : why;
  }

 protected:
  std::vector<Array> inputs(const KernelCall& c) const override {
    std::vector<Array> v = spec_.in;
    for (Array& a : v) {
      a.elem = elem_of(parse_dtype(c.dtype));
      a.count = sz(c.m);
    }
    return v;
  }
  std::vector<Array> outputs(const KernelCall& c) const override {
    std::vector<Array> v;
    for (const std::string& o : spec_.out)
      v.push_back(arr(o, elem_of(parse_dtype(c.dtype)), sz(c.m)));
    return v;
  }
  LaunchFn make_launch(const KernelCall& c) const override {
    const std::size_t n = sz(c.m);
    const DType d = parse_dtype(c.dtype);
    return [n, d](void* const* in, void* const* out, cudaStream_t stream) {
      IoPtrs<Fn::kIn, Fn::kOut> io{};
      bool aligned = true;
      for (int a = 0; a < Fn::kIn; ++a) {
        io.in[a] = in[a];
        aligned = aligned && reinterpret_cast<std::uintptr_t>(in[a]) % 16 == 0;
      }
      for (int b = 0; b < Fn::kOut; ++b) {
        io.out[b] = out[b];
        aligned = aligned && reinterpret_cast<std::uintptr_t>(out[b]) % 16 == 0;
      }
      dispatch_dtype(d, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (sizeof(T) >= 2) { // fp8 is refused by unsupported()
          const std::size_t units = aligned ? (n + 16 / sizeof(T) - 1) / (16 / sizeof(T)) : n;
          elementwise_kernel<T, Fn><<<grid_blocks(units, 256), 256, 0, stream>>>(io, n, aligned, Fn{});
          CUDA_CHECK_LAUNCH();
        }
      });
    };
  }
  HostArrays reference(const KernelCall& c, const HostArrays& in, const HostArrays&) const override {
    const std::size_t n = sz(c.m);
    HostArrays out(Fn::kOut, std::vector<double>(n));
    double x[Fn::kIn], y[Fn::kOut];
    for (std::size_t i = 0; i < n; ++i) {
      for (int a = 0; a < Fn::kIn; ++a)
        x[a] = in[static_cast<std::size_t>(a)][i];
      Fn::reference(x, y);
      for (int b = 0; b < Fn::kOut; ++b)
        out[static_cast<std::size_t>(b)][i] = y[b];
    }
    return out;
  }
  double bound(const KernelCall& c) const override { return accuracy_bound(parse_dtype(c.dtype), Op::elementwise); }

 private:
  ElementwiseSpec spec_;
};

// ---------------------------------------------------------------------------------------------------------
// Softmax and cross-entropy share the numerically stable online (max, sum of exp) reduction.

// Folds x into the running (max, sum of exp(x - max)). From (-inf, 0) the first value gives (x, 1).
__device__ __forceinline__ void online_add(float& mx, float& s, float x) {
  if (x > mx) {
    s = s * expf(mx - x) + 1.0f;
    mx = x;
  } else {
    s += expf(x - mx);
  }
}

// Merges two partial (max, sum) pairs; a pair with no values has max = -inf.
__device__ __forceinline__ void online_merge(float& mx, float& s, float omx, float os) {
  const float m = fmaxf(mx, omx);
  if (m == -INFINITY) return;
  s = (mx == -INFINITY ? 0.0f : s * expf(mx - m)) + (omx == -INFINITY ? 0.0f : os * expf(omx - m));
  mx = m;
}

__device__ __forceinline__ void warp_merge(float& mx, float& s) {
#pragma unroll
  for (int off = 16; off > 0; off /= 2) {
    const float omx = __shfl_xor_sync(0xffffffffu, mx, off), os = __shfl_xor_sync(0xffffffffu, s, off);
    online_merge(mx, s, omx, os);
  }
}

constexpr int kSoftmaxRowsPerBlock = 8; // one warp per row, 8 warps per block

template <class T>
__global__ void __launch_bounds__(32 * kSoftmaxRowsPerBlock)
    softmax_kernel(const T* __restrict__ x, T* __restrict__ y, std::int64_t rows, std::int64_t cols) {
  const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * kSoftmaxRowsPerBlock + threadIdx.x / 32;
  const int lane = static_cast<int>(threadIdx.x % 32);
  if (row >= rows) return; // the whole warp leaves together, so the shuffles below see full warps
  const T* xr = x + row * cols;
  T* yr = y + row * cols;
  float mx = -INFINITY, s = 0.0f;
  for (std::int64_t c = lane; c < cols; c += 32)
    online_add(mx, s, to_float(xr[c]));
  warp_merge(mx, s);
  const float inv = 1.0f / s;
  for (std::int64_t c = lane; c < cols; c += 32)
    yr[c] = from_float<T>(expf(to_float(xr[c]) - mx) * inv);
}

class Softmax final : public DenseKernel {
 public:
  std::string name() const override { return "softmax_fwd"; }
  std::string unsupported(const KernelCall& c) const override {
    std::string why = dtype_not_in(c, {"bf16", "fp16", "fp32"});
    if (why.empty()) why = dims_not_positive(c, true, false);
    if (why.empty() && (c.m + kSoftmaxRowsPerBlock - 1) / kSoftmaxRowsPerBlock > INT_MAX)
      why = "softmax_fwd: too many rows for one grid";
    return why;
  }

 protected:
  std::vector<Array> inputs(const KernelCall& c) const override {
    return {arr("x", elem_of(parse_dtype(c.dtype)), sz(c.m) * sz(c.n), -5, 5)};
  }
  std::vector<Array> outputs(const KernelCall& c) const override {
    return {arr("y", elem_of(parse_dtype(c.dtype)), sz(c.m) * sz(c.n))};
  }
  LaunchFn make_launch(const KernelCall& c) const override {
    const std::int64_t rows = c.m, cols = c.n;
    const DType d = parse_dtype(c.dtype);
    return [rows, cols, d](void* const* in, void* const* out, cudaStream_t stream) {
      const auto blocks = static_cast<unsigned>((rows + kSoftmaxRowsPerBlock - 1) / kSoftmaxRowsPerBlock);
      dispatch_dtype(d, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (sizeof(T) >= 2) {
          softmax_kernel<T><<<blocks, 32 * kSoftmaxRowsPerBlock, 0, stream>>>(static_cast<const T*>(in[0]),
                                                                              static_cast<T*>(out[0]), rows, cols);
          CUDA_CHECK_LAUNCH();
        }
      });
    };
  }
  HostArrays reference(const KernelCall& c, const HostArrays& in, const HostArrays&) const override {
    const std::size_t m = sz(c.m), n = sz(c.n);
    std::vector<double> y(m * n);
    for (std::size_t i = 0; i < m; ++i) {
      const double* x = in[0].data() + i * n;
      double mx = x[0], s = 0;
      for (std::size_t j = 0; j < n; ++j)
        mx = std::max(mx, x[j]);
      for (std::size_t j = 0; j < n; ++j)
        s += std::exp(x[j] - mx);
      for (std::size_t j = 0; j < n; ++j)
        y[i * n + j] = std::exp(x[j] - mx) / s;
    }
    return {y};
  }
  double bound(const KernelCall& c) const override { return accuracy_bound(parse_dtype(c.dtype), Op::reduction); }
};

// ---------------------------------------------------------------------------------------------------------
// adamw: one AdamW step on fp32 parameters and moments, gradient in dtype.
// Fixed hyper-parameters (typical LLM pre-training values; they do not change the cost): learning rate 1e-3,
// beta1 0.9, beta2 0.999, eps 1e-8, decoupled weight decay 0.1, step 10 (so the bias corrections matter):
//   m' = b1 m + (1-b1) g;  v' = b2 v + (1-b2) g²;  m̂ = m' / (1-b1^t);  v̂ = v' / (1-b2^t)
//   p' = p - lr (m̂ / (sqrt(v̂) + eps) + wd p)
// While timing, p, m, v are updated in place; the check writes them to separate poisoned buffers instead.

constexpr double kAdamLr = 1e-3, kAdamBeta1 = 0.9, kAdamBeta2 = 0.999, kAdamEps = 1e-8, kAdamWeightDecay = 0.1;
constexpr int kAdamStep = 10;

struct AdamwParams {
  float lr, beta1, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, bias_correction1, bias_correction2;
};

// No __restrict__: outputs alias inputs while timing; each element is read before the same thread writes it.
template <class G>
__global__ void __launch_bounds__(256)
    adamw_kernel(const float* p, const float* m, const float* v, const G* g, float* p_out, float* m_out, float* v_out,
                 std::size_t n, AdamwParams h) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const float gi = to_float(g[i]), pi = p[i];
    const float mi = h.beta1 * m[i] + h.one_minus_beta1 * gi;
    const float vi = h.beta2 * v[i] + h.one_minus_beta2 * gi * gi;
    const float mhat = mi / h.bias_correction1, vhat = vi / h.bias_correction2;
    p_out[i] = pi - h.lr * (mhat / (sqrtf(vhat) + h.eps) + h.weight_decay * pi);
    m_out[i] = mi;
    v_out[i] = vi;
  }
}

class Adamw final : public DenseKernel {
 public:
  std::string name() const override { return "adamw"; }
  std::string unsupported(const KernelCall& c) const override {
    std::string why = dtype_not_in(c, {"bf16", "fp16", "fp32"});
    return why.empty() ? dims_not_positive(c, false, false) : why;
  }

 protected:
  // Parameters like a trained layer's (|p| ~ 0.02), so the step is ~1% of p and a wrong update is visible.
  std::vector<Array> inputs(const KernelCall& c) const override {
    const std::size_t n = sz(c.m);
    return {arr("p", Elem::fp32, n, -0.02, 0.02), arr("m", Elem::fp32, n, -0.01, 0.01),
            arr("v", Elem::fp32, n, 0.0, 1e-4), arr("g", elem_of(parse_dtype(c.dtype)), n, -0.01, 0.01)};
  }
  std::vector<Array> outputs(const KernelCall& c) const override {
    std::vector<Array> v = {arr("p_out", Elem::fp32, sz(c.m)), arr("m_out", Elem::fp32, sz(c.m)),
                            arr("v_out", Elem::fp32, sz(c.m))};
    for (int j = 0; j < 3; ++j)
      v[static_cast<std::size_t>(j)].alias_input = j;
    return v;
  }
  LaunchFn make_launch(const KernelCall& c) const override {
    const std::size_t n = sz(c.m);
    const DType d = parse_dtype(c.dtype);
    AdamwParams h{};
    h.lr = static_cast<float>(kAdamLr);
    h.beta1 = static_cast<float>(kAdamBeta1);
    h.one_minus_beta1 = static_cast<float>(1.0 - kAdamBeta1);
    h.beta2 = static_cast<float>(kAdamBeta2);
    h.one_minus_beta2 = static_cast<float>(1.0 - kAdamBeta2);
    h.eps = static_cast<float>(kAdamEps);
    h.weight_decay = static_cast<float>(kAdamWeightDecay);
    h.bias_correction1 = static_cast<float>(1.0 - std::pow(kAdamBeta1, kAdamStep));
    h.bias_correction2 = static_cast<float>(1.0 - std::pow(kAdamBeta2, kAdamStep));
    return [n, d, h](void* const* in, void* const* out, cudaStream_t stream) {
      dispatch_dtype(d, [&](auto tag) {
        using G = decltype(tag);
        if constexpr (sizeof(G) >= 2) {
          adamw_kernel<G><<<grid_blocks(n, 256), 256, 0, stream>>>(
              static_cast<const float*>(in[0]), static_cast<const float*>(in[1]), static_cast<const float*>(in[2]),
              static_cast<const G*>(in[3]), static_cast<float*>(out[0]), static_cast<float*>(out[1]),
              static_cast<float*>(out[2]), n, h);
          CUDA_CHECK_LAUNCH();
        }
      });
    };
  }
  HostArrays reference(const KernelCall& c, const HostArrays& in, const HostArrays&) const override {
    const std::size_t n = sz(c.m);
    const double bc1 = 1.0 - std::pow(kAdamBeta1, kAdamStep), bc2 = 1.0 - std::pow(kAdamBeta2, kAdamStep);
    HostArrays out(3, std::vector<double>(n));
    for (std::size_t i = 0; i < n; ++i) {
      const double p = in[0][i], g = in[3][i];
      const double m = kAdamBeta1 * in[1][i] + (1.0 - kAdamBeta1) * g;
      const double v = kAdamBeta2 * in[2][i] + (1.0 - kAdamBeta2) * g * g;
      out[0][i] = p - kAdamLr * ((m / bc1) / (std::sqrt(v / bc2) + kAdamEps) + kAdamWeightDecay * p);
      out[1][i] = m;
      out[2][i] = v;
    }
    return out;
  }
  // The outputs are fp32 and the reference uses the gradient as stored, so only fp32 arithmetic errs:
  // the fp32 elementwise bound applies whatever the gradient's dtype.
  double bound(const KernelCall&) const override { return accuracy_bound(DType::fp32, Op::elementwise); }
};

// ---------------------------------------------------------------------------------------------------------
// embedding_fwd: out[t, :] = table[ids[t], :] for m tokens, table [k = vocabulary, n = hidden].
// A row is moved in the widest unit (16, 4, 2 or 1 bytes) that divides its byte length; an id outside the
// table leaves its row unwritten (the check's poison then shows it).

template <class U>
__global__ void __launch_bounds__(256)
    embedding_fwd_kernel(const std::int64_t* __restrict__ ids, const U* __restrict__ table, U* __restrict__ out,
                         std::int64_t tokens, std::int64_t units_per_row, std::int64_t vocab) {
  const std::int64_t total = tokens * units_per_row;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t t = i / units_per_row, c = i % units_per_row, id = ids[t];
    if (id >= 0 && id < vocab) out[i] = table[id * units_per_row + c];
  }
}

class EmbeddingFwd final : public DenseKernel {
 public:
  std::string name() const override { return "embedding_fwd"; }
  std::string unsupported(const KernelCall& c) const override {
    std::string why = dtype_not_in(c, {"bf16", "fp16", "fp32"});
    return why.empty() ? dims_not_positive(c, true, true) : why;
  }

 protected:
  std::vector<Array> inputs(const KernelCall& c) const override {
    return {arr("ids", Elem::i64, sz(c.m), 0, dbl(c.k)),
            arr("table", elem_of(parse_dtype(c.dtype)), sz(c.k) * sz(c.n))};
  }
  std::vector<Array> outputs(const KernelCall& c) const override {
    return {arr("out", elem_of(parse_dtype(c.dtype)), sz(c.m) * sz(c.n))};
  }
  LaunchFn make_launch(const KernelCall& c) const override {
    const std::int64_t tokens = c.m, vocab = c.k;
    const std::int64_t row_bytes = c.n * static_cast<std::int64_t>(dtype_bytes(c.dtype));
    return [tokens, vocab, row_bytes](void* const* in, void* const* out, cudaStream_t stream) {
      const auto* ids = static_cast<const std::int64_t*>(in[0]);
      auto run = [&](auto unit) {
        using U = decltype(unit);
        const std::int64_t upr = row_bytes / static_cast<std::int64_t>(sizeof(U));
        embedding_fwd_kernel<U><<<grid_blocks(static_cast<std::size_t>(tokens * upr), 256), 256, 0, stream>>>(
            ids, static_cast<const U*>(in[1]), static_cast<U*>(out[0]), tokens, upr, vocab);
        CUDA_CHECK_LAUNCH();
      };
      if (row_bytes % 16 == 0)
        run(uint4{});
      else if (row_bytes % 4 == 0)
        run(std::uint32_t{});
      else
        run(std::uint16_t{}); // every supported dtype is at least 2 bytes
    };
  }
  HostArrays reference(const KernelCall& c, const HostArrays& in, const HostArrays&) const override {
    const std::size_t m = sz(c.m), n = sz(c.n);
    std::vector<double> out(m * n);
    for (std::size_t t = 0; t < m; ++t)
      for (std::size_t j = 0; j < n; ++j)
        out[t * n + j] = in[1][static_cast<std::size_t>(in[0][t]) * n + j];
    return {out};
  }
  double bound(const KernelCall&) const override { return 0; } // a gather is exact
};

// embedding_bwd: grad[ids[t], :] += dy[t, :] with fp32 atomics, grad table [k = vocabulary, n = hidden] fp32.
// Like a real backward pass it accumulates into the gradient buffer; zeroing it is another kernel's job.

template <class T>
__global__ void __launch_bounds__(256)
    embedding_bwd_kernel(const std::int64_t* __restrict__ ids, const T* __restrict__ dy, float* __restrict__ grad,
                         std::int64_t tokens, std::int64_t hidden, std::int64_t vocab) {
  const std::int64_t total = tokens * hidden;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t t = i / hidden, c = i % hidden, id = ids[t];
    if (id >= 0 && id < vocab) atomicAdd(grad + id * hidden + c, to_float(dy[i]));
  }
}

class EmbeddingBwd final : public DenseKernel {
 public:
  std::string name() const override { return "embedding_bwd"; }
  std::string unsupported(const KernelCall& c) const override {
    std::string why = dtype_not_in(c, {"bf16", "fp16", "fp32"});
    return why.empty() ? dims_not_positive(c, true, true) : why;
  }

 protected:
  std::vector<Array> inputs(const KernelCall& c) const override {
    return {arr("ids", Elem::i64, sz(c.m), 0, dbl(c.k)), arr("dy", elem_of(parse_dtype(c.dtype)), sz(c.m) * sz(c.n))};
  }
  std::vector<Array> outputs(const KernelCall& c) const override {
    Array g = arr("grad", Elem::fp32, sz(c.k) * sz(c.n));
    g.accumulates = true;
    return {g};
  }
  LaunchFn make_launch(const KernelCall& c) const override {
    const std::int64_t tokens = c.m, hidden = c.n, vocab = c.k;
    const DType d = parse_dtype(c.dtype);
    return [tokens, hidden, vocab, d](void* const* in, void* const* out, cudaStream_t stream) {
      dispatch_dtype(d, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (sizeof(T) >= 2) {
          embedding_bwd_kernel<T><<<grid_blocks(static_cast<std::size_t>(tokens * hidden), 256), 256, 0, stream>>>(
              static_cast<const std::int64_t*>(in[0]), static_cast<const T*>(in[1]), static_cast<float*>(out[0]),
              tokens, hidden, vocab);
          CUDA_CHECK_LAUNCH();
        }
      });
    };
  }
  HostArrays reference(const KernelCall& c, const HostArrays& in, const HostArrays& before) const override {
    const std::size_t m = sz(c.m), n = sz(c.n);
    std::vector<double> grad = before[0];
    for (std::size_t t = 0; t < m; ++t)
      for (std::size_t j = 0; j < n; ++j)
        grad[static_cast<std::size_t>(in[0][t]) * n + j] += in[1][t * n + j];
    return {grad};
  }
  // fp32 accumulation of values taken as stored: the fp32 reduction bound whatever dy's dtype.
  double bound(const KernelCall&) const override { return accuracy_bound(DType::fp32, Op::reduction); }
};

// ---------------------------------------------------------------------------------------------------------
// cross_entropy: fused forward loss and gradient over m rows of n = vocabulary logits, int64 targets.
//   loss[t] = logsumexp(x[t, :]) - x[t, target[t]]   (fp32, one per token)
//   dlogits[t, j] = (softmax(x[t, :])[j] - [j == target[t]]) / m   (mean-reduced loss)
// One 256-thread block per row: an online (max, sum) pass, then a pass writing the gradient.
// Note: with fp16 storage, gradients of large m·n fall under fp16's range (e.g. 1/(8192·50257)); real fp16
// training scales the loss first. The cost does not depend on it.

constexpr int kCeThreads = 256;

template <class T>
__global__ void __launch_bounds__(kCeThreads)
    cross_entropy_kernel(const T* __restrict__ logits, const std::int64_t* __restrict__ targets,
                         T* __restrict__ dlogits, float* __restrict__ loss, std::int64_t vocab, float inv_rows) {
  __shared__ float part_max[kCeThreads / 32], part_sum[kCeThreads / 32];
  __shared__ float row_max, row_sum;
  const std::int64_t row = blockIdx.x;
  const T* x = logits + row * vocab;
  T* dx = dlogits + row * vocab;
  const int tid = static_cast<int>(threadIdx.x), lane = tid % 32, warp = tid / 32;
  float mx = -INFINITY, s = 0.0f;
  for (std::int64_t c = tid; c < vocab; c += kCeThreads)
    online_add(mx, s, to_float(x[c]));
  warp_merge(mx, s);
  if (lane == 0) {
    part_max[warp] = mx;
    part_sum[warp] = s;
  }
  __syncthreads();
  if (warp == 0) {
    mx = lane < kCeThreads / 32 ? part_max[lane] : -INFINITY;
    s = lane < kCeThreads / 32 ? part_sum[lane] : 0.0f;
    warp_merge(mx, s);
    if (lane == 0) {
      row_max = mx;
      row_sum = s;
    }
  }
  __syncthreads();
  const float m = row_max, inv_s = 1.0f / row_sum;
  const std::int64_t target = targets[row];
  for (std::int64_t c = tid; c < vocab; c += kCeThreads) {
    const float p = expf(to_float(x[c]) - m) * inv_s;
    dx[c] = from_float<T>((p - (c == target ? 1.0f : 0.0f)) * inv_rows);
  }
  if (tid == 0) loss[row] = (target >= 0 && target < vocab) ? logf(row_sum) + m - to_float(x[target]) : NAN;
}

class CrossEntropy final : public DenseKernel {
 public:
  std::string name() const override { return "cross_entropy"; }
  std::string unsupported(const KernelCall& c) const override {
    std::string why = dtype_not_in(c, {"bf16", "fp16", "fp32"});
    if (why.empty()) why = dims_not_positive(c, true, false);
    if (why.empty() && c.m > INT_MAX) why = "cross_entropy: at most 2^31-1 rows (one block each)";
    return why;
  }

 protected:
  std::vector<Array> inputs(const KernelCall& c) const override {
    return {arr("logits", elem_of(parse_dtype(c.dtype)), sz(c.m) * sz(c.n), -8, 8),
            arr("targets", Elem::i64, sz(c.m), 0, dbl(c.n))};
  }
  std::vector<Array> outputs(const KernelCall& c) const override {
    return {arr("dlogits", elem_of(parse_dtype(c.dtype)), sz(c.m) * sz(c.n)), arr("loss", Elem::fp32, sz(c.m))};
  }
  LaunchFn make_launch(const KernelCall& c) const override {
    const std::int64_t rows = c.m, vocab = c.n;
    const DType d = parse_dtype(c.dtype);
    const float inv_rows = static_cast<float>(1.0 / dbl(c.m));
    return [rows, vocab, d, inv_rows](void* const* in, void* const* out, cudaStream_t stream) {
      dispatch_dtype(d, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (sizeof(T) >= 2) {
          cross_entropy_kernel<T><<<static_cast<unsigned>(rows), kCeThreads, 0, stream>>>(
              static_cast<const T*>(in[0]), static_cast<const std::int64_t*>(in[1]), static_cast<T*>(out[0]),
              static_cast<float*>(out[1]), vocab, inv_rows);
          CUDA_CHECK_LAUNCH();
        }
      });
    };
  }
  HostArrays reference(const KernelCall& c, const HostArrays& in, const HostArrays&) const override {
    const std::size_t m = sz(c.m), n = sz(c.n);
    std::vector<double> dx(m * n), loss(m);
    for (std::size_t t = 0; t < m; ++t) {
      const double* x = in[0].data() + t * n;
      const auto target = static_cast<std::size_t>(in[1][t]);
      double mx = x[0], s = 0;
      for (std::size_t j = 0; j < n; ++j)
        mx = std::max(mx, x[j]);
      for (std::size_t j = 0; j < n; ++j)
        s += std::exp(x[j] - mx);
      loss[t] = std::log(s) + mx - x[target];
      for (std::size_t j = 0; j < n; ++j)
        dx[t * n + j] = (std::exp(x[j] - mx) / s - (j == target ? 1.0 : 0.0)) / static_cast<double>(m);
    }
    return {dx, loss};
  }
  double bound(const KernelCall& c) const override { return accuracy_bound(parse_dtype(c.dtype), Op::reduction); }
};

} // namespace

std::vector<std::unique_ptr<Kernel>> dense_kernels() {
  std::vector<std::unique_ptr<Kernel>> k;
  k.push_back(std::make_unique<Gemm>());
  k.push_back(std::make_unique<GemmTiled>());
  k.push_back(std::make_unique<Copy>());
  k.push_back(std::make_unique<Elementwise<GeluFwd>>(
      ElementwiseSpec{"gelu_fwd", 15, 2, {arr("x", Elem::fp32, 0, -3, 3)}, {"y"}}));
  k.push_back(std::make_unique<Elementwise<GeluBwd>>(
      ElementwiseSpec{"gelu_bwd", 25, 3, {arr("dy", Elem::fp32, 0), arr("x", Elem::fp32, 0, -3, 3)}, {"dx"}}));
  k.push_back(std::make_unique<Elementwise<SwigluFwd>>(
      ElementwiseSpec{"swiglu_fwd", 8, 3, {arr("gate", Elem::fp32, 0, -4, 4), arr("up", Elem::fp32, 0)}, {"out"}}));
  k.push_back(std::make_unique<Elementwise<SwigluBwd>>(
      ElementwiseSpec{"swiglu_bwd",
                      16,
                      5,
                      {arr("dout", Elem::fp32, 0), arr("gate", Elem::fp32, 0, -4, 4), arr("up", Elem::fp32, 0)},
                      {"dgate", "dup"}}));
  k.push_back(std::make_unique<Softmax>());
  k.push_back(std::make_unique<Adamw>());
  k.push_back(std::make_unique<EmbeddingFwd>());
  k.push_back(std::make_unique<EmbeddingBwd>());
  k.push_back(std::make_unique<CrossEntropy>());
  return k;
}

} // namespace racksim::cuda
