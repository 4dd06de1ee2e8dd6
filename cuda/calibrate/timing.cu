// Timing of one KernelCall with CUDA events (docs/calibration-harness.md, "Timing method"), back-to-back timing
// of a sequence of calls (validation), and the /device facts of a calibration file.

#include "cuda/calibrate/timing.hpp"
#include "cuda/device_info.hpp"
#include "cuda/kernels/common.cuh"

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace racksim::cuda::calibrate {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

class Stream {
 public:
  Stream() { CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }
  ~Stream() {
    if (s_ != nullptr) (void)cudaStreamDestroy(s_);
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return s_; }

 private:
  cudaStream_t s_ = nullptr;
};

class Event {
 public:
  Event() { CUDA_CHECK(cudaEventCreate(&e_)); }
  ~Event() {
    if (e_ != nullptr) (void)cudaEventDestroy(e_);
  }
  Event(Event&& o) noexcept : e_(std::exchange(o.e_, nullptr)) {}
  Event& operator=(Event&&) = delete;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return e_; }

 private:
  cudaEvent_t e_ = nullptr;
};

class GraphExec {
 public:
  GraphExec() = default;
  ~GraphExec() {
    if (exec_ != nullptr) (void)cudaGraphExecDestroy(exec_);
  }
  GraphExec(const GraphExec&) = delete;
  GraphExec& operator=(const GraphExec&) = delete;
  cudaGraphExec_t* out() { return &exec_; }
  cudaGraphExec_t get() const { return exec_; }

 private:
  cudaGraphExec_t exec_ = nullptr;
};

// Seconds between two recorded events (resolution about 0.5 us).
double elapsed_s(const Event& a, const Event& b) {
  float ms = 0;
  CUDA_CHECK(cudaEventElapsedTime(&ms, a.get(), b.get()));
  return static_cast<double>(ms) * 1e-3;
}

// Captures `launches` calls of launch() on `stream` into an instantiated graph. False (and why) when the kernel's
// launch cannot be captured; the stream is out of capture mode afterwards and the last error cleared.
template <class Launch>
bool capture_graph(cudaStream_t stream, long launches, Launch&& launch, GraphExec& exec, std::string& why) {
  cudaError_t e = cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal);
  if (e != cudaSuccess) {
    why = std::string("cudaStreamBeginCapture: ") + cudaGetErrorString(e);
    (void)cudaGetLastError();
    return false;
  }
  try {
    for (long i = 0; i < launches; ++i)
      launch();
    e = cudaGetLastError();
    if (e != cudaSuccess) why = std::string("launch during capture: ") + cudaGetErrorString(e);
  } catch (const std::exception& ex) {
    why = std::string("launch during capture: ") + ex.what();
  }
  cudaGraph_t graph = nullptr;
  const cudaError_t end = cudaStreamEndCapture(stream, &graph);
  if (why.empty() && end != cudaSuccess) why = std::string("cudaStreamEndCapture: ") + cudaGetErrorString(end);
  if (why.empty()) {
    e = cudaGraphInstantiate(exec.out(), graph, 0);
    if (e != cudaSuccess) why = std::string("cudaGraphInstantiate: ") + cudaGetErrorString(e);
  }
  if (graph != nullptr) (void)cudaGraphDestroy(graph);
  (void)cudaGetLastError();
  return why.empty();
}

} // namespace

void use_device(int device) {
  CUDA_CHECK(cudaSetDevice(device));
  CUDA_CHECK(cudaFree(nullptr)); // creates the context now, outside any timing
}

double l2_cache_bytes() {
  int device = 0, l2 = 0;
  CUDA_CHECK(cudaGetDevice(&device));
  CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device));
  return static_cast<double>(l2);
}

double free_device_bytes() {
  std::size_t free_b = 0, total_b = 0;
  CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  return static_cast<double>(free_b);
}

