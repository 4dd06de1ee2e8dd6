#pragma once
// Validation of a calibration table against real back-to-back runs: three transformer layers (1.3B-, 8B- and
// 70B-class shapes), forward and backward, launched as layer_calls() lists them, timed as a whole and compared
// with predict_s(calls, CalibratedTimer(table)). docs/calibration-harness.md, "Validation".

#include "cuda/calibrate/stats.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/training/step_model.hpp"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace racksim::cuda::calibrate {

struct ValidationCase {
  std::string label; // "1.3B", "8B", "70B"
  workloads::TransformerSpec model;
  workloads::Parallelism par;
};

// The three hand-picked layer shapes (GPT-3 XL-, Llama-3-8B- and Llama-3-70B-like; see the .cpp for the numbers).
std::vector<ValidationCase> validation_cases();
// Every call of layer_calls() over the validation cases (duplicates included; the sweep deduplicates).
std::vector<workloads::KernelCall> validation_calls();

struct ValidateOptions {
  int device = 0;
  int repeats = 20;       // whole-layer repetitions (at least 10 are used)
  double warmup_s = 0.05; // GPU time of warm-up runs before the samples
  double target_pct = 5;  // |error| at or under this passes
  std::uint64_t seed = 7;
};

struct ValidationResult {
  std::string label;
  workloads::TransformerSpec model;
  workloads::Parallelism par;
  std::string skipped;            // non-empty: why the case could not run (nothing else is meaningful)
  std::vector<std::string> notes; // calls left out of both sides, roofline fallbacks
  long calls = 0, launches = 0;   // included in both the measurement and the prediction
  Stats measured;                 // seconds per layer (fwd + bwd)
  double predicted_s = 0;
  double error_pct = 0; // 100 x (predicted - measured) / measured
  bool pass = false;
  long fallbacks = 0; // calls the CalibratedTimer answered from the roofline
  // bf16 GEMMs of the layer on their own, back to back: measured rate vs the bf16_gemm_flops ceiling.
  double gemm_flops = 0, gemm_measured_s = 0, gemm_predicted_s = 0;
  // Memory-bound calls (compute_bound_kernel false) on their own: achieved bytes/s vs the copy_Bps ceiling.
  double memory_bytes = 0, memory_measured_s = 0, memory_predicted_s = 0;
};

// Peaks for the CalibratedTimer's roofline fallback, from the table's measured ceilings (ratios of an H100 SXM's
// datasheet for the dtypes without a measured ceiling).
workloads::GpuPeaks peaks_from_table(const workloads::CalibrationTable& table);

// Runs every case on the current device (needs a GPU; throws CudaError on a failed CUDA call).
std::vector<ValidationResult> run_validation(const workloads::CalibrationTable& table, const ValidateOptions& options,
                                             std::ostream& log);

// The report written next to the calibration file (CALIB.h5.validation.txt): a commented header, one
// whitespace-separated row per case, and the ceilings. `digest` is the calibration file's SHA-256.
std::string format_validation_report(const std::vector<ValidationResult>& results,
                                     const workloads::CalibrationTable& table, const std::string& calibration_path,
                                     const std::string& digest, double target_pct);
// One line per case for the terminal and the provenance note.
std::string validation_summary(const std::vector<ValidationResult>& results, double target_pct);

} // namespace racksim::cuda::calibrate
