// The sweep (which calls are measured), its time estimate, and the calibration run that fills and writes a
// CalibrationTable (docs/calibration-harness.md).

#include "cuda/calibrate/sweep.hpp"
#include "cuda/calibrate/validate.hpp"
#include "workloads/training/step_model.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace racksim::cuda::calibrate {

namespace {

using Clock = std::chrono::steady_clock;
using workloads::CalibrationRow;
using workloads::CalibrationTable;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

constexpr std::int64_t operator""_Ki(unsigned long long v) {
  return static_cast<std::int64_t>(v) << 10;
}
constexpr std::int64_t operator""_Mi(unsigned long long v) {
  return static_cast<std::int64_t>(v) << 20;
}
constexpr std::int64_t operator""_Gi(unsigned long long v) {
  return static_cast<std::int64_t>(v) << 30;
}

KernelCall make_call(const std::string& kernel, const std::string& dtype, std::int64_t m, std::int64_t n = 0,
                     std::int64_t k = 0, std::int64_t batch = 0) {
  KernelCall c;
  c.kernel = kernel;
  c.dtype = dtype;
  c.m = m;
  c.n = n;
  c.k = k;
  c.batch = batch;
  return c;
}

// The size axis of the schema's interpolation (FLOPs or bytes); a product of the dimensions if the work formulas
// do not know the kernel, so sorting never throws.
double work_of(const KernelCall& c) {
  try {
    return workloads::compute_bound_kernel(c.kernel) ? workloads::call_flops(c) : workloads::call_bytes(c);
  } catch (const std::exception&) {
    double w = 1;
    for (auto d : {c.m, c.n, c.k, c.batch})
      if (d > 0) w *= static_cast<double>(d);
    return w;
  }
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// "187.3 us", "12.4 ms", "1.52 s"
std::string fmt_time(double s) {
  if (s < 1e-3) return fmt("%.1f us", s * 1e6);
  if (s < 1) return fmt("%.2f ms", s * 1e3);
  return fmt("%.1f s", s);
}

std::string fmt_rate(const KernelCall& c, double time_s) {
  const bool compute = workloads::compute_bound_kernel(c.kernel);
  const double w = compute ? workloads::call_flops(c) : workloads::call_bytes(c);
  return compute ? fmt("%.1f TFLOP/s", w / time_s / 1e12) : fmt("%.0f GB/s", w / time_s / 1e9);
}

} // namespace

const std::vector<std::string>& schema_kernel_names() {
  static const std::vector<std::string> names{
      "gemm",          "attention_fwd", "attention_bwd", "rmsnorm_fwd", "rmsnorm_bwd", "layernorm_fwd",
      "layernorm_bwd", "swiglu_fwd",    "swiglu_bwd",    "gelu_fwd",    "gelu_bwd",    "cross_entropy",
      "embedding_fwd", "embedding_bwd", "adamw",         "softmax_fwd", "copy",        "gemm_tiled"};
  return names;
}

CallKey call_key(const KernelCall& c) {
  return {c.kernel, c.m, c.n, c.k, c.batch, c.dtype};
}

std::string describe(const KernelCall& c) {
  std::ostringstream os;
  os << c.kernel << " " << c.dtype;
  if (c.m != 0) os << " m=" << c.m;
  if (c.n != 0) os << " n=" << c.n;
  if (c.k != 0) os << " k=" << c.k;
  if (c.batch != 0) os << " batch=" << c.batch;
  return os.str();
}

std::vector<KernelCall> dedupe(const std::vector<KernelCall>& calls) {
  std::map<CallKey, KernelCall> unique;
  for (const auto& c : calls) {
    KernelCall d = c;
    d.count = 1;
    d.phase.clear();
    unique.emplace(call_key(d), d);
  }
  std::vector<KernelCall> out;
  out.reserve(unique.size());
  for (auto& [key, c] : unique)
    out.push_back(c);
  std::stable_sort(out.begin(), out.end(), [](const KernelCall& a, const KernelCall& b) {
    if (a.kernel != b.kernel) return a.kernel < b.kernel;
    if (a.dtype != b.dtype) return a.dtype < b.dtype;
    return work_of(a) < work_of(b);
  });
  return out;
}

std::vector<KernelCall> generic_calls(bool quick) {
  std::vector<KernelCall> out;
  auto add = [&](const std::string& kernel, const std::string& dtype, std::int64_t m, std::int64_t n = 0,
                 std::int64_t k = 0,
                 std::int64_t batch = 0) { out.push_back(make_call(kernel, dtype, m, n, k, batch)); };
  using V = std::vector<std::int64_t>;

  // GEMM (cuBLASLt): squares from launch-bound to compute-bound, and transformer-like non-square shapes,
  // including dimensions that are not powers of two (and a vocabulary projection that is not a multiple of 8).
  const V squares = quick ? V{256, 1024, 4096, 8192} : V{128, 256, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192};
  for (auto s : squares)
    add("gemm", "bf16", s, s, s);
  add("gemm", "bf16", 3000, 3000, 3000);
  if (!quick) {
    const std::array<std::array<std::int64_t, 3>, 7> shapes{{{1000, 1000, 1000},
                                                             {2048, 5120, 1280},
                                                             {8192, 1024, 8192},
                                                             {16384, 4096, 1024},
                                                             {4096, 11008, 4096},
                                                             {4096, 4096, 11008},
                                                             {2048, 50257, 2048}}};
    for (const auto& s : shapes)
      add("gemm", "bf16", s[0], s[1], s[2]);
  }
  for (const std::string dtype : {"fp16", "tf32", "fp32", "fp8"}) {
    const V sizes = quick ? (dtype == "fp32" ? V{1024} : V{1024, 4096}) : V{256, 1024, 2048, 4096, 8192};
    for (auto s : sizes)
      add("gemm", dtype, s, s, s);
    if (!quick && dtype != "fp32") add("gemm", dtype, 4096, 11008, 4096);
  }
  // Own tiled GEMM: slower than cuBLASLt, so up to 4096 only.
  for (const std::string dtype : {"bf16", "fp32"}) {
    if (quick && dtype != "bf16") continue;
    for (auto s : quick ? V{256, 1024, 2048} : V{128, 256, 512, 1000, 1024, 2048, 3000, 4096})
      add("gemm_tiled", dtype, s, s, s);
  }

  // Attention (causal): sequence length x head dimension, batch x heads keeping the work in a useful range.
  for (const std::string kernel : {"attention_fwd", "attention_bwd"}) {
    for (const std::string dtype : {"bf16", "fp16"}) {
      if (quick && dtype != "bf16") continue;
      const V heads_dims = (quick || dtype != "bf16") ? V{128} : V{64, 128};
      const V seqs = (quick || dtype != "bf16") ? V{512, 2048, 8192} : V{256, 512, 1024, 2048, 4096, 8192};
      for (auto d : heads_dims)
        for (auto s : seqs)
          add(kernel, dtype, s, s, d, std::max<std::int64_t>(1, 65536 / s));
      if (!quick && dtype == "bf16") {
        add(kernel, dtype, 1000, 1000, 128, 24);
        add(kernel, dtype, 3000, 3000, 128, 24);
        add(kernel, dtype, 2048, 2048, 128, 1); // one head of one sequence: far from filling the GPU
      }
    }
  }

  // Row-wise normalizations: rows (tokens) x hidden size.
  for (const std::string kernel : {"rmsnorm_fwd", "rmsnorm_bwd", "layernorm_fwd", "layernorm_bwd"}) {
    for (const std::string dtype : {"bf16", "fp32"}) {
      if (quick && dtype != "bf16") continue;
      const V rows = quick ? V{2048, 16384} : (dtype == "bf16" ? V{256, 2048, 16384} : V{2048, 16384});
      const V cols =
          quick ? V{1024, 8192} : (dtype == "bf16" ? V{768, 1024, 2048, 4096, 5120, 8192, 12288} : V{1024, 4096, 8192});
      for (auto r : rows)
        for (auto c : cols)
          add(kernel, dtype, r, c);
    }
  }
  // Softmax: attention-like rows and vocabulary-wide rows.
  for (auto r : quick ? V{2048} : V{256, 2048, 8192})
    for (auto c : quick ? V{1024, 32000} : V{1024, 4096, 32000, 50257})
      add("softmax_fwd", "bf16", r, c);
  if (!quick)
    for (auto c : V{1024, 32000})
      add("softmax_fwd", "fp32", 2048, c);

  // Elementwise activations: element counts from launch-bound to 512 MiB of bf16.
  const V elements = quick ? V{1 << 18, 1 << 22, 1 << 26} : V{1 << 16, 1 << 18, 1000003,  1 << 20, 1 << 22,
                                                              3 << 22, 1 << 24, 50000000, 1 << 26, 1 << 28};
  for (const std::string kernel : {"swiglu_fwd", "swiglu_bwd", "gelu_fwd", "gelu_bwd"}) {
    for (auto m : elements)
      add(kernel, "bf16", m);
    if (!quick)
      for (auto m : V{1 << 18, 1 << 22, 1 << 26})
        add(kernel, "fp32", m);
  }

  // AdamW over parameter counts up to 1e9 (the step model's optimizer calls add the real ones).
  for (auto m : quick ? V{1 << 20, 1 << 24, 1 << 26}
                      : V{1 << 16, 1 << 20, 10000000, 1 << 24, 1 << 26, 100000000, 1 << 28, 1000000000})
    add("adamw", "bf16", m);
  if (!quick)
    for (auto m : V{1 << 20, 1 << 24, 1 << 28})
      add("adamw", "fp32", m);

  // Embedding: tokens x hidden, from a GPT-2-sized vocabulary (the table's size does not enter the work).
  for (const std::string kernel : {"embedding_fwd", "embedding_bwd"}) {
    for (auto t : quick ? V{2048, 8192} : V{512, 2048, 8192, 32768})
      for (auto h : quick ? V{4096} : V{1024, 4096, 8192})
        add(kernel, "bf16", t, h, 50304);
    if (!quick) add(kernel, "bf16", 4096, 4096, 128256);
  }

  // Cross-entropy (fused forward + gradient): tokens x vocabulary.
  if (quick) {
    add("cross_entropy", "bf16", 2048, 50257);
    add("cross_entropy", "bf16", 8192, 128256);
  } else {
    for (auto t : V{512, 2048, 8192})
      for (auto v : V{32000, 50257, 128256})
        add("cross_entropy", "bf16", t, v);
    add("cross_entropy", "fp32", 2048, 32000);
  }

  // Device-to-device copy, m = bytes.
  for (auto b :
       quick ? V{1_Mi, 64_Mi, 1_Gi} : V{4_Ki, 64_Ki, 1_Mi, 3000000, 16_Mi, 64_Mi, 100000000, 256_Mi, 1_Gi, 4_Gi})
    add("copy", "bf16", b);
  return out;
}

std::vector<KernelCall> model_calls(bool quick) {
  const std::vector<std::int64_t> tps = quick ? std::vector<std::int64_t>{1, 8} : std::vector<std::int64_t>{1, 2, 4, 8};
  const std::int64_t max_micro_batch = quick ? 1 : 4;
  std::vector<KernelCall> out;
  for (const auto& name : workloads::model_names()) {
    const workloads::TransformerSpec& preset = workloads::find_model(name);
    for (std::int64_t tp : tps) {
      for (std::int64_t mb = 1; mb <= max_micro_batch; ++mb) {
        workloads::TransformerSpec model = preset;
        model.micro_batch = mb;
        workloads::Parallelism par;
        par.tp = tp;
        try {
          for (auto& c : workloads::layer_calls(model, par))
            out.push_back(c);
          for (auto& c : workloads::iteration_calls(model, par, 1))
            out.push_back(c);
        } catch (const std::invalid_argument&) {
          // the step model rejects this combination (e.g. more TP ranks than heads): nothing to measure
        }
      }
    }
  }
  return dedupe(out);
}

std::vector<KernelCall> build_sweep(bool quick) {
  std::vector<KernelCall> all = generic_calls(quick);
  for (auto& c : model_calls(quick))
    all.push_back(c);
  for (auto& c : validation_calls())
    all.push_back(c);
  return dedupe(all);
}

KernelCall check_call(const std::string& kernel, const std::string& dtype) {
  // Small enough for a CPU float64 reference, not powers of two where the kernel allows it; GEMM dimensions are
  // multiples of 16 so that fp8 (cuBLASLt's alignment rule) is checked too.
  if (kernel == "gemm" || kernel == "gemm_tiled") return make_call(kernel, dtype, 160, 96, 144);
  if (kernel == "attention_fwd" || kernel == "attention_bwd") return make_call(kernel, dtype, 192, 192, 64, 3);
  if (kernel.ends_with("norm_fwd") || kernel.ends_with("norm_bwd") || kernel == "softmax_fwd")
    return make_call(kernel, dtype, 64, 1000);
  if (kernel.starts_with("gelu") || kernel.starts_with("swiglu") || kernel == "adamw")
    return make_call(kernel, dtype, 10000);
  if (kernel.starts_with("embedding")) return make_call(kernel, dtype, 64, 128, 1000);
  if (kernel == "cross_entropy") return make_call(kernel, dtype, 32, 1000);
  if (kernel == "copy") return make_call(kernel, dtype, 1_Mi);
  return make_call("", dtype, 0); // unknown kernel: the caller checks at its smallest sweep shape
}

double extra_footprint_bytes(const KernelCall& c) {
  double extra = 64 * kMiB; // cuBLASLt workspace, allocator rounding, reductions' scratch
  if (c.kernel.starts_with("embedding")) {
    const double table = static_cast<double>(c.k) * static_cast<double>(c.n);
    extra += table * workloads::dtype_bytes(c.dtype);
    if (c.kernel == "embedding_bwd") extra += table * 4; // fp32 gradient table
  }
  return extra;
}

Ceilings nominal_h100_ceilings() {
  Ceilings c;
  c.copy_Bps = 2.9e12;        // H100 SXM5 80 GB: ~87% of the 3.35 TB/s datasheet
  c.bf16_gemm_flops = 700e12; // ~70% of the 989 TFLOP/s dense datasheet
  return c;
}

double estimate_launch_s(const KernelCall& c, const Ceilings& ceil) {
  double flops = 0, bytes = 0;
  try {
    flops = workloads::call_flops(c);
    bytes = workloads::call_bytes(c);
  } catch (const std::exception&) {
    return 1e-3;
  }
  // Rate as a share of the bf16 GEMM ceiling; 0: not compute-limited. racksim's own tiled GEMM and attention
  // compute with scalar fp32 FMAs (no tensor cores): a fraction of the H100's ~67 TFLOP/s fp32 peak.
  double rate_factor = 0;
  if (c.kernel == "gemm") {
    rate_factor = c.dtype == "fp8" ? 1.5 : c.dtype == "tf32" ? 0.4 : c.dtype == "fp32" ? 0.07 : 0.85;
  } else if (c.kernel == "gemm_tiled") {
    rate_factor = 0.02;
  } else if (c.kernel.starts_with("attention")) {
    rate_factor = 0.03;
  }
  const double compute = rate_factor > 0 ? flops / (rate_factor * ceil.bf16_gemm_flops) : 0;
  const double memory = bytes / (0.8 * ceil.copy_Bps);
  return std::max(compute, memory) + 4e-6;
}

double estimate_call_s(const KernelCall& c, const Ceilings& ceil, const TimingOptions& o) {
  const double t = estimate_launch_s(c, ceil);
  double set_bytes = 0;
  try {
    set_bytes = workloads::call_bytes(c);
  } catch (const std::exception&) {
    set_bytes = 1 * kMiB;
  }
  const int sets = input_sets_for(set_bytes, extra_footprint_bytes(c), 79e9, o);
  if (sets == 0) return 0.001; // skipped: does not fit
  const double prepare = 3e-3 + sets * 30e-6 + sets * set_bytes / 1e12;
  const double warm = std::max(o.warmup_s, o.min_warmup_launches * t) + 2e-3;
  double timed = 0;
  if (t >= o.graph_below_s) {
    timed = std::max(std::min(o.repeats * t, o.max_timed_s_per_call), o.min_repeats * t);
  } else {
    double g = std::clamp(std::ceil(o.graph_sample_s / t), 1.0, static_cast<double>(o.max_graph_launches));
    g = std::max(g, static_cast<double>(sets));
    timed = std::min((o.repeats + 1) * g * t, o.max_timed_s_per_call) + g * 5e-6; // + capture on the host
  }
  return prepare + warm + timed + 1e-3;
}

std::string utc_now_iso() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

// stdout of a shell command, trailing newline removed; empty when it fails.
std::string capture_output(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p) != nullptr)
    out += buf;
  if (pclose(p) != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char ch : s)
    q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

} // namespace

