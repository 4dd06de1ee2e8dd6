#pragma once
// Readers for the Philly-derived job traces in shared/traces/. Rows are streamed, validated one by one, and
// a malformed row is an error naming file, line and field. Rows a cluster cannot run are skipped and counted.

#include "workloads/job.hpp"
#include "workloads/spec.hpp"

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::workloads {

// A malformed trace file: message is "file:line: field 'x': what is wrong".
class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TraceReport {
  std::size_t rows = 0;              // data rows read (header excluded)
  std::size_t jobs = 0;              // jobs produced
  std::size_t skipped_zero_gpus = 0; // rows asking for 0 GPUs
  std::size_t skipped_too_large = 0; // rows asking for more GPUs than the cluster has
  std::vector<std::string> notes;    // first few skipped rows, "file:line: why"
};

// max_gpus: the cluster size; rows asking for more are skipped. Jobs come back sorted by (submit_s, id).
std::vector<JobSpec> read_trace(const TraceSpec& spec, int max_gpus, TraceReport& report);

const char* to_string(TraceFormat format);

} // namespace racksim::workloads
