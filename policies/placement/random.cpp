#include "policies/placement/random.hpp"

#include "policies/random_stream.hpp"

#include <algorithm>

namespace racksim::policies {

RandomPlacement::RandomPlacement(const PolicyParams& params) : rng_(policy_stream(params.seed, random_placement_tag)) {}

std::vector<int> RandomPlacement::place(const PlacementView& view) {
  std::vector<int> free;
  for (std::size_t g = 0; g < view.gpu_free.size(); ++g)
    if (view.gpu_free[g]) free.push_back(static_cast<int>(g));
  const int want = view.gpus_requested;
  if (want <= 0 || want > static_cast<int>(free.size())) return {};
  // Partial Fisher-Yates: the first `want` entries become a uniform random subset.
  for (int i = 0; i < want; ++i) {
    std::uniform_int_distribution<std::size_t> pick(static_cast<std::size_t>(i), free.size() - 1);
    std::swap(free[static_cast<std::size_t>(i)], free[pick(rng_)]);
  }
  free.resize(static_cast<std::size_t>(want));
  std::sort(free.begin(), free.end());
  return free;
}

} // namespace racksim::policies
