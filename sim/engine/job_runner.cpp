#include "sim/engine/job_runner.hpp"

#include "sim/engine/simgrid_run.hpp"
#include "workloads/collective/collective.hpp"

#include <algorithm>
#include <map>
#include <string>

namespace sg4 = simgrid::s4u;

namespace racksim::sim {

JobRunner::JobRunner(const Scenario& scenario, const platforms::Topology& topo, const platforms::SimPlatform& platform,
                     const TrainingSetup& setup, std::exception_ptr& failure)
    : scenario_(scenario), topo_(topo), platform_(platform), setup_(setup), training_(setup.training),
      failure_(failure) {}

template <class F>
void JobRunner::guarded(F&& body) {
  run_guarded(failure_, std::forward<F>(body));
}

void JobRunner::run(JobState& job) {
  if (job.pending_delay_s > 0) {
    const double d = job.pending_delay_s;
    job.pending_delay_s = 0;
    sg4::this_actor::sleep_for(d);
    job.delay_s += d;
  }
  job.safe_s = sg4::Engine::get_clock();
  const int n = static_cast<int>(job.gpus.size());
  std::vector<sg4::Host*> hosts;
  for (int g : job.gpus)
    hosts.push_back(platform_.gpu_hosts[static_cast<std::size_t>(g)]);
  double alpha = 0;
  for (int i = 0; i < n && n > 1; ++i)
    alpha = std::max(alpha, platforms::gpu_path(topo_, job.gpus[i], job.gpus[(i + 1) % n]).latency_s);
  job.alpha_s = alpha;

  const StorageClient storage(topo_, platform_); // outlives the step's readers, which use it
  const auto readers = dataset_readers(job);
  if (job.par)
    run_parallel(job, storage, readers);
  else
    run_data_parallel(job, hosts, storage, readers);
}

void JobRunner::run_data_parallel(JobState& job, const std::vector<sg4::Host*>& hosts, const StorageClient& storage,
                                  const std::vector<Reader>& readers) {
  for (const auto& step : job.steps) {
    const double iters = static_cast<double>(step.iterations);
    double t0 = sg4::Engine::get_clock();
    begin_step(job, step);
    // Data-set reads of the step overlap its compute (a prefetching loader); the compute phase ends when both have.
    const auto reading = start_dataset_reads(job, storage, readers, iters);
    if (job.plan.compute_s_per_iteration > 0) {
      const double flops = iters * job.plan.compute_s_per_iteration * topo_.gpu_flops;
      std::vector<sg4::ExecPtr> execs;
      execs.reserve(hosts.size());
      // Not Host::exec_async: in SimGrid 3.32 it runs on the calling actor's host, whatever host it is called on.
      for (auto* h : hosts)
        execs.push_back(sg4::this_actor::exec_init(flops)->set_host(h)->start());
      for (auto& e : execs)
        e->wait();
    }
    for (auto& r : reading)
      r->join();
    double t1 = sg4::Engine::get_clock();
    job.compute_s += t1 - t0;

    if (hosts.size() > 1 && job.plan.allreduce_bytes_per_iteration > 0) {
      ring_allreduce(hosts, job.plan.allreduce_bytes_per_iteration, iters, job.alpha_s);
      const double t2 = sg4::Engine::get_clock();
      job.comm_s += t2 - t1;
      t1 = t2;
    }

    end_step(job, step, storage, t1);
  }
}

void JobRunner::begin_step(JobState& job, const workloads::Step& step) {
  job.step_start_s = sg4::Engine::get_clock();
  job.step_iters = step.iterations;
}

// Counts the step's iterations and writes its checkpoint, if any; `t` is when its last activity ended.
void JobRunner::end_step(JobState& job, const workloads::Step& step, const StorageClient& storage, double t) {
  job.step_iters = 0;
  job.iterations_done += step.iterations;
  if (!step.checkpoint_after) return;
  storage.write(training_.checkpoint_tier, job.gpus.front(), job.spec.id, training_.checkpoint_bytes);
  const double now = sg4::Engine::get_clock();
  job.checkpoint_s += now - t;
  job.checkpointed = job.iterations_done;
  job.kept_gpu_s += (now - job.safe_s) * job.spec.gpus;
  job.safe_s = now;
  if (training_.checkpoint_drain != workloads::DrainTarget::none) start_drain(job);
}

// Rank order of a 3D-parallel job (Megatron's tp-dp-pp: rank = t + tp (d + dp p)), with every TP group made of
// consecutive GPUs of one NVLink domain where the placement allows; the rest are grouped across domains (their TP
// traffic then crosses the fabric) and the run is counted in jobs_tp_across_nvlink.
std::vector<int> JobRunner::parallel_rank_order(const JobState& job) {
  const auto tp = static_cast<std::size_t>(job.par->tp);
  std::vector<int> aligned, rest, chunk;
  for (std::size_t i = 0; i <= job.gpus.size(); ++i) {
    const bool boundary = i == job.gpus.size() ||
                          (!chunk.empty() && topo_.domain_of_gpu(chunk.front()) != topo_.domain_of_gpu(job.gpus[i]));
    if (boundary) {
      const std::size_t whole = chunk.size() / tp * tp;
      aligned.insert(aligned.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(whole));
      rest.insert(rest.end(), chunk.begin() + static_cast<std::ptrdiff_t>(whole), chunk.end());
      chunk.clear();
    }
    if (i < job.gpus.size()) chunk.push_back(job.gpus[i]);
  }
  if (!rest.empty()) ++tp_across_nvlink_;
  aligned.insert(aligned.end(), rest.begin(), rest.end());
  return aligned;
}

// The step's flow plans for K iterations: every group of a kind merged into one phase (they run at once), each
// flow carrying K x its per-iteration volume and the phase K x its latency steps.
JobRunner::ParallelPhases JobRunner::parallel_phases(const JobState& job, const std::vector<int>& order,
                                                     const std::vector<sg4::Host*>& hosts, double k) const {
  const auto& c = *job.par;
  const int tp = static_cast<int>(c.tp), pp = static_cast<int>(c.pp), dp = static_cast<int>(c.dp);
  const auto rank = [&](int t, int d, int p) { return t + tp * (d + dp * p); };
  using workloads::CollectiveAlgorithm;
  using workloads::CollectiveOp;
  // Plans `op` over each group, in the group's rank numbering, then maps to job ranks and merges. Ring plans have one
  // phase, so all groups' flows form one phase that starts together.
  const auto merged = [&](CollectiveOp op, double bytes, double repeats, const std::vector<std::vector<int>>& groups) {
    workloads::CollectivePhase out{workloads::to_string(op), {}, 0};
    for (const auto& group : groups) {
      std::vector<int> nodes;
      for (int r : group)
        nodes.push_back(topo_.node_of_gpu(order[static_cast<std::size_t>(r)]));
      for (auto& phase : workloads::plan_collective(op, CollectiveAlgorithm::ring, bytes, nodes)) {
        for (auto& f : phase.flows)
          out.flows.push_back(
              {group[static_cast<std::size_t>(f.src)], group[static_cast<std::size_t>(f.dst)], f.bytes});
        out.alpha_steps = std::max(out.alpha_steps, phase.alpha_steps * repeats);
      }
    }
    return std::vector<workloads::CollectivePhase>{std::move(out)};
  };
  ParallelPhases ph;
  const bool analytic = scenario_.platform.network_model == platforms::NetworkModel::rdma;
  if (c.tp > 1 && c.tp_allreduces > 0) {
    std::vector<std::vector<int>> groups;
    for (int p = 0; p < pp; ++p)
      for (int d = 0; d < dp; ++d) {
        groups.emplace_back();
        for (int t = 0; t < tp; ++t)
          groups.back().push_back(rank(t, d, p));
      }
    const double n = k * c.tp_allreduces;
    ph.tp = merged(CollectiveOp::allreduce, n * c.tp_allreduce_bytes, n, groups);
    // NVLink flows inside a TP group's domain meet no other job's traffic during this phase (docs/training-model.md).
    for (const auto& phase : ph.tp)
      ph.tp_costs.push_back(phase_costs(hosts, phase, analytic && setup_.job_tp_private));
  }
  if (c.pp > 1) {
    workloads::CollectivePhase phase{"pipeline p2p", {}, 2.0 * k * c.pp_sends};
    const double bytes = k * c.pp_sends * c.pp_bytes_per_microbatch;
    for (int p = 0; p + 1 < pp; ++p)
      for (int d = 0; d < dp; ++d)
        for (int t = 0; t < tp; ++t) {
          phase.flows.push_back({rank(t, d, p), rank(t, d, p + 1), bytes});
          phase.flows.push_back({rank(t, d, p + 1), rank(t, d, p), bytes});
        }
    ph.pp.push_back(std::move(phase));
    ph.pp_costs.push_back(phase_costs(hosts, ph.pp.front()));
  }
  if (c.dp > 1) {
    std::vector<std::vector<int>> groups;
    for (int p = 0; p < pp; ++p)
      for (int t = 0; t < tp; ++t) {
        groups.emplace_back();
        for (int d = 0; d < dp; ++d)
          groups.back().push_back(rank(t, d, p));
      }
    if (c.dp_param_bytes > 0) {
      ph.dp_grad = merged(CollectiveOp::reducescatter, k * c.dp_grad_bytes, k, groups);
      ph.dp_param = merged(CollectiveOp::allgather, k * c.dp_param_bytes, k, groups);
    } else {
      ph.dp_grad = merged(CollectiveOp::allreduce, k * c.dp_grad_bytes, k, groups);
    }
    for (const auto& phase : ph.dp_grad)
      ph.dp_grad_costs.push_back(phase_costs(hosts, phase));
    for (const auto& phase : ph.dp_param)
      ph.dp_param_costs.push_back(phase_costs(hosts, phase));
  }
  return ph;
}

// Every GPU of the job computes `seconds` (at the GPU's modelled rate) at once; returns the started execs.
std::vector<sg4::ExecPtr> JobRunner::start_compute(const std::vector<sg4::Host*>& hosts, double seconds) const {
  std::vector<sg4::ExecPtr> execs;
  if (!(seconds > 0)) return execs;
  for (auto* h : hosts)
    execs.push_back(sg4::this_actor::exec_init(seconds * topo_.gpu_flops)->set_host(h)->start());
  return execs;
}

// One 3D-parallel job (docs/training-model.md, "Per iteration"), a step of K iterations at a time:
//   compute (pipeline with bubble, minus the last micro-batch's backward) -> TP all-reduces on NVLink -> PP
//   point-to-point -> [DP gradient reduce-scatter || last backward] -> optimizer -> DP parameter all-gather
void JobRunner::run_parallel(JobState& job, const StorageClient& storage, const std::vector<Reader>& readers) {
  const auto order = parallel_rank_order(job);
  std::vector<sg4::Host*> hosts;
  for (int g : order)
    hosts.push_back(platform_.gpu_hosts[static_cast<std::size_t>(g)]);
  const auto& c = *job.par;
  std::map<std::int64_t, ParallelPhases> by_size; // K -> plans (a job has at most a few distinct step sizes)
  const auto wait = [](std::vector<sg4::ExecPtr>& execs) {
    for (auto& e : execs)
      e->wait();
  };
  for (const auto& step : job.steps) {
    auto it = by_size.find(step.iterations);
    if (it == by_size.end())
      it = by_size.emplace(step.iterations, parallel_phases(job, order, hosts, static_cast<double>(step.iterations)))
               .first;
    const auto& ph = it->second;
    const double k = static_cast<double>(step.iterations);
    double t0 = sg4::Engine::get_clock();
    begin_step(job, step);
    // Data-set reads overlap the pipeline compute, as for data-parallel jobs (a prefetching loader).
    const auto reading = start_dataset_reads(job, storage, readers, k);
    auto execs = start_compute(hosts, k * (c.pipeline_s - c.overlap_s));
    wait(execs);
    for (auto& r : reading)
      r->join();
    double t1 = sg4::Engine::get_clock();
    job.compute_s += t1 - t0;
    if (!ph.tp.empty()) run_collective(hosts, ph.tp, ph.tp_costs);
    if (!ph.pp.empty()) run_collective(hosts, ph.pp, ph.pp_costs);
    double t2 = sg4::Engine::get_clock();
    job.comm_s += t2 - t1;
    // DP gradient reduction overlapped with the backward pass of the last micro-batch.
    execs = start_compute(hosts, k * c.overlap_s);
    if (!ph.dp_grad.empty()) run_collective(hosts, ph.dp_grad, ph.dp_grad_costs);
    wait(execs);
    double t3 = sg4::Engine::get_clock();
    const double hidden = std::min(t3 - t2, k * c.overlap_s);
    job.compute_s += hidden;
    job.comm_s += (t3 - t2) - hidden;
    execs = start_compute(hosts, k * c.optimizer_s);
    wait(execs);
    double t4 = sg4::Engine::get_clock();
    job.compute_s += t4 - t3;
    if (!ph.dp_param.empty()) run_collective(hosts, ph.dp_param, ph.dp_param_costs);
    double t5 = sg4::Engine::get_clock();
    job.comm_s += t5 - t4;
    end_step(job, step, storage, t5);
  }
}

// Starts one reader actor per entry of `readers`, each reading `iterations` iterations' worth for its node's GPUs.
std::vector<sg4::ActorPtr> JobRunner::start_dataset_reads(JobState& job, const StorageClient& storage,
                                                          const std::vector<Reader>& readers, double iterations) {
  std::vector<sg4::ActorPtr> reading;
  for (const auto& [gpu, gpus_on_node, rank] : readers) {
    const double bytes = iterations * gpus_on_node * training_.dataset_read_bytes;
    const long long client = job.spec.id + rank;
    reading.push_back(sg4::Actor::create("read-" + std::to_string(job.spec.id), platform_.gpu_hosts[gpu],
                                         [this, &storage, gpu, client, bytes] {
                                           guarded([&] { storage.read(training_.dataset_tier, gpu, client, bytes); });
                                         }));
  }
  job.readers = reading;
  return reading;
}

// One reader per node of the job with data-set reads on. Empty when workload.training.dataset_read_size is 0.
std::vector<JobRunner::Reader> JobRunner::dataset_readers(const JobState& job) const {
  std::vector<Reader> out;
  if (!(training_.dataset_read_bytes > 0)) return out;
  for (int g : job.gpus) { // ascending, so a node's GPUs are contiguous
    if (!out.empty() && topo_.node_of_gpu(std::get<0>(out.back())) == topo_.node_of_gpu(g))
      ++std::get<1>(out.back());
    else
      out.emplace_back(g, 1, static_cast<int>(out.size()));
  }
  return out;
}

// Copies the checkpoint just written to the writer's NVMe to the drain tier, in the background: an NVMe read and
// the write to the target run together (pipelined), while the job trains on.
void JobRunner::start_drain(const JobState& job) {
  const int gpu = job.gpus.front();
  const long long client = job.spec.id;
  const double bytes = training_.checkpoint_bytes;
  sg4::Actor::create("drain-" + std::to_string(job.spec.id), platform_.gpu_hosts[gpu], [this, gpu, client, bytes] {
    guarded([&] {
      const double t0 = sg4::Engine::get_clock();
      auto* disk = platform_.nvme_disks.at(static_cast<std::size_t>(topo_.node_of_gpu(gpu)));
      auto read = disk->read_async(static_cast<sg_size_t>(bytes));
      const auto target = training_.checkpoint_drain == workloads::DrainTarget::pfs
                              ? workloads::StorageTier::pfs
                              : workloads::StorageTier::object_store;
      StorageClient(topo_, platform_).write(target, gpu, client, bytes);
      read->wait();
      drain_s_.push_back(sg4::Engine::get_clock() - t0);
    });
  });
}

} // namespace racksim::sim
