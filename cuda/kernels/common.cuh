#pragma once
// Shared plumbing of racksim's real CUDA kernels (dense.cu, fused.cu): checked CUDA/cuBLAS calls that throw
// CudaError, an RAII device buffer, seeded counter-based random fills, a NaN poison fill, element conversion
// between storage types (bf16, fp16, fp32, fp8 e4m3) on host and device, and the host-side comparison of an
// output with its CPU float64 reference (docs/calibration-schema.md, "Accuracy bounds").
// Include from .cu files only. Header-only: every function is inline or a template, so several translation
// units can include it.

#include "cuda/kernels/kernel.hpp"

#include <cublas_api.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace racksim::cuda::common {

// ---------------------------------------------------------------------------------------------------------
// Error checking

[[noreturn]] inline void throw_error(const std::string& what, const char* call, const char* file, int line) {
  std::ostringstream os;
  os << what << " in `" << call << "` at " << file << ":" << line;
  throw CudaError(os.str());
}

inline void check_cuda(cudaError_t e, const char* call, const char* file, int line) {
  if (e != cudaSuccess)
    throw_error(std::string("CUDA error ") + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")", call, file,
                line);
}

inline void check_cublas(cublasStatus_t s, const char* call, const char* file, int line) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw_error(std::string("cuBLAS error ") + cublasGetStatusName(s) + " (" + cublasGetStatusString(s) + ")", call,
                file, line);
}

} // namespace racksim::cuda::common

// Throw racksim::cuda::CudaError naming the call, file and line when a CUDA runtime / cuBLAS(Lt) call fails.
#define CUDA_CHECK(expr) ::racksim::cuda::common::check_cuda((expr), #expr, __FILE__, __LINE__)
#define CUBLAS_CHECK(expr) ::racksim::cuda::common::check_cublas((expr), #expr, __FILE__, __LINE__)
// After a <<<...>>> launch: configuration errors (bad grid, too much shared memory) surface here.
#define CUDA_CHECK_LAUNCH() ::racksim::cuda::common::check_cuda(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)

namespace racksim::cuda::common {

// ---------------------------------------------------------------------------------------------------------
// Data types

// Storage/compute precision of a KernelCall (`dtype`). tf32 is stored as fp32; fp8 is e4m3.
enum class DType { bf16, fp16, fp32, tf32, fp8 };

// Throws std::invalid_argument for an unknown name.
inline DType parse_dtype(const std::string& s) {
  if (s == "bf16") return DType::bf16;
  if (s == "fp16") return DType::fp16;
  if (s == "fp32") return DType::fp32;
  if (s == "tf32") return DType::tf32;
  if (s == "fp8") return DType::fp8;
  throw std::invalid_argument("unknown dtype '" + s + "' (known: bf16, fp16, fp32, tf32, fp8)");
}

inline const char* dtype_name(DType d) {
  switch (d) {
  case DType::bf16:
    return "bf16";
  case DType::fp16:
    return "fp16";
  case DType::fp32:
    return "fp32";
  case DType::tf32:
    return "tf32";
  case DType::fp8:
    return "fp8";
  }
  return "?";
}

// Bytes of one stored element (the schema's B).
inline std::size_t dtype_bytes(DType d) {
  switch (d) {
  case DType::bf16:
  case DType::fp16:
    return 2;
  case DType::fp32:
  case DType::tf32:
    return 4;
  case DType::fp8:
    return 1;
  }
  return 0;
}
// Convenience for work-count formulas that see only the KernelCall's dtype string.
inline double dtype_bytes(const std::string& d) {
  return static_cast<double>(dtype_bytes(parse_dtype(d)));
}

// Accuracy bounds of docs/calibration-schema.md. `reduction` selects fp32's looser bound for reductions/GEMM.
enum class Op { elementwise, reduction };
inline double accuracy_bound(DType d, Op op) {
  switch (d) {
  case DType::fp32:
    return op == Op::elementwise ? 1e-5 : 1e-4;
  case DType::tf32:
    return 2e-3;
  case DType::bf16:
    return 1e-2;
  case DType::fp16:
    return 2e-3;
  case DType::fp8:
    return 6e-2;
  }
  return 0;
}

// Element conversions, usable on host and device. fp32 storage is `float`.
__host__ __device__ __forceinline__ float to_float(float x) {
  return x;
}
__host__ __device__ __forceinline__ float to_float(__nv_bfloat16 x) {
  return __bfloat162float(x);
}
__host__ __device__ __forceinline__ float to_float(__half x) {
  return __half2float(x);
}
__host__ __device__ __forceinline__ float to_float(__nv_fp8_e4m3 x) {
  return static_cast<float>(x);
}

template <class T>
__host__ __device__ __forceinline__ T from_float(float x);
template <>
__host__ __device__ __forceinline__ float from_float<float>(float x) {
  return x;
}
template <>
__host__ __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) {
  return __float2bfloat16(x); // round to nearest even
}
template <>
__host__ __device__ __forceinline__ __half from_float<__half>(float x) {
  return __float2half_rn(x);
}
template <>
__host__ __device__ __forceinline__ __nv_fp8_e4m3 from_float<__nv_fp8_e4m3>(float x) {
  return __nv_fp8_e4m3(x); // round to nearest, saturating to ±448
}

