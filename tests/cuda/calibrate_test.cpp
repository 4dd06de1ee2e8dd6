// The calibration harness (cuda/calibrate/). Host-only tests run everywhere nvcc built cuda/: statistics, the
// sweep's coverage and size, input-set rotation, the validation cases and report, the CLI without a GPU. GPU tests
// skip, saying why, where no GPU is usable.

#include "cuda/calibrate/stats.hpp"
#include "cuda/calibrate/sweep.hpp"
#include "cuda/calibrate/timing.hpp"
#include "cuda/calibrate/validate.hpp"
#include "cuda/device_info.hpp"
#include "cuda/kernels/kernel.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/training/step_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace racksim::cuda;
using namespace racksim::cuda::calibrate;
using racksim::workloads::KernelCall;

std::set<CallKey> keys_of(const std::vector<KernelCall>& calls) {
  std::set<CallKey> keys;
  for (const auto& c : calls)
    keys.insert(call_key(c));
  return keys;
}

bool power_of_two(std::int64_t v) {
  return v > 0 && (v & (v - 1)) == 0;
}

// Every call the step model makes for the presets (the brief of the sweep).
std::vector<KernelCall> all_model_calls() {
  std::vector<KernelCall> out;
  for (const auto& name : racksim::workloads::model_names())
    for (std::int64_t tp : {1, 2, 4, 8})
      for (std::int64_t mb = 1; mb <= 4; ++mb) {
        auto model = racksim::workloads::find_model(name);
        model.micro_batch = mb;
        racksim::workloads::Parallelism par;
        par.tp = tp;
        try {
          for (auto& c : racksim::workloads::layer_calls(model, par))
            out.push_back(c);
          for (auto& c : racksim::workloads::iteration_calls(model, par, 1))
            out.push_back(c);
        } catch (const std::invalid_argument&) {
        }
      }
  return out;
}

std::string gpu_missing() {
  const auto q = query_devices();
  return q.devices.empty() ? (q.error.empty() ? std::string("no CUDA device") : q.error) : std::string();
}

std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("racksim_calibrate_test_" + std::to_string(::getpid())) / name;
  std::filesystem::create_directories(dir);
  return dir;
}

} // namespace

// ---------------------------------------------------------------------------------------------------------
// Statistics

TEST(CudaCalibrateStats, MedianP10P90OfKnownSamples) {
  // 1..11: positions q x 10 fall on whole ranks.
  std::vector<double> v;
  for (int i = 11; i >= 1; --i)
    v.push_back(i);
  const Stats s = summarize(v);
  EXPECT_DOUBLE_EQ(s.median, 6);
  EXPECT_DOUBLE_EQ(s.p10, 2);
  EXPECT_DOUBLE_EQ(s.p90, 10);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 11);
  EXPECT_EQ(s.samples, 11);
}

TEST(CudaCalibrateStats, InterpolatesBetweenRanks) {
  const Stats s = summarize({4, 1, 3, 2}); // sorted 1 2 3 4: median at 1.5, p10 at 0.3, p90 at 2.7
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  EXPECT_NEAR(s.p10, 1.3, 1e-12);
  EXPECT_NEAR(s.p90, 3.7, 1e-12);
  const Stats one = summarize({7e-6});
  EXPECT_DOUBLE_EQ(one.median, 7e-6);
  EXPECT_DOUBLE_EQ(one.p10, 7e-6);
  EXPECT_DOUBLE_EQ(one.p90, 7e-6);
}

