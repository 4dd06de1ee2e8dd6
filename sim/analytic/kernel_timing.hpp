#pragma once
// The kernel timer a run uses, made in one place: the roofline on the GPU catalog's peaks, or a calibration file
// (with the roofline for the kernel calls the file does not hold). Used by training and inference alike.

#include "workloads/calibration/calibration.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace racksim::sim {

// The catalog entry's peak rates as the roofline's input. Throws std::invalid_argument for an unknown GPU.
workloads::GpuPeaks gpu_peaks(std::string_view gpu_model);

// calibration: "roofline", or the path of a calibration file (scenario key `calibration`).
std::unique_ptr<workloads::KernelTimer> make_kernel_timer(const std::string& calibration, std::string_view gpu_model);

// For /meta/calibration: the timer's source and, for a calibration file, its digest and how many kernel calls so far
// fell back to the roofline.
std::string describe_timer(const workloads::KernelTimer& timer);

} // namespace racksim::sim
