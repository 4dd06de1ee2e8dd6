#include "sim/engine/inference_run.hpp"

#include "sim/engine/energy.hpp"
#include "sim/analytic/failure_domains.hpp"
#include "sim/analytic/kernel_timing.hpp"

#include "platforms/catalog.hpp"
#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "policies/registry.hpp"
#include "sim/engine/run_info.hpp"
#include "sim/engine/simgrid_run.hpp"
#include "sim/version.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/inference/inference_model.hpp"
#include "workloads/inference/requests.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <exception>
#include <memory>
#include <numeric>
#include <set>
#include <stdexcept>

namespace sg4 = simgrid::s4u;

namespace racksim::sim {
namespace {

double mean_of(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

struct RequestState {
  workloads::InferenceRequest request;
  int replica = -1;
  double start_s = -1, first_token_s = -1, finish_s = -1;
  std::string status = "queued";
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
  std::vector<sg4::Host*> hosts;
  std::deque<std::size_t> waiting;  // request indices, arrival order
  std::vector<std::size_t> running; // admitted, not finished (kernel model: decoding; explicit: in service)
  std::vector<std::size_t> admitted; // kernel model: admitted in the iteration under way
  int gpus_down = 0;                 // GPUs of the replica under a failed component (> 0: out of the balancer)
  long epoch = 0;                    // bumped by each failure: an iteration started before it is discarded
  std::int64_t kv_reserved = 0;
  // The replica's actor sleeps on `wake` (a semaphore, not a condition variable: an actor killed at the horizon
  // while waiting on a condition variable holds a mutex lock that SimGrid's thread contexts, used under ASan, never
  // unwind cleanly). `asleep` keeps notifications from piling up tokens while the replica is busy.
  sg4::SemaphorePtr wake;
  bool asleep = false;
  double busy_s = 0, comm_s = 0;
  long iterations = 0;
  double batch_sequences = 0; // sum over iterations of the sequences in the iteration
};

} // namespace

class InferenceService::Impl {
 public:
  Impl(const Scenario& scenario, const platforms::Topology& topo, std::vector<std::uint8_t>& gpu_free)
      : scenario_(scenario), spec_(scenario.workload.inference), topo_(topo),
        model_(workloads::find_model(spec_.model)),
        explicit_service_(spec_.service_time != workloads::ServiceTimeDistribution::none) {
    const auto& gpu = platforms::find_gpu(topo_.spec.gpu_model);
    try {
      memory_ = workloads::replica_memory(model_, spec_.gpus_per_replica, gpu.hbm_bytes, spec_.hbm_utilization);
    } catch (const std::invalid_argument& e) {
      throw RunError(std::string("workload.inference.model: ") + e.what());
    }
    limits_.max_batch = spec_.max_batch;
    limits_.max_batch_tokens = spec_.max_batch_tokens;
    limits_.kv_capacity_tokens = memory_.kv_capacity_tokens;
    try {
      requests_.reserve(static_cast<std::size_t>(std::max(0L, spec_.requests)));
      for (auto& r : workloads::generate_requests(spec_, scenario.seed))
        requests_.push_back(RequestState{r});
      if (explicit_service_) {
        workloads::ServiceTimeSampler sampler(spec_, scenario.seed);
        for (auto& r : requests_)
          r.service_s = sampler.sample(); // in arrival order, so a replica's draws do not depend on routing
      }
    } catch (const workloads::InferenceInputError& e) {
      throw RunError(e.what());
    }
    place_replicas(gpu_free);
  }

  // Creates the replica and arrival actors; the Engine and the platform must exist.
  void start(const platforms::SimPlatform& platform) {
    platform_ = platform;
    balancer_ = policies::load_balancers().create(scenario_.policies.load_balancer, policy_params(scenario_));
    timing_source_ = "explicit service time: workload.inference.service_time";
    if (!explicit_service_) {
      timer_ = make_kernel_timer(scenario_.calibration, topo_.spec.gpu_model);
      const double alpha = spec_.gpus_per_replica > 1
                               ? platforms::gpu_path(topo_, replicas_[0].gpus[0], replicas_[0].gpus[1]).latency_s
                               : 0.0;
      iteration_ =
          std::make_unique<workloads::IterationModel>(model_, spec_.gpus_per_replica, *timer_, topo_.nvlink_Bps, alpha);
    }
    for (std::size_t i = 0; i < replicas_.size(); ++i) {
      auto& rep = replicas_[i];
      for (int g : rep.gpus)
        rep.hosts.push_back(platform_.gpu_hosts[static_cast<std::size_t>(g)]);
      rep.wake = sg4::Semaphore::create(0);
      sg4::Actor::create("replica-" + std::to_string(i), rep.hosts.front(), [this, i] {
        guarded([this, i] { explicit_service_ ? serve_explicit(i) : serve_batches(i); });
      });
    }
    sg4::Actor::create("inference-arrivals", platform_.controller, [this] { guarded([this] { arrivals(); }); });
    if (scenario_.policies.autoscaler != "none")
      sg4::Actor::create("inference-autoscaler", platform_.controller, [this] { guarded([this] { autoscale(); }); });
  }

