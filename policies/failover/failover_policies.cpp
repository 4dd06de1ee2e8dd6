#include "policies/failover/failover_policies.hpp"

#include <cmath>
#include <limits>

namespace racksim::policies {

const char* to_string(FailoverAction action) {
  switch (action) {
  case FailoverAction::fail:
    return "fail";
  case FailoverAction::restart_from_zero:
    return "restart_from_zero";
  case FailoverAction::restart_from_checkpoint:
    return "restart_from_checkpoint";
  case FailoverAction::swap_in_spares:
    return "swap_in_spares";
  case FailoverAction::shrink:
    return "shrink";
  }
  return "?";
}

std::vector<ParamSpec> failover_params() {
  return {
      param("failover.checkpoint_interval", ParamType::time, &FailoverParams::checkpoint_interval_s, at_least(0), "",
            "checkpoint_restart, hot_spare, elastic: training time between checkpoints; 0 = Young/Daly from the "
            "checkpoint cost and the job's MTBF (with failures configured; else workload.training.checkpoint_every)"),
      param("failover.restart_delay", ParamType::time, &PolicyParams::failover_restart_delay_s, at_least(0), "",
            "requeue, checkpoint_restart: detection and relaunch time before a restarted job computes again"),
      param("failover.max_restarts", ParamType::integer, &PolicyParams::failover_max_restarts, at_least(0), "restarts",
            "a job interrupted again after this many restarts fails (status failed); 0 = no limit"),
      param("failover.spare_nodes", ParamType::integer, &PolicyParams::failover_spare_nodes, at_least(0), "nodes",
            "hot_spare: the last nodes of the cluster, held out of scheduling as the spare pool"),
      param("failover.spare_delay", ParamType::time, &FailoverParams::spare_delay_s, at_least(0), "",
            "hot_spare: time to swap spares in before the job computes again"),
      param("failover.elastic_delay", ParamType::time, &FailoverParams::elastic_delay_s, at_least(0), "",
            "elastic: time to re-form the job without the failed GPUs"),
      param("failover.elastic_min_fraction", ParamType::real, &FailoverParams::elastic_min_fraction, left_open(0, 1),
            "", "elastic: shrink only while at least this share of the job's GPUs remains; else checkpoint_restart"),
  };
}

double young_daly_interval_s(double delta, double mtbf) {
  if (!std::isfinite(mtbf)) return std::numeric_limits<double>::infinity();
  if (delta >= 2 * mtbf) return mtbf;
  return std::sqrt(2 * delta * mtbf) * (1 + std::sqrt(delta / (2 * mtbf)) / 3 + delta / (18 * mtbf)) - delta;
}

FailoverDecision NoFailover::on_failure(const FailoverView&) {
  return {FailoverAction::fail, 0};
}

FailoverDecision RequeueFailover::on_failure(const FailoverView&) {
  return {FailoverAction::restart_from_zero, 0};
}

FailoverDecision CheckpointRestartFailover::on_failure(const FailoverView&) {
  return {FailoverAction::restart_from_checkpoint, 0};
}

double CheckpointRestartFailover::checkpoint_interval_s(double checkpoint_cost_s, double job_mtbf_s) const {
  return interval_s_ > 0 ? interval_s_ : young_daly_interval_s(checkpoint_cost_s, job_mtbf_s);
}

FailoverDecision HotSpareFailover::on_failure(const FailoverView& view) {
  if (view.spare_gpus_free >= view.gpus_failed) return {FailoverAction::swap_in_spares, delay_s_};
  return CheckpointRestartFailover::on_failure(view);
}

FailoverDecision ElasticFailover::on_failure(const FailoverView& view) {
  const int left = view.gpus - view.gpus_failed;
  if (view.can_shrink && left > 0 && left >= min_fraction_ * view.gpus) return {FailoverAction::shrink, delay_s_};
  return CheckpointRestartFailover::on_failure(view);
}

} // namespace racksim::policies
