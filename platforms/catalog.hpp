#pragma once
// GPU catalog: vendor peak figures for the accelerators racksim knows, each with its source.
// Looked up by exact name; an unknown name is an error that lists the valid ones.

#include <string>
#include <string_view>
#include <vector>

namespace racksim::platforms {

struct GpuModel {
  std::string name;
  double peak_bf16_flops = 0; // dense (no structured sparsity), tensor cores
  double peak_fp16_flops = 0; // dense, tensor cores
  double peak_fp32_flops = 0; // plain FP32 (non-tensor)
  double hbm_bandwidth_Bps = 0;
  double hbm_bytes = 0;
  double nvlink_bandwidth_Bps = 0; // per GPU, per direction (half the marketing "bidirectional" figure)
  double idle_power_w = 0;
  double max_power_w = 0; // TDP
  std::string source;     // where the figures come from
};

const std::vector<GpuModel>& gpu_catalog();
// Throws std::invalid_argument("unknown GPU model 'x' (known: ...)").
const GpuModel& find_gpu(std::string_view name);
std::vector<std::string> gpu_names();

} // namespace racksim::platforms