  void rethrow_failure() const {
    if (failure_) std::rethrow_exception(failure_);
  }
  double last_event_s() const { return last_event_s_; }
  int gpus() const { return static_cast<int>(replicas_.size()) * spec_.gpus_per_replica; }
  // /meta/calibration: what timed the iterations, with the calibration file's digest and fallbacks.
  std::string timing_source() const {
    return timer_ ? describe_timer(*timer_) : timing_source_;
  }

 private:
  // Replicas in order, each where the placement policy puts it among the GPUs the earlier ones left free; a
  // replica's GPUs must share one NVLink domain (its TP all-reduces run there).
  void place_replicas(std::vector<std::uint8_t>& free) {
    const auto placement = policies::placements().create(scenario_.policies.placement, policy_params(scenario_));
    policies::ClusterShape shape;
    shape.gpus_per_node = scenario_.platform.gpus_per_node;
    shape.nodes_per_rack = scenario_.platform.nodes_per_rack;
    shape.nodes = topo_.num_nodes();
    for (int n = 0; n < shape.nodes; ++n) { // leaf = rack's switch; pod: fat_tree pod / dragonfly group
      shape.node_leaf.push_back(topo_.rack_of_node(n));
      shape.node_pod.push_back(topo_.pod_of_rack(topo_.rack_of_node(n)));
    }
    const int provisioned = provisioned_replicas(scenario_);
    for (int r = 0; r < provisioned; ++r) {
      const policies::PlacementView view{shape, free, spec_.gpus_per_replica};
      auto gpus = placement->place(view);
      bool ok = static_cast<int>(gpus.size()) == spec_.gpus_per_replica && std::is_sorted(gpus.begin(), gpus.end()) &&
                std::adjacent_find(gpus.begin(), gpus.end()) == gpus.end();
      for (int g : gpus)
        ok = ok && g >= 0 && g < topo_.num_gpus() && free[static_cast<std::size_t>(g)];
      if (!ok)
        throw RunError("policies.placement: '" + scenario_.policies.placement + "' could not place replica " +
                       std::to_string(r) + " of " + std::to_string(spec_.gpus_per_replica) + " GPUs");
      for (int g : gpus)
        if (topo_.domain_of_gpu(g) != topo_.domain_of_gpu(gpus.front()))
          throw RunError("workload.inference.gpus_per_replica: placement '" + scenario_.policies.placement +
                         "' put replica " + std::to_string(r) + " across NVLink domains (GPUs " +
                         std::to_string(gpus.front()) + " and " + std::to_string(g) +
                         "); use policies.placement: pack or a gpus_per_replica that divides platform.gpus_per_node");
      for (int g : gpus)
        free[static_cast<std::size_t>(g)] = 0;
      Replica rep;
      rep.gpus = std::move(gpus);
      if (r >= spec_.replicas) rep.state = ReplicaState::inactive;
      replicas_.push_back(std::move(rep));
    }
    for (int r = 0; r < spec_.replicas; ++r)
      active_.push_back(static_cast<std::size_t>(r));
    active_series_.set(0, static_cast<double>(active_.size()));
  }

  template <class F>
  void guarded(F&& body) {
    run_guarded(failure_, std::forward<F>(body));
  }

  // Requests entering (+1) or leaving (-1) the system; a finish time may lie a few ulps past the clock (see
  // serve_explicit), so the series is built from the events sorted by time at the end.
  void note(double t, int delta) {
    last_event_s_ = std::max(last_event_s_, t);
    in_system_ += delta;
    in_system_events_.emplace_back(t, delta);
  }

  void note_waiting(double now, int delta) {
    waiting_ += delta;
    waiting_series_.set(now, waiting_);
  }

