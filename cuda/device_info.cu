#include "cuda/device_info.hpp"

#include <cuda_runtime.h>

namespace racksim::cuda {

DeviceQuery query_devices() {
  DeviceQuery q;
  cudaRuntimeGetVersion(&q.runtime_version);
  if (cudaDriverGetVersion(&q.driver_version) != cudaSuccess) q.driver_version = 0;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    q.error = std::string("no usable CUDA device: ") + cudaGetErrorString(err);
    return q;
  }
  if (count == 0) {
    q.error = "no CUDA device on this machine";
    return q;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    DeviceInfo d;
    d.index = i;
    d.name = prop.name;
    d.sm_count = prop.multiProcessorCount;
    d.compute_capability_major = prop.major;
    d.compute_capability_minor = prop.minor;
    d.memory_bytes = static_cast<double>(prop.totalGlobalMem);
    d.memory_bus_width_bits = prop.memoryBusWidth;
    char bus[32] = {};
    cudaDeviceGetPCIBusId(bus, sizeof bus, i);
    d.pci_bus_id = bus;
    q.devices.push_back(d);
  }
  return q;
}

} // namespace racksim::cuda
