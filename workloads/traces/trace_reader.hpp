#pragma once
// Readers for job traces: the Philly-derived CSVs in shared/traces/, Tiresias, Helios, Alibaba PAI 2020 and 2023,
// and the Parallel Workloads Archive's SWF. Rows are streamed, validated one by one, and a malformed row is an
// error naming file, line and field. Rows a cluster cannot run follow TraceSpec::bad_rows (skip, clamp, error).

#include "workloads/job.hpp"
#include "workloads/spec.hpp"

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace racksim::workloads {

// A malformed trace file: message is "file:line: field 'x': what is wrong".
class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TraceReport {
  std::size_t rows = 0;                  // data rows read (header excluded)
  std::size_t jobs = 0;                  // jobs produced
  std::size_t skipped_zero_gpus = 0;     // rows asking for 0 GPUs (CPU-only jobs; skipped under clamp too)
  std::size_t skipped_too_large = 0;     // rows asking for more GPUs than the cluster has (bad_rows: skip)
  std::size_t skipped_bad_duration = 0;  // rows whose run time is <= 0 or unknown (bad_rows: skip)
  std::size_t skipped_not_run = 0;       // jobs that never ran (pending pods, unfinished jobs, no task rows)
  std::size_t clamped_too_large = 0;     // GPU counts lowered to the cluster size (bad_rows: clamp)
  std::size_t clamped_duration = 0;      // run times raised to kMinClampedDuration_s (bad_rows: clamp)
  std::size_t fractional_rounded_up = 0; // jobs asking for a fraction of a GPU count, given the next whole number
  std::vector<std::string> notes;        // first few skipped or clamped rows, "file:line: why"
};

// bad_rows: clamp raises a run time <= 0 (a job shorter than the trace's clock resolution) to this.
inline constexpr double kMinClampedDuration_s = 1.0;

// max_gpus: the cluster size. Jobs come back sorted by (submit_s, id). Formats whose times are absolute (helios,
// alibaba_v2020, alibaba_v2023) are shifted so that the earliest kept job arrives at 0 s.
std::vector<JobSpec> read_trace(const TraceSpec& spec, int max_gpus, TraceReport& report);

const char* to_string(TraceFormat format);
// Every format with its scenario name, in declaration order: the one name table (the settings use it too).
std::vector<std::pair<std::string, TraceFormat>> trace_format_names();
const char* to_string(BadRowPolicy policy);

} // namespace racksim::workloads
