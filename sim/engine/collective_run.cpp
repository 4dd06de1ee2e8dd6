#include "sim/engine/collective_run.hpp"

#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "policies/registry.hpp"
#include "sim/engine/activities.hpp"
#include "sim/engine/cluster_state.hpp"
#include "sim/engine/energy.hpp"
#include "sim/engine/job_status.hpp"
#include "sim/engine/run_recorder.hpp"
#include "sim/engine/simgrid_run.hpp"
#include "workloads/collective/collective.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
#include <unordered_map>

namespace sg4 = simgrid::s4u;

namespace racksim::sim {
namespace {

// One group's collective at one size: its plan, the latency of each phase and the idle-platform time.
struct Planned {
  std::vector<workloads::CollectivePhase> phases;
  std::vector<PhaseCosts> costs; // per phase
  double ideal_s = 0;
};

class CollectiveRun {
 public:
  CollectiveRun(const Scenario& scenario, const RunOptions& options)
      : scenario_(scenario), options_(options), spec_(scenario.workload.collective),
        topo_(platforms::build_topology(scenario.platform)),
        algorithm_(workloads::resolve_algorithm(spec_.op, spec_.algorithm)) {
    if (!workloads::accepts(spec_.op, spec_.algorithm))
      throw RunError(std::string("workload.collective.algorithm: '") + workloads::to_string(spec_.algorithm) +
                     "' does not apply to op '" + workloads::to_string(spec_.op) + "'");
    for (const double s : spec_.sizes_bytes) {
      const auto rounded = static_cast<std::int64_t>(std::llround(s));
      if (rounded < 1) throw RunError("workload.collective.sizes: a size rounds to 0 bytes");
      sizes_.push_back(rounded);
    }
  }

  RunReport run() {
    const RunStamp stamp;
    RunReport report;
    place_groups();
    plan_all();

    const auto engine_ptr = make_engine(options_.simgrid_args);
    auto& engine = *engine_ptr;
    platforms::configure_network_model(scenario_.platform.network_model);
    const auto platform = platforms::build_simgrid_platform(topo_);
    meter_ = std::make_unique<EnergyMeter>(scenario_, topo_);
    meter_->attach(platform.gpu_hosts);

    hosts_.resize(groups_.size());
    for (std::size_t g = 0; g < groups_.size(); ++g)
      for (int gpu : groups_[g])
        hosts_[g].push_back(platform.gpu_hosts[static_cast<std::size_t>(gpu)]);
    cost_phases();

    start_s_.assign(groups_.size(), std::vector<double>(sizes_.size(), 0));
    time_s_ = start_s_;
    sg4::Actor::create("collectives", platform.controller, [this] { guarded([this] { drive(); }); });
    engine.run();
    if (failure_) std::rethrow_exception(failure_);

    auto& rs = report.results;
    stamp.write(rs.meta, scenario_, "none: collective benchmark (no compute)");
    record(rs);
    stamp.finish(rs.meta);
    return report;
  }

 private:
  // Groups in order, each where the placement policy puts it among the GPUs the earlier groups left free.
  void place_groups() {
    const auto placement = policies::placements().create(scenario_.policies.placement, policy_params(scenario_));
    ClusterState cluster(topo_);
    for (int g = 0; g < spec_.groups; ++g) {
      auto gpus = cluster.place(*placement, spec_.ranks);
      if (!cluster.valid_placement(gpus, spec_.ranks))
        throw RunError("policies.placement: '" + scenario_.policies.placement + "' could not place group " +
                       std::to_string(g) + " of " + std::to_string(spec_.ranks) + " ranks");
      cluster.take(gpus, g);
      groups_.push_back(std::move(gpus));
    }
  }

  void plan_all() {
    plans_.resize(groups_.size());
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      std::vector<int> rank_node;
      for (int gpu : groups_[g])
        rank_node.push_back(topo_.node_of_gpu(gpu));
      for (const auto bytes : sizes_) {
        try {
          plans_[g].push_back(
              {workloads::plan_collective(spec_.op, algorithm_, static_cast<double>(bytes), rank_node), {}, 0});
        } catch (const std::invalid_argument& e) {
          throw RunError(std::string("workload.collective.algorithm: ") + e.what() + " (group " + std::to_string(g) +
                         ", placement '" + scenario_.policies.placement + "')");
        }
      }
    }
  }

