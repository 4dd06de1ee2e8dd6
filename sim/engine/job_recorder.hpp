#pragma once
// The results of a job-engine run (docs/results-schema.md): a /jobs row per job, the gpus_allocated and queue_length
// series, the /summary (job metrics, trace and model facts, 3D parallelism, checkpoint drains, reliability and
// Little's law), the power series and energy summary, and the /events. It reads the engine's parts and changes
// none of them: the engine closes the runs still under way (JobTable::close_runs) before recording.

#include "platforms/topology.hpp"
#include "sim/config/scenario.hpp"
#include "sim/engine/cluster_state.hpp"
#include "sim/engine/engine.hpp"
#include "sim/engine/interruptions.hpp"
#include "sim/engine/job_loader.hpp"
#include "sim/engine/job_runner.hpp"
#include "sim/engine/job_table.hpp"
#include "sim/results/results.hpp"

namespace racksim::sim {

class EnergyMeter;

struct JobRunParts {
  const Scenario& scenario;
  const platforms::Topology& topo;
  const TrainingSetup& setup;
  const JobTable& jobs;
  const ClusterState& cluster;
  const JobRunner& runner;
  const Interruptions& interruptions;
  const EnergyMeter& meter;
  long parallel_skipped = 0; // LoadedJobs::parallel_skipped
};

// Appends everything above to report.results (its /meta aside), for the simulated span [0, end].
void record_job_run(const JobRunParts& parts, double end, RunReport& report);

// A job's /jobs row at the end of the run.
JobRecord job_record(const JobState& job, double end, const EnergyMeter& meter, const platforms::Topology& topo,
                     double gpu_peak_bf16_flops);

} // namespace racksim::sim