std::string runtime_git_sha() {
  if (const char* env = std::getenv("RACKSIM_GIT_SHA"); env != nullptr && *env != '\0') return env;
  std::vector<std::string> dirs;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path().string());
  dirs.push_back(std::filesystem::current_path(ec).string());
  for (const auto& dir : dirs) {
    const std::string git = "git -C " + shell_quote(dir);
    const std::string sha = capture_output(git + " rev-parse --short=12 HEAD 2>/dev/null");
    if (sha.empty()) continue;
    const std::string dirty = capture_output(git + " status --porcelain --untracked-files=no 2>/dev/null");
    return dirty.empty() ? sha : sha + "-dirty";
  }
  return "unknown";
}

namespace {

std::string racksim_version() {
#ifdef RACKSIM_VERSION
  return RACKSIM_VERSION;
#else
  if (const char* env = std::getenv("RACKSIM_VERSION"); env != nullptr && *env != '\0') return env;
  return "unknown";
#endif
}

// The part of a run every kernel shares.
struct Run {
  const CalibrateOptions& opt;
  SweepSummary& sum;
  std::ostream& log;
  TimingOptions timing;
  CalibrationTable table;
  Clock::time_point t0 = Clock::now();
  std::vector<std::string> notes;
  Clock::time_point last_write = Clock::now();