  // Latency, idle-platform time and which flows need SimGrid, per group, size and phase. Groups run each size at
  // the same time, so a link another group crosses at that size (any phase) is never private.
  void cost_phases() {
    const bool analytic = scenario_.platform.network_model == platforms::NetworkModel::rdma;
    for (std::size_t k = 0; k < sizes_.size(); ++k) {
      std::unordered_map<const sg4::Link*, std::size_t> user; // link -> the one group crossing it, or npos
      if (groups_.size() > 1)
        for (std::size_t g = 0; g < groups_.size(); ++g)
          for (const auto& phase : plans_[g][k].phases)
            for (const auto* link : phase_links(hosts_[g], phase)) {
              const auto [it, inserted] = user.emplace(link, g);
              if (!inserted && it->second != g) it->second = std::string::npos;
            }
      for (std::size_t g = 0; g < groups_.size(); ++g) {
        auto& p = plans_[g][k];
        const auto foreign = [&user, g](const sg4::Link* link) {
          const auto it = user.find(link);
          return it != user.end() && it->second != g;
        };
        p.costs.clear();
        p.ideal_s = 0;
        for (const auto& phase : p.phases) {
          p.costs.push_back(phase_costs(hosts_[g], phase, analytic, foreign));
          p.ideal_s += phase.alpha_steps * p.costs.back().alpha_s + p.costs.back().bandwidth_s;
        }
      }
    }
  }

  // One size after the other; within a size every group runs at once, in its own actor.
  void drive() {
    for (std::size_t k = 0; k < sizes_.size(); ++k) {
      std::vector<sg4::ActorPtr> actors;
      for (std::size_t g = 0; g < groups_.size(); ++g)
        actors.push_back(sg4::Actor::create("group-" + std::to_string(g), hosts_[g].front(), [this, g, k] {
          guarded([this, g, k] {
            const double t0 = sg4::Engine::get_clock();
            run_collective(hosts_[g], plans_[g][k].phases, plans_[g][k].costs);
            start_s_[g][k] = t0;
            time_s_[g][k] = sg4::Engine::get_clock() - t0;
          });
        }));
      for (auto& a : actors)
        a->join();
    }
  }

  // sim/engine/simgrid_run.hpp: the first exception is kept and rethrown from run().
  template <class F>
  void guarded(F&& body) {
    run_guarded(failure_, std::forward<F>(body));
  }

  void record(ResultSet& rs) const {
    const int n = spec_.ranks;
    const double factor = workloads::bus_factor(spec_.op, n);
    double end = 0;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      JobRecord job;
      job.id = static_cast<std::int64_t>(g);
      job.kind = "collective";
      job.submit_s = 0;
      job.start_s = 0;
      job.gpus = n;
      job.status = to_string(JobStatus::completed);
      set_span(job, topo_, groups_[g]);
      job.timing = "collective";
      for (std::size_t k = 0; k < sizes_.size(); ++k) {
        CollectiveRecord c;
        c.job = job.id;
        c.op = workloads::to_string(spec_.op);
        c.algorithm = workloads::to_string(algorithm_);
        c.bytes = sizes_[k];
        c.ranks = n;
        c.start_s = start_s_[g][k];
        c.time_s = time_s_[g][k];
        c.algbw_Bps = c.time_s > 0 ? static_cast<double>(c.bytes) / c.time_s : 0;
        c.busbw_Bps = c.algbw_Bps * factor;
        c.ideal_s = plans_[g][k].ideal_s;
        c.nodes = job.nodes;
        c.racks = job.racks;
        job.comm_s += c.time_s;
        job.end_s = std::max(job.end_s, c.start_s + c.time_s);
        rs.collectives.push_back(std::move(c));
      }
      end = std::max(end, job.end_s);
      rs.jobs.push_back(std::move(job));
    }
    // Row order: by size, then group (the order they ran in).
    std::stable_sort(rs.collectives.begin(), rs.collectives.end(),
                     [](const CollectiveRecord& a, const CollectiveRecord& b) { return a.start_s < b.start_s; });

