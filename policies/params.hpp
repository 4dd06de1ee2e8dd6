#pragma once
// The settings a policy may be built with: plain data filled by sim/ from the scenario (policies.* settings), so
// policies stay free of YAML and SimGrid. A policy reads the fields it needs and ignores the rest; defaults here
// are the scenario's defaults.

#include <cstdint>

namespace racksim::policies {

struct PolicyParams {
  std::uint64_t seed = 1; // the scenario's seed: randomised policies draw from their own stream of it
};

} // namespace racksim::policies
