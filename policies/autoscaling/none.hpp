#pragma once
// none: a fixed number of replicas (workload.inference.replicas); the service never scales.

#include "policies/autoscaler.hpp"

namespace racksim::policies {

class NoAutoscaler final : public Autoscaler {
 public:
  int desired(const AutoscalerView& view) override { return view.active + view.provisioning; }
};

} // namespace racksim::policies