  // Routes every request at its arrival time. Rejection (can never fit a replica) and dropping (the chosen
  // replica's queue is full) happen here; the request then never enters the system. Requests arriving at the same
  // instant are routed together, in id order, before any replica is woken (so a replica admits them together).
  void arrivals() {
    auto& balancer = balancer_;
    auto& loads = loads_;
    std::vector<std::uint8_t> woken(replicas_.size(), 0);
    std::size_t idx = 0;
    while (idx < requests_.size()) {
      const double t = requests_[idx].request.arrival_s;
      if (t > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(t);
      const double now = sg4::Engine::get_clock();
      last_event_s_ = std::max(last_event_s_, now);
      std::fill(woken.begin(), woken.end(), 0);
      for (; idx < requests_.size() && requests_[idx].request.arrival_s == t; ++idx) {
        arrived_ = idx + 1;
        if (const int r = route(*balancer, loads, idx, now); r >= 0) woken[static_cast<std::size_t>(r)] = 1;
      }
      for (std::size_t r = 0; r < replicas_.size(); ++r)
        if (woken[r]) notify(replicas_[r]);
    }
    arrivals_done_ = true;
    for (auto& rep : replicas_)
      notify(rep);
  }

  // With failures a replica may get retried requests after the arrivals ended: its actor ends only once every
  // request has left the system.
  bool service_done() const { return arrivals_done_ && (!failures_ || in_system_ == 0); }

 public:
  // GPUs of the service under a failed component (docs/inference.md, "Failures"): a replica with any GPU down leaves
  // the balancer; its waiting, admitted and running requests are aborted and re-routed at once (keeping their
  // arrival time) up to max_retries times, then fail. The iteration it was running is discarded when it ends.
  void fail_gpus(const std::vector<int>& gpus) {
    const double now = sg4::Engine::get_clock();
    std::vector<std::size_t> aborted;
    for (std::size_t r = 0; r < replicas_.size(); ++r) {
      auto& rep = replicas_[r];
      const auto hit = std::count_if(rep.gpus.begin(), rep.gpus.end(), [&](int g) {
        return std::find(gpus.begin(), gpus.end(), g) != gpus.end();
      });
      if (hit == 0) continue;
      const bool was_up = rep.gpus_down == 0;
      rep.gpus_down += static_cast<int>(hit);
      if (!was_up) continue;
      event(now, "replica_down", static_cast<std::int64_t>(r));
      ++rep.epoch;
      if (auto it = std::find(active_.begin(), active_.end(), r); it != active_.end()) {
        active_.erase(it);
        set_active_series(now);
      }
      note_waiting(now, -static_cast<int>(rep.waiting.size()));
      aborted.insert(aborted.end(), rep.waiting.begin(), rep.waiting.end());
      aborted.insert(aborted.end(), rep.admitted.begin(), rep.admitted.end());
      aborted.insert(aborted.end(), rep.running.begin(), rep.running.end());
      rep.waiting.clear();
      rep.admitted.clear();
      rep.running.clear();
      rep.kv_reserved = 0;
      retire_if_drained(rep);
      notify(rep);
    }
    std::sort(aborted.begin(), aborted.end()); // re-routed in id order
    std::vector<std::uint8_t> woken(replicas_.size(), 0);
    for (std::size_t idx : aborted) {
      auto& rq = requests_[idx];
      rq.start_s = rq.first_token_s = -1;
      rq.generated = 0;
      if (rq.retries >= spec_.max_retries) {
        rq.status = "failed";
        rq.finish_s = now;
        ++requests_failed_;
        note(now, -1);
        continue;
      }
      ++rq.retries;
      ++retries_;
      rq.status = "queued";
      if (const int r = place(idx, now); r >= 0) woken[static_cast<std::size_t>(r)] = 1;
    }
    for (std::size_t r = 0; r < replicas_.size(); ++r)
      if (woken[r]) notify(replicas_[r]);
    wake_if_done();
  }

  // The repair: a replica whose GPUs are all up again rejoins the balancer (if the autoscaler has it active) and
  // takes the requests that waited for a replica.
  void repair_gpus(const std::vector<int>& gpus) {
    const double now = sg4::Engine::get_clock();
    bool rejoined = false;
    for (std::size_t r = 0; r < replicas_.size(); ++r) {
      auto& rep = replicas_[r];
      const auto hit = std::count_if(rep.gpus.begin(), rep.gpus.end(), [&](int g) {
        return std::find(gpus.begin(), gpus.end(), g) != gpus.end();
      });
      if (hit == 0 || rep.gpus_down == 0) continue;
      rep.gpus_down = std::max(0, rep.gpus_down - static_cast<int>(hit));
      if (rep.gpus_down > 0) continue;
      event(now, "replica_up", static_cast<std::int64_t>(r));
      if (rep.state == ReplicaState::active) {
        active_.insert(std::upper_bound(active_.begin(), active_.end(), r), r);
        set_active_series(now);
        rejoined = true;
      }
    }
    if (rejoined) place_unplaced(now);
  }

  void set_failures(bool on) { failures_ = on; }
  void set_energy_meter(EnergyMeter* meter) { meter_ = meter; }
  bool done() const { return service_done(); }

 private:
  void event(double t, const char* kind, std::int64_t replica) {
    events_.push_back({t, kind, "", replica, 0, ""});
  }

  // Requests that found no replica up wait here (in the system, counted as waiting) until one rejoins.
  void place_unplaced(double now) {
    std::vector<std::uint8_t> woken(replicas_.size(), 0);
    while (!unplaced_.empty() && !active_.empty()) {
      const std::size_t idx = unplaced_.front();
      unplaced_.pop_front();
      note_waiting(now, -1);
      if (const int r = place(idx, now); r >= 0) woken[static_cast<std::size_t>(r)] = 1;
    }
    for (std::size_t r = 0; r < replicas_.size(); ++r)
      if (woken[r]) notify(replicas_[r]);
  }

  // A request already in the system (a retry, or one that waited for a replica) joins a replica's queue through
  // the balancer, regardless of max_queue, or the service's own queue when no replica is up. Returns the replica.
  int place(std::size_t idx, double now) {
    auto& rq = requests_[idx];
    if (active_.empty()) {
      rq.replica = -1;
      unplaced_.push_back(idx);
      note_waiting(now, +1);
      return -1;
    }
    const int chosen = choose(*balancer_, loads_, idx, now);
    rq.replica = chosen;
    replicas_[static_cast<std::size_t>(chosen)].waiting.push_back(idx);
    note_waiting(now, +1);
    return chosen;
  }

  void wake_if_done() {
    if (!failures_ || !service_done()) return;
    for (auto& rep : replicas_)
      notify(rep);
  }

 public:

  static void notify(Replica& rep) {
    if (!rep.asleep) return;
    rep.asleep = false;
    rep.wake->release();
  }
  // Sleeps until notified, or until `deadline` (< 0: no deadline).
  static void sleep_on(Replica& rep, double deadline = -1) {
    rep.asleep = true;
    if (deadline < 0)
      rep.wake->acquire();
    else if (const double left = deadline - sg4::Engine::get_clock(); left > 0)
      rep.wake->acquire_timeout(left);
    rep.asleep = false;
  }

  // Returns the replica the request joined the queue of, or -1 (rejected or dropped).
  int route(policies::LoadBalancer& balancer, std::vector<policies::ReplicaLoad>& loads, std::size_t idx, double now) {
    auto& rq = requests_[idx];
    const workloads::Waiting w{rq.request.prompt_tokens, rq.request.output_tokens};
    if (!explicit_service_ && !workloads::can_ever_fit(w, limits_)) {
      rq.status = "rejected";
      return -1;
    }
    if (active_.empty()) { // every replica down (failures): the request waits for one to rejoin
      note(now, +1);
      place(idx, now);
      return -1;
    }
    const int chosen = choose(balancer, loads, idx, now);
    rq.replica = chosen;
    auto& rep = replicas_[static_cast<std::size_t>(chosen)];
    if (spec_.max_queue > 0 && static_cast<long>(rep.waiting.size()) >= spec_.max_queue) {
      rq.status = "dropped";
      return -1;
    }
    rep.waiting.push_back(idx);
    note(now, +1);
    note_waiting(now, +1);
    return chosen;
  }

  // The balancer's choice among the active replicas.
  int choose(policies::LoadBalancer& balancer, std::vector<policies::ReplicaLoad>& loads, std::size_t idx,
             double now) {
    const auto& rq = requests_[idx];
    // The balancer sees the active replicas only, in replica order; its index i is replica active_[i].
    loads.resize(active_.size());
    for (std::size_t i = 0; i < active_.size(); ++i) {
      const auto& rp = replicas_[active_[i]];
      loads[i] = {static_cast<int>(rp.waiting.size()), static_cast<int>(rp.running.size())};
    }
    const policies::LoadBalancerView view{now, rq.request.id, rq.request.prompt_tokens, rq.request.output_tokens,
                                          loads};
    int pick = -1;
    try {
      pick = balancer.choose(view);
    } catch (const std::invalid_argument& e) {
      throw RunError(std::string("load balancer '") + scenario_.policies.load_balancer + "': " + e.what());
    }
    if (pick < 0 || pick >= static_cast<int>(active_.size()))
      throw RunError("load balancer '" + scenario_.policies.load_balancer + "' chose replica " +
                     std::to_string(pick) + " of " + std::to_string(active_.size()));
    return static_cast<int>(active_[static_cast<std::size_t>(pick)]);
  }

  void finish(Replica& rep, std::size_t idx, double now) {
    auto& rq = requests_[idx];
    rq.finish_s = now;
    rq.status = "completed";
    if (!explicit_service_) rep.kv_reserved -= rq.request.prompt_tokens + rq.request.output_tokens;
    note(now, -1);
    wake_if_done();
  }

  // Continuous batching on the kernel model: one iteration = admit, then prefill of the admitted + one decode step
  // of the running, as one exec per GPU of the replica.
  void serve_batches(std::size_t r) {
    auto& rep = replicas_[r];
    const double flops_per_s = topo_.gpu_flops;
    std::deque<workloads::Waiting> head;
    std::vector<std::int64_t> prompts, contexts;
    for (;;) {
      while (rep.waiting.empty() && rep.running.empty()) {
        retire_if_drained(rep);
        if (service_done()) return;
        sleep_on(rep);
      }
      const long epoch = rep.epoch;
      const double t0 = sg4::Engine::get_clock();
      // Admission looks at the head of the queue only as far as it could admit.
      head.clear();
      for (std::size_t i = 0;
           i < rep.waiting.size() && static_cast<int>(head.size() + rep.running.size()) < limits_.max_batch; ++i) {
        const auto& q = requests_[rep.waiting[i]].request;
        head.push_back({q.prompt_tokens, q.output_tokens});
      }
      const std::size_t k =
          workloads::admit_count(head, {static_cast<int>(rep.running.size()), rep.kv_reserved}, limits_);
      auto& admitted = rep.admitted;
      admitted.assign(rep.waiting.begin(), rep.waiting.begin() + static_cast<std::ptrdiff_t>(k));
      rep.waiting.erase(rep.waiting.begin(), rep.waiting.begin() + static_cast<std::ptrdiff_t>(k));
      if (k > 0) note_waiting(t0, -static_cast<int>(k));
      prompts.clear();
      contexts.clear();
      for (std::size_t idx : admitted) {
        auto& rq = requests_[idx];
        rq.start_s = t0;
        rq.status = "running";
        rep.kv_reserved += rq.request.prompt_tokens + rq.request.output_tokens;
        prompts.push_back(rq.request.prompt_tokens);
      }
      for (std::size_t idx : rep.running)
        contexts.push_back(requests_[idx].request.prompt_tokens + requests_[idx].generated);
      if (prompts.empty() && contexts.empty())
        throw RunError("replica " + std::to_string(r) + ": a waiting request can never be admitted (internal error)");

      const double compute = iteration_->compute_s(prompts, contexts);
      const double comm = iteration_->comm_s(std::accumulate(prompts.begin(), prompts.end(), std::int64_t{0}) +
                                             static_cast<std::int64_t>(contexts.size()));
      const double duration = compute + comm;
      std::vector<sg4::ExecPtr> execs;
      for (auto* h : rep.hosts)
        execs.push_back(sg4::this_actor::exec_init(duration * flops_per_s)->set_host(h)->start());
      for (auto& e : execs)
        e->wait();
      const double now = sg4::Engine::get_clock();
      rep.busy_s += now - t0;
      if (rep.epoch != epoch) continue; // failed under it: its requests were re-routed
      rep.comm_s += comm;
      ++rep.iterations;
      rep.batch_sequences += static_cast<double>(prompts.size() + contexts.size());

      std::vector<std::size_t> still;
      still.reserve(rep.running.size() + admitted.size());
      for (std::size_t idx : rep.running) {
        auto& rq = requests_[idx];
        if (++rq.generated >= rq.request.output_tokens)
          finish(rep, idx, now);
        else
          still.push_back(idx);
      }
      for (std::size_t idx : admitted) {
        auto& rq = requests_[idx];
        rq.first_token_s = now;
        rq.generated = 1;
        if (rq.generated >= rq.request.output_tokens)
          finish(rep, idx, now);
        else
          still.push_back(idx);
      }
      admitted.clear();
      rep.running = std::move(still);
    }
  }

  // Explicit service times: max_batch independent servers per replica, FCFS. The servers are timers on the replica's
  // first GPU host (no exec: concurrent execs would share the host's speed); finish times are start + drawn time.
  void serve_explicit(std::size_t r) {
    auto& rep = replicas_[r];
    std::multiset<std::pair<double, std::size_t>> busy; // (end, request), earliest first
    long epoch = rep.epoch;
    bool marked = false; // the replica's GPUs are marked busy in the energy meter
    for (;;) {
      const double now = sg4::Engine::get_clock();
      if (rep.epoch != epoch) { // failed: its requests were re-routed
        busy.clear();
        epoch = rep.epoch;
      }
      // A timed wait can return a few ulps before its deadline: a service ending within 1e-9 s counts as ended.
      while (!busy.empty() && busy.begin()->first <= now + 1e-9) {
        const auto [end, idx] = *busy.begin();
        busy.erase(busy.begin());
        auto& rq = requests_[idx];
        rq.first_token_s = end;
        rq.generated = rq.request.output_tokens;
        rep.running.erase(std::find(rep.running.begin(), rep.running.end(), idx));
        finish(rep, idx, end);
        rq.finish_s = end;
      }
      while (static_cast<int>(busy.size()) < spec_.max_batch && !rep.waiting.empty()) {
        const std::size_t idx = rep.waiting.front();
        rep.waiting.pop_front();
        note_waiting(now, -1);
        auto& rq = requests_[idx];
        rq.start_s = now;
        rq.status = "running";
        rep.running.push_back(idx);
        rep.busy_s += rq.service_s;
        ++rep.iterations;
        busy.emplace(now + rq.service_s, idx);
      }
      if (const bool serving = !busy.empty(); serving != marked) { // energy: busy while serving (docs/energy.md)
        marked = serving;
        if (meter_)
          for (int g : rep.gpus)
            meter_->set_busy(g, serving, now);
      }
      if (busy.empty()) {
        if (rep.waiting.empty()) retire_if_drained(rep);
        if (service_done() && rep.waiting.empty()) return;
        sleep_on(rep);
      } else {
        sleep_on(rep, busy.begin()->first);
      }
    }
  }

  void retire_if_drained(Replica& rep) {
    if (rep.state != ReplicaState::draining) return;
    rep.state = ReplicaState::inactive;
  }

  void set_active_series(double now) {
    active_series_.set(now, static_cast<double>(active_.size()));
  }

  // The autoscaler (policies.autoscaler): every interval, the policy's desired count, clamped to [min, max
  // replicas]. Scale-out: inactive replicas (lowest index first) start provisioning and take requests after the
  // provisioning delay; a draining replica is taken back at once instead (it is still up). Scale-in: the active
  // replicas with the highest index stop taking requests and become inactive once drained. Ends when every
  // request has arrived and left.
  void autoscale() {
    const auto& pol = scenario_.policies;
    auto scaler = policies::autoscalers().create(pol.autoscaler, policy_params(scenario_));
    const int max_replicas = static_cast<int>(replicas_.size());
    const int min_replicas = std::min(pol.autoscaler_min_replicas, max_replicas);
    for (;;) {
      sg4::this_actor::sleep_for(pol.autoscaler_interval_s);
      if (arrivals_done_ && in_system_ == 0) return;
      const double now = sg4::Engine::get_clock();
      policies::AutoscalerView view;
      view.now_s = now;
      view.active = static_cast<int>(active_.size());
      for (const auto& rp : replicas_)
        view.provisioning += rp.state == ReplicaState::provisioning;
      for (std::size_t r : active_) {
        const auto& rp = replicas_[r];
        view.busy += !rp.waiting.empty() || !rp.running.empty();
        view.waiting += static_cast<int>(rp.waiting.size());
        view.running += static_cast<int>(rp.running.size());
      }
      view.min_replicas = min_replicas;
      view.max_replicas = max_replicas;
      const int desired = std::clamp(scaler->desired(view), min_replicas, max_replicas);
      int present = view.active + view.provisioning;
      for (; present < desired; ++present) {
        // A draining replica first (it is up: active again now), else an inactive one after the delay.
        std::size_t pick = replicas_.size();
        for (std::size_t r = 0; r < replicas_.size() && pick == replicas_.size(); ++r)
          if (replicas_[r].state == ReplicaState::draining && replicas_[r].gpus_down == 0) pick = r;
        if (pick < replicas_.size()) {
          activate(pick, now);
        } else {
          for (std::size_t r = 0; r < replicas_.size() && pick == replicas_.size(); ++r)
            if (replicas_[r].state == ReplicaState::inactive && replicas_[r].gpus_down == 0) pick = r;
          if (pick == replicas_.size()) break;
          replicas_[pick].state = ReplicaState::provisioning;
          const double ready = now + pol.autoscaler_provisioning_delay_s;
          sg4::Actor::create("provision-" + std::to_string(pick), platform_.controller, [this, pick, ready] {
            guarded([this, pick, ready] {
              sg4::this_actor::sleep_until(ready);
              if (replicas_[pick].state == ReplicaState::provisioning) activate(pick, sg4::Engine::get_clock());
            });
          });
        }
        ++scale_events_;
      }
      // Scale-in: highest-index active replicas (never the last one).
      for (; present > desired && active_.size() > 1; --present) {
        const std::size_t r = active_.back();
        active_.pop_back();
        replicas_[r].state = ReplicaState::draining;
        set_active_series(now);
        ++scale_events_;
        if (replicas_[r].waiting.empty() && replicas_[r].running.empty()) retire_if_drained(replicas_[r]);
      }
    }
  }

  void activate(std::size_t r, double now) {
    replicas_[r].state = ReplicaState::active;
    if (replicas_[r].gpus_down > 0) return; // joins the balancer at its repair
    active_.insert(std::upper_bound(active_.begin(), active_.end(), r), r);
    set_active_series(now);
  }

  // Appends /requests, the requests_in_system series and the inference_* summary. Standalone (the service is the
  // whole run): also one /jobs row per replica, the gpus_allocated and queue_length series and the job summary.
 public:
  void record(ResultSet& rs, double end, double interval, bool standalone) {
    const std::size_t arrived = scenario_.horizon_s > 0 ? arrived_ : requests_.size();
    rs.requests.reserve(arrived);
    for (std::size_t i = 0; i < arrived; ++i) {
      const auto& s = requests_[i];
      RequestRecord q;
      q.id = s.request.id;
      q.service = spec_.name;
      q.replica = s.replica;
      q.arrival_s = s.request.arrival_s;
      q.start_s = s.start_s;
      q.first_token_s = s.first_token_s;
      q.finish_s = s.finish_s;
      q.status = s.status;
      q.prompt_tokens = static_cast<std::int32_t>(std::min<std::int64_t>(s.request.prompt_tokens, INT32_MAX));
      q.output_tokens = static_cast<std::int32_t>(std::min<std::int64_t>(s.request.output_tokens, INT32_MAX));
      rs.requests.push_back(std::move(q));
    }
    // One /jobs row per replica: its GPUs, held for the whole run.
    double busy = 0, iterations = 0, sequences = 0;
    for (std::size_t r = 0; r < replicas_.size(); ++r) {
      const auto& rep = replicas_[r];
      busy += rep.busy_s;
      iterations += static_cast<double>(rep.iterations);
      sequences += rep.batch_sequences;
      if (!standalone) continue;
      JobRecord job;
      job.id = static_cast<std::int64_t>(r);
      job.kind = "inference";
      job.submit_s = 0;
      job.start_s = 0;
      job.end_s = end;
      job.gpus = spec_.gpus_per_replica;
      job.status = "completed";
      job.compute_s = rep.busy_s - rep.comm_s;
      if (meter_) job.energy_j = meter_->job_energy_j(job.gpus * end, meter_->busy_gpu_s(rep.gpus, end));
      job.comm_s = rep.comm_s;
      job.timing =
          explicit_service_ ? "service_time" : (scenario_.calibration == "roofline" ? "roofline" : "calibration");
      std::set<int> nodes, racks;
      for (int g : rep.gpus) {
        nodes.insert(topo_.node_of_gpu(g));
        racks.insert(topo_.rack_of_gpu(g));
      }
      job.nodes = static_cast<std::int32_t>(nodes.size());
      job.racks = static_cast<std::int32_t>(racks.size());
      rs.jobs.push_back(std::move(job));
    }
    std::stable_sort(in_system_events_.begin(), in_system_events_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    StepSeries in_system_series;
    int in_system = 0;
    for (const auto& [t, delta] : in_system_events_)
      in_system_series.set(t, in_system += delta);
    if (standalone) {
      StepSeries allocated;
      allocated.set(0, gpus());
      rs.timeseries.push_back(allocated.sample("gpus_allocated", "GPUs", interval, end));
      rs.timeseries.push_back(waiting_series_.sample("queue_length", "requests", interval, end));
      rs.summary = compute_summary(rs.jobs, allocated.integral(end), topo_.num_gpus(), end);
      rs.summary.emplace_back("total_gpus", topo_.num_gpus());
      rs.summary.emplace_back("simulated_s", end);
    }
    rs.timeseries.push_back(in_system_series.sample("requests_in_system", "requests", interval, end));
    const InferenceSlo slo{spec_.slo_ttft_s, spec_.slo_tpot_s, spec_.slo_e2e_s};
    for (auto& entry : inference_summary(rs.requests, slo, end, in_system_series.integral(end)))
      rs.summary.push_back(std::move(entry));
    rs.summary.emplace_back("inference_replicas", static_cast<double>(spec_.replicas));
    rs.summary.emplace_back("inference_kv_capacity_tokens", static_cast<double>(memory_.kv_capacity_tokens));
    rs.summary.emplace_back("inference_weight_bytes_per_gpu", memory_.weight_bytes_per_gpu);
    rs.summary.emplace_back("inference_iterations", iterations);
    rs.summary.emplace_back("inference_mean_batch", explicit_service_ || iterations == 0 ? 0 : sequences / iterations);
    const bool autoscaled = scenario_.policies.autoscaler != "none";
    const double replica_s = autoscaled ? active_series_.integral(end) : end * static_cast<double>(spec_.replicas);
    rs.summary.emplace_back(
        "inference_busy_fraction",
        replica_s > 0 ? busy / (replica_s * (explicit_service_ ? spec_.max_batch : 1)) : 0);
    if (failures_) {
      rs.summary.emplace_back("inference_retries", static_cast<double>(retries_));
      rs.summary.emplace_back("inference_requests_failed", static_cast<double>(requests_failed_));
      rs.events.insert(rs.events.end(), events_.begin(), events_.end());
      std::stable_sort(rs.events.begin(), rs.events.end(),
                       [](const EventRecord& a, const EventRecord& b) { return a.time_s < b.time_s; });
    }
    if (autoscaled) {
      rs.timeseries.push_back(active_series_.sample("inference_replicas", "replicas", interval, end));
      rs.summary.emplace_back("inference_replicas_mean", end > 0 ? replica_s / end : 0);
      rs.summary.emplace_back("inference_scale_events", static_cast<double>(scale_events_));
    }
  }

 private:
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

InferenceService::InferenceService(const Scenario& scenario, const platforms::Topology& topo,
                                   std::vector<std::uint8_t>& gpu_free)
    : impl_(std::make_unique<Impl>(scenario, topo, gpu_free)) {}
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
  const auto wall_start = std::chrono::steady_clock::now();
  const std::string started = utc_now();
  const platforms::Topology topo = platforms::build_topology(scenario.platform);
  std::vector<std::uint8_t> gpu_free(static_cast<std::size_t>(topo.num_gpus()), 1);
  InferenceService service(scenario, topo, gpu_free);
  bool failures = !scenario.failures.trace.empty();
  for (const auto& c : workloads::effective_classes(scenario.failures))
    failures = failures || c.mtbf_s > 0;
  service.set_failures(failures);

  const auto engine_ptr = make_engine(options.simgrid_args);
  auto& engine = *engine_ptr;
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
  if (failures)
    sg4::Actor::create("failures", platform.controller, [&] {
      run_guarded(failure_error, [&] {
        workloads::FailureProcess process(scenario.failures, component_counts(topo), scenario.seed);
        while (auto e = process.next()) {
          if (service.done()) return;
          if (e->time_s > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(e->time_s);
          if (service.done()) return;
          const auto effect = failure_effect(*e, topo);
          std::string component = component_name(*e), cause = e->cause;
          component.resize(std::min(component.size(), job_string_bytes));
          cause.resize(std::min(cause.size(), job_string_bytes));
          events.push_back({sg4::Engine::get_clock(), "failure", component, -1, e->repair_s, cause});
          if (!effect.gpus.empty()) service.fail_gpus(effect.gpus);
          const double repair = e->repair_s;
          sg4::Actor::create("repair", platform.controller, [&, gpus = effect.gpus, component, repair] {
            run_guarded(failure_error, [&] {
              sg4::this_actor::sleep_for(repair);
              events.push_back({sg4::Engine::get_clock(), "repair", component, -1, 0, ""});
              if (!gpus.empty()) service.repair_gpus(gpus);
            });
          })->daemonize();
        }
      });
    })->daemonize();
  if (scenario.horizon_s > 0) {
    engine.run_until(scenario.horizon_s);
    // End the actors still waiting or running: actors left alive when the Engine goes away are never unwound.
    sg4::Actor::create("horizon", platform.controller, [] { sg4::Actor::kill_all(); });
    engine.run();
  } else {
    engine.run();
  }
  service.rethrow_failure();
  if (failure_error) std::rethrow_exception(failure_error);
  const double end = scenario.horizon_s > 0 ? scenario.horizon_s : service.last_event_s();

  RunReport report;
  auto& rs = report.results;
  rs.meta.racksim_version = racksim::version;
  rs.meta.git_sha = racksim::git_sha;
  rs.meta.simgrid_version = simgrid_version_string();
  rs.meta.seed = scenario.seed;
  rs.meta.scenario_yaml = scenario.resolved_yaml;
  rs.meta.started_utc = started;
  rs.meta.calibration = service.timing_source();
  const double interval =
      scenario.output.timeseries_interval_s > 0 ? scenario.output.timeseries_interval_s : std::max(1.0, end / 1000);
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
  rs.meta.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return report;
}

std::vector<std::pair<std::string, double>> inference_summary(const std::vector<RequestRecord>& requests,
                                                              const InferenceSlo& slo, double end_s,
                                                              double in_system_integral) {
  std::vector<double> ttft, tpot, e2e, wait;
  double completed = 0, dropped = 0, rejected = 0, failed = 0, output_tokens = 0, all_tokens = 0, good = 0;
  for (const auto& q : requests) {
    if (q.status == "dropped") ++dropped;
    if (q.status == "rejected") ++rejected;
    if (q.status == "failed") ++failed;
    if (q.status != "completed") continue;
    ++completed;
    const double t_first = q.first_token_s - q.arrival_s;
    const double t_e2e = q.finish_s - q.arrival_s;
    ttft.push_back(t_first);
    e2e.push_back(t_e2e);
    wait.push_back(q.start_s - q.arrival_s);
    bool meets = (slo.ttft_s <= 0 || t_first <= slo.ttft_s) && (slo.e2e_s <= 0 || t_e2e <= slo.e2e_s);
    if (q.output_tokens > 1) {
      const double t_tpot = (q.finish_s - q.first_token_s) / (q.output_tokens - 1);
      tpot.push_back(t_tpot);
      meets = meets && (slo.tpot_s <= 0 || t_tpot <= slo.tpot_s);
    }
    if (meets) ++good;
    output_tokens += q.output_tokens;
    all_tokens += q.output_tokens + q.prompt_tokens;
  }
  const double n = static_cast<double>(requests.size());
  const auto pct = [](const std::vector<double>& v, double p) { return v.empty() ? 0.0 : percentile(v, p); };
  std::vector<std::pair<std::string, double>> out;
  out.emplace_back("inference_requests", n);
  out.emplace_back("inference_completed", completed);
  out.emplace_back("inference_dropped", dropped);
  out.emplace_back("inference_rejected", rejected);
  out.emplace_back("inference_unfinished", n - completed - dropped - rejected - failed);
  out.emplace_back("inference_throughput_rps", end_s > 0 ? completed / end_s : 0);
  out.emplace_back("inference_output_tokens_per_s", end_s > 0 ? output_tokens / end_s : 0);
  out.emplace_back("inference_tokens_per_s", end_s > 0 ? all_tokens / end_s : 0);
  for (const auto& [name, values] : {std::pair<const char*, const std::vector<double>*>{"ttft", &ttft},
                                     {"tpot", &tpot},
                                     {"e2e", &e2e},
                                     {"wait", &wait}}) {
    out.emplace_back(std::string("inference_mean_") + name + "_s", mean_of(*values));
    out.emplace_back(std::string("inference_p50_") + name + "_s", pct(*values, 50));
    out.emplace_back(std::string("inference_p90_") + name + "_s", pct(*values, 90));
    out.emplace_back(std::string("inference_p99_") + name + "_s", pct(*values, 99));
  }
  out.emplace_back("inference_slo_attainment", n > 0 ? good / n : 0);
  out.emplace_back("inference_mean_in_system", end_s > 0 ? in_system_integral / end_s : 0);
  return out;
}

} // namespace racksim::sim
