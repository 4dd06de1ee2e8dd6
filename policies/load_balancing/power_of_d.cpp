#include "policies/load_balancing/power_of_d.hpp"

#include "policies/random_stream.hpp"

#include <algorithm>
#include <stdexcept>

namespace racksim::policies {

std::vector<ParamSpec> power_of_d_params() {
  return {param("policies.power_of_d.d", ParamType::integer, &PowerOfDParams::d, at_least(1), "replicas",
                "power_of_d: replicas sampled per request; the least outstanding of them gets it")};
}

PowerOfDBalancer::PowerOfDBalancer(const PowerOfDParams& params, std::uint64_t seed)
    : d_(params.d), rng_(policy_stream(seed, power_of_d_tag)) {
  if (d_ < 1) throw std::invalid_argument("policies.power_of_d.d: must be >= 1, got " + std::to_string(d_));
}

int PowerOfDBalancer::choose(const LoadBalancerView& view) {
  const int n = static_cast<int>(view.replicas.size());
  const int d = std::min(d_, n);
  // d distinct indices, in draw order: rejection sampling (d is small next to n in practice; at d = n every index
  // is drawn).
  sample_.clear();
  std::uniform_int_distribution<int> pick(0, n - 1);
  while (static_cast<int>(sample_.size()) < d) {
    const int i = pick(rng_);
    if (std::find(sample_.begin(), sample_.end(), i) == sample_.end()) sample_.push_back(i);
  }
  int best = sample_.front();
  for (int i : sample_)
    if (view.replicas[static_cast<std::size_t>(i)].outstanding() <
        view.replicas[static_cast<std::size_t>(best)].outstanding())
      best = i;
  return best;
}

} // namespace racksim::policies
