#include "sim/engine/interruptions.hpp"

#include "sim/engine/activities.hpp"
#include "sim/engine/energy.hpp"
#include "sim/engine/failure_source.hpp"
#include "sim/engine/inference_run.hpp"
#include "sim/engine/simgrid_run.hpp"
#include "sim/engine/storage_io.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace sg4 = simgrid::s4u;

namespace racksim::sim {
namespace {

// A run's actors (the job's and its readers'), taken from the job: stop_actors() ends them once the state is updated.
std::vector<sg4::ActorPtr> take_actors(JobState& job) {
  auto actors = std::move(job.readers);
  job.readers.clear();
  actors.push_back(std::move(job.actor));
  job.actor = nullptr;
  return actors;
}

// Kills a run's actors and cancels what they left running. Call after the state is updated (a simcall).
void stop_actors(const std::vector<sg4::ActorPtr>& actors) {
  for (const auto& a : actors) {
    if (!a) continue;
    const auto pid = a->get_pid();
    if (auto alive = sg4::Actor::by_pid(pid)) alive->kill();
    cancel_in_flight(pid);
  }
}

} // namespace

void plan_failover_checkpoints(std::vector<JobState>& jobs, const policies::Failover& failover,
                               const Scenario& scenario, const platforms::Topology& topo, const TrainingSetup& setup) {
  const auto classes = workloads::effective_classes(scenario.failures);
  for (auto& job : jobs) {
    const double rate = job_failure_rate(classes, topo, job.spec.gpus);
    const double tau = failover.checkpoint_interval_s(setup.checkpoint_ideal_s, rate > 0 ? 1 / rate : HUGE_VAL);
    if (!(tau > 0) || !std::isfinite(tau) || !(job.iter_ideal_s > 0)) continue;
    job.plan.checkpoint_every = std::max<std::int64_t>(1, std::llround(tau / job.iter_ideal_s));
    job.plan.checkpoints = (job.plan.iterations - 1) / job.plan.checkpoint_every;
    job.checkpoint_interval_s = static_cast<double>(job.plan.checkpoint_every) * job.iter_ideal_s;
    job.steps = workloads::plan_steps(job.plan, setup.training.max_iterations_per_step);
  }
}

Interruptions::Interruptions(const Scenario& scenario, const platforms::Topology& topo,
                             const platforms::SimPlatform& platform, const TrainingSetup& setup,
                             const policies::PolicyParams& params, policies::Failover& failover, ClusterState& cluster,
                             JobTable& jobs, const EnergyMeter& meter, InferenceService* service,
                             std::exception_ptr& failure, EngineCalls calls)
    : scenario_(scenario), topo_(topo), platform_(platform), training_(setup.training), params_(params),
      failover_(failover), cluster_(cluster), jobs_(jobs), meter_(meter), service_(service), failure_(failure),
      calls_(std::move(calls)) {}

template <class F>
void Interruptions::guarded(F&& body) {
  run_guarded(failure_, std::forward<F>(body));
}

void Interruptions::event(double t, std::string kind, std::string component, std::int64_t job, double value,
                          std::string cause) {
  events_.push_back(event_record(t, std::move(kind), std::move(component), job, value, std::move(cause)));
}

void Interruptions::preempt(std::size_t idx, double now) {
  JobState& job = jobs_[idx];
  job.iterations_done = progress_iters(job, now);
  job.checkpointed = job.iterations_done;
  job.kept_gpu_s += (now - job.safe_s) * job.spec.gpus;
  end_run(job, now, meter_);
  ++job.preemptions;
  job.pending_delay_s = params_.preemption_restart_s;
  replan_remaining(job, training_);
  stop_actors(take_actors(job));
  sg4::Actor::create("save-" + std::to_string(job.spec.id), platform_.controller, [this, idx] {
    guarded([this, idx] {
      JobState& j = jobs_[idx];
      const double t0 = sg4::Engine::get_clock();
      if (params_.preemption_checkpoint_s > 0)
        sg4::this_actor::sleep_for(params_.preemption_checkpoint_s);
      else
        StorageClient(topo_, platform_)
            .write(training_.checkpoint_tier, j.gpus.front(), j.spec.id, training_.checkpoint_bytes);
      const double t = sg4::Engine::get_clock();
      j.delay_s += t - t0;
      event(t0, "preempt", "", j.spec.id, t - t0, "");
      cluster_.release(j.gpus);
      jobs_.requeue(idx, t);
      cluster_.note_allocated(t);
      calls_.schedule();
    });
  });
}

// A failure hit GPUs of a running job: the failover policy decides what happens to it.
void Interruptions::interrupt(std::size_t idx, double now, const std::string& component) {
  JobState& job = jobs_[idx];
  std::vector<int> healthy, failed;
  for (int g : job.gpus)
    (cluster_.is_down(g) ? failed : healthy).push_back(g);
  end_run(job, now, meter_);
  policies::FailoverView view;
  view.now_s = now;
  view.id = job.spec.id;
  view.gpus = job.spec.gpus;
  view.gpus_failed = static_cast<int>(failed.size());
  view.restarts = job.restarts;
  view.has_checkpoint = job.checkpointed > 0;
  view.spare_gpus_free = cluster_.spares_free();
  view.can_shrink = !job.par && job.spec.iterations <= 0;
  auto decision = failover_.on_failure(view);
  using policies::FailoverAction;
  if ((decision.action == FailoverAction::swap_in_spares && view.spare_gpus_free < view.gpus_failed) ||
      (decision.action == FailoverAction::shrink && (!view.can_shrink || healthy.empty())))
    decision = {FailoverAction::restart_from_checkpoint, 0};
  // failover.max_restarts: a job that keeps failing gives up instead of restarting for ever.
  if (params_.failover_max_restarts > 0 && job.restarts >= params_.failover_max_restarts)
    decision = {FailoverAction::fail, 0};
  // What is lost: since the last checkpoint, or everything for a restart from zero and a failed job.
  const bool keep = decision.action != FailoverAction::restart_from_zero && decision.action != FailoverAction::fail;
  double lost_gpu_s = (now - job.safe_s) * job.spec.gpus;
  job.lost_s += now - job.safe_s;
  if (keep) {
    job.iterations_done = job.checkpointed;
  } else {
    lost_gpu_s += job.kept_gpu_s;
    job.lost_s += job.kept_gpu_s / job.spec.gpus;
    job.kept_gpu_s = 0;
    job.iterations_done = job.checkpointed = 0;
  }
  job.lost_gpu_s += lost_gpu_s;
  event(now, "interrupt", "", job.spec.id, lost_gpu_s, component);
  const auto actors = take_actors(job);

  bool relaunch = false;
  switch (decision.action) {
  case FailoverAction::fail:
    cluster_.release(job.gpus);
    jobs_.fail(idx, now);
    event(now, "job_failed", "", job.spec.id, 0, component);
    break;
  case FailoverAction::restart_from_zero:
  case FailoverAction::restart_from_checkpoint:
    cluster_.release(job.gpus);
    ++job.restarts;
    job.pending_delay_s = params_.failover_restart_delay_s;
    replan_remaining(job, training_);
    jobs_.requeue(idx, now);
    event(now, "restart", "", job.spec.id, static_cast<double>(job.iterations_done),
          decision.action == FailoverAction::restart_from_zero ? "from_zero" : "from_checkpoint");
    break;
  case FailoverAction::swap_in_spares: { // the job stays running, on its healthy GPUs and spares
    cluster_.release(failed);
    for (std::size_t k = 0; k < failed.size(); ++k)
      healthy.push_back(cluster_.take_spare(static_cast<std::int64_t>(idx)));
    std::sort(healthy.begin(), healthy.end());
    job.gpus = std::move(healthy);
    ++job.restarts;
    job.pending_delay_s = decision.delay_s;
    replan_remaining(job, training_);
    relaunch = true;
    event(now, "swap", "", job.spec.id, static_cast<double>(failed.size()), component);
    break;
  }
  case FailoverAction::shrink: { // the job stays running, on its healthy GPUs
    cluster_.release(failed);
    const double old_gpus = job.spec.gpus;
    job.gpus = std::move(healthy);
    job.spec.gpus = static_cast<int>(job.gpus.size());
    // Same global batch on fewer data-parallel replicas: each GPU computes old/new times as much per iteration.
    job.plan.compute_s_per_iteration *= old_gpus / job.spec.gpus;
    job.iter_ideal_s *= old_gpus / job.spec.gpus;
    ++job.restarts;
    job.pending_delay_s = decision.delay_s;
    replan_remaining(job, training_);
    relaunch = true;
    event(now, "shrink", "", job.spec.id, static_cast<double>(job.spec.gpus), component);
    break;
  }
  }
  stop_actors(actors);
  if (relaunch) calls_.launch(idx);
}

// Takes GPUs out of service (a failed component, docs/failures.md): interrupts the jobs on them and turns their
// hosts off, so whatever still runs there fails as it would. The inference service's GPUs go to the service (its
// replicas leave the balancer, docs/inference.md "Failures"); their hosts stay on.
void Interruptions::fail_gpus(const std::vector<int>& gpus, const std::string& component, const std::string& cause,
                              double repair_s) {
  const double now = sg4::Engine::get_clock();
  event(now, "failure", component, -1, repair_s, cause);
  ++failures_;
  const auto hit = cluster_.take_down(gpus, now);
  std::set<std::size_t> interrupted; // the running jobs hit (not those saving a checkpoint after a preemption)
  for (const auto owner : hit.job_owners)
    if (jobs_[static_cast<std::size_t>(owner)].status == JobStatus::running)
      interrupted.insert(static_cast<std::size_t>(owner));
  for (std::size_t idx : interrupted)
    interrupt(idx, now, component);
  if (!hit.service_gpus.empty()) service_->fail_gpus(hit.service_gpus);
  cluster_.note_allocated(now);
  for (int g : hit.down)
    platform_.gpu_hosts[static_cast<std::size_t>(g)]->turn_off();
  calls_.schedule();
}

void Interruptions::repair_gpus(const std::vector<int>& gpus, const std::string& component) {
  const double now = sg4::Engine::get_clock();
  event(now, "repair", component, -1, 0, "");
  std::vector<int> service_gpus;
  for (int g : gpus) {
    if (cluster_.owner(g) == ClusterState::service_owner) service_gpus.push_back(g);
    if (!cluster_.bring_up(g)) continue;
    // A simcall: other actors may run while this GPU is up but not yet back in service.
    platform_.gpu_hosts[static_cast<std::size_t>(g)]->turn_on();
    cluster_.return_to_service(g);
  }
  if (!service_gpus.empty()) service_->repair_gpus(service_gpus);
  cluster_.note_up(now);
  cluster_.note_allocated(now);
  calls_.schedule_after_repair();
}

void Interruptions::failure_source() {
  run_failure_process(
      scenario_, topo_, [this] { return jobs_.all_done(); },
      [this](const workloads::FailureEvent& e) { apply_failure(e); });
}

// One failure: GPUs out of service (gpu, node, nic, GPU cables, leaf, rack power) or capacity lost (leaf uplink
// cables, spines, storage servers) until its repair.
void Interruptions::apply_failure(const workloads::FailureEvent& e) {
  const std::string component = component_name(e);
  const auto effect = failure_effect(e, topo_);
  const double repair = e.repair_s;
  if (!effect.gpus.empty()) {
    fail_gpus(effect.gpus, component, e.cause, repair);
  } else {
    event(sg4::Engine::get_clock(), "failure", component, -1, repair, e.cause);
    ++failures_;
    degrade(effect, +1);
  }
  sg4::Actor::create("repair", platform_.controller, [this, effect, component, repair] {
    guarded([&] {
      sg4::this_actor::sleep_for(repair);
      if (!effect.gpus.empty()) {
        repair_gpus(effect.gpus, component);
      } else {
        event(sg4::Engine::get_clock(), "repair", component, -1, 0, "");
        degrade(effect, -1);
      }
    });
  });
}

// Capacity failures (fluid ECMP, platforms/topology.hpp): a leaf uplink cable takes 1/(GPUs per rack) of its rack's
// aggregated uplink, a spine 1/spines of every leaf's; a failed storage server's link runs at 1% (rebuilding).
void Interruptions::degrade(const FailureEffect& effect, int delta) {
  const int rack = effect.uplink_rack, storage_server = effect.storage_server;
  const bool spine = effect.spine;
  if (uplink_base_.empty())
    for (auto* l : platform_.leaf_uplinks)
      uplink_base_.push_back(l->get_bandwidth());
  if (uplink_cables_down_.empty()) uplink_cables_down_.assign(platform_.leaf_uplinks.size(), 0);
  if (spine) spines_down_ += delta;
  if (rack >= 0 && rack < static_cast<int>(uplink_cables_down_.size())) uplink_cables_down_[rack] += delta;
  if (spine || rack >= 0) {
    const auto& shape = cluster_.shape();
    const double per_rack = shape.gpus_per_node * shape.nodes_per_rack;
    const double spines = std::max<std::size_t>(1, topo_.spines.size());
    for (std::size_t r = 0; r < platform_.leaf_uplinks.size(); ++r) {
      const double share = (1 - uplink_cables_down_[r] / per_rack) * (1 - spines_down_ / spines);
      platform_.leaf_uplinks[r]->set_bandwidth(uplink_base_[r] * std::max(0.01, share));
    }
  }
  if (storage_server >= 0) {
    if (auto* link = sg4::Link::by_name_or_null(platforms::names::storage_server_link(storage_server))) {
      auto& down = storage_down_[storage_server];
      if (down == 0 && delta > 0) storage_base_[storage_server] = link->get_bandwidth();
      down += delta;
      link->set_bandwidth(storage_base_[storage_server] * (down > 0 ? 0.01 : 1.0));
    }
  }
}

} // namespace racksim::sim