  std::uint64_t seed_for(const KernelCall& c) const { return opt.seed ^ fnv1a(describe(c)); }

  void checkpoint(bool complete, const std::string& extra_note = "") {
    table.provenance_numbers["complete"] = complete ? 1 : 0;
    table.provenance_numbers["wall_seconds"] = seconds_since(t0);
    std::string note =
        "timing: CUDA events, median of the samples; launches under " + fmt("%.0f", timing.graph_below_s * 1e6) +
        " us timed as CUDA-graph replays of many launches (replay time / launches); input sets rotated up to " +
        fmt("%.0f", timing.rotate_bytes / kMiB) + " MiB (2 x L2), at most " + std::to_string(timing.max_input_sets) +
        " sets; warm-up >= " + fmt("%.0f", timing.warmup_s * 1e3) + " ms of GPU time per call.";
    for (const auto& n : notes)
      note += " " + n;
    if (!complete) note += " INCOMPLETE: the run stopped before every planned call was attempted.";
    if (!extra_note.empty()) note += " " + extra_note;
    table.provenance_text["note"] = note;
    if (!opt.output.empty()) workloads::write_calibration(opt.output, table);
    last_write = Clock::now();
  }

  // Runs kernel.check() at a small shape of `dtype`; throws CheckFailed when it fails.
  void check(const Kernel& kernel, const std::string& dtype, const std::vector<KernelCall>& calls) {
    KernelCall cc = check_call(kernel.name(), dtype);
    if (cc.kernel.empty() || !kernel.unsupported(cc).empty()) {
      // No small shape known (or it is unsupported): the smallest supported sweep shape of this dtype.
      cc.kernel.clear();
      for (const auto& c : calls)
        if (c.dtype == dtype && kernel.unsupported(c).empty()) {
          cc = c;
          break;
        }
      if (cc.kernel.empty()) return; // nothing of this dtype runs here; the calls are skipped as unsupported
    }
    CheckResult r;
    try {
      r = kernel.check(cc, seed_for(cc) ^ 0xC0FFEEull);
    } catch (const CudaError& e) {
      std::string why;
      if (!context_healthy(why)) throw ContextLost("check of " + describe(cc) + ": " + e.what() + "; " + why);
      throw CheckFailed("kernel " + kernel.name() + " (" + dtype + ") failed its check at " + describe(cc) + ": " +
                        e.what());
    }
    log << "    check " << describe(cc) << ": rel_error " << fmt("%.2e", r.rel_error) << " (bound "
        << fmt("%.0e", r.bound) << ")" << (r.ok() ? " ok" : " FAILED") << "\n";
    if (!r.ok())
      throw CheckFailed("kernel " + kernel.name() + " (" + dtype + ") failed its check at " + describe(cc) +
                        ": rel_error " + fmt("%.3e", r.rel_error) + " (bound " + fmt("%.0e", r.bound) + ")" +
                        (r.all_written ? "" : ", outputs not fully written") + (r.finite ? "" : ", NaN/Inf") +
                        (r.detail.empty() ? "" : "; " + r.detail) +
                        ". Refusing to calibrate a wrong kernel (--no-check overrides).");
  }

