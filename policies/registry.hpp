#pragma once
// Policies are found by snake_case name in explicit registries; an unknown name is an error listing the
// valid ones. Adding a policy = one .hpp/.cpp in policies/<kind>/ plus one line in registry.cpp.

#include "policies/failover.hpp"
#include "policies/autoscaler.hpp"
#include "policies/load_balancer.hpp"
#include "policies/params.hpp"
#include "policies/placement.hpp"
#include "policies/scheduler.hpp"

#include <functional>
#include <memory>
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
  struct Entry {
    std::string name;
    std::string doc; // one line
    std::function<std::unique_ptr<T>(const PolicyParams&)> make;
  };
  Registry(std::string kind, std::vector<Entry> entries) : kind_(std::move(kind)), entries_(std::move(entries)) {}

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

 private:
  std::string kind_;
  std::vector<Entry> entries_;
};

const Registry<Scheduler>& schedulers();
const Registry<Placement>& placements();
const Registry<LoadBalancer>& load_balancers();
const Registry<Failover>& failovers();
const Registry<Autoscaler>& autoscalers();

} // namespace racksim::policies
