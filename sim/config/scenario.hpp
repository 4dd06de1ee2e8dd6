#pragma once
// A scenario: YAML file -> typed, validated values. Every setting is declared once (settings_*.cpp, or a
// policy's own settings on its registry entry) with its type, default, unit and doc; the same table drives
// parsing, validation, `--set` overrides, the resolved scenario text stored in results, and
// `racksim validate --explain`.

#include "platforms/spec.hpp"
#include "sim/results/alerts.hpp"
#include "policies/params.hpp"
#include "workloads/faults/failures.hpp"
#include "workloads/spec.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::sim {

struct Diagnostic {
  std::string file;
  int line = 0;   // 1-based; 0 when unknown (e.g. a --set override)
  int column = 0; // 1-based
  std::string message;
  std::string str() const; // "file:line:col: message"
};

// One or more problems in a scenario. what() is all diagnostics, one per line.
class ScenarioError : public std::runtime_error {
 public:
  explicit ScenarioError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

struct PolicySpec {
  std::string scheduler = "fifo";      // a name from policies::schedulers()
  std::string placement = "first_fit"; // a name from policies::placements()
  std::string load_balancer = "round_robin"; // a name from policies::load_balancers()
  std::string failover = "checkpoint_restart"; // a name from policies::failovers()
  std::string autoscaler = "none";           // policies.autoscaler.policy: a name from policies::autoscalers()
  int autoscaler_min_replicas = 1;           // 0 in max_replicas = workload.inference.replicas
  int autoscaler_max_replicas = 0;
  double autoscaler_interval_s = 10;
  double autoscaler_provisioning_delay_s = 30;
  // Each policy's own settings (declared on its registry entry) and the ones the engine applies around the
  // policies; the seed is set by policy_params().
  policies::PolicyParams params;
};

// Energy, cost and carbon (docs/energy.md gives the model, the defaults and their sources). Powers in W.
struct EnergySpec {
  double gpu_idle_w = 0;            // 0 = the GPU catalog's idle_power_w
  double gpu_max_w = 0;             // 0 = the GPU catalog's max_power_w
  double gpu_off_w = 0;             // a GPU switched off by a failure
  double node_w = 4600;             // DGX H100: 10.2 kW system max - 8 x 700 W GPUs
  double switch_w = 1000;           // a 64-port 400G switch at full load (estimate, docs/energy.md)
  double storage_server_w = 1000;   // a 2-socket storage server with its drives (estimate, docs/energy.md)
  double pue = 1.2;
  double price_per_kwh = 0.08;      // $/kWh
  double gpu_cost_per_hour = 0;     // $ per GPU-hour, amortised capital cost; 0 = energy cost only
  double carbon_g_per_kwh = 367;    // gCO2/kWh: US grid average 2023 (EIA)
  std::string carbon_trace;         // CSV path; empty = the constant
};

struct OutputSpec {
  double timeseries_interval_s = 0; // 0 = automatic (makespan / 1000, at least 1 s)
};

struct Scenario {
  std::string name;
  std::uint64_t seed = 1;
  double horizon_s = 0;                 // 0 = run until every job has finished
  std::string calibration = "roofline"; // "roofline" or the path of a calibration file (docs/calibration.md)
  platforms::PlatformSpec platform;
  workloads::WorkloadSpec workload;
  PolicySpec policies;
  workloads::FailureSpec failures; // docs/failures.md
  EnergySpec energy;               // docs/energy.md
  OutputSpec output;
  std::vector<AlertRule> alerts; // the `alerts:` list (docs/alerts.md); not in the settings table: a list of rules

  std::string source_path;   // the file it came from ("<string>" for text)
  std::string resolved_yaml; // every setting with its final value, units included
};

// The policies' settings with the scenario's seed: what every policy factory in sim/ is given.
inline policies::PolicyParams policy_params(const Scenario& scenario) {
  auto params = scenario.policies.params;
  params.seed = scenario.seed;
  return params;
}

// Replicas of the inference service that get GPUs at the start: workload.inference.replicas, or with an autoscaler
// policies.autoscaler.max_replicas when larger (only workload.inference.replicas of them start active).
inline int provisioned_replicas(const Scenario& scenario) {
  const int replicas = scenario.workload.inference.replicas;
  if (scenario.policies.autoscaler == "none" || replicas == 0) return replicas;
  return scenario.policies.autoscaler_max_replicas > replicas ? scenario.policies.autoscaler_max_replicas : replicas;
}

// Parses, applies overrides ("a.b.c=value", value parsed as YAML), validates. Relative paths inside the scenario
// (workload.trace.path) are resolved against the scenario file's directory. Throws ScenarioError.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});
Scenario load_scenario_text(const std::string& yaml_text, const std::string& display_name,
                            const std::vector<std::string>& overrides = {}, const std::string& base_dir = ".");

// One line per setting: path, type, default, unit, doc (for `racksim validate --explain`).
std::string explain_settings();

} // namespace racksim::sim
