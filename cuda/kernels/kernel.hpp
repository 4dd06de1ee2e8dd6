#pragma once
// The contract every real CUDA kernel of racksim fulfils, so the calibration harness can time it and the tests
// can check it without knowing the kernel: work counts, random inputs (several sets, rotated while timing so
// caches do not flatter), one launch, and a correctness check against a CPU float64 reference.
// Host-side header: plain C++ plus the CUDA runtime's stream type.

#include "workloads/calibration/calibration.hpp"
#include "workloads/training/kernel_call.hpp"

#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::cuda {

using workloads::KernelCall;

// Thrown on any failed CUDA/cuBLAS call, with the call, file and line.
class CudaError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct CheckResult {
  double rel_error = 0;   // ||out - ref|| / ||ref|| (Frobenius), worst over the kernel's outputs
  double bound = 0;       // what the dtype allows (docs/calibration-schema.md)
  bool all_written = true; // no poisoned element left in any output
  bool finite = true;     // no NaN/Inf in any output
  std::string detail;     // which output failed, and how
  bool ok() const { return all_written && finite && rel_error <= bound; }
};

// Buffers for one call: inputs (input_sets copies), outputs, workspace. Launch never allocates.
class Prepared {
public:
  virtual ~Prepared() = default;
  virtual void launch(int input_set, cudaStream_t stream) = 0;
};

class Kernel {
public:
  virtual ~Kernel() = default;
  virtual std::string name() const = 0; // canonical name (KernelCall::kernel)
  // Empty when the call can run on the current device; otherwise why not (e.g. "fp8 needs compute capability 8.9").
  virtual std::string unsupported(const KernelCall& call) const = 0;
  // Work of one launch, counted once for the simulator and the harness alike (docs/calibration-schema.md).
  double flops(const KernelCall& call) const { return workloads::call_flops(call); }
  double bytes(const KernelCall& call) const { return workloads::call_bytes(call); }
  virtual std::unique_ptr<Prepared> prepare(const KernelCall& call, int input_sets, std::uint64_t seed) const = 0;
  // Fresh random inputs from `seed`, outputs poisoned first, compared with a CPU float64 reference. Use small shapes.
  virtual CheckResult check(const KernelCall& call, std::uint64_t seed) const = 0;
};

// The kernels, by family (each family lives in its own .cu file); all_kernels() concatenates them.
std::vector<std::unique_ptr<Kernel>> dense_kernels(); // gemm, gemm_tiled, copy, elementwise, adamw, embedding, loss
std::vector<std::unique_ptr<Kernel>> fused_kernels(); // attention, layernorm, rmsnorm
std::vector<std::unique_ptr<Kernel>> all_kernels();
// Throws std::invalid_argument listing the known names.
const Kernel& find_kernel(const std::vector<std::unique_ptr<Kernel>>& kernels, const std::string& name);

} // namespace racksim::cuda
