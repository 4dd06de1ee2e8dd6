#pragma once
// Policies are found by snake_case name in explicit registries; an unknown name is an error listing the
// valid ones. An entry also carries the policy's settings (ParamSpecs, params.hpp) and its check, which the scenario
// loader asks for. Adding a policy = one .hpp/.cpp in policies/<kind>/ plus one line in registry.cpp.

#include "policies/autoscaler.hpp"
#include "policies/failover.hpp"
#include "policies/load_balancer.hpp"
#include "policies/params.hpp"
#include "policies/placement.hpp"
#include "policies/scheduler.hpp"

#include <algorithm>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace racksim::policies {

class UnknownPolicy : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

template <class T>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<T>(const PolicyParams&)>;
  struct Entry {
    // A constructor rather than default member initialisers: GCC 12 crashes (nothrow_spec_p) on those here.
    Entry(std::string name, std::string doc, Factory make, std::vector<ParamSpec> params = {}, PolicyCheck check = {})
        : name(std::move(name)), doc(std::move(doc)), make(std::move(make)), params(std::move(params)),
          check(std::move(check)) {}
    std::string name;
    std::string doc; // one line
    Factory make;
    std::vector<ParamSpec> params; // its own settings, in the order the scenario lists them
    PolicyCheck check;             // optional
  };
  // shared: settings of the whole kind (read by several of its policies, or applied by the engine to all of them),
  // listed after the entries' own.
  Registry(std::string kind, std::vector<Entry> entries, std::vector<ParamSpec> shared = {})
      : kind_(std::move(kind)), entries_(std::move(entries)), shared_(std::move(shared)) {}

  std::unique_ptr<T> create(std::string_view name, const PolicyParams& params = {}) const {
    for (const auto& e : entries_)
      if (e.name == name) return e.make(params);
    throw UnknownPolicy("unknown " + kind_ + " '" + std::string(name) + "' (valid: " + names_joined() + ")");
  }
  bool contains(std::string_view name) const {
    for (const auto& e : entries_)
      if (e.name == name) return true;
    return false;
  }
  const std::vector<Entry>& entries() const { return entries_; }
  std::string names_joined() const {
    std::string out;
    for (const auto& e : entries_)
      out += (out.empty() ? "" : ", ") + e.name;
    return out;
  }

  // Every setting of the kind: each entry's own in registry order, then the shared ones.
  std::vector<ParamSpec> params() const {
    std::vector<ParamSpec> out;
    for (const auto& e : entries_)
      out.insert(out.end(), e.params.begin(), e.params.end());
    out.insert(out.end(), shared_.begin(), shared_.end());
    return out;
  }

  // Every entry's check, in registry order (chosen: the scenario's policy of this kind). An entry whose own
  // settings did not all read cleanly (valid(path) false) is skipped, so a bad value is not reported twice.
  std::vector<ParamProblem> check(const PolicyParams& params, std::string_view chosen, std::optional<int> replicas,
                                  const std::function<bool(const std::string&)>& valid) const {
    std::vector<ParamProblem> out;
    for (const auto& e : entries_) {
      if (!e.check || !std::all_of(e.params.begin(), e.params.end(), [&](const ParamSpec& p) { return valid(p.path); }))
        continue;
      auto problems = e.check(params, CheckContext{e.name == chosen, replicas});
      out.insert(out.end(), std::make_move_iterator(problems.begin()), std::make_move_iterator(problems.end()));
    }
    return out;
  }

 private:
  std::string kind_;
  std::vector<Entry> entries_;
  std::vector<ParamSpec> shared_;
};

const Registry<Scheduler>& schedulers();
const Registry<Placement>& placements();
const Registry<LoadBalancer>& load_balancers();
const Registry<Failover>& failovers();
const Registry<Autoscaler>& autoscalers();

} // namespace racksim::policies
