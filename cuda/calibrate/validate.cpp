// Validation: real back-to-back transformer layers against the step model's prediction from a calibration table
// (docs/calibration-harness.md, "Validation").

#include "cuda/calibrate/validate.hpp"
#include "cuda/calibrate/sweep.hpp"
#include "cuda/calibrate/timing.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>

namespace racksim::cuda::calibrate {

namespace {

using workloads::CalibrationTable;
using workloads::TransformerSpec;

TransformerSpec spec(const std::string& name, std::int64_t layers, std::int64_t hidden, std::int64_t heads,
                     std::int64_t kv_heads, std::int64_t ffn, std::int64_t seq, std::int64_t vocab,
                     std::int64_t micro_batch, bool swiglu_rmsnorm) {
  TransformerSpec m;
  m.name = name;
  m.layers = layers;
  m.hidden = hidden;
  m.heads = heads;
  m.kv_heads = kv_heads;
  m.ffn = ffn;
  m.seq = seq;
  m.vocab = vocab;
  m.micro_batch = micro_batch;
  m.swiglu = swiglu_rmsnorm;
  m.rmsnorm = swiglu_rmsnorm;
  m.dtype = "bf16";
  return m;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

double ratio_pct(double achieved, double ceiling) {
  return ceiling > 0 ? 100 * achieved / ceiling : 0;
}
double err_pct(double predicted, double measured) {
  return measured > 0 ? 100 * (predicted - measured) / measured : 0;
}

double ceiling_of(const CalibrationTable& t, const char* key) {
  const auto it = t.ceilings.find(key);
  return it == t.ceilings.end() ? 0 : it->second;
}

std::string shape_text(const ValidationResult& r) {
  return "hidden " + std::to_string(r.model.hidden) + ", seq " + std::to_string(r.model.seq) + ", micro_batch " +
         std::to_string(r.model.micro_batch) + ", tp " + std::to_string(r.par.tp);
}

} // namespace

std::vector<ValidationCase> validation_cases() {
  // The step model's presets where they exist (so the simulator and the validation see the same layer), at the
  // sequence length, micro-batch and TP degree given here; the hand-written spec stands in if a preset is renamed.
  auto make = [](const std::string& label, const std::string& preset, TransformerSpec fallback, std::int64_t seq,
                 std::int64_t micro_batch, std::int64_t tp) {
    TransformerSpec m = fallback;
    try {
      m = workloads::find_model(preset);
    } catch (const std::invalid_argument&) {
    }
    m.seq = seq;
    m.micro_batch = micro_batch;
    workloads::Parallelism par;
    par.tp = tp;
    return ValidationCase{label, m, par};
  };
  TransformerSpec gpt = spec("gpt3-1.3b", 24, 2048, 16, 16, 8192, 2048, 50257, 1, false);
  gpt.tied_embeddings = gpt.linear_biases = gpt.learned_positions = true;
  return {
      // GPT-3 XL (1.3B): GELU MLP and LayerNorm; 2 sequences of 2048 tokens on one GPU.
      make("1.3B", "gpt3-1.3b", gpt, 2048, 2, 1),
      // Llama-3-8B: SwiGLU, RMSNorm, grouped-query attention; one sequence of 4096 on one GPU.
      make("8B", "llama3-8b", spec("llama3-8b", 32, 4096, 32, 8, 14336, 8192, 128256, 1, true), 4096, 1, 1),
      // Llama-3-70B on one GPU of a TP-8 group (how it is trained); one sequence of 4096.
      make("70B", "llama3-70b", spec("llama3-70b", 80, 8192, 64, 8, 28672, 8192, 128256, 1, true), 4096, 1, 8),
  };
}

std::vector<workloads::KernelCall> validation_calls() {
  std::vector<workloads::KernelCall> out;
  for (const auto& c : validation_cases())
    for (auto& call : workloads::layer_calls(c.model, c.par))
      out.push_back(call);
  return out;
}

workloads::GpuPeaks peaks_from_table(const CalibrationTable& table) {
  const Ceilings nominal = nominal_h100_ceilings();
  workloads::GpuPeaks p;
  const auto name = table.device_text.find("name");
  p.name = name == table.device_text.end() ? "measured" : name->second;
  const double bf16 = ceiling_of(table, "bf16_gemm_flops");
  p.bf16_flops = bf16 > 0 ? bf16 : nominal.bf16_gemm_flops;
  // H100 SXM datasheet ratios to the dense bf16 rate: fp16 1, tf32 1/2, fp32 (no tensor cores) 67/989, fp8 2.
  p.fp16_flops = p.bf16_flops;
  p.tf32_flops = p.bf16_flops / 2;
  p.fp32_flops = p.bf16_flops * 67.0 / 989.0;
  p.fp8_flops = p.bf16_flops * 2;
  const double copy = ceiling_of(table, "copy_Bps");
  p.hbm_Bps = copy > 0 ? copy : nominal.copy_Bps;
  return p;
}

std::vector<ValidationResult> run_validation(const CalibrationTable& table, const ValidateOptions& opt,
                                             std::ostream& log) {
  const auto kernels = all_kernels();
  use_device(opt.device);
  const workloads::GpuPeaks peaks = peaks_from_table(table);
  const int repeats = std::max(opt.repeats, 10);
  std::vector<ValidationResult> results;
  log << "validation: one transformer layer (fwd + bwd) back to back, median of " << repeats
      << " runs, vs predict_s(CalibratedTimer); target |error| <= " << fmt("%.0f", opt.target_pct) << "%\n";

  for (const auto& vc : validation_cases()) {
    ValidationResult r;
    r.label = vc.label;
    r.model = vc.model;
    r.par = vc.par;
    const std::vector<workloads::KernelCall> calls = workloads::layer_calls(vc.model, vc.par);

    // Prepare every call once (one input set: the layer's own working set is what the real run sees).
    std::vector<std::unique_ptr<Prepared>> prepared;
    std::vector<workloads::KernelCall> included, gemm_calls, memory_calls;
    std::vector<SequenceStep> steps, gemm_steps, memory_steps;
    std::map<std::string, long> left_out;
    for (const auto& call : calls) {
      const Kernel* k = nullptr;
      for (const auto& kk : kernels)
        if (kk->name() == call.kernel) k = kk.get();
      if (k == nullptr) {
        ++left_out["no kernel " + call.kernel];
        continue;
      }
      if (const std::string why = k->unsupported(call); !why.empty()) {
        ++left_out[call.kernel + " unsupported: " + why];
        continue;
      }
      try {
        prepared.push_back(k->prepare(call, 1, opt.seed ^ static_cast<std::uint64_t>(prepared.size())));
      } catch (const CudaError& e) {
        std::string why;
        if (!context_healthy(why)) throw ContextLost("validation " + vc.label + ": " + e.what() + "; " + why);
        r.skipped = "preparing " + describe(call) + " failed: " + e.what();
        break;
      }
      const SequenceStep step{prepared.back().get(), std::max<long>(call.count, 1)};
      steps.push_back(step);
      included.push_back(call);
      r.launches += step.launches;
      if (call.kernel == "gemm" && call.dtype == "bf16") {
        gemm_steps.push_back(step);
        gemm_calls.push_back(call);
        r.gemm_flops += static_cast<double>(step.launches) * workloads::call_flops(call);
      }
      if (!workloads::compute_bound_kernel(call.kernel)) {
        memory_steps.push_back(step);
        memory_calls.push_back(call);
        r.memory_bytes += static_cast<double>(step.launches) * workloads::call_bytes(call);
      }
    }
    r.calls = static_cast<long>(included.size());
    for (const auto& [why, n] : left_out)
      r.notes.push_back(std::to_string(n) + " calls left out of both sides (" + why + ")");
    if (r.skipped.empty() && steps.empty()) r.skipped = "no call of the layer can run here";
    if (!r.skipped.empty()) {
      log << "  " << r.label << ": SKIPPED: " << r.skipped << "\n";
      results.push_back(r);
      continue;
    }

    try {
      r.measured = time_sequence(steps, repeats, opt.warmup_s);
      if (!gemm_steps.empty()) r.gemm_measured_s = time_sequence(gemm_steps, repeats, opt.warmup_s / 2).median;
      if (!memory_steps.empty()) r.memory_measured_s = time_sequence(memory_steps, repeats, opt.warmup_s / 2).median;
    } catch (const CudaError& e) {
      std::string why;
      if (!context_healthy(why)) throw ContextLost("validation " + vc.label + ": " + e.what() + "; " + why);
      r.skipped = std::string("timing failed: ") + e.what();
      log << "  " << r.label << ": SKIPPED: " << r.skipped << "\n";
      results.push_back(r);
      continue;
    }
    prepared.clear();

    const workloads::CalibratedTimer timer(table, workloads::RooflineTimer(peaks));
    r.predicted_s = workloads::predict_s(included, timer);
    r.gemm_predicted_s = workloads::predict_s(gemm_calls, timer);
    r.memory_predicted_s = workloads::predict_s(memory_calls, timer);
    r.fallbacks = timer.fallbacks();
    if (r.fallbacks > 0)
      r.notes.push_back(std::to_string(r.fallbacks) + " predictions from the roofline (kernel/dtype not in the table)");
    r.error_pct = err_pct(r.predicted_s, r.measured.median);
    r.pass = std::fabs(r.error_pct) <= opt.target_pct;
    results.push_back(r);
  }
  log << validation_summary(results, opt.target_pct);
  return results;
}

std::string validation_summary(const std::vector<ValidationResult>& results, double target_pct) {
  std::ostringstream os;
  for (const auto& r : results) {
    os << "  " << r.label << " (" << shape_text(r) << "): ";
    if (!r.skipped.empty()) {
      os << "SKIPPED (" << r.skipped << ")\n";
      continue;
    }
    os << "measured " << fmt("%.3f", r.measured.median * 1e3) << " ms, predicted " << fmt("%.3f", r.predicted_s * 1e3)
       << " ms, error " << fmt("%+.1f", r.error_pct) << "% " << (r.pass ? "PASS" : "FAIL") << " (target "
       << fmt("%.0f", target_pct) << "%)";
    if (r.gemm_measured_s > 0)
      os << "; bf16 GEMMs " << fmt("%.0f", r.gemm_flops / r.gemm_measured_s / 1e12) << " TFLOP/s";
    if (r.memory_measured_s > 0)
      os << "; memory-bound " << fmt("%.0f", r.memory_bytes / r.memory_measured_s / 1e9) << " GB/s";
    os << "\n";
  }
  return os.str();
}

std::string format_validation_report(const std::vector<ValidationResult>& results, const CalibrationTable& table,
                                     const std::string& calibration_path, const std::string& digest,
                                     double target_pct) {
  auto text = [](const std::map<std::string, std::string>& m, const char* key) {
    const auto it = m.find(key);
    return it == m.end() ? std::string("unknown") : it->second;
  };
  const double copy = ceiling_of(table, "copy_Bps");
  const double gemm = ceiling_of(table, "bf16_gemm_flops");
  std::ostringstream os;
  os << "# racksim-calibrate validation report (docs/calibration-harness.md, \"Validation\").\n"
     << "# One transformer layer, forward + backward, as workloads::layer_calls() lists it, launched back to back on\n"
     << "# one stream and timed with CUDA events around the whole layer (median of the runs), against\n"
     << "# workloads::predict_s(calls, CalibratedTimer(calibration)). error_pct = 100 x (predicted - measured) /\n"
     << "# measured; PASS when |error_pct| <= target_error_pct. gemm_*: the layer's bf16 GEMMs alone, back to back;\n"
     << "# memory_*: its memory-bound calls alone; *_pct_of_ceiling: achieved rate / the file's measured ceiling.\n"
     << "calibration " << calibration_path << "\n"
     << "sha256 " << digest << "\n"
     << "device " << text(table.device_text, "name") << "\n"
     << "calibration_git_sha " << text(table.provenance_text, "git_sha") << "\n"
     << "validated_utc " << utc_now_iso() << "\n"
     << "validation_git_sha " << runtime_git_sha() << "\n"
     << "ceiling_copy_GBps " << fmt("%.1f", copy / 1e9) << "\n"
     << "ceiling_bf16_gemm_TFLOPs " << fmt("%.1f", gemm / 1e12) << "\n"
     << "target_error_pct " << fmt("%g", target_pct) << "\n"
     << "columns case hidden heads kv_heads ffn seq micro_batch tp calls launches measured_ms measured_p10_ms "
        "measured_p90_ms runs predicted_ms error_pct verdict fallbacks gemm_TFLOPs gemm_pct_of_ceiling "
        "gemm_error_pct memory_GBps memory_pct_of_ceiling memory_error_pct\n";
  for (const auto& r : results) {
    const auto& m = r.model;
    os << "row " << r.label << " " << m.hidden << " " << m.heads << " " << m.kv_heads << " " << m.ffn << " " << m.seq
       << " " << m.micro_batch << " " << r.par.tp << " " << r.calls << " " << r.launches << " ";
    if (!r.skipped.empty()) {
      os << "nan nan nan 0 nan nan SKIPPED 0 nan nan nan nan nan nan\n";
      continue;
    }
    const double gemm_rate = r.gemm_measured_s > 0 ? r.gemm_flops / r.gemm_measured_s : 0;
    const double mem_rate = r.memory_measured_s > 0 ? r.memory_bytes / r.memory_measured_s : 0;
    os << fmt("%.4f", r.measured.median * 1e3) << " " << fmt("%.4f", r.measured.p10 * 1e3) << " "
       << fmt("%.4f", r.measured.p90 * 1e3) << " " << r.measured.samples << " " << fmt("%.4f", r.predicted_s * 1e3)
       << " " << fmt("%.2f", r.error_pct) << " " << (r.pass ? "PASS" : "FAIL") << " " << r.fallbacks << " "
       << fmt("%.1f", gemm_rate / 1e12) << " " << fmt("%.1f", ratio_pct(gemm_rate, gemm)) << " "
       << fmt("%.2f", err_pct(r.gemm_predicted_s, r.gemm_measured_s)) << " " << fmt("%.1f", mem_rate / 1e9) << " "
       << fmt("%.1f", ratio_pct(mem_rate, copy)) << " "
       << fmt("%.2f", err_pct(r.memory_predicted_s, r.memory_measured_s)) << "\n";
  }
  for (const auto& r : results) {
    if (!r.skipped.empty()) os << "# " << r.label << ": skipped: " << r.skipped << "\n";
    for (const auto& n : r.notes)
      os << "# " << r.label << ": " << n << "\n";
  }
  return os.str();
}

} // namespace racksim::cuda::calibrate
