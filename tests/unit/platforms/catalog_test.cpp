// GPU catalog: the vendor figures we rely on, and the error a user sees for a name we do not know.

#include "platforms/catalog.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace rp = racksim::platforms;

namespace {
constexpr double tera = 1e12;
constexpr double giga = 1e9;
constexpr double gibi = 1024.0 * 1024.0 * 1024.0;
} // namespace

TEST(PlatformCatalog, A100Figures) {
  const rp::GpuModel& gpu = rp::find_gpu("A100-SXM4-80GB");
  EXPECT_DOUBLE_EQ(gpu.peak_bf16_flops, 312 * tera);
  EXPECT_DOUBLE_EQ(gpu.peak_fp16_flops, 312 * tera);
  EXPECT_DOUBLE_EQ(gpu.peak_fp32_flops, 19.5 * tera);
  EXPECT_DOUBLE_EQ(gpu.hbm_bandwidth_Bps, 2039 * giga);
  EXPECT_DOUBLE_EQ(gpu.hbm_bytes, 80 * gibi);
  EXPECT_DOUBLE_EQ(gpu.nvlink_bandwidth_Bps, 300 * giga); // NVLink 3: 600 GB/s bidirectional
  EXPECT_DOUBLE_EQ(gpu.max_power_w, 400);
  EXPECT_GT(gpu.idle_power_w, 0);
  EXPECT_LT(gpu.idle_power_w, gpu.max_power_w);
}

TEST(PlatformCatalog, H100Figures) {
  const rp::GpuModel& gpu = rp::find_gpu("H100-SXM5-80GB");
  EXPECT_DOUBLE_EQ(gpu.peak_bf16_flops, 989.4 * tera); // dense: half the 1,979 TFLOPS sparsity figure
  EXPECT_DOUBLE_EQ(gpu.peak_fp16_flops, 989.4 * tera);
  EXPECT_DOUBLE_EQ(gpu.peak_fp32_flops, 67 * tera);
  EXPECT_DOUBLE_EQ(gpu.hbm_bandwidth_Bps, 3.35e12);
  EXPECT_DOUBLE_EQ(gpu.hbm_bytes, 80 * gibi);
  EXPECT_DOUBLE_EQ(gpu.nvlink_bandwidth_Bps, 450 * giga); // NVLink 4: 900 GB/s bidirectional
  EXPECT_DOUBLE_EQ(gpu.max_power_w, 700);
  EXPECT_GT(gpu.idle_power_w, 0);
  EXPECT_LT(gpu.idle_power_w, gpu.max_power_w);
}

TEST(PlatformCatalog, H200SameComputeAsH100MoreMemory) {
  const rp::GpuModel& h100 = rp::find_gpu("H100-SXM5-80GB");
  const rp::GpuModel& gpu = rp::find_gpu("H200-SXM-141GB");
  EXPECT_DOUBLE_EQ(gpu.peak_bf16_flops, h100.peak_bf16_flops);
  EXPECT_DOUBLE_EQ(gpu.peak_fp16_flops, h100.peak_fp16_flops);
  EXPECT_DOUBLE_EQ(gpu.peak_fp32_flops, h100.peak_fp32_flops);
  EXPECT_DOUBLE_EQ(gpu.hbm_bandwidth_Bps, 4.8e12);
  EXPECT_DOUBLE_EQ(gpu.hbm_bytes, 141 * gibi);
  EXPECT_DOUBLE_EQ(gpu.nvlink_bandwidth_Bps, 450 * giga);
  EXPECT_DOUBLE_EQ(gpu.max_power_w, 700);
}

TEST(PlatformCatalog, EveryEntryIsCompleteAndSourced) {
  for (const rp::GpuModel& gpu : rp::gpu_catalog()) {
    SCOPED_TRACE(gpu.name);
    EXPECT_GT(gpu.peak_bf16_flops, gpu.peak_fp32_flops);
    EXPECT_GT(gpu.hbm_bandwidth_Bps, 0);
    EXPECT_GT(gpu.hbm_bytes, 0);
    EXPECT_GT(gpu.nvlink_bandwidth_Bps, 0);
    EXPECT_FALSE(gpu.source.empty());
    EXPECT_NE(gpu.source.find("datasheet"), std::string::npos);
    EXPECT_NE(gpu.source.find("estimate"), std::string::npos); // idle power is an estimate and says so
  }
}

TEST(PlatformCatalog, NamesInCatalogOrder) {
  EXPECT_EQ(rp::gpu_names(), (std::vector<std::string>{"A100-SXM4-80GB", "H100-SXM5-80GB", "H200-SXM-141GB"}));
  for (const std::string& name : rp::gpu_names())
    EXPECT_EQ(rp::find_gpu(name).name, name);
}

TEST(PlatformCatalog, UnknownNameListsKnownNames) {
  try {
    rp::find_gpu("X100");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown GPU model 'X100' (known: A100-SXM4-80GB, H100-SXM5-80GB, H200-SXM-141GB)");
  }
  EXPECT_THROW(rp::find_gpu("h100-sxm5-80gb"), std::invalid_argument); // exact match only
}