TEST(CudaCalibrateStats, RejectsNoSamplesAndNaN) {
  EXPECT_THROW(summarize({}), std::invalid_argument);
  EXPECT_THROW(summarize({1.0, std::numeric_limits<double>::quiet_NaN()}), std::invalid_argument);
  EXPECT_THROW(percentile_sorted({1.0}, 1.5), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------------------
// Sweep

TEST(CudaCalibrateSweep, NonEmptyDeduplicatedAndWellFormed) {
  for (bool quick : {false, true}) {
    const auto sweep = build_sweep(quick);
    ASSERT_FALSE(sweep.empty());
    EXPECT_EQ(keys_of(sweep).size(), sweep.size()) << "duplicates in the " << (quick ? "quick" : "full") << " sweep";
    for (const auto& c : sweep) {
      EXPECT_FALSE(c.kernel.empty());
      EXPECT_FALSE(c.dtype.empty()) << describe(c);
      EXPECT_GT(c.m, 0) << describe(c);
      EXPECT_GE(c.n, 0) << describe(c);
      EXPECT_EQ(c.count, 1) << describe(c);
      EXPECT_GT(racksim::workloads::call_bytes(c), 0) << describe(c);
    }
  }
}

TEST(CudaCalibrateSweep, CoversEveryKernelOfTheSchema) {
  for (bool quick : {false, true}) {
    std::set<std::string> names;
    for (const auto& c : build_sweep(quick))
      names.insert(c.kernel);
    for (const auto& k : schema_kernel_names())
      EXPECT_TRUE(names.count(k)) << k << " missing from the " << (quick ? "quick" : "full") << " sweep";
  }
}

TEST(CudaCalibrateSweep, CoversEveryKernelOfAllKernels) {
  const auto kernels = all_kernels();
  if (kernels.empty()) GTEST_SKIP() << "all_kernels() is empty: no kernel written yet";
  for (bool quick : {false, true}) {
    std::set<std::string> names;
    for (const auto& c : build_sweep(quick))
      names.insert(c.kernel);
    for (const auto& k : kernels) {
      EXPECT_TRUE(names.count(k->name())) << k->name() << " has no " << (quick ? "quick" : "full") << " sweep calls";
      EXPECT_FALSE(check_call(k->name(), "bf16").kernel.empty()) << k->name() << " has no check shape";
    }
  }
}

TEST(CudaCalibrateSweep, IncludesEveryCallOfTheModelPresets) {
  ASSERT_FALSE(racksim::workloads::model_names().empty());
  const auto model = all_model_calls();
  ASSERT_FALSE(model.empty());
  const auto full = keys_of(build_sweep(false));
  for (const auto& c : model)
    EXPECT_TRUE(full.count(call_key(c))) << describe(c) << " (a preset's call) is not in the full sweep";
}

TEST(CudaCalibrateSweep, QuickIsASmallerSubsetOfFull) {
  const auto quick = build_sweep(true);
  const auto full = keys_of(build_sweep(false));
  EXPECT_LT(quick.size(), full.size());
  for (const auto& c : quick)
    EXPECT_TRUE(full.count(call_key(c))) << describe(c) << " is in the quick sweep only";
}

TEST(CudaCalibrateSweep, QuickIncludesTheValidationLayers) {
  const auto quick = keys_of(build_sweep(true));
  const auto calls = validation_calls();
  ASSERT_FALSE(calls.empty());
  for (const auto& c : calls)
    EXPECT_TRUE(quick.count(call_key(c))) << describe(c);
}

TEST(CudaCalibrateSweep, ShapesSpanSmallToLargeWithNonPowersOfTwo) {
  const auto sweep = generic_calls(false);
  for (const auto& k : schema_kernel_names()) {
    double lo = std::numeric_limits<double>::infinity(), hi = 0;
    bool odd = false;
    for (const auto& c : sweep) {
      if (c.kernel != k || c.dtype != "bf16") continue;
      const double w = racksim::workloads::compute_bound_kernel(k) ? racksim::workloads::call_flops(c)
                                                                   : racksim::workloads::call_bytes(c);
      lo = std::min(lo, w);
      hi = std::max(hi, w);
      for (auto d : {c.m, c.n, c.k})
        odd = odd || (d > 0 && !power_of_two(d));
    }
    ASSERT_GT(hi, 0) << k << " has no bf16 shapes";
    EXPECT_GE(hi / lo, 50) << k << ": bf16 work spans only " << hi / lo << "x";
    EXPECT_TRUE(odd) << k << ": no dimension that is not a power of two";
  }
}

TEST(CudaCalibrateSweep, DedupeIgnoresCountAndPhase) {
  KernelCall a;
  a.kernel = "gemm";
  a.m = a.n = a.k = 64;
  a.count = 3;
  a.phase = "fwd";
  KernelCall b = a;
  b.count = 1;
  b.phase = "bwd";
  KernelCall c = a;
  c.dtype = "fp16";
  const auto d = dedupe({a, b, c});
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].count, 1);
  EXPECT_TRUE(d[0].phase.empty());
}

