// Work counts (docs/calibration-schema.md table), the roofline timer and the calibrated timer's interpolation.
// Expected values are computed by hand in the comments next to them.

#include "workloads/calibration/calibration.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

using namespace racksim::workloads;

namespace {

KernelCall call(std::string kernel, std::int64_t m, std::int64_t n = 0, std::int64_t k = 0, std::int64_t batch = 0,
                std::string dtype = "bf16") {
  return KernelCall{std::move(kernel), m, n, k, batch, std::move(dtype), 1, ""};
}

// NVIDIA H100 SXM5 datasheet figures (dense), as the GPU catalog gives them; tf32 and fp8 left to derivation.
GpuPeaks h100() {
  return {"H100-SXM5-80GB", 989.4e12, 989.4e12, 67e12, 0, 0, 3.35e12};
}

CalibrationRow measured(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch, std::string dtype,
                        double time_s) {
  CalibrationRow r;
  r.m = m;
  r.n = n;
  r.k = k;
  r.batch = batch;
  r.dtype = std::move(dtype);
  r.time_s = time_s;
  return r;
}

} // namespace

// ---- work counts ----

struct WorkCase {
  KernelCall call;
  double flops, bytes;
};

TEST(CalibrationWork, EveryKernelFollowsTheSchemaTable) {
  const std::vector<WorkCase> cases = {
      {call("gemm", 2, 3, 4), 48, 52},                  // 2mnk; 2(mk + kn + mn) = 2(8 + 12 + 6)
      {call("gemm_tiled", 2, 3, 4), 48, 52},            //
      {call("attention_fwd", 4, 6, 2, 3), 288, 288},    // 2*3*4*6*2; 2*3*(16 + 24) + 4*3*4
      {call("attention_bwd", 4, 6, 2, 3), 720, 528},    // 5*3*4*6*2; 2*3*(32 + 48) + 48
      {call("layernorm_fwd", 10, 20), 1600, 1040},      // 8mn; 2*2*200 + 4*2*20 + 8*10
      {call("rmsnorm_fwd", 10, 20), 1000, 920},         // 5mn; 2*2*200 + 4*20 + 4*10
      {call("layernorm_bwd", 10, 20), 2400, 1520},      // 12mn; 2*3*200 + 4*3*20 + 8*10
      {call("rmsnorm_bwd", 10, 20), 1600, 1400},        // 8mn; 2*3*200 + 4*2*20 + 4*10
      {call("softmax_fwd", 10, 20), 1000, 800},         // 5mn; 2*2*200
      {call("gelu_fwd", 100), 1500, 400},               // 15m; 2*2m
      {call("gelu_bwd", 100), 2500, 600},               // 25m; 2*3m
      {call("swiglu_fwd", 100), 800, 600},              // 8m; 2*3m
      {call("swiglu_bwd", 100), 1600, 1000},            // 16m; 2*5m
      {call("adamw", 100), 1600, 2600},                 // 16m; 24m + 2m
      {call("embedding_fwd", 10, 20, 1000), 0, 880},    // 0; 8m + 2*2*m*n
      {call("embedding_bwd", 10, 20, 1000), 200, 1280}, // mn; 8m + 2mn + 4mn
      {call("cross_entropy", 10, 20), 1200, 920},       // 6mn; 2*2mn + 8m + 4m
      {call("copy", 100), 0, 200},                      // 0; 2m
  };
  ASSERT_EQ(cases.size(), kernel_names().size());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.call.kernel);
    EXPECT_EQ(call_flops(c.call), c.flops);
    EXPECT_EQ(call_bytes(c.call), c.bytes);
  }
}

TEST(CalibrationWork, DtypeBytesAndTheirEffect) {
  EXPECT_EQ(dtype_bytes("bf16"), 2);
  EXPECT_EQ(dtype_bytes("fp16"), 2);
  EXPECT_EQ(dtype_bytes("fp32"), 4);
  EXPECT_EQ(dtype_bytes("tf32"), 4);
  EXPECT_EQ(dtype_bytes("fp8"), 1);
  EXPECT_THROW(dtype_bytes("int8"), std::invalid_argument);
  EXPECT_EQ(call_bytes(call("gemm", 2, 3, 4, 0, "fp8")), 32); // 8 + 12 one-byte operands, 6 bf16 outputs
  EXPECT_EQ(call_bytes(call("gemm", 2, 3, 4, 0, "fp32")), 104);
  EXPECT_EQ(call_flops(call("gemm", 2, 3, 4, 0, "fp8")), 48);
}

