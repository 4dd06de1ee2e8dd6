#include "policies/placement/first_fit.hpp"

namespace racksim::policies {

std::vector<int> FirstFitPlacement::place(const PlacementView& view) {
  std::vector<int> gpus;
  if (view.gpus_requested <= 0) return gpus;
  gpus.reserve(static_cast<std::size_t>(view.gpus_requested));
  for (int g = 0; g < static_cast<int>(view.gpu_free.size()) && static_cast<int>(gpus.size()) < view.gpus_requested;
       ++g)
    if (view.gpu_free[static_cast<std::size_t>(g)]) gpus.push_back(g);
  if (static_cast<int>(gpus.size()) < view.gpus_requested) gpus.clear();
  return gpus;
}

} // namespace racksim::policies