TEST(CudaCalibrateSweep, EstimatedDurationFitsTheDeviceBudget) {
  // A GPU session has 10 minutes per command: the full sweep must fit with room for building and validation, and
  // --quick should take about a minute (estimates with an H100's typical ceilings).
  const Ceilings h100 = nominal_h100_ceilings();
  const TimingOptions o;
  double quick = 0, full = 0;
  for (const auto& c : build_sweep(true))
    quick += estimate_call_s(c, h100, o);
  for (const auto& c : build_sweep(false))
    full += estimate_call_s(c, h100, o);
  std::cout << "estimated on an H100: quick " << quick << " s (" << build_sweep(true).size() << " calls), full " << full
            << " s (" << build_sweep(false).size() << " calls)\n";
  EXPECT_LT(quick, 120);
  EXPECT_LT(full, 420);
  EXPECT_LT(quick, full);
}

TEST(CudaCalibrateSweep, CheckShapesAreSmall) {
  for (const auto& k : schema_kernel_names())
    for (const std::string dtype : {"bf16", "fp32"}) {
      const KernelCall c = check_call(k, dtype);
      ASSERT_EQ(c.kernel, k);
      EXPECT_EQ(c.dtype, dtype);
      EXPECT_LE(racksim::workloads::call_flops(c), 1e8) << describe(c) << ": too big for a CPU reference";
      EXPECT_LE(racksim::workloads::call_bytes(c), 64e6) << describe(c);
    }
  EXPECT_TRUE(check_call("no_such_kernel", "bf16").kernel.empty());
}

// ---------------------------------------------------------------------------------------------------------
// Timing helpers (host side)

TEST(CudaCalibrateTiming, InputSetsReachTwiceTheL2) {
  TimingOptions o;
  o.rotate_bytes = 100 * kMiB;
  o.max_input_sets = 256;
  const double free_b = 80 * kGiB;
  EXPECT_EQ(input_sets_for(1 * kMiB, 64 * kMiB, free_b, o), 100);
  EXPECT_EQ(input_sets_for(3 * kMiB, 64 * kMiB, free_b, o), 34); // ceil(100 / 3)
  EXPECT_EQ(input_sets_for(1024, 64 * kMiB, free_b, o), 256);    // capped
  EXPECT_EQ(input_sets_for(200 * kMiB, 64 * kMiB, free_b, o), 1);
  EXPECT_EQ(input_sets_for(80 * kGiB, 64 * kMiB, free_b, o), 0); // does not fit at all
  // Memory-limited: room for 4 sets of 1 GiB in 0.85 x 5 GiB - 64 MiB.
  o.rotate_bytes = 10 * kGiB;
  EXPECT_EQ(input_sets_for(1 * kGiB, 64 * kMiB, 5 * kGiB, o), 4);
}

// ---------------------------------------------------------------------------------------------------------
// Validation (host side)

TEST(CudaCalibrateValidation, ThreeLayerSizesFromSmallToLarge) {
  const auto cases = validation_cases();
  ASSERT_EQ(cases.size(), 3u);
  const std::int64_t hidden[] = {2048, 4096, 8192};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    EXPECT_EQ(c.model.hidden, hidden[i]) << c.label;
    EXPECT_GE(c.model.seq, 2048);
    EXPECT_LE(c.model.seq, 4096);
    EXPECT_GE(c.model.micro_batch, 1);
    EXPECT_LE(c.model.micro_batch, 2);
    EXPECT_EQ(c.model.hidden % c.par.tp, 0);
    EXPECT_EQ(c.model.heads % c.par.tp, 0);
    const auto calls = racksim::workloads::layer_calls(c.model, c.par);
    EXPECT_FALSE(calls.empty()) << c.label;
    bool gemm = false;
    for (const auto& call : calls)
      gemm = gemm || call.kernel == "gemm";
    EXPECT_TRUE(gemm) << c.label << ": a layer without GEMMs";
  }
}

