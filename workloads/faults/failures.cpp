#include "workloads/faults/failures.hpp"

#include "workloads/csv_line.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <stdexcept>
#include <string_view>

namespace racksim::workloads {
namespace {

const std::array<const char*, kNumComponentClasses> kClassNames{"gpu",  "node",  "nic",        "link",
                                                                "leaf", "spine", "rack_power", "storage"};

std::string shown(std::string_view value) {
  constexpr std::size_t kMaxShown = 40;
  if (value.size() <= kMaxShown) return std::string(value);
  return std::string(value.substr(0, kMaxShown)) + "...";
}

void check_class(ComponentClass c, const ClassFailureSpec& s) {
  const std::string name = std::string("failures.") + to_string(c);
  if (!(s.mtbf_s >= 0) || !std::isfinite(s.mtbf_s)) throw std::invalid_argument(name + ".mtbf must be >= 0");
  if (s.distribution != UptimeDistribution::exponential && !(s.shape > 0))
    throw std::invalid_argument(name + ".shape must be > 0 for weibull and lognormal");
  if (!(s.repair_s >= 0) || !std::isfinite(s.repair_s)) throw std::invalid_argument(name + ".repair must be >= 0");
  if (s.repair_distribution == RepairDistribution::lognormal && !(s.repair_sigma >= 0))
    throw std::invalid_argument(name + ".repair_sigma must be >= 0");
}

} // namespace

const char* to_string(ComponentClass c) {
  return kClassNames[class_index(c)];
}

std::vector<std::pair<std::string, ComponentClass>> component_class_names() {
  std::vector<std::pair<std::string, ComponentClass>> out;
  for (const auto c : kAllComponentClasses)
    out.emplace_back(to_string(c), c);
  return out;
}

std::vector<std::pair<std::string, UptimeDistribution>> uptime_distribution_names() {
  return {{"exponential", UptimeDistribution::exponential},
          {"weibull", UptimeDistribution::weibull},
          {"lognormal", UptimeDistribution::lognormal}};
}

std::vector<std::pair<std::string, RepairDistribution>> repair_distribution_names() {
  return {{"deterministic", RepairDistribution::deterministic},
          {"exponential", RepairDistribution::exponential},
          {"lognormal", RepairDistribution::lognormal}};
}

std::vector<std::pair<std::string, FailurePreset>> failure_preset_names() {
  return {{"none", FailurePreset::none}, {"llama3_54d", FailurePreset::llama3_54d}};
}

// Table 5 of the Llama 3 paper, in the paper's order. The counts sum to 419, the total the text gives. The
// paper prints 30.1% for "Faulty GPU", which is 126/419; 148/419 is 35.3%, and the other rows' percentages are
// count/419 — docs/failures.md discusses the discrepancy. "Network Switch/Cable" (35) is split between the link
// class (28: cables and optics) and the leaf class (7: switches); the paper gives no split, this is an assumption.
const std::vector<FailureCause>& llama3_causes() {
  using C = ComponentClass;
  static const std::vector<FailureCause> causes{
      {"Faulty GPU", "GPU", C::gpu, 148, true},
      {"GPU HBM3 Memory", "GPU", C::gpu, 72, true},
      {"Software Bug", "Dependency", C::node, 54, false},
      {"Network Switch/Cable (cable)", "Network", C::link, 28, true},
      {"Network Switch/Cable (switch)", "Network", C::leaf, 7, true},
      {"Host Maintenance", "Unplanned Maintenance", C::node, 32, false},
      {"GPU SRAM Memory", "GPU", C::gpu, 19, true},
      {"GPU System Processor", "GPU", C::gpu, 17, true},
      {"NIC", "Host", C::nic, 7, true},
      {"NCCL Watchdog Timeouts", "Unknown", C::node, 7, false},
      {"Silent Data Corruption", "GPU", C::gpu, 6, true},
      {"GPU Thermal Interface + Sensor", "GPU", C::gpu, 6, true},
      {"SSD", "Host", C::node, 3, true},
      {"Power Supply", "Host", C::node, 3, true},
      {"Server Chassis", "Host", C::node, 2, true},
      {"IO Expansion Board", "Host", C::node, 2, true},
      {"Dependency", "Dependency", C::node, 2, false},
      {"CPU", "Host", C::node, 2, true},
      {"System Memory", "Host", C::node, 2, true},
  };
  return causes;
}

const FailureCause* find_llama3_cause(std::string_view name) {
  for (const auto& cause : llama3_causes())
    if (name == cause.name) return &cause;
  return nullptr;
}

// 16,384 H100 GPUs in 2,048 nodes of 8; one 400G NIC per GPU; 16 GPUs (2 nodes) per rack behind one ToR switch
// (1,024 racks); links counted as one NIC-to-leaf cable per GPU plus one leaf uplink per GPU (leaves are not
// oversubscribed in the paper's pods). Classes the preset does not use are 0.
ComponentCounts llama3_reference_counts() {
  ComponentCounts n;
  n[ComponentClass::gpu] = 16384;
  n[ComponentClass::node] = 2048;
  n[ComponentClass::nic] = 16384;
  n[ComponentClass::link] = 2 * 16384;
  n[ComponentClass::leaf] = 1024;
  return n;
}

std::array<ClassFailureSpec, kNumComponentClasses> effective_classes(const FailureSpec& spec) {
  if (!(spec.rate_scale > 0) || !std::isfinite(spec.rate_scale))
    throw std::invalid_argument("failures.rate_scale must be > 0");
  auto classes = spec.classes;
  for (const auto c : kAllComponentClasses)
    check_class(c, spec.of(c));
  if (spec.preset == FailurePreset::llama3_54d) {
    std::array<int, kNumComponentClasses> count{};
    for (const auto& cause : llama3_causes())
      count[class_index(cause.cls)] += cause.count;
    const auto reference = llama3_reference_counts();
    for (const auto c : kAllComponentClasses) {
      if (count[class_index(c)] == 0) continue;
      if (spec.of(c).mtbf_s > 0)
        throw std::invalid_argument(std::string("failures.") + to_string(c) +
                                    ".mtbf: the preset llama3_54d sets this class's MTBF; leave it at 0");
      classes[class_index(c)].mtbf_s = reference[c] * kLlama3WindowS / count[class_index(c)];
    }
  }
  for (auto& cl : classes)
    cl.mtbf_s /= spec.rate_scale;
  return classes;
}

double expected_failures(const FailureSpec& spec, const ComponentCounts& counts, double window_s) {
  const auto classes = effective_classes(spec);
  double total = 0;
  for (const auto c : kAllComponentClasses) {
    const auto& cl = classes[class_index(c)];
    if (cl.mtbf_s > 0) total += counts[c] * window_s / (cl.mtbf_s + cl.repair_s);
  }
  return total;
}

std::vector<FailureEvent> read_failure_trace(const std::string& path, const ComponentCounts& counts) {
  std::ifstream in(path);
  if (!in) throw FailureTraceError(path + ": cannot open failure trace");
  const auto where = [&](std::size_t line) { return path + ":" + std::to_string(line) + ": "; };
  std::string buf;
  std::size_t line_no = 0;
  // Header: the first non-blank line.
  std::vector<std::string> header;
  while (header.empty() && std::getline(in, buf)) {
    ++line_no;
    if (!buf.empty() && buf.back() == '\r') buf.pop_back();
    if (line_no == 1 && buf.starts_with("\xEF\xBB\xBF")) buf.erase(0, 3);
    if (trim_blanks(buf).empty()) continue;
    for (auto f : split_fields(buf))
      header.emplace_back(f);
  }
  if (header.empty())
    throw FailureTraceError(path + ": empty failure trace (expected a header time,component,duration)");
  const std::size_t header_line = line_no;
  const auto column = [&](const char* name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end())
      throw FailureTraceError(where(header_line) + "header: missing column '" + name +
                              "' (expected time,component,duration)");
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t col_time = column("time"), col_component = column("component"), col_duration = column("duration");

  std::vector<FailureEvent> events;
  while (std::getline(in, buf)) {
    ++line_no;
    if (!buf.empty() && buf.back() == '\r') buf.pop_back();
    if (trim_blanks(buf).empty()) continue;
    const auto fields = split_fields(buf);
    const auto fail = [&](const char* field, const std::string& what) {
      throw FailureTraceError(where(line_no) + "field '" + field + "': " + what);
    };
    if (fields.size() != header.size())
      throw FailureTraceError(where(line_no) + "expected " + std::to_string(header.size()) + " fields, got " +
                              std::to_string(fields.size()));
    const auto seconds = [&](const char* field, std::string_view text) {
      double v = 0;
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v))
        fail(field, "expected a number of seconds, got '" + shown(text) + "'");
      if (v < 0) fail(field, "must be >= 0, got '" + shown(text) + "'");
      return v;
    };
    FailureEvent e;
    e.time_s = seconds("time", fields[col_time]);
    e.repair_s = seconds("duration", fields[col_duration]);
    e.cause = "trace";
    const std::string_view comp = fields[col_component];
    const auto colon = comp.find(':');
    if (colon == std::string_view::npos)
      fail("component", "expected class:index such as node:12, got '" + shown(comp) + "'");
    const std::string_view cls = comp.substr(0, colon), idx = comp.substr(colon + 1);
    bool found = false;
    for (const auto c : kAllComponentClasses)
      if (cls == to_string(c)) {
        e.cls = c;
        found = true;
      }
    if (!found) {
      std::string valid;
      for (const auto c : kAllComponentClasses)
        valid += (valid.empty() ? "" : ", ") + std::string(to_string(c));
      fail("component", "unknown class '" + shown(cls) + "' (valid: " + valid + ")");
    }
    const auto [ptr, ec] = std::from_chars(idx.data(), idx.data() + idx.size(), e.index);
    if (idx.empty() || ec != std::errc() || ptr != idx.data() + idx.size() || e.index < 0)
      fail("component",
           "expected a non-negative integer index after '" + std::string(cls) + ":', got '" + shown(idx) + "'");
    if (e.index >= counts[e.cls])
      fail("component", "index " + std::to_string(e.index) + " out of range: the platform has " +
                            std::to_string(counts[e.cls]) + " " + std::string(cls) + " component(s)");
    events.push_back(std::move(e));
  }
  if (in.bad()) throw FailureTraceError(path + ": read error");
  std::stable_sort(events.begin(), events.end(),
                   [](const FailureEvent& a, const FailureEvent& b) { return a.time_s < b.time_s; });
  return events;
}

