#pragma once
// An inference service (workload.kind: inference; docs/inference.md): `replicas` copies of a model, each on
// `gpus_per_replica` GPUs placed by the placement policy, serve requests that an arrival actor generates and a load
// balancer (policies.load_balancer) routes. Each replica is one actor running continuous-batching iterations: admit
// waiting requests (max_batch, max_batch_tokens, KV-cache capacity), then one exec on each of its GPU hosts lasting
// the iteration's kernel-model time (prefill of the new sequences + one decode step of the running ones). With an
// explicit service-time distribution a replica instead serves max_batch requests at once as independent servers.
// run_simulation() hands inference scenarios here; one call per process (SimGrid allows one Engine).
//
// Same-time events: arrivals at one instant are routed in id order; a replica that finishes an iteration at the
// instant a request arrives may or may not see it in its next admission (SimGrid's deterministic actor order).

#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "sim/engine/engine.hpp"
#include "sim/results/results.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace racksim::sim {

class ClusterState;
class EnergyMeter;

RunReport run_inference_simulation(const Scenario& scenario, const RunOptions& options);

// The service as a part of a run, so the training engine can host one next to its jobs (workload.inference.replicas
// > 0 with another workload kind). Construction places the replicas on free GPUs of `cluster` (they become the
// service's) and generates the requests; start() creates the actors in the running Engine; record() appends the
// results. Its parts: sim/engine/inference_service.hpp.
class InferenceService {
 public:
  InferenceService(const Scenario& scenario, const platforms::Topology& topo, ClusterState& cluster);
  ~InferenceService();
  InferenceService(const InferenceService&) = delete;
  InferenceService& operator=(const InferenceService&) = delete;

  void start(const platforms::SimPlatform& platform);
  // Failures (docs/inference.md, "Failures"): set_failures(true) before start() when the scenario has any; then
  // fail_gpus / repair_gpus, called from an actor, take replicas with a GPU among `gpus` out of the balancer (their
  // requests re-routed or failed, a replica_down event) and back (replica_up). done(): every request arrived and,
  // with failures, left the system.
  void set_failures(bool on);
  // Energy (docs/energy.md): execs are seen by the meter on its own; explicit service times, which run no exec, mark
  // a replica's GPUs busy while it serves at least one request. Set before start(); null = none.
  void set_energy_meter(EnergyMeter* meter);
  void fail_gpus(const std::vector<int>& gpus);
  void repair_gpus(const std::vector<int>& gpus);
  bool done() const;
  void rethrow_failure() const; // the first exception an actor of the service raised, if any
  double last_event_s() const;  // last arrival or completion
  int gpus() const;             // replicas x gpus_per_replica
  std::string timing_source() const;
  // Appends /requests, /timeseries/requests_in_system and the inference_* summary; standalone (the service is the
  // whole run) also one /jobs row per replica, gpus_allocated, queue_length and the job summary before them.
  void record(ResultSet& rs, double end, double interval, bool standalone) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The /summary entries of an inference run (docs/results-schema.md, "Inference"), from its /requests rows.
// `end_s`: the simulated span [0, end_s] the rates refer to; `in_system_integral`: the integral over it of the
// number of requests in the system (waiting or running), from the engine's own bookkeeping.
struct InferenceSlo {
  double ttft_s = 0, tpot_s = 0, e2e_s = 0; // 0 = no objective
};
std::vector<std::pair<std::string, double>> inference_summary(const std::vector<RequestRecord>& requests,
                                                              const InferenceSlo& slo, double end_s,
                                                              double in_system_integral);

} // namespace racksim::sim
