#pragma once
// What a job asks of the cluster, before any policy or platform decides anything.

#include <cstdint>
#include <string>

namespace racksim::workloads {

enum class JobKind { training };
const char* to_string(JobKind kind);

struct JobSpec {
  std::int64_t id = 0; // unique within a run; trace jobs keep the trace's id
  JobKind kind = JobKind::training;
  double submit_s = 0; // seconds from the start of the simulation
  int gpus = 1;
  double duration_s = 0;       // run time when placed well on an uncontended fabric (duration-defined jobs)
  std::int64_t iterations = 0; // > 0: a work-defined job of this many iterations; its run time follows
  std::string user;            // user or virtual cluster, "" when unknown
  int priority = 0;            // scheduling class, higher is more important (policies.scheduler: priority)
  // What a trace asked for when it is a fraction of a GPU count (Alibaba's shared GPUs: 0.5 = half a GPU); the job
  // is given `gpus` = the next whole number. 0 = exactly `gpus`.
  double gpus_requested = 0;
};

} // namespace racksim::workloads
