// Runs where nvcc built cuda/. Without a usable GPU (CI, most machines) the test skips and says why.

#include "cuda/device_info.hpp"

#include <gtest/gtest.h>

TEST(CudaDevice, ReportsDeviceFactsOrWhyThereIsNone) {
  const auto q = racksim::cuda::query_devices();
  EXPECT_GT(q.runtime_version, 0);
  if (q.devices.empty()) {
    EXPECT_FALSE(q.error.empty());
    GTEST_SKIP() << "no GPU here: " << q.error;
  }
  for (const auto& d : q.devices) {
    EXPECT_FALSE(d.name.empty());
    EXPECT_GT(d.sm_count, 0);
    EXPECT_GT(d.memory_bytes, 1e9);
    EXPECT_GE(d.compute_capability_major, 7);
  }
}
