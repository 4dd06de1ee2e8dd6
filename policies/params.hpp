#pragma once
// The settings a policy may be built with: plain data filled by sim/ from the scenario (policies.* settings), so
// policies stay free of YAML and SimGrid. A policy reads the fields it needs and ignores the rest; defaults here
// are the scenario's defaults.

#include <cstdint>

namespace racksim::policies {

struct PolicyParams {
  std::uint64_t seed = 1; // the scenario's seed: randomised policies draw from their own stream of it
  // policies.preemption.* (applied by the engine to every preempting scheduler)
  double preemption_checkpoint_s = 0; // saving a preempted job; 0 = its checkpoint write on its storage tier
  double preemption_restart_s = 60;   // relaunching it (container start, checkpoint load)
  // failover.* (docs/failures.md, "Failover")
  double failover_restart_delay_s = 300; // requeue, checkpoint_restart: detection + relaunch before compute resumes
  int failover_spare_nodes = 0;          // hot_spare: nodes held out of scheduling as the spare pool
  double failover_checkpoint_interval_s = 0; // checkpoint_restart, hot_spare, elastic: 0 = Young/Daly
  double failover_spare_delay_s = 120;       // hot_spare: swapping spares in
  double failover_elastic_delay_s = 60;      // elastic: re-forming the job without the failed GPUs
  double failover_elastic_min_fraction = 0.5; // elastic: shrink only while this share of the GPUs remains
};

} // namespace racksim::policies
