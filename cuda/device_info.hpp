#pragma once
// Facts about the CUDA devices of this machine, for the calibration files' provenance (/device attributes).
// Plain C++ interface; the implementation is CUDA (device_info.cu) and is built only where nvcc works.

#include <string>
#include <vector>

namespace racksim::cuda {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int sm_count = 0;
  int compute_capability_major = 0, compute_capability_minor = 0;
  double memory_bytes = 0;
  int memory_bus_width_bits = 0;
  std::string pci_bus_id;
};

struct DeviceQuery {
  std::vector<DeviceInfo> devices;
  int driver_version = 0;  // e.g. 12040 for 12.4; 0 when no driver is loaded
  int runtime_version = 0; // the CUDA runtime this was built with
  std::string error;       // why there is no device, when there is none ("" otherwise)
};

DeviceQuery query_devices();

} // namespace racksim::cuda
