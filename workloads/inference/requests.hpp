#pragma once
// The requests of an inference service before any replica sees them: arrival times (Poisson, diurnal, or a trace
// file), prompt and output lengths, and the explicit service-time distribution of what-if studies
// (docs/inference.md). Every random draw comes from streams derived from the scenario seed. Plain C++.

#include "workloads/rng.hpp"
#include "workloads/spec.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::workloads {

// A malformed arrival trace or samples file: "path:line: message" (or "path: message").
class InferenceInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct InferenceRequest {
  std::int64_t id = 0; // arrival order, from 0
  double arrival_s = 0;
  std::int64_t prompt_tokens = 1;
  std::int64_t output_tokens = 1;
};

// One row of an arrival trace: `arrival_s[,prompt_tokens,output_tokens]`; token counts are -1 when not given.
struct ArrivalRow {
  double arrival_s = 0;
  std::int64_t prompt_tokens = -1, output_tokens = -1;
};
// Reads at most `limit` rows (0 = all). Blank lines and lines starting with '#' are skipped, and so is a first
// line that starts with a letter (a header). Times must be finite, >= 0 and non-decreasing.
std::vector<ArrivalRow> read_arrival_trace(const std::string& path, long limit);

// One positive sample (seconds) per line, same comment rules; at least one sample.
std::vector<double> read_samples(const std::string& path);

std::int64_t sample_tokens(const TokenSpec& spec, Rng& rng);

// The service's requests in arrival order. Streams: "inference.arrivals", "inference.prompt_tokens",
// "inference.output_tokens". A trace's own token counts replace the drawn ones where given.
std::vector<InferenceRequest> generate_requests(const InferenceSpec& spec, std::uint64_t seed);

// Explicit service times (spec.service_time != none).
class ServiceTimeSampler {
 public:
  ServiceTimeSampler(const InferenceSpec& spec, std::uint64_t seed); // stream "inference.service_time"
  double sample();
  // The distribution's mean (deterministic: the value; empirical: the samples' mean).
  double mean() const;

 private:
  ServiceTimeDistribution kind_;
  double mean_s_, sigma_;
  std::vector<double> samples_;
  Rng rng_;
};

} // namespace racksim::workloads