// Calls f(T{}) with T the storage type of d (tf32 → float). For dispatching templated launches.
template <class F>
decltype(auto) dispatch_dtype(DType d, F&& f) {
  switch (d) {
  case DType::bf16:
    return f(__nv_bfloat16{});
  case DType::fp16:
    return f(__half{});
  case DType::fp32:
  case DType::tf32:
    return f(float{});
  case DType::fp8:
    return f(__nv_fp8_e4m3{});
  }
  throw std::invalid_argument("dispatch_dtype: bad dtype");
}

// ---------------------------------------------------------------------------------------------------------
// Device memory

// Owns one cudaMalloc allocation. Move-only. A 0-byte buffer holds nullptr.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes) : bytes_(bytes) {
    if (bytes_ > 0) CUDA_CHECK(cudaMalloc(&ptr_, bytes_));
  }
  ~DeviceBuffer() {
    if (ptr_ != nullptr) (void)cudaFree(ptr_); // no throwing from a destructor; a failed free is not actionable
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      if (ptr_ != nullptr) (void)cudaFree(ptr_);
      ptr_ = std::exchange(o.ptr_, nullptr);
      bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return ptr_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  std::size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

// Blocks for a grid-stride loop over n items with `threads` per block (at least 1, at most 65535·16).
inline unsigned grid_blocks(std::size_t n, unsigned threads) {
  const std::size_t b = (n + threads - 1) / threads;
  return static_cast<unsigned>(std::clamp<std::size_t>(b, 1, 65535u * 16u));
}

// ---------------------------------------------------------------------------------------------------------
// Random inputs and poison

// splitmix64: a good 64-bit mix; with a counter it is a counter-based generator.
__host__ __device__ __forceinline__ std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// An independent stream seed for input `index` of a kernel seeded with `seed` (so A and B differ).
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t index) {
  return mix64(seed ^ mix64(index + 0x632BE59BD9B4E019ull));
}

// Uniform in [0, 1) with 24 random bits: exactly representable in float.
__device__ __forceinline__ float uniform01(std::uint64_t seed, std::uint64_t i) {
  return static_cast<float>(mix64(seed ^ mix64(i)) >> 40) * (1.0f / 16777216.0f);
}

template <class T>
__global__ void fill_uniform_kernel(T* out, std::size_t n, std::uint64_t seed, float lo, float hi) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    out[i] = from_float<T>(lo + (hi - lo) * uniform01(seed, i));
}

template <class T>
__global__ void fill_int_kernel(T* out, std::size_t n, std::uint64_t seed, T lo, std::uint64_t span) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    out[i] = lo + static_cast<T>(mix64(seed ^ mix64(i)) % span);
}

// Fills `count` elements of storage type d with uniform values in [lo, hi), rounded to the storage type.
inline void fill_uniform(void* dev, std::size_t count, DType d, std::uint64_t seed, float lo, float hi,
                         cudaStream_t stream) {
  if (count == 0) return;
  dispatch_dtype(d, [&](auto tag) {
    using T = decltype(tag);
    fill_uniform_kernel<T><<<grid_blocks(count, 256), 256, 0, stream>>>(static_cast<T*>(dev), count, seed, lo, hi);
    CUDA_CHECK_LAUNCH();
  });
}
inline void fill_uniform(DeviceBuffer& buf, DType d, std::uint64_t seed, float lo, float hi, cudaStream_t stream) {
  fill_uniform(buf.get(), buf.bytes() / dtype_bytes(d), d, seed, lo, hi, stream);
}

// Fills int64 values uniform in [lo, hi_exclusive) (token ids, targets).
inline void fill_uniform_int64(std::int64_t* dev, std::size_t count, std::uint64_t seed, std::int64_t lo,
                               std::int64_t hi_exclusive, cudaStream_t stream) {
  if (count == 0) return;
  if (hi_exclusive <= lo) throw std::invalid_argument("fill_uniform_int64: empty range");
  fill_int_kernel<std::int64_t><<<grid_blocks(count, 256), 256, 0, stream>>>(
      dev, count, seed, lo, static_cast<std::uint64_t>(hi_exclusive - lo));
  CUDA_CHECK_LAUNCH();
}

