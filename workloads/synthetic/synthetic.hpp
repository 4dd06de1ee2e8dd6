#pragma once
// Synthetic training jobs: arrivals (Poisson, diurnal by thinning, two-state MMPP) scaled by a load factor; GPU
// counts from a weighted list and durations from a distribution, or (GPUs, duration) rows resampled from a trace.
// Deterministic for a given seed on every platform (own samplers, no std:: distributions). docs/workload-model.md.

#include "workloads/job.hpp"
#include "workloads/spec.hpp"

#include <climits>
#include <cstdint>
#include <utility>
#include <vector>

namespace racksim::workloads {

// max_gpus: the cluster size; with sizes empirical, trace rows asking for more are never drawn. A trace that
// cannot be read, or has no row that fits, throws TraceError.
std::vector<JobSpec> generate_synthetic(const SyntheticSpec& spec, std::uint64_t seed, int max_gpus = INT_MAX);

// The (GPUs, duration) rows sizes empirical draws from, in the trace's (submit, id) order.
std::vector<std::pair<int, double>> empirical_rows(const SyntheticSpec& spec, int max_gpus);

} // namespace racksim::workloads
