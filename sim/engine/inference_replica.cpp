// InferenceService::Impl: a replica's actor (docs/inference.md): continuous batching on the kernel model, or
// max_batch independent servers with explicit service times; and how a replica sleeps until there is work.
#include "sim/engine/inference_service.hpp"

#include "sim/engine/energy.hpp"

#include <algorithm>
#include <numeric>
#include <set>
#include <stdexcept>

namespace sg4 = simgrid::s4u;

namespace racksim::sim {

void InferenceService::Impl::notify(Replica& rep) {
  if (!rep.asleep) return;
  rep.asleep = false;
  rep.wake->release();
}
// Sleeps until notified, or until `deadline` (< 0: no deadline).
void InferenceService::Impl::sleep_on(Replica& rep, double deadline) {
  rep.asleep = true;
  if (deadline < 0)
    rep.wake->acquire();
  else if (const double left = deadline - sg4::Engine::get_clock(); left > 0)
    rep.wake->acquire_timeout(left);
  rep.asleep = false;
}

void InferenceService::Impl::finish(Replica& rep, std::size_t idx, double now) {
  auto& rq = requests_[idx];
  rq.finish_s = now;
  rq.status = RequestStatus::completed;
  if (!explicit_service_) rep.kv_reserved -= rq.request.prompt_tokens + rq.request.output_tokens;
  note(now, -1);
  wake_if_done();
}

// Continuous batching on the kernel model: one iteration = admit, then prefill of the admitted + one decode step
// of the running, as one exec per GPU of the replica.
void InferenceService::Impl::serve_batches(std::size_t r) {
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
      rq.status = RequestStatus::running;
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
void InferenceService::Impl::serve_explicit(std::size_t r) {
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
      rq.status = RequestStatus::running;
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

} // namespace racksim::sim
