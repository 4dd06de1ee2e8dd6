// InferenceService::Impl: the replicas' placement, the arrivals and the load balancer's routing, the service's
// failures and repairs, and the autoscaler (docs/inference.md). The replicas' serving loops are in
// inference_replica.cpp, the results in inference_record.cpp.
#include "sim/engine/inference_service.hpp"

#include "platforms/catalog.hpp"
#include "policies/registry.hpp"
#include "sim/analytic/kernel_timing.hpp"
#include "sim/engine/simgrid_run.hpp"

#include <algorithm>
#include <stdexcept>

namespace sg4 = simgrid::s4u;

namespace racksim::sim {

const char* to_string(RequestStatus status) {
  switch (status) {
  case RequestStatus::queued:
    return "queued";
  case RequestStatus::running:
    return "running";
  case RequestStatus::completed:
    return "completed";
  case RequestStatus::dropped:
    return "dropped";
  case RequestStatus::rejected:
    return "rejected";
  case RequestStatus::failed:
    return "failed";
  }
  return "queued";
}

InferenceService::Impl::Impl(const Scenario& scenario, const platforms::Topology& topo, ClusterState& cluster)
    : scenario_(scenario), spec_(scenario.workload.inference), topo_(topo), model_(workloads::find_model(spec_.model)),
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
  place_replicas(cluster);
}

void InferenceService::Impl::start(const platforms::SimPlatform& platform) {
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
    sg4::Actor::create("replica-" + std::to_string(i), rep.hosts.front(),
                       [this, i] { guarded([this, i] { explicit_service_ ? serve_explicit(i) : serve_batches(i); }); });
  }
  sg4::Actor::create("inference-arrivals", platform_.controller, [this] { guarded([this] { arrivals(); }); });
  if (scenario_.policies.autoscaler != "none")
    sg4::Actor::create("inference-autoscaler", platform_.controller, [this] { guarded([this] { autoscale(); }); });
}

std::string InferenceService::Impl::timing_source() const {
  return timer_ ? describe_timer(*timer_) : timing_source_;
}

