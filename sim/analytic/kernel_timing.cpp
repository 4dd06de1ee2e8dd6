#include "sim/analytic/kernel_timing.hpp"

#include "platforms/catalog.hpp"

namespace racksim::sim {

workloads::GpuPeaks gpu_peaks(std::string_view gpu_model) {
  const auto& gpu = platforms::find_gpu(gpu_model);
  workloads::GpuPeaks peaks;
  peaks.name = gpu.name;
  peaks.bf16_flops = gpu.peak_bf16_flops;
  peaks.fp16_flops = gpu.peak_fp16_flops;
  peaks.fp32_flops = gpu.peak_fp32_flops;
  peaks.hbm_Bps = gpu.hbm_bandwidth_Bps;
  return peaks;
}

std::unique_ptr<workloads::KernelTimer> make_kernel_timer(const std::string& calibration, std::string_view gpu_model) {
  workloads::RooflineTimer roofline(gpu_peaks(gpu_model));
  if (calibration == "roofline") return std::make_unique<workloads::RooflineTimer>(roofline);
  return std::make_unique<workloads::CalibratedTimer>(workloads::load_calibration(calibration), roofline);
}

std::string describe_timer(const workloads::KernelTimer& timer) {
  std::string source = timer.source();
  if (const auto* calibrated = dynamic_cast<const workloads::CalibratedTimer*>(&timer))
    source += " (file sha256 " + calibrated->table().digest + "; " + std::to_string(calibrated->fallbacks()) +
              " kernel calls not in the file timed by the roofline)";
  return source;
}

} // namespace racksim::sim
