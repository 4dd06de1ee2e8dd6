#pragma once
// Failover policies: what a training job does when a component it runs on fails. Registered by name
// (policies/registry.hpp). A decision is an intent: the engine checks it (enough spares, a shrinkable job) and
// applies it; an impossible swap or shrink falls back to a restart from the last checkpoint.

#include "policies/view.hpp"

namespace racksim::policies {

struct FailoverView {
  double now_s = 0;
  JobId id = 0;
  int gpus = 0;             // the job's allocation when the failure hit
  int gpus_failed = 0;      // of those, on the failed component
  int restarts = 0;         // restarts so far (failures, not preemptions)
  bool has_checkpoint = false; // a checkpoint to restart from exists (this run or an earlier one)
  int spare_gpus_free = 0;  // hot spares not in use
  bool can_shrink = false;  // the job can go on with fewer GPUs (pure data parallelism)
};

enum class FailoverAction {
  fail,                    // the job ends, status "failed"
  restart_from_zero,       // back to the queue; all progress lost
  restart_from_checkpoint, // back to the queue; progress since the last checkpoint lost
  swap_in_spares,          // spares replace the failed GPUs; resumes from the last checkpoint after a delay
  shrink,                  // goes on without the failed GPUs (fewer data-parallel replicas), from the last checkpoint
};
const char* to_string(FailoverAction action);

struct FailoverDecision {
  FailoverAction action = FailoverAction::fail;
  double delay_s = 0; // before the job runs again (swap, shrink), on top of the relaunch cost
};

class Failover {
 public:
  virtual ~Failover() = default;
  virtual FailoverDecision on_failure(const FailoverView& view) = 0;
  // Training time between checkpoints for a job whose checkpoint takes `checkpoint_cost_s` and whose MTBF (all the
  // components it uses) is `job_mtbf_s` (infinite when nothing can fail); 0 = keep the workload's checkpoint_every.
  virtual double checkpoint_interval_s(double /*checkpoint_cost_s*/, double /*job_mtbf_s*/) const { return 0; }
};

// Young (1974) with Daly's (2006) higher-order correction: the checkpoint interval that minimises expected lost
// plus checkpoint time, tau = sqrt(2 delta M) [1 + sqrt(delta / 2M) / 3 + delta / 18M] - delta for delta < 2M, else
// M. Infinite when M is infinite.
double young_daly_interval_s(double checkpoint_cost_s, double mtbf_s);

} // namespace racksim::policies