TEST(CalibrationWork, ComputeBoundKernelsAndErrors) {
  for (const auto& name : kernel_names()) {
    const bool expected = name == "gemm" || name == "gemm_tiled" || name == "attention_fwd" || name == "attention_bwd";
    EXPECT_EQ(compute_bound_kernel(name), expected) << name;
  }
  EXPECT_FALSE(compute_bound_kernel("no_such_kernel"));
  try {
    call_flops(call("no_such_kernel", 1));
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("known: gemm, gemm_tiled"), std::string::npos) << e.what();
  }
  EXPECT_THROW(call_bytes(call("gemm", -1, 2, 3)), std::invalid_argument);
}

// ---- roofline ----

TEST(CalibrationRoofline, EfficiencyCurveSaturates) {
  const EfficiencyCurve curve{0.8, 1e9};
  EXPECT_EQ(curve.at(0), 0);
  EXPECT_DOUBLE_EQ(curve.at(1e9), 0.4);
  EXPECT_NEAR(curve.at(1e15), 0.8, 1e-6);
  EXPECT_LT(curve.at(1e10), curve.at(1e11));
}

TEST(CalibrationRoofline, BigGemmApproachesEffMaxTimesPeak) {
  const RooflineTimer timer(h100());
  const KernelCall big = call("gemm", 16384, 16384, 16384);
  const double flops = call_flops(big);
  const double achieved = flops / (timer.time_s(big) - kernel_launch_overhead_s);
  const double ceiling = roofline_class("gemm").compute.eff_max * 989.4e12;
  EXPECT_GT(roofline_class("gemm").compute.eff_max, 0.74);
  EXPECT_LT(roofline_class("gemm").compute.eff_max, 0.81);
  EXPECT_LT(achieved, ceiling);
  EXPECT_GT(achieved, 0.999 * ceiling); // 8.8e12 FLOPs >> 2e9 half-work
  // Including the launch overhead: still within 0.2% of the ceiling for a ~11 ms kernel.
  EXPECT_NEAR(flops / timer.time_s(big), ceiling, 0.002 * ceiling);
}

TEST(CalibrationRoofline, TinyKernelsPayTheLaunchOverhead) {
  const RooflineTimer timer(h100());
  const double tiny = timer.time_s(call("gemm", 8, 8, 8));
  EXPECT_GE(tiny, kernel_launch_overhead_s);
  // time = launch + max(half_work_c / (eff_c * peak), half_work_m / (eff_m * hbm)) + (negligible) work terms.
  const RooflineClass& gemm = roofline_class("gemm");
  const double floor = kernel_launch_overhead_s + std::max(gemm.compute.half_work / (gemm.compute.eff_max * 989.4e12),
                                                           gemm.memory.half_work / (gemm.memory.eff_max * 3.35e12));
  EXPECT_NEAR(tiny, floor, 0.001 * floor);
  EXPECT_LT(tiny, 3 * kernel_launch_overhead_s);
  // Doubling a tiny kernel barely changes its time; doubling a big one doubles it.
  EXPECT_NEAR(timer.time_s(call("gemm", 16, 8, 8)), tiny, 0.001 * tiny);
  const double big = timer.time_s(call("gemm", 8192, 8192, 8192));
  EXPECT_NEAR(timer.time_s(call("gemm", 16384, 8192, 8192)) / big, 2.0, 0.01);
}

TEST(CalibrationRoofline, MemoryBoundKernelsUseBytes) {
  const RooflineTimer timer(h100());
  const KernelCall norm = call("rmsnorm_fwd", 65536, 8192);
  const double bytes = call_bytes(norm);
  const RooflineClass& cls = roofline_class("rmsnorm_fwd");
  EXPECT_EQ(cls.name, "memory_bound");
  EXPECT_NEAR(timer.time_s(norm), kernel_launch_overhead_s + bytes / (3.35e12 * cls.memory.at(bytes)), 1e-12);
  // fp32 moves twice the bytes of bf16: about twice the time for a large kernel.
  KernelCall wide = norm;
  wide.dtype = "fp32";
  EXPECT_NEAR((timer.time_s(wide) - kernel_launch_overhead_s) / (timer.time_s(norm) - kernel_launch_overhead_s), 2.0,
              0.01);
  // A copy has no FLOPs at all.
  const KernelCall copy = call("copy", 1LL << 30);
  EXPECT_NEAR(timer.time_s(copy),
              kernel_launch_overhead_s + 2.0 * (1LL << 30) / (3.35e12 * cls.memory.at(2.0 * (1LL << 30))), 1e-12);
  // A skinny GEMM is memory-bound: m = 1 reads the whole k x n weight.
  const KernelCall skinny = call("gemm", 1, 8192, 8192);
  const double skinny_bytes = call_bytes(skinny);
  EXPECT_NEAR(timer.time_s(skinny),
              kernel_launch_overhead_s + skinny_bytes / (3.35e12 * roofline_class("gemm").memory.at(skinny_bytes)),
              1e-12);
}