// Replicas in order, each where the placement policy puts it among the GPUs the earlier ones left free; a
// replica's GPUs must share one NVLink domain (its TP all-reduces run there).
void InferenceService::Impl::place_replicas(ClusterState& cluster) {
  const auto placement = policies::placements().create(scenario_.policies.placement, policy_params(scenario_));
  const int provisioned = provisioned_replicas(scenario_);
  for (int r = 0; r < provisioned; ++r) {
    auto gpus = cluster.place(*placement, spec_.gpus_per_replica);
    if (!cluster.valid_placement(gpus, spec_.gpus_per_replica))
      throw RunError("policies.placement: '" + scenario_.policies.placement + "' could not place replica " +
                     std::to_string(r) + " of " + std::to_string(spec_.gpus_per_replica) + " GPUs");
    for (int g : gpus)
      if (topo_.domain_of_gpu(g) != topo_.domain_of_gpu(gpus.front()))
        throw RunError("workload.inference.gpus_per_replica: placement '" + scenario_.policies.placement +
                       "' put replica " + std::to_string(r) + " across NVLink domains (GPUs " +
                       std::to_string(gpus.front()) + " and " + std::to_string(g) +
                       "); use policies.placement: pack or a gpus_per_replica that divides platform.gpus_per_node");
    cluster.take(gpus, ClusterState::service_owner);
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
void InferenceService::Impl::guarded(F&& body) {
  run_guarded(failure_, std::forward<F>(body));
}

// Requests entering (+1) or leaving (-1) the system; a finish time may lie a few ulps past the clock (see
// serve_explicit), so the series is built from the events sorted by time at the end.
void InferenceService::Impl::note(double t, int delta) {
  last_event_s_ = std::max(last_event_s_, t);
  in_system_ += delta;
  in_system_events_.emplace_back(t, delta);
}

void InferenceService::Impl::note_waiting(double now, int delta) {
  waiting_ += delta;
  waiting_series_.set(now, waiting_);
}

// Routes every request at its arrival time. Rejection (can never fit a replica) and dropping (the chosen
// replica's queue is full) happen here; the request then never enters the system. Requests arriving at the same
// instant are routed together, in id order, before any replica is woken (so a replica admits them together).
void InferenceService::Impl::arrivals() {
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
      if (const int r = route(idx, now); r >= 0) woken[static_cast<std::size_t>(r)] = 1;
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
bool InferenceService::Impl::service_done() const {
  return arrivals_done_ && (!failures_ || in_system_ == 0);
}

// GPUs of the service under a failed component (docs/inference.md, "Failures"): a replica with any GPU down leaves
// the balancer; its waiting, admitted and running requests are aborted and re-routed at once (keeping their
// arrival time) up to max_retries times, then fail. The iteration it was running is discarded when it ends.
void InferenceService::Impl::fail_gpus(const std::vector<int>& gpus) {
  const double now = sg4::Engine::get_clock();
  std::vector<std::size_t> aborted;
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    auto& rep = replicas_[r];
    const auto hit = std::count_if(rep.gpus.begin(), rep.gpus.end(),
                                   [&](int g) { return std::find(gpus.begin(), gpus.end(), g) != gpus.end(); });
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
      rq.status = RequestStatus::failed;
      rq.finish_s = now;
      ++requests_failed_;
      note(now, -1);
      continue;
    }
    ++rq.retries;
    ++retries_;
    rq.status = RequestStatus::queued;
    if (const int r = place(idx, now); r >= 0) woken[static_cast<std::size_t>(r)] = 1;
  }
  for (std::size_t r = 0; r < replicas_.size(); ++r)
    if (woken[r]) notify(replicas_[r]);
  wake_if_done();
}

// The repair: a replica whose GPUs are all up again rejoins the balancer (if the autoscaler has it active) and
// takes the requests that waited for a replica.
void InferenceService::Impl::repair_gpus(const std::vector<int>& gpus) {
  const double now = sg4::Engine::get_clock();
  bool rejoined = false;
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    auto& rep = replicas_[r];
    const auto hit = std::count_if(rep.gpus.begin(), rep.gpus.end(),
                                   [&](int g) { return std::find(gpus.begin(), gpus.end(), g) != gpus.end(); });
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

void InferenceService::Impl::event(double t, const char* kind, std::int64_t replica) {
  events_.push_back({t, kind, "", replica, 0, ""});
}

// Requests that found no replica up wait here (in the system, counted as waiting) until one rejoins.
void InferenceService::Impl::place_unplaced(double now) {
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
int InferenceService::Impl::place(std::size_t idx, double now) {
  auto& rq = requests_[idx];
  if (active_.empty()) {
    rq.replica = -1;
    unplaced_.push_back(idx);
    note_waiting(now, +1);
    return -1;
  }
  const int chosen = choose(idx, now);
  rq.replica = chosen;
  replicas_[static_cast<std::size_t>(chosen)].waiting.push_back(idx);
  note_waiting(now, +1);
  return chosen;
}

void InferenceService::Impl::wake_if_done() {
  if (!failures_ || !service_done()) return;
  for (auto& rep : replicas_)
    notify(rep);
}

// A new request: returns the replica it joined the queue of, or -1 (rejected, dropped, or waiting for a replica).
int InferenceService::Impl::route(std::size_t idx, double now) {
  auto& rq = requests_[idx];
  const workloads::Waiting w{rq.request.prompt_tokens, rq.request.output_tokens};
  if (!explicit_service_ && !workloads::can_ever_fit(w, limits_)) {
    rq.status = RequestStatus::rejected;
    return -1;
  }
  if (active_.empty()) { // every replica down (failures): the request waits for one to rejoin
    note(now, +1);
    place(idx, now);
    return -1;
  }
  const int chosen = choose(idx, now);
  rq.replica = chosen;
  auto& rep = replicas_[static_cast<std::size_t>(chosen)];
  if (spec_.max_queue > 0 && static_cast<long>(rep.waiting.size()) >= spec_.max_queue) {
    rq.status = RequestStatus::dropped;
    return -1;
  }
  rep.waiting.push_back(idx);
  note(now, +1);
  note_waiting(now, +1);
  return chosen;
}

// The balancer's choice among the active replicas.
int InferenceService::Impl::choose(std::size_t idx, double now) {
  const auto& rq = requests_[idx];
  // The balancer sees the active replicas only, in replica order; its index i is replica active_[i].
  loads_.resize(active_.size());
  for (std::size_t i = 0; i < active_.size(); ++i) {
    const auto& rp = replicas_[active_[i]];
    loads_[i] = {static_cast<int>(rp.waiting.size()), static_cast<int>(rp.running.size())};
  }
  const policies::LoadBalancerView view{now, rq.request.id, rq.request.prompt_tokens, rq.request.output_tokens, loads_};
  int pick = -1;
  try {
    pick = balancer_->choose(view);
  } catch (const std::invalid_argument& e) {
    throw RunError(std::string("load balancer '") + scenario_.policies.load_balancer + "': " + e.what());
  }
  if (pick < 0 || pick >= static_cast<int>(active_.size()))
    throw RunError("load balancer '" + scenario_.policies.load_balancer + "' chose replica " + std::to_string(pick) +
                   " of " + std::to_string(active_.size()));
  return static_cast<int>(active_[static_cast<std::size_t>(pick)]);
}

void InferenceService::Impl::retire_if_drained(Replica& rep) {
  if (rep.state != ReplicaState::draining) return;
  rep.state = ReplicaState::inactive;
}

void InferenceService::Impl::set_active_series(double now) {
  active_series_.set(now, static_cast<double>(active_.size()));
}

// The autoscaler (policies.autoscaler): every interval, the policy's desired count, clamped to [min, max
// replicas]. Scale-out: inactive replicas (lowest index first) start provisioning and take requests after the
// provisioning delay; a draining replica is taken back at once instead (it is still up). Scale-in: the active
// replicas with the highest index stop taking requests and become inactive once drained. Ends when every
// request has arrived and left.
void InferenceService::Impl::autoscale() {
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

void InferenceService::Impl::activate(std::size_t r, double now) {
  replicas_[r].state = ReplicaState::active;
  if (replicas_[r].gpus_down > 0) return; // joins the balancer at its repair
  active_.insert(std::upper_bound(active_.begin(), active_.end(), r), r);
  set_active_series(now);
}

} // namespace racksim::sim