FailureProcess::FailureProcess(const FailureSpec& spec, const ComponentCounts& counts, std::uint64_t seed)
    : classes_(effective_classes(spec)) {
  for (const auto c : kAllComponentClasses) {
    const auto& cl = classes_[class_index(c)];
    if (cl.distribution == UptimeDistribution::weibull)
      weibull_scale_[class_index(c)] = cl.mtbf_s / std::tgamma(1 + 1 / cl.shape);
  }
  if (spec.preset == FailurePreset::llama3_54d)
    for (const auto& cause : llama3_causes())
      causes_[class_index(cause.cls)].emplace_back(cause.name, cause.count);
  std::vector<Pending> pending;
  std::string name; // reused: a 16,384-GPU cluster builds 16,384 stream names
  for (const auto c : kAllComponentClasses) {
    if (classes_[class_index(c)].mtbf_s <= 0 || counts[c] <= 0) continue;
    const std::string prefix = "failures/" + std::string(to_string(c)) + ":";
    for (int i = 0; i < counts[c]; ++i) {
      name.assign(prefix);
      name += std::to_string(i);
      Pending p{0, c, i, Rng::stream(seed, name)};
      p.time_s = draw_uptime(c, p.rng);
      pending.push_back(p);
    }
  }
  heap_ = decltype(heap_)(std::greater<>(), std::move(pending)); // heapify: O(n)
  if (!spec.trace.empty()) trace_ = read_failure_trace(spec.trace, counts);
}

