#pragma once
// The settings a policy may be built with: plain data filled by sim/ from the scenario (policies.* settings), so
// policies stay free of YAML and SimGrid. A policy reads the fields it needs and ignores the rest; defaults here
// are the scenario's defaults. docs/scheduling.md describes each scheduler's parameters.

#include <cstdint>
#include <string>
#include <vector>

namespace racksim::policies {

struct PolicyParams {
  std::uint64_t seed = 1; // the scenario's seed: randomised policies draw from their own stream of it

  // srtf: a queued job preempts a running one only when the running job's remaining time exceeds the queued
  // job's by more than this (anti-thrashing hysteresis).
  double srtf_min_gap_s = 600;

  // las: attained-service thresholds between the priority queues, GPU-seconds, strictly increasing; n thresholds
  // make n + 1 queues. Default: 1 GPU-hour and 10 GPU-hours (three queues, Tiresias-like).
  std::vector<double> las_thresholds_gpu_s{3600.0, 36000.0};
  // las: a job that has waited longer than this (time queued since submission) goes back to the highest-priority
  // queue (Tiresias' STARVELIMIT idea); 0 = never.
  double las_promote_after_s = 0;

  // fair_share: "user=weight,..." (users or virtual clusters not listed weigh 1).
  std::string fair_share_weights;
  // fair_share: "user=GPUs,..." caps on the GPUs a user may hold at once ("" = no caps).
  std::string fair_share_quotas;
  // fair_share: preempt jobs of users above their weighted share when an under-share user's job waits.
  bool fair_share_preempt = false;

  // priority: preempt lower-class running jobs to make room for a higher-class queued job.
  bool priority_preempt = true;

  // policies.preemption.* (applied by the engine to every preempting scheduler)
  double preemption_checkpoint_s = 0; // saving a preempted job; 0 = its checkpoint write on its storage tier
  double preemption_restart_s = 60;   // relaunching it (container start, checkpoint load)
  // failover.* (docs/failures.md, "Failover")
  double failover_restart_delay_s = 300; // requeue, checkpoint_restart: detection + relaunch before compute resumes
  int failover_spare_nodes = 0;          // hot_spare: nodes held out of scheduling as the spare pool
  int failover_max_restarts = 0;         // a job interrupted after this many restarts fails; 0 = no limit
  double failover_checkpoint_interval_s = 0; // checkpoint_restart, hot_spare, elastic: 0 = Young/Daly
  double failover_spare_delay_s = 120;       // hot_spare: swapping spares in
  double failover_elastic_delay_s = 60;      // elastic: re-forming the job without the failed GPUs
  double failover_elastic_min_fraction = 0.5; // elastic: shrink only while this share of the GPUs remains
  // Load balancers.
  int power_of_d_d = 2;                 // policies.power_of_d.d: replicas sampled per request
  std::vector<double> weighted_weights; // policies.weighted.weights: one per replica index; empty = all 1
  // Autoscalers (policies.autoscaler.*).
  double autoscaler_target = 0.7;         // target_utilization: busy replicas / active replicas to aim at
  double autoscaler_scale_out_queue = 4;  // queue_length: waiting requests per active replica above which to add one
  double autoscaler_scale_in_queue = 0.5; // queue_length: ... below which to remove one
};

} // namespace racksim::policies
