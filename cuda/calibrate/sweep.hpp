#pragma once
// What the calibration harness measures (the sweep: generic shapes per kernel and dtype plus every call the
// step-time model makes for the model presets), its time estimate, and the whole calibration run that fills a
// CalibrationTable (docs/calibration-harness.md, docs/calibration-schema.md).

#include "cuda/calibrate/timing.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/training/kernel_call.hpp"

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace racksim::cuda::calibrate {

using workloads::KernelCall;

// The kernel names of docs/calibration-schema.md, in the order the harness times them (what the step model uses
// most first, so a run cut short still has the important rows).
const std::vector<std::string>& schema_kernel_names();

// Identity of a measured point: kernel, m, n, k, batch, dtype (count and phase do not matter).
using CallKey = std::tuple<std::string, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::string>;
CallKey call_key(const KernelCall& call);
// "gemm bf16 m=4096 n=4096 k=4096" (dimensions that are 0 left out).
std::string describe(const KernelCall& call);
// Distinct calls (count 1, phase cleared), sorted by kernel, dtype, then work.
std::vector<KernelCall> dedupe(const std::vector<KernelCall>& calls);

// Generic shapes for every kernel of the schema and its dtypes, small to large, powers of two and not.
std::vector<KernelCall> generic_calls(bool quick);
// Every distinct call of layer_calls() and iteration_calls() for model_names() x tp {1, 2, 4, 8} x micro_batch
// 1..4 (quick: tp {1, 8} x micro_batch 1); combinations the step model rejects are left out.
std::vector<KernelCall> model_calls(bool quick = false);
// The sweep: generic + model + validation calls (quick: each reduced; the quick sweep is a subset of the full).
std::vector<KernelCall> build_sweep(bool quick);

// A small shape at which kernel.check() runs before a kernel is timed (CPU float64 reference).
KernelCall check_call(const std::string& kernel, const std::string& dtype);
// Device memory a call needs beyond kernel.bytes() per input set (tables, workspaces, slack).
double extra_footprint_bytes(const KernelCall& call);

struct Ceilings {
  double copy_Bps = 0;        // large device-to-device copy, bytes read + written per second
  double bf16_gemm_flops = 0; // large bf16 GEMM
};
// Ceilings an H100 SXM typically reaches, for estimates made before measuring.
Ceilings nominal_h100_ceilings();
// Rough wall time of one launch, and of calibrating one call (prepare, warm-up, samples), for the estimate.
double estimate_launch_s(const KernelCall& call, const Ceilings& ceilings);
double estimate_call_s(const KernelCall& call, const Ceilings& ceilings, const TimingOptions& options);

// The command's request.
struct CalibrateOptions {
  std::string output; // calibration file, rewritten (atomically) after each kernel
  bool quick = false;
  std::vector<std::string> kernels; // empty: every kernel
  bool check = true;                // kernel.check() before timing each kernel
  int device = 0;
  std::uint64_t seed = 1;
  double budget_s = 0;  // > 0: stop starting calls after this much wall time (file marked incomplete)
  bool verbose = false; // one line per call
  std::string command;  // for /provenance
  TimingOptions timing;
};

struct SweepSummary {
  long planned = 0, measured = 0, unsupported = 0, too_big = 0, failed = 0, over_budget = 0;
  bool complete = false; // every planned call was attempted
  double wall_s = 0;
  std::vector<std::string> notes;
};

// A kernel's check failed: calibrating it would record the speed of a wrong kernel.
class CheckFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// A sticky CUDA error: the context cannot run anything more.
class ContextLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Measures the ceilings and every sweep call of the selected kernels on options.device, writing options.output
// after each kernel (provenance "complete" 0 until the end). Throws CheckFailed, ContextLost, CudaError,
// workloads::CalibrationError, std::invalid_argument (unknown kernel name).
workloads::CalibrationTable run_calibration(const CalibrateOptions& options, SweepSummary& summary, std::ostream& log);

// Provenance helpers: "2026-11-23T07:10:39Z"; RACKSIM_GIT_SHA, else `git rev-parse --short=12 HEAD` (+ "-dirty")
// in the executable's or the current directory, else "unknown".
std::string utc_now_iso();
std::string runtime_git_sha();

} // namespace racksim::cuda::calibrate
