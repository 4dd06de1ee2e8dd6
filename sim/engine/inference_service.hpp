#pragma once
// The inner parts of InferenceService (sim/engine/inference_run.hpp), shared by the files that implement it and
// private to them: inference_service.cpp (placement, routing, failures, the autoscaler), inference_replica.cpp (a
// replica's serving loop) and inference_record.cpp (its results).

#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "policies/load_balancer.hpp"
#include "sim/config/scenario.hpp"
#include "sim/engine/cluster_state.hpp"
#include "sim/engine/inference_run.hpp"
#include "sim/results/results.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/inference/inference_model.hpp"
#include "workloads/inference/requests.hpp"

#include <simgrid/s4u.hpp>

#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace racksim::sim {

enum class RequestStatus { queued, running, completed, dropped, rejected, failed };
// The /requests status column (docs/results-schema.md).
const char* to_string(RequestStatus status);

struct RequestState {
  workloads::InferenceRequest request;
  int replica = -1;
  double start_s = -1, first_token_s = -1, finish_s = -1;
  RequestStatus status = RequestStatus::queued;
  std::int64_t generated = 0; // output tokens produced so far
  double service_s = 0;       // explicit service time drawn for it
  long retries = 0;           // times re-routed after its replica failed
};

// An autoscaled replica's life: inactive (GPUs held, no requests) -> provisioning -> active (routed to) ->
// draining (no new requests, finishing its own) -> inactive. Without an autoscaler every replica is active.
enum class ReplicaState { inactive, provisioning, active, draining };

struct Replica {
  std::vector<int> gpus;
  ReplicaState state = ReplicaState::active;
  std::vector<simgrid::s4u::Host*> hosts;
  std::deque<std::size_t> waiting;   // request indices, arrival order
  std::vector<std::size_t> running;  // admitted, not finished (kernel model: decoding; explicit: in service)
  std::vector<std::size_t> admitted; // kernel model: admitted in the iteration under way
  int gpus_down = 0;                 // GPUs of the replica under a failed component (> 0: out of the balancer)
  long epoch = 0;                    // bumped by each failure: an iteration started before it is discarded
  std::int64_t kv_reserved = 0;
  // The replica's actor sleeps on `wake` (a semaphore, not a condition variable: an actor killed at the horizon
  // while waiting on a condition variable holds a mutex lock that SimGrid's thread contexts, used under ASan, never
  // unwind cleanly). `asleep` keeps notifications from piling up tokens while the replica is busy.
  simgrid::s4u::SemaphorePtr wake;
  bool asleep = false;
  double busy_s = 0, comm_s = 0;
  long iterations = 0;
  double batch_sequences = 0; // sum over iterations of the sequences in the iteration
};

class InferenceService::Impl {
 public:
  Impl(const Scenario& scenario, const platforms::Topology& topo, ClusterState& cluster);

  // Creates the replica and arrival actors; the Engine and the platform must exist.
  void start(const platforms::SimPlatform& platform);
  void rethrow_failure() const {
    if (failure_) std::rethrow_exception(failure_);
  }
  double last_event_s() const { return last_event_s_; }
  int gpus() const { return static_cast<int>(replicas_.size()) * spec_.gpus_per_replica; }
  // /meta/calibration: what timed the iterations, with the calibration file's digest and fallbacks.
  std::string timing_source() const;
  void set_failures(bool on) { failures_ = on; }
  void set_energy_meter(EnergyMeter* meter) { meter_ = meter; }
  bool done() const { return service_done(); }
  void fail_gpus(const std::vector<int>& gpus);
  void repair_gpus(const std::vector<int>& gpus);
  void record(ResultSet& rs, double end, double interval, bool standalone) const;

 private:
  // inference_service.cpp: placement, routing, failures, the autoscaler.
  void place_replicas(ClusterState& cluster);
  template <class F>
  void guarded(F&& body);
  void note(double t, int delta);
  void note_waiting(double now, int delta);
  void arrivals();
  bool service_done() const;
  void event(double t, const char* kind, std::int64_t replica);
  void place_unplaced(double now);
  int place(std::size_t idx, double now);
  void wake_if_done();
  int route(std::size_t idx, double now);
  int choose(std::size_t idx, double now);
  void retire_if_drained(Replica& rep);
  void set_active_series(double now);
  void autoscale();
  void activate(std::size_t r, double now);

  // inference_replica.cpp: a replica's actor.
  static void notify(Replica& rep);
  static void sleep_on(Replica& rep, double deadline = -1);
  void finish(Replica& rep, std::size_t idx, double now);
  void serve_batches(std::size_t r);
  void serve_explicit(std::size_t r);

  // inference_record.cpp.
  StepSeries in_system_series() const;

  const Scenario& scenario_;
  const workloads::InferenceSpec& spec_;
  const platforms::Topology& topo_;
  platforms::SimPlatform platform_;
  std::unique_ptr<workloads::KernelTimer> timer_;
  std::string timing_source_;
  workloads::TransformerSpec model_;
  bool explicit_service_;
  EnergyMeter* meter_ = nullptr;
  workloads::ReplicaMemory memory_;
  workloads::BatchLimits limits_;
  std::unique_ptr<workloads::IterationModel> iteration_;
  std::vector<RequestState> requests_;
  std::vector<Replica> replicas_;
  std::vector<std::size_t> active_; // replicas taking requests, ascending
  StepSeries active_series_;
  long scale_events_ = 0;
  int in_system_ = 0;
  bool arrivals_done_ = false;
  std::size_t arrived_ = 0;
  int waiting_ = 0;
  std::vector<std::pair<double, int>> in_system_events_;
  StepSeries waiting_series_;
  double last_event_s_ = 0;
  std::exception_ptr failure_;
  std::unique_ptr<policies::LoadBalancer> balancer_;
  std::vector<policies::ReplicaLoad> loads_;
  bool failures_ = false;
  std::deque<std::size_t> unplaced_;
  long retries_ = 0, requests_failed_ = 0;
  std::vector<EventRecord> events_;
};

} // namespace racksim::sim
