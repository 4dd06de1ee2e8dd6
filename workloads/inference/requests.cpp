// Arrival processes, token-length and service-time distributions (docs/inference.md).

#include "workloads/inference/requests.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numeric>
#include <string_view>

namespace racksim::workloads {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::ifstream open_or_throw(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) throw InferenceInputError(path + ": cannot open " + what + ": " + std::strerror(errno));
  return in;
}

std::string where(const std::string& path, long line) {
  return path + ":" + std::to_string(line) + ": ";
}

double parse_double(std::string_view text, const std::string& at, const char* field) {
  text = trim(text);
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v))
    throw InferenceInputError(at + field + ": expected a number of seconds, got '" + std::string(text) + "'");
  return v;
}

std::int64_t parse_tokens(std::string_view text, const std::string& at, const char* field) {
  text = trim(text);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || v < 1)
    throw InferenceInputError(at + field + ": expected a positive integer, got '" + std::string(text) + "'");
  return v;
}

// Calls row(line_number, text) for every line that is not blank, a comment or a leading header, until it returns
// false.
template <class F>
void for_each_row(std::ifstream& in, F&& row) {
  std::string line;
  long number = 0;
  bool first = true;
  while (std::getline(in, line)) {
    ++number;
    const std::string_view text = trim(line);
    if (text.empty() || text.front() == '#') continue;
    if (first && std::isalpha(static_cast<unsigned char>(text.front()))) {
      first = false;
      continue; // header
    }
    first = false;
    if (!row(number, text)) return;
  }
}

} // namespace

