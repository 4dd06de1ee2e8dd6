#include "policies/registry.hpp"

#include "policies/failover/failover_policies.hpp"
#include "policies/load_balancing/least_outstanding.hpp"
#include "policies/load_balancing/round_robin.hpp"
#include "policies/placement/first_fit.hpp"
#include "policies/placement/pack.hpp"
#include "policies/scheduling/conservative_backfill.hpp"
#include "policies/scheduling/easy_backfill.hpp"
#include "policies/scheduling/fair_share.hpp"
#include "policies/scheduling/fifo.hpp"
#include "policies/scheduling/las.hpp"
#include "policies/scheduling/priority.hpp"
#include "policies/scheduling/sjf.hpp"
#include "policies/scheduling/srtf.hpp"

#include <type_traits>

namespace racksim::policies {

namespace {
template <class Base, class Impl>
std::unique_ptr<Base> make(const PolicyParams& params) {
  if constexpr (std::is_constructible_v<Impl, const PolicyParams&>)
    return std::make_unique<Impl>(params);
  else
    return std::make_unique<Impl>();
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
           make<Scheduler, SrtfScheduler>},
          {"las", "Tiresias-style discretised least attained GPU-service queues, preempting lower queues",
           make<Scheduler, LasScheduler>},
          {"fair_share", "weighted fair share of GPUs across users, with optional quotas and preemption",
           make<Scheduler, FairShareScheduler>},
          {"priority", "higher job class first, FIFO within a class; preempts lower classes by default",
           make<Scheduler, PriorityScheduler>},
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
           "back to the queue from the last checkpoint; checkpoints every failover.checkpoint_interval (0 = Young/Daly)",
           make<Failover, CheckpointRestartFailover>},
          {"hot_spare", "spares from a reserved pool replace the failed GPUs after a delay; else checkpoint_restart",
           make<Failover, HotSpareFailover>},
          {"elastic", "drop the failed GPUs and go on with fewer data-parallel replicas; else checkpoint_restart",
           make<Failover, ElasticFailover>},
      });
  return registry;
}

} // namespace racksim::policies
