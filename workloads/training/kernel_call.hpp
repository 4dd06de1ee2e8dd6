#pragma once
// One kernel launch as the step-time model sees it: which kernel, at which shape and precision. The same list
// drives the simulator's prediction (a KernelTimer per call) and, on a GPU, the calibration harness's timed
// replay (cuda/), so that prediction and measurement are made of the same calls. Shape conventions per kernel
// are in docs/calibration-schema.md; unused dimensions are 0.

#include <cstdint>
#include <string>

namespace racksim::workloads {

struct KernelCall {
  std::string kernel;       // canonical name, e.g. "gemm", "attention_fwd" (docs/calibration-schema.md)
  std::int64_t m = 0, n = 0, k = 0, batch = 0;
  std::string dtype = "bf16"; // bf16 | fp16 | fp32 | tf32 | fp8
  std::int64_t count = 1;   // identical launches this call stands for
  std::string phase;        // "fwd", "bwd", "optimizer", "loss" (reporting only)
};

} // namespace racksim::workloads
