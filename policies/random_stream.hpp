#pragma once
// A randomised policy's own deterministic stream of the scenario seed: one std::mt19937_64 per policy instance,
// seeded from the seed mixed with a per-policy tag (splitmix64), so policies drawing from the same seed do not share
// draws and one policy's draws do not depend on another's.

#include <cstdint>
#include <random>

namespace racksim::policies {

inline std::mt19937_64 policy_stream(std::uint64_t seed, std::uint64_t tag) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (tag + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return std::mt19937_64(z ^ (z >> 31));
}

// Tags: one per randomised policy.
inline constexpr std::uint64_t random_placement_tag = 1;
inline constexpr std::uint64_t random_balancer_tag = 2;
inline constexpr std::uint64_t power_of_d_tag = 3;

} // namespace racksim::policies
