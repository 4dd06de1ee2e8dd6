#include "policies/autoscaling/queue_length.hpp"

#include <algorithm>
#include <stdexcept>

namespace racksim::policies {

QueueLengthAutoscaler::QueueLengthAutoscaler(const PolicyParams& params)
    : out_(params.autoscaler_scale_out_queue), in_(params.autoscaler_scale_in_queue) {
  if (!(in_ < out_))
    throw std::invalid_argument("policies.autoscaler.scale_in_queue must be < policies.autoscaler.scale_out_queue");
}

int QueueLengthAutoscaler::desired(const AutoscalerView& view) {
  const int present = view.active + view.provisioning;
  const double q = view.active > 0 ? static_cast<double>(view.waiting) / view.active : view.waiting;
  if (q > out_) return present + 1;
  if (q < in_ && view.provisioning == 0) return std::max(1, present - 1);
  return present;
}

} // namespace racksim::policies