TEST(CalibrationRoofline, PeaksByDtypeWithDerivations) {
  const GpuPeaks peaks = h100();
  EXPECT_EQ(tensor_peak_flops(peaks, "bf16"), 989.4e12);
  EXPECT_EQ(tensor_peak_flops(peaks, "fp16"), 989.4e12);
  EXPECT_EQ(tensor_peak_flops(peaks, "fp32"), 67e12);
  EXPECT_EQ(tensor_peak_flops(peaks, "tf32"), 989.4e12 / 2); // derived: fp16 / 2
  EXPECT_EQ(tensor_peak_flops(peaks, "fp8"), 2 * 989.4e12);  // derived: 2 x bf16
  GpuPeaks given = peaks;
  given.tf32_flops = 400e12;
  given.fp8_flops = 1500e12;
  EXPECT_EQ(tensor_peak_flops(given, "tf32"), 400e12);
  EXPECT_EQ(tensor_peak_flops(given, "fp8"), 1500e12);
  GpuPeaks no_fp16 = peaks;
  no_fp16.fp16_flops = 0;
  EXPECT_EQ(tensor_peak_flops(no_fp16, "fp16"), 989.4e12);
  EXPECT_THROW(tensor_peak_flops(peaks, "int4"), std::invalid_argument);

  const RooflineTimer timer(peaks);
  const double bf16 = timer.time_s(call("gemm", 16384, 16384, 16384, 0, "bf16"));
  const double fp8 = timer.time_s(call("gemm", 16384, 16384, 16384, 0, "fp8"));
  EXPECT_NEAR(bf16 / fp8, 2.0, 0.01);
  EXPECT_EQ(timer.source(), "roofline:H100-SXM5-80GB");
  EXPECT_THROW(RooflineTimer(GpuPeaks{"none", 1e15, 0, 0, 0, 0, 0}), std::invalid_argument);
}

// ---- calibrated timer ----

namespace {

// gemm bf16 measured at work 1e9 (rate 1e14 FLOP/s) and 1e11 (rate 3e14); copy fp32 at 2e6 B (1e12 B/s) and
// 2e8 B (2e12 B/s).
CalibrationTable hand_table() {
  CalibrationTable t;
  t.kernels["gemm"] = {measured(1000, 500, 1000, 0, "bf16", 1e-5),           // 2*1000*500*1000 = 1e9 FLOPs
                       measured(10000, 500, 10000, 0, "bf16", 1e11 / 3e14)}; // 1e11 FLOPs
  t.kernels["copy"] = {measured(1000000, 0, 0, 0, "fp32", 2e-6),             // 2e6 bytes
                       measured(100000000, 0, 0, 0, "fp32", 1e-4)};          // 2e8 bytes
  t.source_path = "/somewhere/h100.h5";
  t.digest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  return t;
}

} // namespace

TEST(CalibrationInterpolation, ExactShapeReturnsTheMeasuredMedian) {
  const CalibratedTimer timer(hand_table(), RooflineTimer(h100()));
  EXPECT_EQ(timer.time_s(call("gemm", 1000, 500, 1000)), 1e-5);
  EXPECT_EQ(timer.time_s(call("copy", 100000000, 0, 0, 0, "fp32")), 1e-4);
  EXPECT_EQ(timer.fallbacks(), 0);
}

TEST(CalibrationInterpolation, MidpointInLogSpace) {
  const CalibratedTimer timer(hand_table(), RooflineTimer(h100()));
  // 1e10 FLOPs is halfway between 1e9 and 1e11 in log: rate (1e14 + 3e14) / 2 = 2e14, time 1e10 / 2e14 = 5e-5.
  EXPECT_NEAR(timer.time_s(call("gemm", 10000, 500, 1000)), 5e-5, 1e-15);
  // Any shape with the same work gets the same time.
  EXPECT_NEAR(timer.time_s(call("gemm", 1000, 1000, 5000)), 5e-5, 1e-15);
  // Memory-bound: bytes 2e7 sit halfway between 2e6 and 2e8: rate 1.5e12, time 2e7 / 1.5e12.
  EXPECT_NEAR(timer.time_s(call("copy", 10000000, 0, 0, 0, "fp32")), 2e7 / 1.5e12, 1e-15);
  // Interpolation is linear in log(work), not in work: 4e10 FLOPs -> t = log(40) / log(100).
  const double t = std::log(40.0) / std::log(100.0);
  const double rate = 1e14 + t * 2e14;
  EXPECT_NEAR(timer.time_s(call("gemm", 40000, 500, 1000)), 4e10 / rate, 1e-15);
  EXPECT_EQ(timer.fallbacks(), 0);
}

