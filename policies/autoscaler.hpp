#pragma once
// Autoscalers: how many replicas of the inference service should be active. Registered by name
// (policies/registry.hpp, autoscalers()). sim/ calls decide() every policies.autoscaler.interval with the service's
// state; the engine clamps the answer to [min_replicas, max_replicas], activates new replicas after
// policies.autoscaler.provisioning_delay and retires removed ones once they have drained.

namespace racksim::policies {

struct AutoscalerView {
  double now_s = 0;
  int active = 0;       // replicas taking requests (provisioning ones not included)
  int provisioning = 0; // replicas being started, active after the provisioning delay
  int busy = 0;         // active replicas with at least one request waiting or running
  int waiting = 0;      // requests waiting (not yet admitted) over the active replicas
  int running = 0;      // requests admitted, not finished, over the active replicas
  int min_replicas = 1;
  int max_replicas = 1;
};

class Autoscaler {
 public:
  virtual ~Autoscaler() = default;
  // The desired number of replicas (active + provisioning); the engine clamps it to [min_replicas, max_replicas].
  virtual int desired(const AutoscalerView& view) = 0;
};

} // namespace racksim::policies