// Poison: every byte 0xFF. That bit pattern is a NaN in fp32, bf16, fp16 and fp8 e4m3 (and -1 in int64), and no
// kernel computes it from finite inputs, so a poisoned element left in an output means it was never written.
constexpr unsigned char kPoisonByte = 0xFF;
inline void poison(void* dev, std::size_t bytes, cudaStream_t stream) {
  if (bytes > 0) CUDA_CHECK(cudaMemsetAsync(dev, kPoisonByte, bytes, stream));
}
inline void poison(DeviceBuffer& buf, cudaStream_t stream) {
  poison(buf.get(), buf.bytes(), stream);
}

// ---------------------------------------------------------------------------------------------------------
// Host side: download, convert, compare

// Converts one stored element (raw bytes at p) to double on the host.
inline double element_to_double(const unsigned char* p, DType d) {
  switch (d) {
  case DType::bf16: {
    __nv_bfloat16 x;
    std::memcpy(&x, p, 2);
    return static_cast<double>(to_float(x));
  }
  case DType::fp16: {
    __half x;
    std::memcpy(&x, p, 2);
    return static_cast<double>(to_float(x));
  }
  case DType::fp32:
  case DType::tf32: {
    float x;
    std::memcpy(&x, p, 4);
    return static_cast<double>(x);
  }
  case DType::fp8: {
    __nv_fp8_e4m3 x;
    std::memcpy(&x, p, 1);
    return static_cast<double>(to_float(x));
  }
  }
  return 0;
}

// A device array copied to the host: its values as double, and how many elements still hold the poison pattern.
struct HostArray {
  std::vector<double> values;
  std::size_t poisoned = 0;
};

// Synchronous copy of `count` elements of storage type d from device memory (call after the work is queued on
// any stream: cudaMemcpy waits for the legacy default stream, so synchronize other streams first).
inline HostArray download(const void* dev, std::size_t count, DType d) {
  const std::size_t eb = dtype_bytes(d);
  std::vector<unsigned char> raw(count * eb);
  if (!raw.empty()) CUDA_CHECK(cudaMemcpy(raw.data(), dev, raw.size(), cudaMemcpyDeviceToHost));
  HostArray out;
  out.values.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const unsigned char* p = raw.data() + i * eb;
    bool poisoned = true;
    for (std::size_t b = 0; b < eb; ++b)
      poisoned = poisoned && p[b] == kPoisonByte;
    out.poisoned += poisoned ? 1 : 0;
    out.values[i] = element_to_double(p, d);
  }
  return out;
}
inline HostArray download(const DeviceBuffer& buf, DType d) {
  return download(buf.get(), buf.bytes() / dtype_bytes(d), d);
}

// int64 arrays (ids, targets), copied verbatim.
inline std::vector<std::int64_t> download_int64(const void* dev, std::size_t count) {
  std::vector<std::int64_t> out(count);
  if (count > 0) CUDA_CHECK(cudaMemcpy(out.data(), dev, count * sizeof(std::int64_t), cudaMemcpyDeviceToHost));
  return out;
}

// ‖out − ref‖ / ‖ref‖ (Frobenius); ‖out − ref‖ when ref is all zeros; +inf when any out value is not finite.
inline double relative_error(const std::vector<double>& out, const std::vector<double>& ref) {
  if (out.size() != ref.size()) throw std::invalid_argument("relative_error: size mismatch");
  double num = 0, den = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(out[i])) return std::numeric_limits<double>::infinity();
    num += (out[i] - ref[i]) * (out[i] - ref[i]);
    den += ref[i] * ref[i];
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

// Folds one output's comparison into `result`: worst rel_error; any poisoned element clears all_written; any
// NaN/Inf that is not poison clears finite; `detail` names each failing output. Set result.bound beforehand
// (or with accuracy_bound) so the detail can say whether the error exceeds it.
inline void compare_output(CheckResult& result, const std::string& name, const HostArray& out,
                           const std::vector<double>& ref) {
  if (out.values.size() != ref.size())
    throw std::invalid_argument("compare_output(" + name + "): output has " + std::to_string(out.values.size()) +
                                " elements, reference " + std::to_string(ref.size()));
  std::size_t nonfinite = 0, first_bad = ref.size();
  for (std::size_t i = 0; i < out.values.size(); ++i)
    if (!std::isfinite(out.values[i])) {
      ++nonfinite;
      if (first_bad == ref.size()) first_bad = i;
    }
  const double err = relative_error(out.values, ref);
  result.rel_error = std::max(result.rel_error, err);
  std::ostringstream os;
  if (out.poisoned > 0) {
    result.all_written = false;
    os << name << ": " << out.poisoned << " of " << ref.size() << " elements never written; ";
  }
  if (nonfinite > out.poisoned) {
    result.finite = false;
    os << name << ": " << (nonfinite - out.poisoned) << " NaN/Inf elements (first non-finite at " << first_bad << "); ";
  }
  if (err > result.bound)
    os << name << ": rel_error " << err << " > bound " << result.bound << "; ";
  else
    os << name << ": rel_error " << err << "; ";
  result.detail += os.str();
}

} // namespace racksim::cuda::common
