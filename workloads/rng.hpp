#pragma once
// Per-component random streams derived from the scenario seed (never global state). Samplers are written
// here rather than taken from <random> so that results are identical across standard libraries.

#include <cmath>
#include <cstdint>
#include <string_view>

namespace racksim::workloads {

// SplitMix64: small, fast, well-distributed; used both to derive stream seeds and as the stream itself.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  // A stream for one named component: same (seed, name) => same stream.
  static Rng stream(std::uint64_t seed, std::string_view component) {
    std::uint64_t h = 1469598103934665603ULL; // FNV-1a of the name
    for (char c : component)
      h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    Rng mix(seed ^ h);
    return Rng(mix.next());
  }
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in (0, 1): never 0, so log() is safe.
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
  double exponential(double mean) { return -mean * std::log(uniform()); }
  double normal() { // Box-Muller, one value per call
    const double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double lognormal(double median, double sigma) { return median * std::exp(sigma * normal()); }

 private:
  std::uint64_t state_;
};

// The first arrival after t of a non-homogeneous Poisson process with rate(t) = base x (1 + amplitude x
// sin(2 pi (t - phase) / period)), 0 <= amplitude <= 1, by thinning (Lewis and Shedler 1979): candidates at the
// peak rate base x (1 + amplitude), each kept with probability rate(t) / peak. Exact, two draws per candidate.
// Shared by the synthetic job generator and the inference service.
inline double next_sine_arrival(Rng& rng, double t, double base, double amplitude, double period, double phase) {
  const double peak = base * (1 + amplitude);
  for (;;) {
    t += rng.exponential(1 / peak);
    const double rate = base * (1 + amplitude * std::sin(6.283185307179586 * (t - phase) / period));
    if (!(rng.uniform() * peak > rate)) return t;
  }
}

} // namespace racksim::workloads
