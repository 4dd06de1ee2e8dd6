#pragma once
// Synthetic training jobs: Poisson arrivals, GPU counts from a weighted list, durations from a distribution.
// Deterministic for a given seed on every platform (own samplers, no std:: distributions).

#include "workloads/job.hpp"
#include "workloads/spec.hpp"

#include <cstdint>
#include <vector>

namespace racksim::workloads {

std::vector<JobSpec> generate_synthetic(const SyntheticSpec& spec, std::uint64_t seed);

} // namespace racksim::workloads
