// racksim-calibrate: times racksim's real CUDA kernels over a sweep of shapes on this machine's GPU and writes a
// calibration file (docs/calibration-schema.md); --validate compares real transformer layers with the step
// model's prediction from that file (docs/calibration-harness.md).
// Exit codes: 0 success (validation verdicts are in the report, not the exit code), 1 failure (CUDA error, lost
// context, I/O), 2 bad usage, 3 no usable GPU, 4 a kernel failed its correctness check.

#include "cuda/calibrate/sweep.hpp"
#include "cuda/calibrate/validate.hpp"
#include "cuda/device_info.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace racksim::cuda;
using namespace racksim::cuda::calibrate;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
constexpr int exit_no_gpu = 3;
constexpr int exit_check_failed = 4;

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.find_first_of(" \t'\"") != std::string::npos) a = "'" + a + "'";
    out += (i == 0 ? "" : " ") + a;
  }
  return out;
}

// The validation report beside the calibration file.
void write_report(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"racksim-calibrate: time racksim's CUDA kernels on this GPU and write a calibration file "
               "(docs/calibration-harness.md). Exit codes: 0 ok, 1 failure, 2 bad usage, 3 no usable GPU, "
               "4 a kernel failed its check."};
  CalibrateOptions opt;
  bool validate = false, no_check = false;
  std::string calibration;
  app.add_option("-o,--output", opt.output,
                 "Calibration file to write (HDF5, atomically; rewritten after each "
                 "kernel, provenance 'complete' = 1 at the end)");
  app.add_flag("--quick", opt.quick, "Reduced sweep (about a minute on an H100) instead of the full one");
  app.add_option("--kernels", opt.kernels, "Only these kernels (comma-separated canonical names)")->delimiter(',');
  app.add_option("--repeats", opt.timing.repeats, "Timed samples per call (fewer for calls over 1 s in total)")
      ->check(CLI::Range(3, 10000))
      ->capture_default_str();
  app.add_flag("--validate", validate,
               "Then time three real transformer layers and compare with the prediction from the calibration; "
               "report in OUTPUT.validation.txt");
  app.add_option("--calibration", calibration,
                 "With --validate: validate this existing calibration file instead of measuring one")
      ->check(CLI::ExistingFile);
  app.add_flag("--no-check", no_check, "Do not run each kernel's correctness check before timing it");
  app.add_option("--device", opt.device, "CUDA device index")->check(CLI::NonNegativeNumber)->capture_default_str();
  app.add_option("--budget-s", opt.budget_s,
                 "Stop starting new calls after this many seconds; the file is then marked incomplete (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--seed", opt.seed, "Seed of the random inputs")->capture_default_str();
  app.add_flag("-v,--verbose", opt.verbose, "One line per timed call");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }
  opt.check = !no_check;
  opt.command = command_line(argc, argv);
  const int validate_repeats = std::max(opt.timing.repeats, 10);

  // Usage errors first: they need no GPU.
  if (!calibration.empty() && !validate) {
    std::cerr << "racksim-calibrate: --calibration needs --validate\n";
    return exit_usage;
  }
  const bool measure = calibration.empty();
  if (measure && opt.output.empty()) {
    std::cerr << "racksim-calibrate: -o/--output is required (unless --validate --calibration FILE)\n";
    return exit_usage;
  }
  if (!opt.kernels.empty()) {
    try {
      const auto kernels = all_kernels();
      for (const auto& k : opt.kernels)
        (void)find_kernel(kernels, k);
    } catch (const std::invalid_argument& e) {
      std::cerr << "racksim-calibrate: --kernels: " << e.what() << "\n";
      return exit_usage;
    }
  }

  const DeviceQuery q = query_devices();
  if (q.devices.empty()) {
    std::cerr << "racksim-calibrate: no GPU to calibrate: " << q.error << " (CUDA runtime " << q.runtime_version
              << ", driver " << q.driver_version << "). Run it on a machine with an NVIDIA GPU (exit code 3).\n";
    return exit_no_gpu;
  }
  if (opt.device >= static_cast<int>(q.devices.size())) {
    std::cerr << "racksim-calibrate: --device " << opt.device << ": this machine has " << q.devices.size()
              << " CUDA device(s)\n";
    return exit_usage;
  }

  try {
    racksim::workloads::CalibrationTable table;
    std::string table_path;
    if (measure) {
      SweepSummary summary;
      table = run_calibration(opt, summary, std::cout);
      table_path = opt.output;
      std::cout << "wrote " << opt.output << "\n";
    } else {
      table = racksim::workloads::load_calibration(calibration);
      table_path = calibration;
      const auto name = table.device_text.find("name");
      const std::string here = q.devices[static_cast<std::size_t>(opt.device)].name;
      if (name != table.device_text.end() && name->second != here)
        std::cout << "warning: " << calibration << " was measured on " << name->second << ", this device is " << here
                  << "\n";
    }
    if (validate) {
      ValidateOptions vopt;
      vopt.device = opt.device;
      vopt.repeats = validate_repeats;
      vopt.seed = opt.seed ^ 0x5641u;
      const auto results = run_validation(table, vopt, std::cout);
      if (measure) {
        // The summary travels with the file, in its provenance note.
        std::string summary = validation_summary(results, vopt.target_pct);
        std::replace(summary.begin(), summary.end(), '\n', ';');
        table.provenance_text["note"] += " Validation (" + utc_now_iso() + "):" + summary;
        racksim::workloads::write_calibration(opt.output, table);
      }
      const std::string digest = racksim::workloads::sha256_file_hex(table_path);
      const std::string report_path = table_path + ".validation.txt";
      write_report(report_path, format_validation_report(results, table, table_path, digest, vopt.target_pct));
      std::cout << "wrote " << report_path << "\n";
    }
    return exit_ok;
  } catch (const CheckFailed& e) {
    std::cerr << "racksim-calibrate: " << e.what() << "\n";
    return exit_check_failed;
  } catch (const ContextLost& e) {
    std::cerr << "racksim-calibrate: the CUDA context is lost (the file written so far is marked incomplete): "
              << e.what() << "\n";
    return exit_failure;
  } catch (const std::exception& e) {
    std::cerr << "racksim-calibrate: error: " << e.what() << "\n";
    return exit_failure;
  }
}