double FailureProcess::draw_uptime(ComponentClass c, Rng& rng) const {
  const auto& cl = classes_[class_index(c)];
  switch (cl.distribution) {
  case UptimeDistribution::exponential:
    return rng.exponential(cl.mtbf_s);
  case UptimeDistribution::weibull: // inverse CDF: scale x (-ln U)^(1/k)
    return weibull_scale_[class_index(c)] * std::pow(-std::log(rng.uniform()), 1 / cl.shape);
  case UptimeDistribution::lognormal: // mean = median x exp(sigma^2 / 2)
    return rng.lognormal(cl.mtbf_s * std::exp(-cl.shape * cl.shape / 2), cl.shape);
  }
  return cl.mtbf_s;
}

double FailureProcess::draw_repair(ComponentClass c, Rng& rng) const {
  const auto& cl = classes_[class_index(c)];
  switch (cl.repair_distribution) {
  case RepairDistribution::deterministic:
    return cl.repair_s;
  case RepairDistribution::exponential:
    return rng.exponential(cl.repair_s);
  case RepairDistribution::lognormal:
    return rng.lognormal(cl.repair_s * std::exp(-cl.repair_sigma * cl.repair_sigma / 2), cl.repair_sigma);
  }
  return cl.repair_s;
}

std::string FailureProcess::draw_cause(ComponentClass c, Rng& rng) const {
  const auto& causes = causes_[class_index(c)];
  if (causes.empty()) return "random";
  int total = 0;
  for (const auto& [name, count] : causes)
    total += count;
  double u = rng.uniform() * total;
  for (const auto& [name, count] : causes) {
    if (u < count) return name;
    u -= count;
  }
  return causes.back().first;
}

std::optional<FailureEvent> FailureProcess::next() {
  const bool have_trace = trace_next_ < trace_.size();
  if (!have_trace && heap_.empty()) return std::nullopt;
  if (have_trace && (heap_.empty() || trace_[trace_next_].time_s <= heap_.top().time_s)) return trace_[trace_next_++];
  Pending p = heap_.top();
  heap_.pop();
  FailureEvent e;
  e.time_s = p.time_s;
  e.cls = p.cls;
  e.index = p.index;
  e.repair_s = draw_repair(p.cls, p.rng);
  e.cause = draw_cause(p.cls, p.rng);
  p.time_s += e.repair_s + draw_uptime(p.cls, p.rng);
  heap_.push(p);
  return e;
}

} // namespace racksim::workloads
