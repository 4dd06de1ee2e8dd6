#pragma once
// queue_length: watches the waiting requests per active replica, q = waiting / active. Above
// policies.autoscaler.scale_out_queue (default 4) it asks for one replica more; below
// policies.autoscaler.scale_in_queue (default 0.5, the low-water mark) one fewer; in between (hysteresis) it keeps
// the current count. Replicas still provisioning count as present, so it does not ask again while they start.

#include "policies/autoscaler.hpp"
#include "policies/params.hpp"

namespace racksim::policies {

class QueueLengthAutoscaler final : public Autoscaler {
 public:
  explicit QueueLengthAutoscaler(const PolicyParams& params);
  int desired(const AutoscalerView& view) override;

 private:
  double out_, in_;
};

} // namespace racksim::policies