  // Times one call; nullopt-like false when it was skipped (counted and noted).
  bool measure(const Kernel& kernel, const KernelCall& call, Timing& t, std::map<std::string, long>& skip_reasons) {
    if (const std::string why = kernel.unsupported(call); !why.empty()) {
      ++sum.unsupported;
      ++skip_reasons["unsupported: " + why];
      return false;
    }
    const int sets = input_sets_for(kernel.bytes(call), extra_footprint_bytes(call), free_device_bytes(), timing);
    if (sets == 0) {
      ++sum.too_big;
      ++skip_reasons["does not fit in free memory"];
      return false;
    }
    try {
      t = time_call(kernel, call, sets, timing, seed_for(call));
      return true;
    } catch (const CudaError& e) {
      std::string why;
      if (!context_healthy(why)) throw ContextLost(describe(call) + ": " + e.what() + "; context lost: " + why);
      const std::string msg = e.what();
      if (msg.find("cudaErrorMemoryAllocation") != std::string::npos ||
          msg.find("CUBLAS_STATUS_ALLOC_FAILED") != std::string::npos) {
        ++sum.too_big;
        ++skip_reasons["out of memory"];
      } else {
        ++sum.failed;
        ++skip_reasons["failed"];
        notes.push_back("failed: " + describe(call) + ": " + msg + ".");
        log << "    FAILED " << describe(call) << ": " << msg << "\n";
      }
      return false;
    } catch (const std::exception& e) { // a kernel refusing a shape it did not call unsupported()
      ++sum.failed;
      ++skip_reasons["failed"];
      notes.push_back("failed: " + describe(call) + ": " + e.what() + ".");
      log << "    FAILED " << describe(call) << ": " << e.what() << "\n";
      return false;
    }
  }
};

void add_row(CalibrationTable& table, const KernelCall& call, const Timing& t) {
  CalibrationRow row;
  row.m = call.m;
  row.n = call.n;
  row.k = call.k;
  row.batch = call.batch;
  row.dtype = call.dtype;
  row.time_s = t.stats.median;
  row.time_p10_s = t.stats.p10;
  row.time_p90_s = t.stats.p90;
  row.flops = workloads::call_flops(call);
  row.bytes = workloads::call_bytes(call);
  row.achieved_flops = row.flops / row.time_s;
  row.achieved_Bps = row.bytes / row.time_s;
  row.repeats = t.stats.samples;
  table.kernels[call.kernel].push_back(row);
}

} // namespace

