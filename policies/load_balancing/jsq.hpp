#pragma once
// jsq (join the shortest queue): the replica with the fewest WAITING requests (not yet admitted to a batch); ties go
// to the fewest outstanding (waiting + running), then the lowest index. least_outstanding instead compares waiting +
// running from the start, so it prefers an idle-queue replica that is busy with a big batch less than jsq does:
// jsq sends a request wherever it will be admitted soonest by queue position, least_outstanding where the replica
// has the least total work in hand. With one request per replica at a time (max_batch 1) the two differ only when
// a replica is serving: jsq counts the queue, least_outstanding queue + the request in service.

#include "policies/load_balancer.hpp"

namespace racksim::policies {

class JsqBalancer final : public LoadBalancer {
 public:
  int choose(const LoadBalancerView& view) override;
};

} // namespace racksim::policies
