#pragma once
// Load balancers: which replica of an inference service an arriving request goes to. Registered by name
// (policies/registry.hpp). A decision is an intent: the engine checks the index and applies it.

#include <cstdint>
#include <span>

namespace racksim::policies {

// One replica as the load balancer sees it when a request arrives.
struct ReplicaLoad {
  int waiting = 0; // queued, not yet admitted to a batch
  int running = 0; // admitted, not finished
  int outstanding() const { return waiting + running; }
};

struct LoadBalancerView {
  double now_s = 0;
  std::int64_t request_id = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;
  std::span<const ReplicaLoad> replicas; // by replica index, never empty
};

class LoadBalancer {
 public:
  virtual ~LoadBalancer() = default;
  // Returns a replica index in [0, replicas.size()).
  virtual int choose(const LoadBalancerView& view) = 0;
};

} // namespace racksim::policies
