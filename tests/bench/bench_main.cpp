// Micro-benchmarks: scenario load, topology graph build + bisection max-flow, SimGrid platform build, one
// data-parallel ring all-reduce over every GPU (BM_CollectiveRingAllReduce).
// SimGrid allows one Engine per process, so BM_SimgridPlatform runs one iteration; run each size in its own
// process: build/tests/bench/racksim_bench --benchmark_filter='BM_SimgridPlatform/2048$'.

#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "sim/engine/activities.hpp"
#include "sim/config/scenario.hpp"
#include "workloads/collective/collective.hpp"

#include <simgrid/s4u.hpp>

#include <benchmark/benchmark.h>

namespace {

using namespace racksim;

platforms::PlatformSpec spec_for(int gpus) {
  platforms::PlatformSpec spec;
  spec.gpus_per_node = 8;
  spec.nodes_per_rack = 32;
  spec.racks = gpus / (8 * 32);
  spec.fabric.spines = 16;
  return spec;
}

void BM_ScenarioLoad(benchmark::State& state) {
  const std::string path = std::string(RACKSIM_SOURCE_DIR) + "/examples/quickstart.yaml";
  for (auto _ : state)
    benchmark::DoNotOptimize(sim::load_scenario(path));
}
BENCHMARK(BM_ScenarioLoad)->Unit(benchmark::kMicrosecond);

void BM_TopologyBuild(benchmark::State& state) {
  const auto spec = spec_for(static_cast<int>(state.range(0)));
  for (auto _ : state)
    benchmark::DoNotOptimize(platforms::build_topology(spec));
  state.counters["gpus"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_TopologyBuild)->Arg(2048)->Arg(16384)->Arg(131072)->Unit(benchmark::kMillisecond);

void BM_BisectionMaxFlow(benchmark::State& state) {
  const auto topo = platforms::build_topology(spec_for(static_cast<int>(state.range(0))));
  for (auto _ : state)
    benchmark::DoNotOptimize(platforms::bisection_bandwidth_Bps(topo));
}
BENCHMARK(BM_BisectionMaxFlow)->Arg(2048)->Arg(16384)->Unit(benchmark::kMillisecond);

void BM_SimgridPlatform(benchmark::State& state) {
  static bool engine_used = false;
  if (engine_used) {
    state.SkipWithError("SimGrid allows one Engine per process: select one size with --benchmark_filter");
    for (auto _ : state) {
    }
    return;
  }
  engine_used = true;
  const auto topo = platforms::build_topology(spec_for(static_cast<int>(state.range(0))));
  int argc = 2;
  char arg0[] = "racksim_bench", arg1[] = "--log=root.thres:critical";
  char* argv[] = {arg0, arg1, nullptr};
  simgrid::s4u::Engine engine(&argc, argv);
  platforms::configure_network_model(platforms::NetworkModel::rdma);
  for (auto _ : state)
    benchmark::DoNotOptimize(platforms::build_simgrid_platform(topo));
  state.counters["gpus"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_SimgridPlatform)->Arg(2048)->Arg(16384)->Arg(65536)->Arg(131072)->Iterations(1)->Unit(benchmark::kMillisecond);

// One ring all-reduce of 1 GiB over every GPU of the platform, with what the collective workload does around it
// (plan, routes and per-phase costs, platform build excluded): run one size per process, e.g.
// --benchmark_filter='BM_CollectiveRingAllReduce/16384$'.
void BM_CollectiveRingAllReduce(benchmark::State& state) {
  static bool engine_used = false;
  if (engine_used) {
    state.SkipWithError("SimGrid allows one Engine per process: select one size with --benchmark_filter");
    for (auto _ : state) {
    }
    return;
  }
  engine_used = true;
  const int gpus = static_cast<int>(state.range(0));
  const auto topo = platforms::build_topology(spec_for(gpus));
  int argc = 3;
  char arg0[] = "racksim_bench", arg1[] = "--log=root.thres:critical", arg2[] = "--cfg=contexts/stack-size:256";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  simgrid::s4u::Engine engine(&argc, argv);
  platforms::configure_network_model(platforms::NetworkModel::rdma);
  const auto platform = platforms::build_simgrid_platform(topo);
  double simulated = 0;
  for (auto _ : state) {
    std::vector<int> rank_node;
    for (int g = 0; g < gpus; ++g)
      rank_node.push_back(topo.node_of_gpu(g));
    const auto phases = workloads::plan_collective(workloads::CollectiveOp::allreduce,
                                                   workloads::CollectiveAlgorithm::ring, 1024.0 * 1024 * 1024, rank_node);
    std::vector<sim::PhaseCosts> costs;
    for (const auto& phase : phases)
      costs.push_back(sim::phase_costs(platform.gpu_hosts, phase, true));
    simgrid::s4u::Actor::create("ring", platform.controller, [&] {
      const double t0 = simgrid::s4u::Engine::get_clock();
      sim::run_collective(platform.gpu_hosts, phases, costs);
      simulated = simgrid::s4u::Engine::get_clock() - t0;
    });
    engine.run();
  }
  state.counters["gpus"] = gpus;
  state.counters["simulated_s"] = simulated;
}
BENCHMARK(BM_CollectiveRingAllReduce)->Arg(2048)->Arg(16384)->Iterations(1)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
