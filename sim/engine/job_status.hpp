#pragma once
// Where a job is in its life, for every run kind that writes /jobs rows (a training job, a collective group, an
// inference replica); the text of the /jobs status column is made from it only where a row is written.

namespace racksim::sim {

enum class JobStatus {
  queued,     // waiting for GPUs (at first, and again after a preemption or a restart)
  running,    // holds GPUs and runs (or waits out its restart delay)
  preempting, // preempted: saving a checkpoint, GPUs still held
  completed,
  failed, // given up by the failover policy
};

// The /jobs status column (docs/results-schema.md).
constexpr const char* to_string(JobStatus status) {
  switch (status) {
  case JobStatus::queued:
    return "queued";
  case JobStatus::running:
    return "running";
  case JobStatus::preempting:
    return "preempting";
  case JobStatus::completed:
    return "completed";
  case JobStatus::failed:
    return "failed";
  }
  return "queued";
}

} // namespace racksim::sim
