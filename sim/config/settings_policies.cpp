// policies.* and failover.*: which policy of each kind (names from the registries, policies/registry.cpp), the
// settings the engine applies around them, and each policy's own settings, declared by the policy itself
// (ParamSpec, policies/params.hpp) and listed here in registry order. Adding a policy changes nothing here.

#include "sim/config/settings_table.hpp"

#include "policies/registry.hpp"

#include <string>
#include <type_traits>
#include <vector>

namespace racksim::sim::table {
namespace {

static_assert(std::is_same_v<SettingValue, policies::ParamValue>, "values pass unchanged between the two");

template <class T>
std::vector<std::string> registry_names(const policies::Registry<T>& registry) {
  std::vector<std::string> out;
  for (const auto& entry : registry.entries())
    out.push_back(entry.name);
  return out;
}

SettingType setting_type(policies::ParamType type) {
  switch (type) {
  case policies::ParamType::integer:
    return SettingType::integer;
  case policies::ParamType::real:
    return SettingType::real;
  case policies::ParamType::boolean:
    return SettingType::boolean;
  case policies::ParamType::string:
    return SettingType::string;
  case policies::ParamType::time:
    return SettingType::time;
  case policies::ParamType::real_list:
    return SettingType::real_list;
  }
  return SettingType::string;
}

std::optional<Bound> bound(const std::optional<policies::ParamBound>& b) {
  if (!b) return std::nullopt;
  return Bound{b->value, b->inclusive};
}

// A policy's setting, stored in Scenario::policies.params.
Setting from_param(const policies::ParamSpec& spec) {
  Setting s;
  s.path = spec.path;
  s.type = setting_type(spec.type);
  s.range = Range{bound(spec.range.min), bound(spec.range.max)};
  s.unit = spec.unit;
  s.doc = spec.doc;
  s.integer_max = spec.integer_max;
  s.check = spec.check;
  s.get = [get = spec.get](const Scenario& sc) { return get(sc.policies.params); };
  s.set = [set = spec.set](Scenario& sc, const SettingValue& v) { set(sc.policies.params, v); };
  return s;
}

template <class T>
void add_params(std::vector<Setting>& t, const policies::Registry<T>& registry) {
  for (const auto& spec : registry.params())
    t.push_back(from_param(spec));
}

} // namespace

void add_policy_settings(std::vector<Setting>& t) {
  using ST = SettingType;
  t.push_back(name_field(
      "policies.scheduler", [](auto& s) -> auto& { return s.policies.scheduler; },
      [] { return registry_names(policies::schedulers()); }, "scheduling policy: which queued jobs start now"));
  t.push_back(name_field(
      "policies.placement", [](auto& s) -> auto& { return s.policies.placement; },
      [] { return registry_names(policies::placements()); }, "placement policy: which GPUs a starting job gets"));
  t.push_back(name_field(
      "policies.load_balancer", [](auto& s) -> auto& { return s.policies.load_balancer; },
      [] { return registry_names(policies::load_balancers()); },
      "load balancer: which replica of the inference service an arriving request goes to"));
  add_params(t, policies::schedulers());
  add_params(t, policies::placements());
  // Applied by the engine to every preempting scheduler.
  t.push_back(field(
      "policies.preemption.checkpoint", ST::time,
      [](auto& s) -> auto& { return s.policies.params.preemption_checkpoint_s; }, at_least(0), "",
      "time a preempted job takes to save its state, GPUs held; 0 = its checkpoint write on its storage tier"));
  t.push_back(field(
      "policies.preemption.restart", ST::time, [](auto& s) -> auto& { return s.policies.params.preemption_restart_s; },
      at_least(0), "",
      "time a preempted job takes to start again before it computes (container start, checkpoint load)"));
  add_params(t, policies::load_balancers());
  // The autoscaler's name and the bounds the engine holds every autoscaler to.
  t.push_back(name_field(
      "policies.autoscaler.policy", [](auto& s) -> auto& { return s.policies.autoscaler; },
      [] { return registry_names(policies::autoscalers()); },
      "autoscaler of the inference service: how many replicas are active (none = workload.inference.replicas)"));
  t.push_back(field(
      "policies.autoscaler.min_replicas", ST::integer,
      [](auto& s) -> auto& { return s.policies.autoscaler_min_replicas; }, at_least(1), "replicas",
      "autoscaler: never fewer active replicas"));
  t.push_back(field(
      "policies.autoscaler.max_replicas", ST::integer,
      [](auto& s) -> auto& { return s.policies.autoscaler_max_replicas; }, at_least(0), "replicas",
      "autoscaler: never more; all get GPUs at the start (only workload.inference.replicas active); "
      "0 = workload.inference.replicas"));
  t.push_back(field(
      "policies.autoscaler.interval", ST::time, [](auto& s) -> auto& { return s.policies.autoscaler_interval_s; },
      above(0), "", "autoscaler: time between two decisions"));
  t.push_back(field(
      "policies.autoscaler.provisioning_delay", ST::time,
      [](auto& s) -> auto& { return s.policies.autoscaler_provisioning_delay_s; }, at_least(0), "",
      "autoscaler: time from a scale-out decision until the new replica takes requests"));
  add_params(t, policies::autoscalers());
  // Failover (docs/failures.md).
  t.push_back(name_field(
      "failover.policy", [](auto& s) -> auto& { return s.policies.failover; },
      [] { return registry_names(policies::failovers()); },
      "what a training job does when a component it runs on fails"));
  add_params(t, policies::failovers());
}

} // namespace racksim::sim::table
