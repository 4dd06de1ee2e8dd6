#pragma once
// The settings a policy is built with, and how a policy declares them, so policies stay free of YAML and SimGrid.
//
// A policy with settings owns a typed struct of them (its default member values are the scenario's defaults) and
// a list of ParamSpecs on its registry entry (registry.cpp): for each field, the scenario setting it is read from,
// its type, range, unit, one-line doc and an optional check of the value. sim/config turns every ParamSpec into a
// scenario setting, so a new policy's settings are parsed, validated, overridable with --set, written to the
// resolved YAML and explained by `racksim validate --explain` without a change there. A check that needs several
// settings or the scenario around the policy (PolicyCheck) sits on the registry entry too. docs/scheduling.md
// describes each scheduler's settings.

#include <any>
#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <typeindex>
#include <variant>
#include <vector>

namespace racksim::policies {

// What every policy factory is given: the scenario's seed, the settings the engine applies around the policies,
// and each policy's own typed settings.
struct PolicyParams {
  std::uint64_t seed = 1; // the scenario's seed: randomised policies draw from their own stream of it

  // Applied by the engine, not read by a policy: policies.preemption.* (to every preempting scheduler) and the
  // failover.* settings the engine carries out (declared with the failover policies, failover_policies.cpp).
  double preemption_checkpoint_s = 0;    // saving a preempted job; 0 = its checkpoint write on its storage tier
  double preemption_restart_s = 60;      // relaunching it (container start, checkpoint load)
  double failover_restart_delay_s = 300; // requeue, checkpoint_restart: detection + relaunch before compute resumes
  int failover_spare_nodes = 0;          // hot_spare: nodes held out of scheduling as the spare pool
  int failover_max_restarts = 0;         // a job interrupted after this many restarts fails; 0 = no limit

  // A policy's own settings, by their struct type: the values set, else a default-constructed P.
  template <class P>
  const P& get() const {
    const auto it = own_.find(typeid(P));
    if (it != own_.end()) return std::any_cast<const P&>(it->second);
    static const P defaults{};
    return defaults;
  }
  template <class P>
  P& get() {
    return std::any_cast<P&>(own_.try_emplace(typeid(P), P{}).first->second);
  }

 private:
  std::map<std::type_index, std::any> own_;
};

enum class ParamType { integer, real, boolean, string, time, real_list };

// A setting's value: the same alternatives as sim/config's SettingValue (it is the same type), so values pass
// between the scenario loader and the policies unchanged.
using ParamValue = std::variant<bool, std::int64_t, std::uint64_t, double, std::string, std::vector<std::int64_t>,
                                std::vector<double>>;

struct ParamBound {
  double value = 0;
  bool inclusive = true;
};
// Applies to numbers, times (in seconds) and each item of a list.
struct ParamRange {
  std::optional<ParamBound> min;
  std::optional<ParamBound> max;
};
inline ParamRange unbounded() {
  return {};
}
inline ParamRange at_least(double v) {
  return {ParamBound{v, true}, std::nullopt};
}
inline ParamRange above(double v) {
  return {ParamBound{v, false}, std::nullopt};
}
inline ParamRange left_open(double lo, double hi) {
  return {ParamBound{lo, false}, ParamBound{hi, true}};
}

// What is wrong with a value that parsed (its own syntax, e.g. "alice=2,vc3=1"), without the setting's name; ""
// when it is fine.
using ValueCheck = std::function<std::string(const ParamValue&)>;

struct ParamSpec {
  std::string path; // the scenario setting, e.g. "policies.srtf.min_gap"
  ParamType type = ParamType::real;
  ParamRange range;
  std::string unit;                     // what a plain number counts ("replicas"); times carry their unit in the value
  std::string doc;                      // one line: `racksim validate --explain` and docs/scenario-reference.md
  std::int64_t integer_max = INT64_MAX; // integers: what the field can hold
  ValueCheck check;                     // optional
  std::function<ParamValue(const PolicyParams&)> get;
  std::function<void(PolicyParams&, const ParamValue&)> set;
};

// A ParamSpec for one field of a policy's settings struct P (or of PolicyParams itself, for the settings the
// engine applies).
template <class P, class T>
ParamSpec param(std::string path, ParamType type, T P::*field, ParamRange range, std::string unit, std::string doc,
                ValueCheck check = {}) {
  static_assert(std::is_same_v<T, bool> || std::is_same_v<T, int> || std::is_same_v<T, double> ||
                std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<double>>);
  const auto own = [](auto& params) -> auto& {
    if constexpr (std::is_same_v<P, PolicyParams>)
      return params;
    else
      return params.template get<P>();
  };
  ParamSpec s;
  s.path = std::move(path);
  s.type = type;
  s.range = range;
  s.unit = std::move(unit);
  s.doc = std::move(doc);
  if constexpr (std::is_same_v<T, int>) s.integer_max = INT_MAX;
  s.check = std::move(check);
  s.get = [own, field](const PolicyParams& params) -> ParamValue {
    if constexpr (std::is_same_v<T, int>)
      return std::int64_t{own(params).*field};
    else
      return own(params).*field;
  };
  // The cast cannot truncate: the scenario loader has checked integer_max.
  s.set = [own, field](PolicyParams& params, const ParamValue& v) {
    if constexpr (std::is_same_v<T, int>)
      own(params).*field = static_cast<int>(std::get<std::int64_t>(v));
    else
      own(params).*field = std::get<T>(v);
  };
  return s;
}

// Where the scenario around a policy stands, for a PolicyCheck.
struct CheckContext {
  bool chosen = false;         // this policy is the one the scenario selects
  std::optional<int> replicas; // inference replicas that get GPUs (load balancers); unknown when a setting is bad
};

// A problem found by a PolicyCheck: the whole message (it starts with the setting's name), located at the first
// of `at` that the scenario wrote.
struct ParamProblem {
  std::vector<std::string> at;
  std::string message;
};

// A check across a policy's settings, or of them against the scenario. It runs whether or not its policy is
// chosen (a value written must make sense; context.chosen tells a check that only matters for the chosen one),
// and not when one of its policy's settings is itself invalid.
using PolicyCheck = std::function<std::vector<ParamProblem>(const PolicyParams&, const CheckContext&)>;

} // namespace racksim::policies