std::vector<ArrivalRow> read_arrival_trace(const std::string& path, long limit) {
  auto in = open_or_throw(path, "arrival trace");
  std::vector<ArrivalRow> rows;
  double previous = 0;
  for_each_row(in, [&](long number, std::string_view text) {
    if (limit > 0 && static_cast<long>(rows.size()) >= limit) return false;
    const std::string at = where(path, number);
    std::vector<std::string_view> fields;
    for (std::size_t start = 0;;) {
      const std::size_t comma = text.find(',', start);
      fields.push_back(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (fields.size() != 1 && fields.size() != 3)
      throw InferenceInputError(at + "expected 'arrival_s' or 'arrival_s,prompt_tokens,output_tokens', got " +
                                std::to_string(fields.size()) + " fields");
    ArrivalRow row;
    row.arrival_s = parse_double(fields[0], at, "arrival_s");
    if (row.arrival_s < 0)
      throw InferenceInputError(at + "arrival_s: must be >= 0, got " + std::string(trim(fields[0])));
    if (row.arrival_s < previous)
      throw InferenceInputError(at + "arrival_s: " + std::string(trim(fields[0])) +
                                " is earlier than the previous row's; arrivals must be in time order");
    previous = row.arrival_s;
    if (fields.size() == 3) {
      row.prompt_tokens = parse_tokens(fields[1], at, "prompt_tokens");
      row.output_tokens = parse_tokens(fields[2], at, "output_tokens");
    }
    rows.push_back(row);
    return true;
  });
  if (in.bad()) throw InferenceInputError(path + ": read error");
  if (rows.empty()) throw InferenceInputError(path + ": no arrivals in the trace");
  return rows;
}

std::vector<double> read_samples(const std::string& path) {
  auto in = open_or_throw(path, "service-time samples");
  std::vector<double> samples;
  for_each_row(in, [&](long number, std::string_view text) {
    const std::string at = where(path, number);
    const double v = parse_double(text, at, "service time");
    if (!(v > 0)) throw InferenceInputError(at + "service time: must be > 0, got " + std::string(text));
    samples.push_back(v);
    return true;
  });
  if (in.bad()) throw InferenceInputError(path + ": read error");
  if (samples.empty()) throw InferenceInputError(path + ": no samples");
  return samples;
}

std::int64_t sample_tokens(const TokenSpec& spec, Rng& rng) {
  double v = 0;
  switch (spec.distribution) {
  case TokenDistribution::constant:
    v = static_cast<double>(spec.median);
    break;
  case TokenDistribution::uniform:
    v = static_cast<double>(spec.min) + std::floor(rng.uniform() * static_cast<double>(spec.max - spec.min + 1));
    break;
  case TokenDistribution::lognormal:
    v = std::round(rng.lognormal(static_cast<double>(spec.median), spec.sigma));
    break;
  }
  return std::clamp(static_cast<std::int64_t>(v), static_cast<std::int64_t>(std::max(1L, spec.min)),
                    static_cast<std::int64_t>(std::max(spec.min, spec.max)));
}

std::vector<InferenceRequest> generate_requests(const InferenceSpec& spec, std::uint64_t seed) {
  Rng arrivals = Rng::stream(seed, "inference.arrivals");
  Rng prompts = Rng::stream(seed, "inference.prompt_tokens");
  Rng outputs = Rng::stream(seed, "inference.output_tokens");
  std::vector<InferenceRequest> out;
  const auto limit_reached = [&](double t) {
    return (spec.requests > 0 && static_cast<long>(out.size()) >= spec.requests) ||
           (spec.duration_s > 0 && t > spec.duration_s);
  };
  const auto push = [&](double t, std::int64_t prompt, std::int64_t output) {
    InferenceRequest r;
    r.id = static_cast<std::int64_t>(out.size());
    r.arrival_s = t;
    // Both streams advance for every request, so a trace's own lengths do not shift the others' draws.
    const std::int64_t p = sample_tokens(spec.prompt_tokens, prompts);
    const std::int64_t o = sample_tokens(spec.output_tokens, outputs);
    r.prompt_tokens = prompt > 0 ? prompt : p;
    r.output_tokens = output > 0 ? output : o;
    out.push_back(r);
  };
  switch (spec.arrival) {
  case ArrivalProcess::trace:
    for (const ArrivalRow& row : read_arrival_trace(spec.trace_path, spec.requests)) {
      if (spec.duration_s > 0 && row.arrival_s > spec.duration_s) break;
      push(row.arrival_s, row.prompt_tokens, row.output_tokens);
    }
    break;
  case ArrivalProcess::poisson:
  case ArrivalProcess::diurnal: {
    if (spec.requests <= 0 && !(spec.duration_s > 0))
      throw std::invalid_argument("inference arrivals need requests > 0 or duration > 0");
    if (!(spec.rate_per_s > 0)) throw std::invalid_argument("inference arrival rate must be positive");
    const bool diurnal = spec.arrival == ArrivalProcess::diurnal;
    double t = 0;
    for (;;) {
      // Diurnal: thinning (Lewis and Shedler), shared with the synthetic job generator (workloads/rng.hpp).
      t = diurnal ? next_sine_arrival(arrivals, t, spec.rate_per_s, spec.diurnal_amplitude, spec.diurnal_period_s, 0)
                  : t + arrivals.exponential(1 / spec.rate_per_s);
      if (limit_reached(t)) break;
      push(t, -1, -1);
    }
    break;
  }
  }
  return out;
}

ServiceTimeSampler::ServiceTimeSampler(const InferenceSpec& spec, std::uint64_t seed)
    : kind_(spec.service_time), mean_s_(spec.service_time_mean_s), sigma_(spec.service_time_sigma),
      rng_(Rng::stream(seed, "inference.service_time")) {
  if (kind_ == ServiceTimeDistribution::empirical) samples_ = read_samples(spec.service_time_path);
}

double ServiceTimeSampler::sample() {
  switch (kind_) {
  case ServiceTimeDistribution::none:
  case ServiceTimeDistribution::deterministic:
    return mean_s_;
  case ServiceTimeDistribution::exponential:
    return rng_.exponential(mean_s_);
  case ServiceTimeDistribution::lognormal:
    return rng_.lognormal(mean_s_, sigma_);
  case ServiceTimeDistribution::empirical: {
    const auto i = static_cast<std::size_t>(rng_.uniform() * static_cast<double>(samples_.size()));
    return samples_[std::min(i, samples_.size() - 1)];
  }
  }
  return mean_s_;
}

double ServiceTimeSampler::mean() const {
  switch (kind_) {
  case ServiceTimeDistribution::lognormal:
    return mean_s_ * std::exp(sigma_ * sigma_ / 2);
  case ServiceTimeDistribution::empirical:
    return std::accumulate(samples_.begin(), samples_.end(), 0.0) / static_cast<double>(samples_.size());
  default:
    return mean_s_;
  }
}

} // namespace racksim::workloads