    StepSeries allocated, queue;
    allocated.set(0, static_cast<double>(n) * static_cast<double>(groups_.size()));
    allocated.set(end, 0);
    queue.set(0, 0);
    const double interval = timeseries_interval(scenario_, end);
    rs.timeseries.push_back(allocated.sample("gpus_allocated", "GPUs", interval, end));
    rs.timeseries.push_back(queue.sample("queue_length", "jobs", interval, end));
    rs.summary = run_summary(rs.jobs, allocated.integral(end), topo_.num_gpus(), end);
    double peak_bus = 0, peak_alg = 0, sum_bus = 0, worst_ratio = 0;
    for (const auto& c : rs.collectives) {
      peak_bus = std::max(peak_bus, c.busbw_Bps);
      peak_alg = std::max(peak_alg, c.algbw_Bps);
      sum_bus += c.busbw_Bps;
      if (c.ideal_s > 0) worst_ratio = std::max(worst_ratio, c.time_s / c.ideal_s);
    }
    const double rows = static_cast<double>(rs.collectives.size());
    rs.summary.emplace_back("collectives_total", rows);
    rs.summary.emplace_back("peak_algbw_Bps", peak_alg);
    rs.summary.emplace_back("peak_busbw_Bps", peak_bus);
    rs.summary.emplace_back("avg_busbw_Bps", rows > 0 ? sum_bus / rows : 0);
    rs.summary.emplace_back("max_time_over_ideal", worst_ratio);
    // A group holds its GPUs from 0 to its end and never computes (docs/energy.md).
    for (auto& job : rs.jobs)
      job.energy_j = meter_->job_energy_j(job.gpus * std::max(0.0, job.end_s), 0);
    meter_->record(rs, end, interval);
  }

  const Scenario& scenario_;
  const RunOptions& options_;
  std::unique_ptr<EnergyMeter> meter_;
  const workloads::CollectiveSpec& spec_;
  platforms::Topology topo_;
  workloads::CollectiveAlgorithm algorithm_;
  std::vector<std::int64_t> sizes_;         // S in whole bytes, scenario order
  std::vector<std::vector<int>> groups_;    // GPUs of each group, ascending = rank order
  std::vector<std::vector<Planned>> plans_; // [group][size]
  std::vector<std::vector<sg4::Host*>> hosts_;
  std::vector<std::vector<double>> start_s_, time_s_; // [group][size]
  std::exception_ptr failure_;
};

} // namespace

RunReport run_collective_simulation(const Scenario& scenario, const RunOptions& options) {
  CollectiveRun run(scenario, options);
  return run.run();
}

std::string format_collectives_table(const std::vector<CollectiveRecord>& rows) {
  char line[256];
  std::snprintf(line, sizeof line, "#\n#%12s  %-13s  %-12s  %6s  %5s  %12s  %11s  %11s  %12s\n", "size", "op",
                "algorithm", "ranks", "group", "time(us)", "algbw(GB/s)", "busbw(GB/s)", "ideal(us)");
  std::string out = line;
  double sum_bus = 0;
  for (const auto& c : rows) {
    std::snprintf(line, sizeof line, "%13lld  %-13s  %-12s  %6d  %5lld  %12.2f  %11.2f  %11.2f  %12.2f\n",
                  static_cast<long long>(c.bytes), c.op.c_str(), c.algorithm.c_str(), c.ranks,
                  static_cast<long long>(c.job), c.time_s * 1e6, c.algbw_Bps / 1e9, c.busbw_Bps / 1e9, c.ideal_s * 1e6);
    out += line;
    sum_bus += c.busbw_Bps;
  }
  std::snprintf(line, sizeof line, "# Avg bus bandwidth    : %g GB/s\n#\n",
                rows.empty() ? 0.0 : sum_bus / static_cast<double>(rows.size()) / 1e9);
  out += line;
  return out;
}

} // namespace racksim::sim