workloads::CalibrationTable run_calibration(const CalibrateOptions& opt, SweepSummary& sum, std::ostream& log) {
  Run run{opt, sum, log, opt.timing, {}, Clock::now(), {}, Clock::now()};
  const auto kernels = all_kernels();

  // The kernels to time, in schema order (unknown names last).
  std::vector<const Kernel*> selected;
  if (opt.kernels.empty()) {
    for (const auto& k : kernels)
      selected.push_back(k.get());
  } else {
    for (const auto& name : opt.kernels)
      selected.push_back(&find_kernel(kernels, name));
  }
  const auto& order = schema_kernel_names();
  auto rank = [&](const Kernel* k) {
    return static_cast<std::size_t>(std::find(order.begin(), order.end(), k->name()) - order.begin());
  };
  std::stable_sort(selected.begin(), selected.end(), [&](const Kernel* a, const Kernel* b) {
    return rank(a) != rank(b) ? rank(a) < rank(b) : a->name() < b->name();
  });
  selected.erase(std::unique(selected.begin(), selected.end()), selected.end());

  use_device(opt.device);
  const double l2 = l2_cache_bytes();
  if (l2 > 0) run.timing.rotate_bytes = 2 * l2;
  CalibrationTable& table = run.table;
  fill_device_facts(table, opt.device);
  table.provenance_text["racksim_version"] = racksim_version();
  table.provenance_text["git_sha"] = runtime_git_sha();
  table.provenance_text["command"] = opt.command;
  table.provenance_text["started_utc"] = utc_now_iso();
  table.provenance_numbers["quick"] = opt.quick ? 1 : 0;
  table.provenance_numbers["warmup"] = run.timing.warmup_s; // seconds of GPU time per call, at least
  table.provenance_numbers["repeats"] = run.timing.repeats;
  table.provenance_numbers["input_sets"] = run.timing.max_input_sets; // at most; fewer when 1 set fills rotate_bytes
  table.provenance_numbers["rotate_bytes"] = run.timing.rotate_bytes;
  table.provenance_numbers["seed"] = static_cast<double>(opt.seed);
  table.provenance_numbers["checked"] = opt.check ? 1 : 0;
  if (!opt.check) run.notes.push_back("Kernel checks were skipped (--no-check).");

  log << "device " << opt.device << ": " << table.device_text["name"] << " (sm_"
      << table.device_text["compute_capability"] << ", " << table.device_numbers["sm_count"] << " SMs, "
      << fmt("%.1f", free_device_bytes() / kGiB) << " GiB free, L2 " << fmt("%.0f", l2 / kMiB)
      << " MiB: input sets rotated up to " << fmt("%.0f", run.timing.rotate_bytes / kMiB) << " MiB), driver "
      << table.device_numbers["driver_version"] << ", cuBLASLt " << table.device_numbers["cublas_version"] << "\n";

  // The sweep, grouped by kernel.
  const std::vector<KernelCall> sweep = build_sweep(opt.quick);
  std::map<std::string, std::vector<KernelCall>> by_kernel;
  for (const auto& c : sweep)
    by_kernel[c.kernel].push_back(c);
  if (opt.kernels.empty())
    for (const auto& [name, calls] : by_kernel) {
      const bool known = std::any_of(kernels.begin(), kernels.end(), [&](const auto& k) { return k->name() == name; });
      if (!known) {
        run.notes.push_back("No kernel named " + name + ": its " + std::to_string(calls.size()) +
                            " sweep calls were not measured.");
        log << "warning: no kernel named " << name << " in all_kernels(): " << calls.size()
            << " sweep calls not measured\n";
      }
    }

  // Ceilings first: they scale the estimate, and every later number is read against them.
  std::set<std::pair<std::string, std::string>> checked; // (kernel, dtype)
  Ceilings ceilings;
  bool ceilings_measured = true;
  auto ceiling = [&](const std::string& name, const KernelCall& call, double work) -> double {
    const Kernel* k = nullptr;
    for (const auto& kk : kernels)
      if (kk->name() == name) k = kk.get();
    if (k == nullptr || !k->unsupported(call).empty()) {
      run.notes.push_back("Ceiling " + name + " not measured (no such kernel, or unsupported).");
      ceilings_measured = false;
      return 0;
    }
    if (opt.check && checked.insert({name, call.dtype}).second) run.check(*k, call.dtype, by_kernel[name]);
    TimingOptions t = run.timing;
    t.repeats = std::max(t.repeats, 30);
    try {
      const Timing timing = time_call(*k, call, 1, t, run.seed_for(call));
      return work / timing.stats.median;
    } catch (const CudaError& e) {
      std::string why;
      if (!context_healthy(why)) throw ContextLost("ceiling " + describe(call) + ": " + e.what() + "; " + why);
      run.notes.push_back("Ceiling " + describe(call) + " failed: " + e.what() + ".");
      log << "    FAILED " << describe(call) << ": " << e.what() << "\n";
      ceilings_measured = false;
      return 0;
    }
  };
  {
    const std::int64_t copy_bytes = std::max<std::int64_t>(
        64_Mi, std::min<std::int64_t>(1_Gi, static_cast<std::int64_t>(free_device_bytes() / 4) / 1_Mi * 1_Mi));
    const KernelCall copy = make_call("copy", "bf16", copy_bytes);
    const KernelCall gemm = make_call("gemm", "bf16", 8192, 8192, 8192);
    log << "ceilings:\n";
    ceilings.copy_Bps = ceiling("copy", copy, workloads::call_bytes(copy));
    ceilings.bf16_gemm_flops = ceiling("gemm", gemm, workloads::call_flops(gemm));
    if (ceilings.copy_Bps > 0) table.ceilings["copy_Bps"] = ceilings.copy_Bps;
    if (ceilings.bf16_gemm_flops > 0) table.ceilings["bf16_gemm_flops"] = ceilings.bf16_gemm_flops;
    log << "    copy " << fmt("%.0f", copy_bytes / kMiB) << " MiB: " << fmt("%.0f", ceilings.copy_Bps / 1e9)
        << " GB/s (read + write); bf16 GEMM 8192^3: " << fmt("%.1f", ceilings.bf16_gemm_flops / 1e12) << " TFLOP/s\n";
  }
  const Ceilings nominal = nominal_h100_ceilings();
  Ceilings est_ceilings = ceilings;
  if (est_ceilings.copy_Bps <= 0) est_ceilings.copy_Bps = nominal.copy_Bps;
  if (est_ceilings.bf16_gemm_flops <= 0) est_ceilings.bf16_gemm_flops = nominal.bf16_gemm_flops;

  // Estimate.
  double total_est = 0;
  std::size_t total_calls = 0;
  std::map<std::string, double> est;
  for (const Kernel* k : selected) {
    for (const auto& c : by_kernel[k->name()])
      est[k->name()] += estimate_call_s(c, est_ceilings, run.timing);
    total_est += est[k->name()];
    total_calls += by_kernel[k->name()].size();
  }
  sum.planned = static_cast<long>(total_calls);
  log << "sweep" << (opt.quick ? " (quick)" : "") << ": " << total_calls << " calls over " << selected.size()
      << " kernels, estimated " << fmt("%.0f", total_est) << " s"
      << (ceilings_measured ? "" : " (from nominal H100 ceilings)")
      << (opt.budget_s > 0 ? ", budget " + fmt("%.0f", opt.budget_s) + " s" : "") << "\n";
  run.checkpoint(false);

  // Kernel by kernel. With a budget, each kernel may use the share of the time left that its estimate is of the
  // estimates left (what one kernel saves, the next ones get), so a slow kernel loses its largest calls rather
  // than starving every kernel after it.
  bool over_budget = false;
  std::size_t index = 0;
  double est_remaining = total_est;
  for (const Kernel* k : selected) {
    ++index;
    const std::string name = k->name();
    const auto& calls = by_kernel[name];
    const auto tk = Clock::now();
    double allowance_s = std::numeric_limits<double>::infinity();
    if (opt.budget_s > 0) {
      const double left = std::max(opt.budget_s - seconds_since(run.t0), 0.0);
      allowance_s = est_remaining > 0 ? left * est[name] / est_remaining : left;
    }
    est_remaining -= est[name];
    std::set<std::string> dtypes;
    for (const auto& c : calls)
      dtypes.insert(c.dtype);
    std::string dtype_list;
    for (const auto& d : dtypes)
      dtype_list += (dtype_list.empty() ? "" : ",") + d;
    log << "[" << index << "/" << selected.size() << "] " << name << ": " << calls.size() << " calls (" << dtype_list
        << "), estimated " << fmt("%.1f", est[name]) << " s, " << fmt("%.0f", seconds_since(run.t0)) << " s elapsed\n";
    if (calls.empty()) {
      run.notes.push_back("Kernel " + name + " has no sweep shapes.");
      continue;
    }
    const long before_measured = sum.measured;
    std::map<std::string, long> skip_reasons;
    try {
      if (opt.check)
        for (const auto& d : dtypes)
          if (checked.insert({name, d}).second) run.check(*k, d, calls);
      for (const auto& call : calls) {
        if (opt.budget_s > 0 && (seconds_since(run.t0) > opt.budget_s || seconds_since(tk) > allowance_s)) {
          over_budget = true;
          ++sum.over_budget;
          ++skip_reasons["over the time budget"];
          continue;
        }
        if (seconds_since(run.last_write) > 30) run.checkpoint(false); // a run killed mid-kernel keeps its rows
        Timing t;
        if (!run.measure(*k, call, t, skip_reasons)) continue;
        if (!(t.stats.median > 0) || !std::isfinite(t.stats.median)) { // the file rejects such a row
          ++sum.failed;
          ++skip_reasons["failed"];
          run.notes.push_back("failed: " + describe(call) + ": median time " + fmt("%g", t.stats.median) + ".");
          continue;
        }
        add_row(table, call, t);
        ++sum.measured;
        if (opt.verbose)
          log << "    " << describe(call) << ": " << fmt_time(t.stats.median) << " (p10 " << fmt_time(t.stats.p10)
              << ", p90 " << fmt_time(t.stats.p90) << ") " << fmt_rate(call, t.stats.median) << ", " << t.stats.samples
              << " samples x " << t.launches_per_sample << " (" << t.method << "), " << t.input_sets << " sets"
              << (t.capture_error.empty() ? "" : ", capture failed: " + t.capture_error) << "\n";
      }
    } catch (const ContextLost& e) {
      run.checkpoint(false, std::string("ABORTED: ") + e.what());
      throw;
    }
    std::string skipped;
    for (const auto& [why, n] : skip_reasons)
      skipped += "; " + std::to_string(n) + " " + why;
    if (!skip_reasons.empty()) run.notes.push_back(name + " skipped" + skipped.substr(1) + ".");
    log << "    " << (sum.measured - before_measured) << " measured" << skipped << "; "
        << fmt("%.1f", seconds_since(tk)) << " s\n";
    run.checkpoint(false);
  }
  sum.complete = !over_budget;
  sum.wall_s = seconds_since(run.t0);
  sum.notes = run.notes;
  run.checkpoint(sum.complete);

  // Short table last.
  log << "\n"
      << std::left << std::setw(16) << "kernel" << std::right << std::setw(6) << "rows" << std::setw(26)
      << "best achieved"
      << "\n";
  for (const auto& [name, rows] : table.kernels) {
    const bool compute = workloads::compute_bound_kernel(name);
    double best = 0;
    for (const auto& r : rows)
      best = std::max(best, compute ? r.achieved_flops : r.achieved_Bps);
    log << std::left << std::setw(16) << name << std::right << std::setw(6) << rows.size() << std::setw(26)
        << (compute ? fmt("%.1f TFLOP/s", best / 1e12) : fmt("%.0f GB/s", best / 1e9)) << "\n";
  }
  log << "measured " << sum.measured << " of " << sum.planned << " calls (" << sum.unsupported << " unsupported, "
      << sum.too_big << " too big, " << sum.failed << " failed, " << sum.over_budget << " over budget) in "
      << fmt("%.0f", sum.wall_s) << " s" << (sum.complete ? "" : ": INCOMPLETE") << "\n";
  return table;
}

} // namespace racksim::cuda::calibrate
