#pragma once
// The failure model: when components fail and for how long (docs/failures.md). Pure: no SimGrid. The engine
// fills ComponentCounts from the topology, pulls events from a FailureProcess in time order, and applies them
// (host/link off and on, correlated domains, failover); nothing here knows what a failure does.

#include "workloads/rng.hpp"
#include "workloads/traces/trace_reader.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace racksim::workloads {

// What can fail. Indices are per class: gpu 0..gpus-1, node 0..nodes-1, and so on (the engine's topology numbering).
enum class ComponentClass { gpu, node, nic, link, leaf, spine, rack_power, storage };
inline constexpr std::size_t kNumComponentClasses = 8;
inline constexpr std::array<ComponentClass, kNumComponentClasses> kAllComponentClasses{
    ComponentClass::gpu,  ComponentClass::node,  ComponentClass::nic,        ComponentClass::link,
    ComponentClass::leaf, ComponentClass::spine, ComponentClass::rack_power, ComponentClass::storage};

inline constexpr std::size_t class_index(ComponentClass c) {
  return static_cast<std::size_t>(c);
}
const char* to_string(ComponentClass c);
// Every class with its scenario and trace name ("gpu", "rack_power", ...), in declaration order.
std::vector<std::pair<std::string, ComponentClass>> component_class_names();

// Up-time distributions; every one is parameterised by its MEAN (the MTBF) and, for weibull and lognormal, a shape.
enum class UptimeDistribution { exponential, weibull, lognormal };
// Repair-time distributions, parameterised by their mean (lognormal also by sigma).
enum class RepairDistribution { deterministic, exponential, lognormal };
enum class FailurePreset { none, llama3_54d };

std::vector<std::pair<std::string, UptimeDistribution>> uptime_distribution_names();
std::vector<std::pair<std::string, RepairDistribution>> repair_distribution_names();
std::vector<std::pair<std::string, FailurePreset>> failure_preset_names();

// One class's failure law: every component of the class is an independent renewal process
// (up-time ~ distribution with mean mtbf_s, then a repair with mean repair_s, then the next up-time).
struct ClassFailureSpec {
  double mtbf_s = 0; // mean up-time of ONE component; 0 = this class never fails (unless a preset sets it)
  UptimeDistribution distribution = UptimeDistribution::exponential;
  double shape = 1;       // weibull: k; lognormal: sigma of ln(up-time); ignored for exponential
  double repair_s = 3600; // mean repair (down) time
  RepairDistribution repair_distribution = RepairDistribution::deterministic;
  double repair_sigma = 1; // lognormal repair: sigma of ln(repair time)
};

// The scenario's `failures` section.
struct FailureSpec {
  FailurePreset preset = FailurePreset::none; // llama3_54d: MTBFs of gpu, node, nic, link, leaf from Llama 3 Table 5
  double rate_scale = 1; // every failure rate x this (every MTBF / this); trace events are not scaled
  std::string trace;     // CSV of failures to replay (time,component,duration); empty = none
  std::array<ClassFailureSpec, kNumComponentClasses> classes{};

  ClassFailureSpec& of(ComponentClass c) { return classes[class_index(c)]; }
  const ClassFailureSpec& of(ComponentClass c) const { return classes[class_index(c)]; }
};

// How many components of each class the platform has (the engine fills it from the topology).
struct ComponentCounts {
  std::array<int, kNumComponentClasses> n{};
  int& operator[](ComponentClass c) { return n[class_index(c)]; }
  int operator[](ComponentClass c) const { return n[class_index(c)]; }
};

struct FailureEvent {
  double time_s = 0;
  ComponentClass cls = ComponentClass::gpu;
  int index = 0;
  double repair_s = 0; // the component is down during [time_s, time_s + repair_s)
  std::string cause;   // preset: the Llama 3 cause ("Faulty GPU", ...); trace: "trace"; otherwise "random"
};

// One row of Llama 3 Table 5 (Dubey et al., "The Llama 3 Herd of Models", 2024): 419 unexpected interruptions of
// a 16,384-GPU job in 54 days, by root cause, with the class racksim charges it to.
struct FailureCause {
  const char* name;
  const char* category; // the paper's column: "Faulty GPU" is "GPU", etc.
  ComponentClass cls;
  int count;
  bool hardware; // confirmed or suspected hardware (the paper: ~78% of interruptions)
};
const std::vector<FailureCause>& llama3_causes();
// The row of a preset event's cause (its category and hardware flag, for labelling); nullptr for "random", "trace".
const FailureCause* find_llama3_cause(std::string_view name);
inline constexpr double kLlama3WindowS = 54 * 86400.0;
// The 16,384-GPU cluster of the Llama 3 snapshot, in racksim's classes (docs/failures.md says how each is counted).
ComponentCounts llama3_reference_counts();

// The per-class laws after the preset and rate_scale: what the process draws from. Throws std::invalid_argument
// on a spec the scenario layer should have rejected (negative MTBF, weibull shape <= 0, rate_scale <= 0, ...).
std::array<ClassFailureSpec, kNumComponentClasses> effective_classes(const FailureSpec& spec);
// Long-run expected failures of the stochastic part in a window: sum over classes of n x window / (mtbf + repair).
double expected_failures(const FailureSpec& spec, const ComponentCounts& counts, double window_s);

// A malformed failure trace: "file:line: field 'x': what is wrong" (a TraceError, so the CLI reports it as input).
class FailureTraceError : public TraceError {
 public:
  using TraceError::TraceError;
};

// Reads a failure trace: CSV with a header naming the columns time, component, duration (any order, extra columns
// ignored); component is class:index; times and durations in seconds, >= 0. Rows need not be sorted: they come
// back sorted by (time, file order). An index beyond `counts` is an error.
std::vector<FailureEvent> read_failure_trace(const std::string& path, const ComponentCounts& counts);

// The failures of a run, lazily, in time order. Same (spec, counts, seed) => same events. Each component with a
// positive MTBF draws from its own stream (Rng::stream(seed, "failures/<class>:<index>")); a min-heap over those
// components makes each event O(log n). Trace events are merged in. Same-time order: trace events first, then
// by (class, index).
class FailureProcess {
 public:
  FailureProcess(const FailureSpec& spec, const ComponentCounts& counts, std::uint64_t seed);
  std::optional<FailureEvent> next();
  std::size_t stochastic_components() const { return heap_.size(); }

 private:
  struct Pending {
    double time_s;
    ComponentClass cls;
    int index;
    Rng rng;
    bool operator>(const Pending& o) const {
      if (time_s != o.time_s) return time_s > o.time_s;
      if (cls != o.cls) return cls > o.cls;
      return index > o.index;
    }
  };
  double draw_uptime(ComponentClass c, Rng& rng) const;
  double draw_repair(ComponentClass c, Rng& rng) const;
  std::string draw_cause(ComponentClass c, Rng& rng) const;

  std::array<ClassFailureSpec, kNumComponentClasses> classes_;
  std::array<double, kNumComponentClasses> weibull_scale_{};
  std::array<std::vector<std::pair<std::string, int>>, kNumComponentClasses> causes_; // preset: (name, count)
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> heap_;
  std::vector<FailureEvent> trace_;
  std::size_t trace_next_ = 0;
};

} // namespace racksim::workloads
