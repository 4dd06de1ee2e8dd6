// Writes tests/data/calibration-fixture.h5: a small calibration file with synthetic, H100-like numbers, so the
// calibration tests have a checked-in file to load. NOT a measurement: /provenance@note says so.
//
//   ninja -C build make_calibration_fixture
//   build/tests/unit/calibration/make_calibration_fixture tests/data/calibration-fixture.h5
// then update kFixtureSha256 in calibration_file_test.cpp (sha256sum tests/data/calibration-fixture.h5).
//
// The numbers: achieved rate = ceiling x w / (w + w_half) with H100-SXM-like ceilings (bf16 GEMM 760 TFLOP/s,
// fp8 GEMM 1400 TFLOP/s, attention 450 / 330 TFLOP/s, HBM 2.9 TB/s) — plausible shapes, invented values.
// Deterministic: no clocks, no randomness, so rerunning it reproduces the file byte for byte.

#include "workloads/calibration/calibration.hpp"

#include <cstdint>
#include <exception>
#include <iostream>

using namespace racksim::workloads;

namespace {

void add(CalibrationTable& table, const std::string& kernel, std::int64_t m, std::int64_t n, std::int64_t k,
         std::int64_t batch, const std::string& dtype, double ceiling, double half_work) {
  const KernelCall call{kernel, m, n, k, batch, dtype, 1, ""};
  CalibrationRow row;
  row.m = m;
  row.n = n;
  row.k = k;
  row.batch = batch;
  row.dtype = dtype;
  row.flops = call_flops(call);
  row.bytes = call_bytes(call);
  const double work = compute_bound_kernel(kernel) ? row.flops : row.bytes;
  const double rate = ceiling * work / (work + half_work);
  row.time_s = work / rate;
  row.time_p10_s = 0.98 * row.time_s;
  row.time_p90_s = 1.03 * row.time_s;
  row.achieved_flops = row.flops / row.time_s;
  row.achieved_Bps = row.bytes / row.time_s;
  row.repeats = 50;
  table.kernels[kernel].push_back(row);
}

CalibrationTable fixture() {
  CalibrationTable table;
  table.device_text = {{"name", "NVIDIA H100 80GB HBM3 (synthetic)"},
                       {"pci_bus_id", "00000000:00:00.0"},
                       {"compute_capability", "9.0"},
                       {"driver_version", "synthetic"},
                       {"runtime_version", "synthetic"},
                       {"cublas_version", "synthetic"}};
  table.device_numbers = {{"sm_count", 132},
                          {"memory_bytes", 85520809984.0},
                          {"memory_bus_width_bits", 5120},
                          {"sm_clock_mhz", 1980},
                          {"memory_clock_mhz", 2619}};
  table.provenance_text = {{"racksim_version", "0.1.0"},
                           {"git_sha", "synthetic"},
                           {"command", "make_calibration_fixture tests/data/calibration-fixture.h5"},
                           {"started_utc", "2025-01-01T00:00:00Z"},
                           {"note", "synthetic fixture for tests, not a measurement"}};
  table.provenance_numbers = {{"wall_seconds", 0}, {"quick", 1}, {"warmup", 0}, {"repeats", 50}, {"input_sets", 1}};
  table.ceilings = {{"copy_Bps", 2.9e12}, {"bf16_gemm_flops", 7.6e14}};

  for (std::int64_t size : {512, 1024, 2048, 4096, 8192})
    add(table, "gemm", size, size, size, 0, "bf16", 7.6e14, 2e9);
  add(table, "gemm", 8192, 6144, 4096, 0, "bf16", 7.6e14, 2e9);  // llama3-8b QKV at 8192 tokens
  add(table, "gemm", 8192, 28672, 4096, 0, "bf16", 7.6e14, 2e9); // llama3-8b gate+up
  for (std::int64_t size : {1024, 4096, 8192})
    add(table, "gemm", size, size, size, 0, "fp8", 1.4e15, 4e9);
  for (std::int64_t seq : {512, 1024, 2048, 4096, 8192}) {
    add(table, "attention_fwd", seq, seq, 128, 32, "bf16", 4.5e14, 1e10);
    add(table, "attention_bwd", seq, seq, 128, 32, "bf16", 3.3e14, 1e10);
  }
  for (std::int64_t rows : {1024, 8192, 65536}) {
    add(table, "rmsnorm_fwd", rows, 4096, 0, 0, "bf16", 2.6e12, 4e6);
    add(table, "rmsnorm_bwd", rows, 4096, 0, 0, "bf16", 2.4e12, 4e6);
  }
  for (std::int64_t elements : {1 << 20, 1 << 24, 1 << 28})
    add(table, "swiglu_fwd", elements, 0, 0, 0, "bf16", 2.7e12, 4e6);
  for (std::int64_t params : {1 << 20, 1 << 26, 1 << 30})
    add(table, "adamw", params, 0, 0, 0, "bf16", 2.8e12, 4e6);
  for (std::int64_t bytes : {1 << 20, 1 << 26, 1 << 30})
    add(table, "copy", bytes, 0, 0, 0, "fp32", 2.9e12, 4e6);
  return table;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_calibration_fixture OUT.h5\n";
    return 2;
  }
  try {
    write_calibration(argv[1], fixture());
  } catch (const std::exception& e) {
    std::cerr << "make_calibration_fixture: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
