#include "policies/registry.hpp"

#include "policies/autoscaling/none.hpp"
#include "policies/autoscaling/queue_length.hpp"
#include "policies/autoscaling/target_utilization.hpp"
#include "policies/failover/failover_policies.hpp"
#include "policies/load_balancing/jsq.hpp"
#include "policies/load_balancing/least_outstanding.hpp"
#include "policies/load_balancing/power_of_d.hpp"
#include "policies/load_balancing/random.hpp"
#include "policies/load_balancing/round_robin.hpp"
#include "policies/load_balancing/weighted.hpp"
#include "policies/placement/best_fit.hpp"
#include "policies/placement/first_fit.hpp"
#include "policies/placement/pack.hpp"
#include "policies/placement/random.hpp"
#include "policies/placement/spread.hpp"
#include "policies/placement/topology_aware.hpp"
#include "policies/scheduling/conservative_backfill.hpp"
#include "policies/scheduling/easy_backfill.hpp"
#include "policies/scheduling/fair_share.hpp"
#include "policies/scheduling/fifo.hpp"
#include "policies/scheduling/las.hpp"
#include "policies/scheduling/priority.hpp"
#include "policies/scheduling/sjf.hpp"
#include "policies/scheduling/srtf.hpp"

#include <cstdint>
#include <type_traits>

namespace racksim::policies {

namespace {
// Builds Impl from its own settings Own (with the seed when it takes one), or from PolicyParams (the seed), or
// from nothing.
template <class Base, class Impl, class Own = void>
std::unique_ptr<Base> make(const PolicyParams& params) {
  if constexpr (std::is_void_v<Own>) {
    if constexpr (std::is_constructible_v<Impl, const PolicyParams&>)
      return std::make_unique<Impl>(params);
    else
      return std::make_unique<Impl>();
  } else if constexpr (std::is_constructible_v<Impl, const Own&, std::uint64_t>) {
    return std::make_unique<Impl>(params.get<Own>(), params.seed);
  } else {
    return std::make_unique<Impl>(params.get<Own>());
  }
}
} // namespace

const Registry<Scheduler>& schedulers() {
  static const Registry<Scheduler> registry(
      "scheduler",
      {
          {"fifo", "strict arrival order; a job that does not fit blocks the queue", make<Scheduler, FifoScheduler>},
          {"easy_backfill", "FIFO plus EASY backfilling behind a reservation for the head job",
           make<Scheduler, EasyBackfillScheduler>},
          {"conservative_backfill", "every queued job gets a reservation; a job starts early only if it delays none",
           make<Scheduler, ConservativeBackfillScheduler>},
          {"sjf", "shortest estimate first, non-preemptive; a job that does not fit is skipped",
           make<Scheduler, SjfScheduler>},
          {"srtf", "shortest remaining time first; preempts jobs longer by more than policies.srtf.min_gap",
           make<Scheduler, SrtfScheduler, SrtfParams>, srtf_params()},
          {"las", "Tiresias-style discretised least attained GPU-service queues, preempting lower queues",
           make<Scheduler, LasScheduler, LasParams>, las_params()},
          {"fair_share", "weighted fair share of GPUs across users, with optional quotas and preemption",
           make<Scheduler, FairShareScheduler, FairShareParams>, fair_share_params()},
          {"priority", "higher job class first, FIFO within a class; preempts lower classes by default",
           make<Scheduler, PriorityScheduler, PriorityParams>, priority_params()},
      });
  return registry;
}

const Registry<Placement>& placements() {
  static const Registry<Placement> registry(
      "placement",
      {
          {"first_fit", "lowest-numbered free GPUs, wherever they are", make<Placement, FirstFitPlacement>},
          {"pack", "fill a node, then a rack (best fit), so jobs span few nodes and racks",
           make<Placement, PackPlacement>},
          {"best_fit", "least fragmentation: fullest nodes that help first, empty nodes kept whole (ignores racks)",
           make<Placement, BestFitPlacement>},
          {"spread", "as many distinct leaves (racks) and nodes as possible, e.g. for fault isolation",
           make<Placement, SpreadPlacement>},
          {"topology_aware", "fewest hops: smallest fitting node > leaf > pod > anywhere, best fit at each level",
           make<Placement, TopologyAwarePlacement>},
          {"random", "free GPUs drawn uniformly (seeded by the scenario seed)", make<Placement, RandomPlacement>},
      });
  return registry;
}

const Registry<LoadBalancer>& load_balancers() {
  static const Registry<LoadBalancer> registry(
      "load balancer",
      {
          {"round_robin", "replicas in turn, whatever their load", make<LoadBalancer, RoundRobinBalancer>},
          {"least_outstanding", "the replica with the fewest waiting + running requests (lowest index on ties)",
           make<LoadBalancer, LeastOutstandingBalancer>},
          {"random", "a replica drawn uniformly (seeded by the scenario seed)", make<LoadBalancer, RandomBalancer>},
          {"jsq", "join the shortest queue: fewest waiting, then fewest outstanding, then lowest index",
           make<LoadBalancer, JsqBalancer>},
          {"power_of_d", "d replicas sampled uniformly (policies.power_of_d.d), the least outstanding of them",
           make<LoadBalancer, PowerOfDBalancer, PowerOfDParams>, power_of_d_params()},
          {"weighted", "smooth weighted round robin by policies.weighted.weights",
           make<LoadBalancer, WeightedBalancer, WeightedParams>, weighted_params(), check_weighted},
      });
  return registry;
}

const Registry<Autoscaler>& autoscalers() {
  static const Registry<Autoscaler> registry(
      "autoscaler",
      {
          {"none", "fixed replicas (workload.inference.replicas)", make<Autoscaler, NoAutoscaler>},
          {"target_utilization", "ceil(busy replicas / policies.autoscaler.target) replicas",
           make<Autoscaler, TargetUtilizationAutoscaler, TargetUtilizationParams>, target_utilization_params()},
          {"queue_length", "one more above scale_out_queue waiting per replica, one fewer below scale_in_queue",
           make<Autoscaler, QueueLengthAutoscaler, QueueLengthParams>, queue_length_params(), check_queue_length},
      });
  return registry;
}

const Registry<Failover>& failovers() {
  static const Registry<Failover> registry(
      "failover policy",
      {
          {"none", "the job fails with its component", make<Failover, NoFailover>},
          {"requeue", "back to the queue, restarting from iteration zero", make<Failover, RequeueFailover>},
          {"checkpoint_restart",
           "back to the queue from the last checkpoint; checkpoints every failover.checkpoint_interval (0 = "
           "Young/Daly)",
           make<Failover, CheckpointRestartFailover, FailoverParams>},
          {"hot_spare", "spares from a reserved pool replace the failed GPUs after a delay; else checkpoint_restart",
           make<Failover, HotSpareFailover, FailoverParams>},
          {"elastic", "drop the failed GPUs and go on with fewer data-parallel replicas; else checkpoint_restart",
           make<Failover, ElasticFailover, FailoverParams>},
      },
      failover_params());
  return registry;
}

} // namespace racksim::policies
