#pragma once
// Calibration tables: measured kernel times on one GPU (docs/calibration-schema.md), their HDF5 file, and the
// KernelTimer that answers "how long does this KernelCall take" from them — or, without a file, from a roofline.
// Host-only C++ (HDF5 C API); the CUDA harness writes files with write_calibration, the simulator reads them.

#include "workloads/training/kernel_call.hpp"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace racksim::workloads {

struct CalibrationRow {
  std::int64_t m = 0, n = 0, k = 0, batch = 0;
  std::string dtype;
  double time_s = 0, time_p10_s = 0, time_p90_s = 0;
  double flops = 0, bytes = 0;
  double achieved_flops = 0, achieved_Bps = 0;
  std::int32_t repeats = 0;
};

struct CalibrationTable {
  // /device, /provenance and /ceilings attributes, as strings or numbers.
  std::map<std::string, std::string> device_text, provenance_text;
  std::map<std::string, double> device_numbers, provenance_numbers, ceilings;
  std::map<std::string, std::vector<CalibrationRow>> kernels; // by kernel name
  std::string source_path;
  std::string digest; // SHA-256 of the file's bytes (hex), filled by load_calibration
};

class CalibrationError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Atomic (temporary name + rename). Throws CalibrationError naming the path.
void write_calibration(const std::string& path, const CalibrationTable& table);
// Throws CalibrationError "path: ..." for a missing file, a wrong kind/schema_version, or a malformed table.
CalibrationTable load_calibration(const std::string& path);
std::string sha256_file_hex(const std::string& path);

// Whether a kernel's size axis is FLOPs (compute-bound kernels) or bytes (everything else).
bool compute_bound_kernel(const std::string& kernel);

// Peak rates a roofline needs; the simulator fills them from the GPU catalog (platforms/catalog.hpp).
struct GpuPeaks {
  std::string name;
  double bf16_flops = 0, fp16_flops = 0, fp32_flops = 0, tf32_flops = 0, fp8_flops = 0;
  double hbm_Bps = 0;
};

class KernelTimer {
public:
  virtual ~KernelTimer() = default;
  // Time of one launch of `call` (call.count is NOT applied here; callers multiply).
  virtual double time_s(const KernelCall& call) const = 0;
  // "roofline:<gpu>" or "calibration:<file name>:sha256:<digest>".
  virtual std::string source() const = 0;
};

// Roofline with efficiency curves: time = max(flops / (peak x eff_c(flops)), bytes / (hbm x eff_m(bytes))) plus a
// fixed launch overhead; the efficiencies rise with the size of the work (small kernels do not fill the GPU).
// The curves and their sources are documented in docs/calibration.md.
class RooflineTimer final : public KernelTimer {
public:
  explicit RooflineTimer(GpuPeaks peaks);
  double time_s(const KernelCall& call) const override;
  std::string source() const override;
  const GpuPeaks& peaks() const { return peaks_; }

private:
  GpuPeaks peaks_;
};

// Log-space interpolation of the measured achieved rate (docs/calibration-schema.md, "Interpolation"); kernels or
// dtypes missing from the table fall back to `fallback` and are counted.
class CalibratedTimer final : public KernelTimer {
public:
  CalibratedTimer(CalibrationTable table, RooflineTimer fallback);
  double time_s(const KernelCall& call) const override;
  std::string source() const override;
  const CalibrationTable& table() const { return table_; }
  // Calls answered by the roofline because the table had no row for their kernel and dtype.
  long fallbacks() const { return fallbacks_; }

private:
  CalibrationTable table_;
  RooflineTimer fallback_;
  mutable long fallbacks_ = 0;
};

// Work of a call as the calibration tables count it (docs/calibration-schema.md), for one launch.
double call_flops(const KernelCall& call);
double call_bytes(const KernelCall& call);
double dtype_bytes(const std::string& dtype);

// ---- additions (workloads/calibration/calibration.cpp) ----------------------------------------------------------

// The canonical kernel names of docs/calibration-schema.md, in the table's order. call_flops/call_bytes throw
// std::invalid_argument listing them for any other name.
std::vector<std::string> kernel_names();

// A saturating efficiency curve: eff(w) = eff_max * w / (w + half_work); 0 for w <= 0. `half_work` is the work
// (FLOPs or bytes) at which the kernel reaches half of eff_max.
struct EfficiencyCurve {
  double eff_max = 1;
  double half_work = 0;
  double at(double work) const;
};

// The roofline's assumptions for one kernel class (docs/calibration.md gives the numbers and their sources).
struct RooflineClass {
  std::string name;          // "gemm", "gemm_tiled", "attention_fwd", "attention_bwd", "memory_bound"
  EfficiencyCurve compute;   // fraction of the compute peak, as a function of FLOPs
  EfficiencyCurve memory;    // fraction of HBM bandwidth, as a function of bytes
  bool tensor_cores = false; // compute peak: the dtype's tensor-core rate (true) or plain FP32 (false)
};
// Throws std::invalid_argument for an unknown kernel.
const RooflineClass& roofline_class(const std::string& kernel);
// Fixed cost added to every roofline-timed launch (not to calibrated times: measurements include it).
inline constexpr double kernel_launch_overhead_s = 4e-6;

// Compute peak for a dtype, with the derivations RooflineTimer uses when a field is 0: fp16 = bf16,
// tf32 = fp16 / 2, fp8 = 2 x bf16. Throws std::invalid_argument for an unknown dtype or a peak still 0.
double tensor_peak_flops(const GpuPeaks& peaks, const std::string& dtype);

} // namespace racksim::workloads
