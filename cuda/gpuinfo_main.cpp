// racksim-gpuinfo: prints the CUDA devices of this machine, or why there are none (exit 0 either way, so it
// can be used to decide whether GPU tests run).

#include "cuda/device_info.hpp"

#include <cstdio>

int main() {
  const auto q = racksim::cuda::query_devices();
  std::printf("CUDA runtime %d, driver %d\n", q.runtime_version, q.driver_version);
  if (q.devices.empty()) {
    std::printf("%s\n", q.error.c_str());
    return 0;
  }
  for (const auto& d : q.devices)
    std::printf("GPU %d: %s, sm_%d%d, %d SMs, %.1f GiB, bus %d bits, PCI %s\n", d.index, d.name.c_str(),
                d.compute_capability_major, d.compute_capability_minor, d.sm_count, d.memory_bytes / (1 << 30),
                d.memory_bus_width_bits, d.pci_bus_id.c_str());
  return 0;
}
