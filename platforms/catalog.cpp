// GPU catalog. Every figure below carries its source; estimates are marked as such. docs/platforms.md holds the
// same table for readers who do not read C++.
//
// Unit choices (kept identical in docs/platforms.md):
//  - FLOP/s and bandwidths are SI: 1 TFLOPS = 1e12 FLOP/s, 1 GB/s = 1e9 B/s (NVIDIA quotes HBM and NVLink
//    bandwidth in decimal units).
//  - HBM capacity: NVIDIA's "80GB" parts expose 80 GiB (nvidia-smi reports 81920 MiB on A100 80GB; H100 80GB
//    reports slightly less because of reserved memory), so the marketed number is read as GiB. For H200 "141GB"
//    the same reading (141 GiB = 151.4e9 B) is within 0.5% of the ~140.4 GiB nvidia-smi reports. Capacity is
//    used for fit checks, where GiB is the closer reading; treat it as the physical size, not what CUDA can
//    allocate.
//  - NVLink: NVIDIA quotes the bidirectional total per GPU (A100: 600 GB/s, H100/H200: 900 GB/s); the catalog
//    stores one direction (half), which is what a flow in one direction can use.
//  - Idle power is an ESTIMATE: NVIDIA publishes no idle figure. Published nvidia-smi readings of idle SXM parts
//    (no context, default clocks) fall roughly in 50-90 W; we take 50 W for A100 and 70 W for H100/H200 (larger
//    HBM3/HBM3e stacks, higher static power). Used only for energy accounting; override when measured.

#include "platforms/catalog.hpp"

#include <stdexcept>
#include <string>

namespace racksim::platforms {

namespace {

constexpr double tera = 1e12;
constexpr double giga = 1e9;
constexpr double gibi = 1024.0 * 1024.0 * 1024.0;

std::vector<GpuModel> make_catalog() {
  std::vector<GpuModel> gpus;

  // NVIDIA A100 Tensor Core GPU datasheet (A100 80GB SXM column): BF16/FP16 Tensor Core 312 TFLOPS dense
  // (624 with sparsity), FP32 19.5 TFLOPS, HBM2e 2,039 GB/s, 80 GB, NVLink 3 600 GB/s, max TDP 400 W.
  gpus.push_back(GpuModel{
      .name = "A100-SXM4-80GB",
      .peak_bf16_flops = 312 * tera,
      .peak_fp16_flops = 312 * tera,
      .peak_fp32_flops = 19.5 * tera,
      .hbm_bandwidth_Bps = 2039 * giga,
      .hbm_bytes = 80 * gibi,
      .nvlink_bandwidth_Bps = 600 * giga / 2,
      .idle_power_w = 50, // estimate, see the file comment
      .max_power_w = 400,
      .source = "NVIDIA A100 Tensor Core GPU datasheet (80GB SXM); idle power is an estimate (50 W)",
  });

  // NVIDIA H100 Tensor Core GPU datasheet (H100 SXM column): BF16/FP16 Tensor Core 1,979 TFLOPS with sparsity,
  // i.e. 989.4 dense (the H100 architecture whitepaper lists 989.4 / 1978.9); FP32 67 TFLOPS; HBM3 3.35 TB/s,
  // 80 GB; NVLink 4 900 GB/s; max TDP up to 700 W (configurable).
  gpus.push_back(GpuModel{
      .name = "H100-SXM5-80GB",
      .peak_bf16_flops = 989.4 * tera,
      .peak_fp16_flops = 989.4 * tera,
      .peak_fp32_flops = 67 * tera,
      .hbm_bandwidth_Bps = 3350 * giga,
      .hbm_bytes = 80 * gibi,
      .nvlink_bandwidth_Bps = 900 * giga / 2,
      .idle_power_w = 70, // estimate, see the file comment
      .max_power_w = 700,
      .source = "NVIDIA H100 Tensor Core GPU datasheet (SXM) and H100 whitepaper (dense = sparse / 2); "
                "idle power is an estimate (70 W)",
  });

  // NVIDIA H200 Tensor Core GPU datasheet (H200 SXM column): same compute as H100 SXM (BF16/FP16 1,979 TFLOPS
  // with sparsity, FP32 67 TFLOPS); HBM3e 4.8 TB/s, 141 GB; NVLink 900 GB/s; max TDP up to 700 W.
  gpus.push_back(GpuModel{
      .name = "H200-SXM-141GB",
      .peak_bf16_flops = 989.4 * tera,
      .peak_fp16_flops = 989.4 * tera,
      .peak_fp32_flops = 67 * tera,
      .hbm_bandwidth_Bps = 4800 * giga,
      .hbm_bytes = 141 * gibi,
      .nvlink_bandwidth_Bps = 900 * giga / 2,
      .idle_power_w = 70, // estimate, see the file comment
      .max_power_w = 700,
      .source = "NVIDIA H200 Tensor Core GPU datasheet (SXM); dense = sparse / 2; idle power is an estimate (70 W)",
  });

  // B200 is deliberately absent: public per-GPU figures still disagree (HBM 180 vs 192 GB, FP32 75 vs 80 TFLOPS,
  // dense BF16 2.25 PFLOPS at 1,000 W on HGX vs 2.5 PFLOPS at 1,200 W in GB200). Add it from a datasheet.
  return gpus;
}

} // namespace

const std::vector<GpuModel>& gpu_catalog() {
  static const std::vector<GpuModel> catalog = make_catalog();
  return catalog;
}

const GpuModel& find_gpu(std::string_view name) {
  for (const GpuModel& gpu : gpu_catalog()) {
    if (gpu.name == name) return gpu;
  }
  std::string known;
  for (const GpuModel& gpu : gpu_catalog()) {
    if (!known.empty()) known += ", ";
    known += gpu.name;
  }
  throw std::invalid_argument("unknown GPU model '" + std::string(name) + "' (known: " + known + ")");
}

std::vector<std::string> gpu_names() {
  std::vector<std::string> names;
  names.reserve(gpu_catalog().size());
  for (const GpuModel& gpu : gpu_catalog())
    names.push_back(gpu.name);
  return names;
}

} // namespace racksim::platforms