TEST(CudaCalibrateValidation, ReportHasOneParsableRowPerCase) {
  racksim::workloads::CalibrationTable table;
  table.device_text["name"] = "Test GPU";
  table.ceilings["copy_Bps"] = 3e12;
  table.ceilings["bf16_gemm_flops"] = 7e14;
  std::vector<ValidationResult> results(2);
  results[0].label = "1.3B";
  results[0].model = validation_cases()[0].model;
  results[0].measured = summarize({0.010, 0.011, 0.012});
  results[0].predicted_s = 0.0105;
  results[0].error_pct = -4.5;
  results[0].pass = true;
  results[0].gemm_flops = 7e12;
  results[0].gemm_measured_s = 0.0125;
  results[1].label = "70B";
  results[1].model = validation_cases()[2].model;
  results[1].skipped = "does not fit";
  const std::string text = format_validation_report(results, table, "x.h5", "abc", 5);
  std::istringstream in(text);
  std::string line;
  std::size_t columns = 0, rows = 0;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string first, tok;
    ls >> first;
    std::size_t n = 0;
    while (ls >> tok)
      ++n;
    if (first == "columns") columns = n;
    if (first == "row") {
      ++rows;
      EXPECT_EQ(n, columns) << line;
    }
  }
  EXPECT_EQ(rows, 2u);
  EXPECT_NE(text.find("PASS"), std::string::npos);
  EXPECT_NE(text.find("SKIPPED"), std::string::npos);
  EXPECT_NE(text.find("sha256 abc"), std::string::npos);
  const std::string summary = validation_summary(results, 5);
  EXPECT_NE(summary.find("error -4.5% PASS"), std::string::npos) << summary;
  EXPECT_NE(summary.find("560 TFLOP/s"), std::string::npos) << summary;
}

TEST(CudaCalibrateValidation, FallbackPeaksComeFromTheCeilings) {
  racksim::workloads::CalibrationTable table;
  table.ceilings["copy_Bps"] = 3e12;
  table.ceilings["bf16_gemm_flops"] = 7e14;
  const auto p = peaks_from_table(table);
  EXPECT_DOUBLE_EQ(p.hbm_Bps, 3e12);
  EXPECT_DOUBLE_EQ(p.bf16_flops, 7e14);
  EXPECT_DOUBLE_EQ(p.fp8_flops, 1.4e15);
  const auto nominal = peaks_from_table({});
  EXPECT_GT(nominal.bf16_flops, 0);
  EXPECT_GT(nominal.hbm_Bps, 0);
}

// ---------------------------------------------------------------------------------------------------------
// The command line

