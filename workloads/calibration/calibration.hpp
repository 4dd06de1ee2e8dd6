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

} // namespace racksim::workloads