bool context_healthy(std::string& why) {
  (void)cudaGetLastError(); // a non-sticky error (failed allocation, bad launch configuration) is cleared here
  cudaError_t e = cudaDeviceSynchronize();
  if (e == cudaSuccess) {
    void* probe = nullptr;
    e = cudaMalloc(&probe, 4096);
    if (e == cudaSuccess) {
      e = cudaMemset(probe, 0, 4096);
      const cudaError_t f = cudaFree(probe);
      if (e == cudaSuccess) e = f;
    }
  }
  if (e == cudaSuccess) e = cudaDeviceSynchronize();
  if (e == cudaSuccess) return true;
  why = std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")";
  return false;
}

Timing time_call(const Kernel& kernel, const KernelCall& call, int input_sets, const TimingOptions& o,
                 std::uint64_t seed) {
  const auto t0 = Clock::now();
  Timing t;
  t.input_sets = std::max(input_sets, 1);
  auto prepared = kernel.prepare(call, t.input_sets, seed);
  CUDA_CHECK(cudaDeviceSynchronize()); // prepare may fill on any stream; ours does not wait for the legacy one
  Stream stream;
  const cudaStream_t s = stream.get();
  int next_set = 0;
  auto launch = [&] {
    prepared->launch(next_set, s);
    next_set = (next_set + 1) % t.input_sets;
  };

  // Warm-up: module load, cuBLASLt heuristics and clock ramp stay out of the samples. Batches double in size and
  // are timed with events, which also gives the per-launch estimate that picks the method.
  Event a, b;
  long batch = 1;
  double per_launch = 0;
  while (true) {
    CUDA_CHECK(cudaEventRecord(a.get(), s));
    for (long i = 0; i < batch; ++i)
      launch();
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaEventRecord(b.get(), s));
    CUDA_CHECK(cudaEventSynchronize(b.get()));
    const double gpu = elapsed_s(a, b);
    t.warmup_launches += batch;
    t.warmup_gpu_s += gpu;
    per_launch = gpu / static_cast<double>(batch);
    if (t.warmup_gpu_s >= o.warmup_s && t.warmup_launches >= o.min_warmup_launches) break;
    const double remaining = std::max(o.warmup_s - t.warmup_gpu_s, 0.0);
    const long want = per_launch > 0 ? static_cast<long>(std::ceil(remaining / per_launch)) : 2 * batch;
    batch = std::clamp(want, 1L, std::min(2 * batch, 1L << 14));
  }

  std::vector<double> samples;
  if (per_launch >= o.graph_below_s) {
    // Long launches: one launch per event pair, all queued before one synchronization so the GPU never waits for
    // the host; the event overhead (about 1 us) is under 1% of a launch this long.
    int reps = o.repeats;
    if (per_launch * reps > o.max_timed_s_per_call)
      reps = std::max(o.min_repeats, static_cast<int>(o.max_timed_s_per_call / per_launch));
    std::vector<Event> starts(static_cast<std::size_t>(reps)), stops(static_cast<std::size_t>(reps));
    for (int r = 0; r < reps; ++r) {
      CUDA_CHECK(cudaEventRecord(starts[r].get(), s));
      launch();
      CUDA_CHECK(cudaEventRecord(stops[r].get(), s));
    }
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaStreamSynchronize(s));
    for (int r = 0; r < reps; ++r)
      samples.push_back(elapsed_s(starts[r], stops[r]));
    t.method = "single";
  } else {
    // Short launches: a CUDA graph of g launches (a whole number of passes over the input sets) per sample, so
    // neither the host's launch rate nor the event resolution shows in the result; time per launch = replay / g.
    long g = static_cast<long>(std::ceil(o.graph_sample_s / std::max(per_launch, 1e-7)));
    g = std::clamp(g, 1L, o.max_graph_launches);
    g = std::max(g, static_cast<long>(t.input_sets));
    g = (g + t.input_sets - 1) / t.input_sets * t.input_sets;
    t.launches_per_sample = g;
    GraphExec exec;
    const bool graph = capture_graph(s, g, launch, exec, t.capture_error);
    auto run_sample = [&] {
      if (graph)
        CUDA_CHECK(cudaGraphLaunch(exec.get(), s));
      else
        for (long i = 0; i < g; ++i)
          launch();
    };
    run_sample(); // uploads the graph; one more warm pass
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaStreamSynchronize(s));
    int reps = o.repeats;
    const double per_sample = per_launch * static_cast<double>(g);
    if (per_sample * reps > o.max_timed_s_per_call)
      reps = std::max(o.min_repeats, static_cast<int>(o.max_timed_s_per_call / per_sample));
    std::vector<Event> starts(static_cast<std::size_t>(reps)), stops(static_cast<std::size_t>(reps));
    for (int r = 0; r < reps; ++r) {
      CUDA_CHECK(cudaEventRecord(starts[r].get(), s));
      run_sample();
      CUDA_CHECK(cudaEventRecord(stops[r].get(), s));
    }
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaStreamSynchronize(s));
    for (int r = 0; r < reps; ++r)
      samples.push_back(elapsed_s(starts[r], stops[r]) / static_cast<double>(g));
    t.method = graph ? "graph" : "batch";
  }
  t.stats = summarize(std::move(samples));
  prepared.reset();
  CUDA_CHECK(cudaDeviceSynchronize()); // frees are asynchronous to nothing, but surface late errors here
  t.wall_s = seconds_since(t0);
  return t;
}

