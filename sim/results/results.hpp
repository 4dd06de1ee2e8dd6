#pragma once
// The results of one run and their HDF5 file (schema: docs/results-schema.md). Files are written under a
// temporary name in the same directory and renamed when complete, so a crash never leaves a partial file
// under the final name. Every summary attribute, series and /jobs column is declared in the metric table
// (metrics.hpp); writing an undeclared one is an error.

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace racksim::sim {

// One /jobs row. A new column is a member here and one line in metrics.cpp (job_columns()), which gives its place,
// HDF5 type, unit and definition.
struct JobRecord {
  std::int64_t id = 0;
  std::string kind = "training"; // stored as a fixed-length string (16 bytes)
  double submit_s = 0;
  double start_s = -1; // -1 when the job never started
  double end_s = -1;   // -1 when the job did not finish
  std::int32_t gpus = 0;
  std::string status = "queued"; // completed | running | queued (at the horizon) — fixed-length 16 bytes
  std::int32_t restarts = 0;
  double queue_s = 0;              // start - submit (or horizon - submit when never started)
  double compute_s = 0;            // time spent in compute activities
  double comm_s = 0;               // time spent in collectives
  double checkpoint_s = 0;         // time spent writing checkpoints
  double lost_gpu_s = 0;           // GPU-seconds of work lost to failures (0 until failures exist)
  double energy_j = 0;             // facility energy of the job (docs/energy.md, "Model")
  std::int32_t nodes = 0;          // placement summary: distinct nodes
  std::int32_t racks = 0;          //                    distinct racks
  std::string timing = "duration"; // compute time from: duration | iteration_time | roofline | calibration
  double mfu = 0;                  // 3D-parallel jobs: model FLOPs / ((compute_s + comm_s) x gpus x peak bf16); else 0
  double tokens_per_s = 0;         // 3D-parallel jobs: global_batch x seq x iterations / (compute_s + comm_s); else 0
};

// One collective of one group at one message size (/collectives; nccl-tests' definitions, docs/results-schema.md).
struct CollectiveRecord {
  std::int64_t job = 0;   // the group's row in /jobs
  std::string op;         // allreduce | allgather | reducescatter | alltoall | broadcast (fixed 16 bytes)
  std::string algorithm;  // ring | tree | hierarchical | direct: as run, never "auto" (fixed 16 bytes)
  std::int64_t bytes = 0; // S, nccl-tests' "size" of the op
  std::int32_t ranks = 0; // n
  double start_s = 0;     // simulated time the collective started
  double time_s = 0;      // t: simulated duration
  double algbw_Bps = 0;   // S / t
  double busbw_Bps = 0;   // algbw x bus factor (2(n-1)/n, (n-1)/n or 1)
  double ideal_s = 0;     // the same collective alone on the platform (latency steps + most loaded link)
  std::int32_t nodes = 0; // placement summary: distinct nodes
  std::int32_t racks = 0; //                    distinct racks
};

// One request of an inference service (/requests; docs/results-schema.md, docs/inference.md). Times are -1 for
// what never happened (a dropped request never starts).
struct RequestRecord {
  std::int64_t id = 0;       // arrival order, from 0
  std::string service;       // the service's name (fixed 16 bytes)
  std::int32_t replica = -1; // the replica the load balancer chose; -1 when none (rejected before routing)
  double arrival_s = 0;
  double start_s = -1;           // admitted into a batch (kernel model) or taken by a server (explicit service time)
  double first_token_s = -1;     // end of the iteration that ran its prefill (explicit service time: = finish_s)
  double finish_s = -1;          // its last token
  std::string status = "queued"; // completed | dropped | rejected | queued | running (fixed 16 bytes)
  std::int32_t prompt_tokens = 0;
  std::int32_t output_tokens = 0;
};

// One thing that happened to the cluster or a job (/events; docs/results-schema.md), in time order. Strings are
// fixed 16 bytes.
struct EventRecord {
  double time_s = 0;
  std::string kind;      // failure | repair | interrupt | restart | swap | shrink | job_failed | preempt | resume
  std::string component; // what failed or was repaired, "class:index" (e.g. node:12); "" for job events
  std::int64_t job = -1; // the job concerned; -1 for component events
  double value = 0;      // failure: its repair time, s; interrupt: GPU-seconds lost; preempt: save time, s; else 0
  std::string cause;     // failure: the cause (preset causes, or the class); interrupt: the component; else ""
};

// A fixed-interval series: value[i] is the state at time_s[i] = i * interval.
struct TimeSeries {
  std::string name;
  std::string unit;
  std::vector<double> time_s;
  std::vector<double> value;
  // Sampling interval, stored as the dataset's `interval_s` attribute. 0 means "derive it from time_s" on write
  // (time_s[1] - time_s[0]; 0 for fewer than two samples).
  double interval_s = 0;
};

struct Meta {
  std::string racksim_version;
  std::string git_sha;
  std::string simgrid_version;
  std::uint64_t seed = 0;
  std::string scenario_yaml; // fully resolved scenario text
  std::string calibration;   // timing source and digest, e.g. "roofline:H100-SXM5-80GB"
  std::string started_utc;   // ISO 8601
  double wall_seconds = 0;
};

struct ResultSet {
  Meta meta;
  std::vector<JobRecord> jobs;
  std::vector<TimeSeries> timeseries;
  std::vector<std::pair<std::string, double>> summary; // /summary attributes, in this order
  std::vector<CollectiveRecord> collectives;           // /collectives (empty unless workload.kind is collective)
  std::vector<RequestRecord> requests;                 // /requests (empty unless workload.kind is inference)
  std::vector<EventRecord> events;                     // /events (empty without failures or preemptions)
};

// Stored as /meta attribute `schema_version`; bumped (with a migration note in docs/results-schema.md) whenever a
// name or meaning in the file changes.
inline constexpr std::uint32_t results_schema_version = 1;
// Capacity of the fixed-length string fields of /jobs (`kind`, `status`); longer values are a write error.
inline constexpr std::size_t job_string_bytes = 16;

class ResultsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Atomic: writes PATH.tmp.<pid> then renames. Throws ResultsError with the path on failure, also when a summary
// attribute or series is not declared in the metric table (metrics.hpp) or a series has another unit than declared.
void write_results(const std::string& path, const ResultSet& results);
// Reads back what write_results wrote (used by `racksim summary` and the tests).
ResultSet read_results(const std::string& path);
// The same, from a group of a file: "/runs/r0000" of a merged sweep file (docs/sweeps.md) holds one run's root.
ResultSet read_results(const std::string& path, const std::string& group);

// Step function of a count over time, e.g. GPUs allocated: (time, new value) in time order.
struct StepSeries {
  std::vector<std::pair<double, double>> points;
  void set(double t, double v) { points.emplace_back(t, v); }
  // Samples the value holding at each multiple of `interval` in [0, end].
  TimeSeries sample(const std::string& name, const std::string& unit, double interval, double end) const;
  // Time integral of the value over [0, end].
  double integral(double end) const;
};

// Headline metrics (docs/results-schema.md gives each formula): makespan_s, mean_jct_s, p50_jct_s, p99_jct_s,
// mean_queue_s, p50_queue_s, p99_queue_s, gpu_utilization, jobs_total, jobs_completed, ...
std::vector<std::pair<std::string, double>> compute_summary(const std::vector<JobRecord>& jobs,
                                                            double allocated_gpu_seconds, int total_gpus, double end_s);

// Percentile by linear interpolation between closest ranks (numpy's default), p in [0, 100].
double percentile(std::vector<double> values, double p);

} // namespace racksim::sim