namespace {

std::filesystem::path calibrate_binary() {
  return std::filesystem::path(RACKSIM_BINARY).parent_path() / "racksim-calibrate";
}

// Exit code of `binary args`, stdout + stderr into *output.
int run_binary(const std::string& args, std::string* output) {
  const auto dir = scratch_dir("cli");
  const auto out_file = dir / "out.txt";
  const std::string cmd = calibrate_binary().string() + " " + args + " > " + out_file.string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream f(out_file);
  std::stringstream ss;
  ss << f.rdbuf();
  *output = ss.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

TEST(CudaCalibrateCli, HelpUsageAndNoGpu) {
  if (!std::filesystem::exists(calibrate_binary()))
    GTEST_SKIP() << calibrate_binary() << " is not built (ninja racksim-calibrate)";
  std::string out;
  EXPECT_EQ(run_binary("--help", &out), 0) << out;
  EXPECT_NE(out.find("--quick"), std::string::npos) << out;
  EXPECT_EQ(run_binary("--quick", &out), 2) << out; // no -o
  EXPECT_NE(out.find("--output"), std::string::npos) << out;
  EXPECT_EQ(run_binary("-o x.h5 --calibration /dev/null", &out), 2) << out; // --calibration without --validate
  EXPECT_EQ(run_binary("-o x.h5 --bogus", &out), 2) << out;
  const std::string missing = gpu_missing();
  if (!missing.empty()) {
    const auto path = scratch_dir("nogpu") / "calib.h5";
    EXPECT_EQ(run_binary("-o " + path.string() + " --quick", &out), 3) << out;
    EXPECT_NE(out.find("no GPU"), std::string::npos) << out;
    EXPECT_FALSE(std::filesystem::exists(path));
  }
}

// ---------------------------------------------------------------------------------------------------------
// On a GPU

TEST(CudaCalibrateGpu, TimesCopyAndShortKernels) {
  if (const auto why = gpu_missing(); !why.empty()) GTEST_SKIP() << "no GPU here: " << why;
  const auto kernels = all_kernels();
  use_device(0);
  TimingOptions o;
  o.rotate_bytes = 2 * l2_cache_bytes();
  KernelCall copy;
  copy.kernel = "copy";
  copy.m = 256 << 20;
  const Timing t = time_call(find_kernel(kernels, "copy"), copy, 1, o, 1);
  EXPECT_EQ(t.method, "single");
  EXPECT_LE(t.stats.p10, t.stats.median);
  EXPECT_LE(t.stats.median, t.stats.p90);
  const double Bps = racksim::workloads::call_bytes(copy) / t.stats.median;
  EXPECT_GT(Bps, 100e9);
  EXPECT_LT(Bps, 20e12);

  KernelCall small = copy;
  small.m = 64 << 10; // a few microseconds: timed as graph replays over many input sets
  const int sets = input_sets_for(racksim::workloads::call_bytes(small), 0, free_device_bytes(), o);
  const Timing s = time_call(find_kernel(kernels, "copy"), small, sets, o, 2);
  EXPECT_NE(s.method, "single");
  EXPECT_GE(s.launches_per_sample, sets);
  EXPECT_EQ(s.launches_per_sample % sets, 0);
  EXPECT_GT(s.stats.median, 0);
  EXPECT_LT(s.stats.median, 50e-6);
  EXPECT_EQ(s.method, "graph") << "capture failed: " << s.capture_error;
}

TEST(CudaCalibrateGpu, QuickCopyRunWritesALoadableFile) {
  if (const auto why = gpu_missing(); !why.empty()) GTEST_SKIP() << "no GPU here: " << why;
  CalibrateOptions opt;
  opt.output = (scratch_dir("run") / "calib.h5").string();
  opt.quick = true;
  opt.kernels = {"copy"};
  opt.command = "calibrate_test";
  opt.timing.repeats = 5;
  SweepSummary summary;
  std::ostringstream log;
  run_calibration(opt, summary, log);
  EXPECT_TRUE(summary.complete) << log.str();
  EXPECT_GT(summary.measured, 0) << log.str();
  const auto table = racksim::workloads::load_calibration(opt.output);
  ASSERT_TRUE(table.kernels.count("copy"));
  EXPECT_EQ(table.provenance_numbers.at("complete"), 1);
  EXPECT_EQ(table.provenance_numbers.at("quick"), 1);
  EXPECT_GT(table.ceilings.at("copy_Bps"), 100e9);
  EXPECT_FALSE(table.device_text.at("name").empty());
  for (const auto& r : table.kernels.at("copy")) {
    EXPECT_GT(r.time_s, 0);
    EXPECT_LE(r.time_p10_s, r.time_s);
    EXPECT_LE(r.time_s, r.time_p90_s);
    EXPECT_NEAR(r.achieved_Bps, r.bytes / r.time_s, 1e-6 * r.achieved_Bps);
  }
}