Stats time_sequence(const std::vector<SequenceStep>& steps, int repeats, double warmup_s) {
  CUDA_CHECK(cudaDeviceSynchronize());
  Stream stream;
  const cudaStream_t s = stream.get();
  auto run = [&] {
    for (const auto& step : steps)
      for (long i = 0; i < step.launches; ++i)
        step.prepared->launch(0, s);
  };
  Event a, b;
  double warm = 0;
  for (int runs = 0; warm < warmup_s || runs < 2; ++runs) {
    CUDA_CHECK(cudaEventRecord(a.get(), s));
    run();
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaEventRecord(b.get(), s));
    CUDA_CHECK(cudaEventSynchronize(b.get()));
    warm += elapsed_s(a, b);
  }
  const int reps = std::max(repeats, 1);
  std::vector<Event> starts(static_cast<std::size_t>(reps)), stops(static_cast<std::size_t>(reps));
  for (int r = 0; r < reps; ++r) {
    CUDA_CHECK(cudaEventRecord(starts[r].get(), s));
    run();
    CUDA_CHECK(cudaEventRecord(stops[r].get(), s));
  }
  CUDA_CHECK(cudaGetLastError());
  CUDA_CHECK(cudaStreamSynchronize(s));
  std::vector<double> samples;
  for (int r = 0; r < reps; ++r)
    samples.push_back(elapsed_s(starts[r], stops[r]));
  return summarize(std::move(samples));
}

void fill_device_facts(workloads::CalibrationTable& table, int device) {
  const DeviceQuery q = query_devices();
  const DeviceInfo* info = nullptr;
  for (const auto& d : q.devices)
    if (d.index == device) info = &d;
  if (info == nullptr)
    throw CudaError("device " + std::to_string(device) + " not found" + (q.error.empty() ? "" : ": " + q.error));
  int sm_khz = 0, mem_khz = 0;
  CUDA_CHECK(cudaDeviceGetAttribute(&sm_khz, cudaDevAttrClockRate, device));
  CUDA_CHECK(cudaDeviceGetAttribute(&mem_khz, cudaDevAttrMemoryClockRate, device));
  table.device_text["name"] = info->name;
  table.device_text["pci_bus_id"] = info->pci_bus_id;
  table.device_text["compute_capability"] =
      std::to_string(info->compute_capability_major) + "." + std::to_string(info->compute_capability_minor);
  table.device_numbers["sm_count"] = info->sm_count;
  table.device_numbers["memory_bytes"] = info->memory_bytes;
  table.device_numbers["memory_bus_width_bits"] = info->memory_bus_width_bits;
  table.device_numbers["sm_clock_mhz"] = sm_khz / 1000.0;
  table.device_numbers["memory_clock_mhz"] = mem_khz / 1000.0;
  table.device_numbers["driver_version"] = q.driver_version;
  table.device_numbers["runtime_version"] = q.runtime_version;
  table.device_numbers["cublas_version"] = static_cast<double>(cublasLtGetVersion());
}

} // namespace racksim::cuda::calibrate
