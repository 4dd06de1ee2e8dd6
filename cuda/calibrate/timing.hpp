#pragma once
// Timing of one KernelCall on the current CUDA device, the way docs/calibration-harness.md describes: buffers
// prepared once with several input sets (rotated so the L2 cache does not flatter), a warm-up of at least
// warmup_s of GPU time, then `repeats` samples timed with CUDA events; short launches are timed as CUDA-graph
// replays of many launches, divided. Also the device facts of a calibration file and back-to-back timing of a
// sequence of prepared calls (validation). C++17: timing.cu (nvcc) includes it.

#include "cuda/calibrate/stats.hpp"
#include "cuda/kernels/kernel.hpp"
#include "workloads/calibration/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace racksim::cuda::calibrate {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kGiB = 1024.0 * kMiB;

struct TimingOptions {
  int repeats = 20;                  // timed samples per call
  int min_repeats = 5;               // never fewer, even for long kernels (max_timed_s_per_call)
  double max_timed_s_per_call = 1.0; // repeats shrink (not below min_repeats) so one call's samples stay under this
  double warmup_s = 0.020;           // warm-up: at least this much GPU time ...
  int min_warmup_launches = 1;       // ... and at least this many launches (one suffices when it lasts warmup_s)
  double graph_below_s = 100e-6;     // launches shorter than this are timed as CUDA-graph replays
  double graph_sample_s = 1e-3;      // one graph replay lasts about this long
  long max_graph_launches = 4096;    // launches captured in one graph, at most
  double rotate_bytes = 100 * kMiB;  // input sets rotated until their total bytes reach this (2 x L2)
  int max_input_sets = 256;          // input sets per call, at most
  double memory_fraction = 0.85;     // share of the free device memory one call's buffers may take
};

struct Timing {
  Stats stats;                  // seconds per launch
  int input_sets = 1;           // input sets rotated
  long launches_per_sample = 1; // launches between one pair of events
  std::string method;           // "single" (one launch per event pair), "graph" (replay of a captured graph),
                                // "batch" (plain launches per event pair: capture failed, see capture_error)
  std::string capture_error;
  long warmup_launches = 0;
  double warmup_gpu_s = 0;
  double wall_s = 0; // host clock: prepare + warm-up + samples
};

// Input sets for a call: enough that sets x set_bytes reaches rotate_bytes, within [1, max_input_sets], and fewer
// when fixed_bytes + sets x set_bytes would exceed memory_fraction x free_bytes. 0 when one set does not fit.
inline int input_sets_for(double set_bytes, double fixed_bytes, double free_bytes, const TimingOptions& o) {
  const double room = o.memory_fraction * free_bytes - fixed_bytes;
  if (set_bytes <= 0) set_bytes = 1;
  if (room < set_bytes) return 0;
  double sets = std::ceil(o.rotate_bytes / set_bytes);
  sets = std::clamp(sets, 1.0, static_cast<double>(std::max(o.max_input_sets, 1)));
  sets = std::min(sets, std::floor(room / set_bytes));
  return static_cast<int>(sets);
}

// Makes `device` current and creates its context (so later timings do not include it). Throws CudaError.
void use_device(int device);
double l2_cache_bytes();    // of the current device
double free_device_bytes(); // cudaMemGetInfo
// After a CudaError: clears the (non-sticky) last error and tells whether the context still works. A sticky
// error (illegal address, launch failure) poisons the context for good; `why` says which.
bool context_healthy(std::string& why);

// Prepares `call` with `input_sets` sets and times it (TimingOptions). Throws CudaError on any failed CUDA call.
Timing time_call(const Kernel& kernel, const KernelCall& call, int input_sets, const TimingOptions& options,
                 std::uint64_t seed);

// One prepared call of a sequence, launched `launches` times in a row (KernelCall::count), always input set 0.
struct SequenceStep {
  Prepared* prepared = nullptr;
  long launches = 1;
};
// The whole sequence back to back on one stream: warm-up (>= warmup_s of GPU time, >= 2 runs), then `repeats`
// runs each timed with one pair of events. Seconds per run.
Stats time_sequence(const std::vector<SequenceStep>& steps, int repeats, double warmup_s);

// /device attributes of docs/calibration-schema.md for `device` (query_devices, clocks, cuBLASLt version).
void fill_device_facts(workloads::CalibrationTable& table, int device);

} // namespace racksim::cuda::calibrate
