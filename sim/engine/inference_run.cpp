// The inference service as a whole run (run_inference_simulation), and InferenceService's forwarding to its parts
// (sim/engine/inference_service.hpp).
#include "sim/engine/inference_run.hpp"

#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "sim/engine/cluster_state.hpp"
#include "sim/engine/energy.hpp"
#include "sim/engine/failure_source.hpp"
#include "sim/engine/inference_service.hpp"
#include "sim/engine/run_recorder.hpp"
#include "sim/engine/simgrid_run.hpp"

#include <simgrid/s4u.hpp>

#include <exception>
#include <memory>

namespace sg4 = simgrid::s4u;

namespace racksim::sim {

InferenceService::InferenceService(const Scenario& scenario, const platforms::Topology& topo, ClusterState& cluster)
    : impl_(std::make_unique<Impl>(scenario, topo, cluster)) {}
InferenceService::~InferenceService() = default;
void InferenceService::start(const platforms::SimPlatform& platform) {
  impl_->start(platform);
}
void InferenceService::set_energy_meter(EnergyMeter* meter) {
  impl_->set_energy_meter(meter);
}
void InferenceService::fail_gpus(const std::vector<int>& gpus) {
  impl_->fail_gpus(gpus);
}
void InferenceService::repair_gpus(const std::vector<int>& gpus) {
  impl_->repair_gpus(gpus);
}
void InferenceService::set_failures(bool on) {
  impl_->set_failures(on);
}
bool InferenceService::done() const {
  return impl_->done();
}
void InferenceService::rethrow_failure() const {
  impl_->rethrow_failure();
}
double InferenceService::last_event_s() const {
  return impl_->last_event_s();
}
int InferenceService::gpus() const {
  return impl_->gpus();
}
std::string InferenceService::timing_source() const {
  return impl_->timing_source();
}
void InferenceService::record(ResultSet& rs, double end, double interval, bool standalone) const {
  impl_->record(rs, end, interval, standalone);
}

RunReport run_inference_simulation(const Scenario& scenario, const RunOptions& options) {
  const RunStamp stamp;
  const platforms::Topology topo = platforms::build_topology(scenario.platform);
  ClusterState cluster(topo);
  InferenceService service(scenario, topo, cluster);
  const bool failures = failures_configured(scenario);
  service.set_failures(failures);

  const auto engine = make_engine(options.simgrid_args);
  platforms::configure_network_model(scenario.platform.network_model);
  const auto platform = platforms::build_simgrid_platform(topo);
  EnergyMeter meter(scenario, topo);
  meter.attach(platform.gpu_hosts);
  service.set_energy_meter(&meter);
  service.start(platform);
  // Failures (docs/inference.md, "Failures"): the platform's failure process as in the job engine, applied to the
  // replicas only (capacity-only failures and GPUs outside the service have no effect here). The source and the
  // repairs are daemons: they end with the service's actors, which end once every request has left the system.
  std::vector<EventRecord> events;
  std::exception_ptr failure_error;
  const auto apply = [&](const workloads::FailureEvent& e) {
    const auto effect = failure_effect(e, topo);
    const std::string component = component_name(e);
    events.push_back(event_record(sg4::Engine::get_clock(), "failure", component, -1, e.repair_s, e.cause));
    if (!effect.gpus.empty()) service.fail_gpus(effect.gpus);
    const double repair = e.repair_s;
    sg4::Actor::create("repair", platform.controller, [&, gpus = effect.gpus, component, repair] {
      run_guarded(failure_error, [&] {
        sg4::this_actor::sleep_for(repair);
        events.push_back(event_record(sg4::Engine::get_clock(), "repair", component, -1, 0, ""));
        if (!gpus.empty()) service.repair_gpus(gpus);
      });
    })->daemonize();
  };
  if (failures)
    sg4::Actor::create("failures", platform.controller, [&] {
      run_guarded(failure_error, [&] {
        run_failure_process(
            scenario, topo, [&] { return service.done(); }, apply);
      });
    })->daemonize();
  run_to_end(*engine, platform.controller, scenario.horizon_s);
  service.rethrow_failure();
  if (failure_error) std::rethrow_exception(failure_error);
  const double end = scenario.horizon_s > 0 ? scenario.horizon_s : service.last_event_s();

  RunReport report;
  auto& rs = report.results;
  stamp.write(rs.meta, scenario, service.timing_source());
  const double interval = timeseries_interval(scenario, end);
  if (failures) {
    for (auto& e : events) // a repair after the last request is left out, as the job engine does
      if (e.time_s <= end) rs.events.push_back(std::move(e));
  }
  service.record(rs, end, interval, true);
  meter.record(rs, end, interval);
  if (failures) {
    double shown = 0;
    for (const auto& e : rs.events)
      shown += e.kind == "failure";
    rs.summary.emplace_back("failures", shown);
  }
  stamp.finish(rs.meta);
  return report;
}

} // namespace racksim::sim
