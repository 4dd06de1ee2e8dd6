#pragma once
// queue_length: watches the waiting requests per active replica, q = waiting / active. Above
// policies.autoscaler.scale_out_queue (default 4) it asks for one replica more; below
// policies.autoscaler.scale_in_queue (default 0.5, the low-water mark) one fewer; in between (hysteresis) it keeps
// the current count. Replicas still provisioning count as present, so it does not ask again while they start.

#include "policies/autoscaler.hpp"
#include "policies/params.hpp"

#include <vector>

namespace racksim::policies {

struct QueueLengthParams {
  double scale_out_queue = 4;  // waiting requests per active replica above which to add one
  double scale_in_queue = 0.5; // ... below which to remove one
};
std::vector<ParamSpec> queue_length_params();
// scale_in_queue < scale_out_queue, when queue_length is the chosen autoscaler.
std::vector<ParamProblem> check_queue_length(const PolicyParams& params, const CheckContext& context);

class QueueLengthAutoscaler final : public Autoscaler {
 public:
  explicit QueueLengthAutoscaler(const QueueLengthParams& params = {});
  int desired(const AutoscalerView& view) override;

 private:
  double out_, in_;
};

} // namespace racksim::policies