TEST(CalibrationInterpolation, ClampsToTheEndRates) {
  const CalibratedTimer timer(hand_table(), RooflineTimer(h100()));
  // Below: 1e8 FLOPs at 1e14 FLOP/s. Above: 1e12 FLOPs at 3e14 FLOP/s.
  EXPECT_NEAR(timer.time_s(call("gemm", 100, 500, 1000)), 1e-6, 1e-18);
  EXPECT_NEAR(timer.time_s(call("gemm", 100000, 500, 10000)), 1e12 / 3e14, 1e-15);
  EXPECT_NEAR(timer.time_s(call("copy", 1000, 0, 0, 0, "fp32")), 2e3 / 1e12, 1e-18);
  EXPECT_NEAR(timer.time_s(call("copy", 1000000000, 0, 0, 0, "fp32")), 2e9 / 2e12, 1e-15);
}

TEST(CalibrationInterpolation, RowsOfEqualWorkAreAveraged) {
  CalibrationTable table = hand_table();
  // Another 1e9-FLOP shape, measured slower: rate 5e13. At work 1e9 the rate is now (1e14 + 5e13) / 2 = 7.5e13.
  table.kernels["gemm"].push_back(measured(500, 1000, 1000, 0, "bf16", 2e-5));
  const CalibratedTimer timer(table, RooflineTimer(h100()));
  EXPECT_EQ(timer.time_s(call("gemm", 1000, 500, 1000)), 1e-5); // exact shapes still win
  EXPECT_EQ(timer.time_s(call("gemm", 500, 1000, 1000)), 2e-5);
  // Midpoint: (7.5e13 + 3e14) / 2 = 1.875e14.
  EXPECT_NEAR(timer.time_s(call("gemm", 10000, 500, 1000)), 1e10 / 1.875e14, 1e-15);
  // Another shape of work 1e9 (not measured): the averaged rate.
  EXPECT_NEAR(timer.time_s(call("gemm", 250, 2000, 1000)), 1e9 / 7.5e13, 1e-15);
}

TEST(CalibrationInterpolation, MissingKernelOrDtypeFallsBackAndIsCounted) {
  const RooflineTimer roofline(h100());
  const CalibratedTimer timer(hand_table(), roofline);
  const KernelCall fp16 = call("gemm", 1000, 500, 1000, 0, "fp16"); // kernel measured, dtype not
  const KernelCall attention = call("attention_fwd", 2048, 2048, 128, 32);
  EXPECT_EQ(timer.time_s(fp16), roofline.time_s(fp16));
  EXPECT_EQ(timer.fallbacks(), 1);
  EXPECT_EQ(timer.time_s(attention), roofline.time_s(attention));
  EXPECT_EQ(timer.fallbacks(), 2);
  timer.time_s(call("gemm", 1000, 500, 1000));
  EXPECT_EQ(timer.fallbacks(), 2);
  EXPECT_THROW(timer.time_s(call("no_such_kernel", 1)), std::invalid_argument);
}

TEST(CalibrationInterpolation, SourceNamesFileAndDigest) {
  const CalibratedTimer timer(hand_table(), RooflineTimer(h100()));
  EXPECT_EQ(timer.source(), "calibration:h100.h5:sha256:0123456789abcdef");
  CalibrationTable bad = hand_table();
  bad.kernels["gemm"][0].time_s = 0;
  EXPECT_THROW(CalibratedTimer(bad, RooflineTimer(h100())), CalibrationError);
}

TEST(CalibrationInterpolation, FixtureIsSmoothAndAgreesWithItsRows) {
  const CalibrationTable table = load_calibration(RACKSIM_CALIBRATION_FIXTURE);
  const CalibratedTimer timer(table, RooflineTimer(h100()));
  for (const auto& r : table.kernels.at("gemm"))
    EXPECT_EQ(timer.time_s(call("gemm", r.m, r.n, r.k, r.batch, r.dtype)), r.time_s);
  // Between measured GEMM sizes the time grows monotonically with the work.
  double previous = 0;
  for (std::int64_t size = 512; size <= 8192; size += 256) {
    const double t = timer.time_s(call("gemm", size, size, size));
    EXPECT_GT(t, previous) << size;
    previous = t;
  }
  EXPECT_EQ(timer.fallbacks(), 0);
}
