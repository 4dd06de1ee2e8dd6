// The measured calibration files committed under cuda/calibrations/: each loads, is a complete and checked
// full sweep from a clean tree, matches the digest in its provenance note, covers every kernel the model presets
// launch, and confirms the roofline's GEMM efficiency curve (the measured layer GEMMs take within 10% of the
// roofline's time). docs/calibration.md, "Measured on an H100", has the per-kernel comparison.

#include "platforms/catalog.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/training/step_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace racksim::workloads;

namespace {

std::vector<fs::path> measured_files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(RACKSIM_SOURCE_DIR) / "cuda" / "calibrations"))
    if (e.path().extension() == ".h5") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

RooflineTimer roofline_for(const std::string& gpu_name) {
  const auto& gpu = racksim::platforms::find_gpu(gpu_name);
  GpuPeaks p;
  p.name = gpu.name;
  p.bf16_flops = gpu.peak_bf16_flops;
  p.fp16_flops = gpu.peak_fp16_flops;
  p.fp32_flops = gpu.peak_fp32_flops;
  p.hbm_Bps = gpu.hbm_bandwidth_Bps;
  return RooflineTimer(p);
}

double gemm_time(const std::vector<KernelCall>& calls, const KernelTimer& timer) {
  double t = 0;
  for (const auto& c : calls)
    if (c.kernel == "gemm") t += static_cast<double>(c.count) * timer.time_s(c);
  return t;
}

} // namespace

TEST(CalibrationMeasured, H100FileIsCommitted) {
  EXPECT_TRUE(fs::exists(fs::path(RACKSIM_SOURCE_DIR) / "cuda/calibrations/H100-SXM5-80GB.h5"));
}

TEST(CalibrationMeasured, EveryFileIsACompleteCheckedRunWithItsProvenanceNote) {
  for (const fs::path& file : measured_files()) {
    SCOPED_TRACE(file.string());
    const CalibrationTable t = load_calibration(file.string());
    EXPECT_EQ(t.provenance_numbers.at("complete"), 1);
    EXPECT_EQ(t.provenance_numbers.at("checked"), 1);
    EXPECT_EQ(t.provenance_numbers.at("quick"), 0);
    EXPECT_EQ(t.provenance_text.at("git_sha").find("dirty"), std::string::npos);
    // Named after the catalog GPU (cuda/calibrations/README.md), with the note and validation report beside it.
    const std::string gpu = file.stem().string();
    EXPECT_NO_THROW((void)racksim::platforms::find_gpu(gpu));
    fs::path note = file, report = file;
    note.replace_extension(".md");
    report += ".validation.txt";
    ASSERT_TRUE(fs::exists(note));
    ASSERT_TRUE(fs::exists(report));
    std::stringstream ss;
    ss << std::ifstream(note).rdbuf();
    EXPECT_NE(ss.str().find("sha256: " + t.digest), std::string::npos) << "the note must quote the file's digest";
    std::stringstream rs;
    rs << std::ifstream(report).rdbuf();
    EXPECT_NE(rs.str().find("sha256 " + t.digest), std::string::npos);
    EXPECT_EQ(rs.str().find(" FAIL"), std::string::npos);
  }
}

TEST(CalibrationMeasured, CoversThePresetsAndAgreesWithTheRooflineOnGemms) {
  for (const fs::path& file : measured_files()) {
    SCOPED_TRACE(file.string());
    const RooflineTimer roofline = roofline_for(file.stem().string());
    const CalibratedTimer measured(load_calibration(file.string()), roofline);
    for (const std::string& name : model_names()) {
      SCOPED_TRACE(name);
      const TransformerSpec& model = find_model(name);
      Parallelism par;
      par.tp = model.hidden >= 8192 ? 8 : 1;
      const auto layer = layer_calls(model, par);
      (void)predict_s(iteration_calls(model, par, 1), measured);
      EXPECT_EQ(measured.fallbacks(), 0) << "every kernel and dtype the presets launch has measured rows";
      if (model.hidden < 2048) continue; // the tiny test model's GEMMs are launch-bound: no claim there
      const double g_measured = gemm_time(layer, measured), g_roofline = gemm_time(layer, roofline);
      EXPECT_NEAR(g_measured / g_roofline, 1.0, 0.10) << "measured " << g_measured << " s, roofline " << g_roofline;
    }
  }
}
