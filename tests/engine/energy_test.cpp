// Energy, cost and carbon (docs/energy.md) in real SimGrid runs, against hand calculations, and the energy section's
// input errors. One run per test (SimGrid allows one Engine per process).
//
// The tiny platform: 1 rack x 1 node x 2 H100s, NVLink 100 GB/s with 0.5 us per link, one leaf, one spine, the
// default storage (2 PFS servers, 4 object-store gateways, a storage leaf and an object-store leaf):
//   switches        = leaf + spine + storage leaf + object-store leaf = 4
//   storage servers = 2 PFS servers + 4 object-store gateways       = 6
// Powers set in the scenario: GPU idle 100 W, max 500 W, node 1 kW, switch 200 W, storage server 300 W, PUE 1.5;
// price 0.1 $/kWh, capex 2 $/GPU-h, carbon 400 g/kWh.
//   static power    = 1 x 1000 + 4 x 200 + 6 x 300 = 3600 W

#include "../scenarios/cli_run.hpp"
#include "sim/engine/energy.hpp"
#include "sim/engine/engine.hpp"
#include "sim/results/results.hpp"
#include "sim/config/scenario.hpp"
#include "sim/config/units.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace racksim;

namespace {

const std::string base_yaml = R"(
name: energy-test
seed: 7
platform:
  gpu: H100-SXM5-80GB
  gpus_per_node: 2
  nodes_per_rack: 1
  racks: 1
  nvlink_bandwidth: 100GBps
  nvlink_latency: 0.5us
  fabric:
    spines: 1
    nics_per_node: 1
    nic_bandwidth: 100Gbps
    link_latency: 1us
  storage:
    servers: 2
workload:
  kind: synthetic
  synthetic:
    jobs: 1
    mean_interarrival: 1s
    gpus: [2]
    duration:
      distribution: constant
      median: 1000s
      min: 1s
      max: 1d
  training:
    iteration_time: 1s
    gradient_size: 1GB
    checkpoint_every: 0
    max_iterations_per_step: 50
energy:
  gpu_idle_power: 100W
  gpu_max_power: 500W
  node_power: 1kW
  switch_power: 200W
  storage_server_power: 300W
  pue: 1.5
  price: 0.1$/kWh
  gpu_cost_per_hour: 2
  carbon_intensity: 400
)";

constexpr double idle_w = 100, max_w = 500, static_w = 3600, pue = 1.5, j_per_kwh = 3.6e6;

sim::RunReport run(const std::vector<std::string>& overrides = {}, const std::string& yaml = base_yaml) {
  const auto scenario = sim::load_scenario_text(yaml, "energy-test.yaml", overrides, RACKSIM_SOURCE_DIR);
  return sim::run_simulation(scenario);
}

double summary(const sim::RunReport& r, const std::string& key) {
  for (const auto& [k, v] : r.results.summary)
    if (k == key) return v;
  ADD_FAILURE() << "no summary attribute " << key;
  return NAN;
}

const sim::TimeSeries& series(const sim::RunReport& r, const std::string& name) {
  for (const auto& s : r.results.timeseries)
    if (s.name == name) return s;
  throw std::runtime_error("no series " + name);
}

std::string temp_file(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / ("racksim-energy-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

#define EXPECT_REL(actual, expected) EXPECT_NEAR((actual) / (expected), 1.0, 1e-6) << (actual) << " vs " << (expected)

// One 2-GPU job of 1000 iterations of 1 s (budget rule: compute + ideal all-reduce = 1 s per iteration). Ring
// all-reduce of 1 GB over 2 GPUs on NVLink: 2(n-1)/n S/B = 1e9 / 100e9 = 0.01 s, plus 2(n-1) alpha = 2 x 1 us (the
// path GPU -> NVSwitch -> GPU crosses two 0.5 us links): 0.010002 s. Compute: 0.989998 s per iteration, so each GPU
// computes 989.998 s in all. Let T = the job's end (its submit time, drawn, plus 1000 s); the run ends there.
//   GPU energy   = 2 x 100 W x T + 2 x 989.998 s x (500 - 100) W
//   IT energy    = GPU energy + 3600 W x T
//   facility     = 1.5 x IT;  cost = facility kWh x 0.1 + 2 $ x 2 GPUs x T / 3600;  co2 = facility kWh x 0.4 kg
//   job energy_j = 1.5 x (2 GPUs x 1000 s x (100 W + 1000 W / 2) + 2 x 989.998 s x 400 W) = 2,987,997.6 J
TEST(Energy, HandCheckedTinyRun) {
  const auto r = run();
  ASSERT_EQ(r.results.jobs.size(), 1u);
  const auto& j = r.results.jobs[0];
  const double T = j.end_s;
  EXPECT_NEAR(j.end_s - j.start_s, 1000, 1e-6);
  EXPECT_NEAR(summary(r, "simulated_s"), T, 1e-9);
  const double busy_gpu_s = 2 * 1000 * (1 - 0.010002);
  const double gpu_j = 2 * idle_w * T + busy_gpu_s * (max_w - idle_w);
  const double it_j = gpu_j + static_w * T;
  const double kwh = pue * it_j / j_per_kwh;
  EXPECT_REL(summary(r, "gpu_energy_kwh"), gpu_j / j_per_kwh);
  EXPECT_REL(summary(r, "it_energy_kwh"), it_j / j_per_kwh);
  EXPECT_REL(summary(r, "energy_kwh"), kwh);
  EXPECT_REL(summary(r, "energy_cost_usd"), kwh * 0.1);
  EXPECT_REL(summary(r, "capex_usd"), 2.0 * 2 * T / 3600);
  EXPECT_REL(summary(r, "cost_usd"), kwh * 0.1 + 2.0 * 2 * T / 3600);
  EXPECT_REL(summary(r, "co2_kg"), kwh * 0.4);
  EXPECT_REL(summary(r, "mean_power_w"), pue * it_j / T);
  EXPECT_DOUBLE_EQ(summary(r, "pue"), 1.5);
  EXPECT_REL(j.energy_j, 2987997.6);
}

// /timeseries/power_w: sampled every 0.1 s, its rectangle sum is the energy to within the sampling error (20 steps,
// each with two power changes of at most 1.5 x 800 W, mis-timed by < 0.1 s: < 4.8 kJ of ~6.9 MJ, 7e-4). Before the job
// arrives the cluster idles: 1.5 x (3600 W + 2 x 100 W) = 5700 W.
TEST(Energy, PowerSeriesIntegratesToTheEnergyAndStartsAtTheIdleFloor) {
  const auto r = run({"output.timeseries_interval=0.1s"});
  const auto& p = series(r, "power_w");
  EXPECT_EQ(p.unit, "W");
  ASSERT_GT(p.value.size(), 10000u);
  EXPECT_DOUBLE_EQ(p.value[0], pue * (static_w + 2 * idle_w));
  double sum = 0;
  for (std::size_t i = 0; i + 1 < p.value.size(); ++i)
    sum += p.value[i] * (p.time_s[i + 1] - p.time_s[i]);
  const double end = summary(r, "simulated_s");
  sum += p.value.back() * (end - p.time_s.back());
  EXPECT_NEAR(sum / (summary(r, "energy_kwh") * j_per_kwh), 1.0, 1e-3);
  // While computing, both GPUs are at max: the series' peak.
  double peak = 0;
  for (double v : p.value)
    peak = std::max(peak, v);
  EXPECT_DOUBLE_EQ(peak, pue * (static_w + 2 * max_w));
}

// Carbon from a two-step trace (100 g/kWh until 500 s, 300 after). A 1-GPU job (no communication): the power is
// P0 = 1.5 x (3600 + 2 x 100) = 5700 W until the job starts at s0, then P1 = 1.5 x (3600 + 500 + 100) = 6300 W to T.
//   co2 = [P0 s0 x 100 + P1 (500 - s0) x 100 + P1 (T - 500) x 300] / 3.6e6 / 1000 kg
TEST(Energy, CarbonTraceGivesTheHandComputedEmissions) {
  const auto csv = temp_file("carbon.csv", "# two steps\ntime_s,g_per_kwh\n0,100\n500,300\n");
  const auto r = run({"workload.synthetic.gpus=[1]", "energy.carbon_trace=" + csv});
  const auto& j = r.results.jobs.at(0);
  const double s0 = j.start_s, T = j.end_s;
  const double p0 = pue * (static_w + 2 * idle_w), p1 = pue * (static_w + max_w + idle_w);
  const double co2 = (p0 * s0 * 100 + p1 * (500 - s0) * 100 + p1 * (T - 500) * 300) / j_per_kwh / 1000;
  EXPECT_REL(summary(r, "co2_kg"), co2);
  EXPECT_REL(summary(r, "energy_kwh"), (p0 * s0 + p1 * (T - s0)) / j_per_kwh);
}

// A failure trace switches node 1 (idle, the job runs on node 0) off from 100 s to 300 s: its 2 GPUs draw the off
// power, 10 W, instead of 100 W for 200 s. Node power and the rest stay as they are.
//   GPU energy = 4 x 100 W x T - 2 x 200 s x (100 - 10) W + 2 x 989.998 s x 400 W
TEST(Energy, HostsSwitchedOffDrawTheOffPower) {
  const auto trace = temp_file("failures.csv", "time,component,duration\n100,node:1,200\n");
  const auto r = run({"platform.nodes_per_rack=2", "energy.gpu_off_power=10W", "failures.trace=" + trace});
  const auto& j = r.results.jobs.at(0);
  ASSERT_EQ(j.status, "completed");
  EXPECT_EQ(j.restarts, 0);
  const double T = summary(r, "simulated_s");
  EXPECT_NEAR(T, j.end_s, 1e-9);
  const double gpu_j = 4 * idle_w * T - 2 * 200 * (idle_w - 10) + 2 * 1000 * (1 - 0.010002) * (max_w - idle_w);
  EXPECT_REL(summary(r, "gpu_energy_kwh"), gpu_j / j_per_kwh);
  // The series shows the dip: at 200 s node 1's GPUs are off.
  const auto& p = series(r, "power_w");
  const double dt = p.interval_s;
  const auto at = [&](double t) { return p.value.at(static_cast<std::size_t>(std::llround(t / dt))); };
  EXPECT_NEAR(at(0), pue * (static_w + 1000 + 4 * idle_w), 1e-9); // two nodes: 4600 W static
}

// A job hit by a failure at 80 s, in the compute phase of its second step (steps of 50 iterations: compute 49.4999 s,
// all-reduce 0.5001 s). SimGrid raises no completion for the execs cancelled with the killed job actor: the meter ends
// them at the actor's end. Each GPU computed 49.4999 s, then from s0 + 50 s to 80 s, then (restart from zero, no
// checkpoint, after node 0's 50 s repair and the restart delay) all 1000 iterations, 989.998 s. Node 0 is off for
// 50 s (off power 0 W).
//   GPU energy = 2 x 100 W x (T - 50 s) + 2 x [49.4999 + (80 - s0 - 50) + 989.998] s x 400 W
TEST(Energy, ExecsKilledByAFailureStopCountingAtTheFailure) {
  const auto trace = temp_file("failures-busy.csv", "time,component,duration\n80,node:0,50\n");
  const auto r = run({"energy.gpu_off_power=0W", "failures.trace=" + trace});
  const auto& j = r.results.jobs.at(0);
  ASSERT_EQ(j.status, "completed");
  EXPECT_EQ(j.restarts, 1);
  const double T = summary(r, "simulated_s"), s0 = j.start_s;
  const double busy_per_gpu = 49.4999 + (80 - s0 - 50) + 989.998;
  EXPECT_REL(summary(r, "gpu_energy_kwh"), (2 * idle_w * (T - 50) + 2 * busy_per_gpu * (max_w - idle_w)) / j_per_kwh);
  // The job's share: held 2 GPUs for both runs (first from s0 to 80 s, then from its relaunch to T, the restart delay
  // included), computing busy_per_gpu on each.
  EXPECT_LT(j.energy_j, summary(r, "energy_kwh") * j_per_kwh);
}

// A preemption kills the job actor with no host going off: its execs end at the kill. srtf on one node of 8 GPUs
// (tests/engine/data/preemption.csv, as EngineFailures.PreemptionKeepsProgressAndPaysItsCosts): job 0 computes
// 0-300 s and is preempted when job 1 arrives (it saves 10 s, GPUs held, idle); job 1 computes from 310 s; job 0
// restarts at job 1's end, pays 20 s (idle) and computes the rest. No gradients: computing is all there is. The
// engine's compute_s of each job counts its completed compute phases (job 0's killed one is the 300 s):
//   busy GPU-s = 8 x (300 + compute_s(job 1) + compute_s(job 0));  GPU energy = 8 x 100 W x T + busy x 400 W
//   job 1: energy_j = 1.5 x (8 x (end - start) x (100 + 1000 / 8) W + 8 x compute_s x 400 W)
// Without ending the killed execs at the kill, job 0's GPUs would count as computing through the save (+8 x 10 s).
TEST(Energy, ExecsOfAPreemptedJobStopCountingAtThePreemption) {
  const auto r = run({"platform.gpus_per_node=8", "workload.kind=trace", "workload.trace.format=chronus_philly",
                      "workload.trace.path=" + std::string(RACKSIM_SOURCE_DIR) + "/tests/engine/data/preemption.csv",
                      "workload.training.gradient_size=0B", "workload.training.max_iterations_per_step=1000",
                      "policies.scheduler=srtf", "policies.srtf.min_gap=60s", "policies.preemption.checkpoint=10s",
                      "policies.preemption.restart=20s"});
  ASSERT_EQ(r.results.jobs.size(), 2u);
  EXPECT_EQ(summary(r, "preemptions"), 1);
  const auto& long_job = r.results.jobs[0].id == 0 ? r.results.jobs[0] : r.results.jobs[1];
  const auto& short_job = r.results.jobs[0].id == 1 ? r.results.jobs[0] : r.results.jobs[1];
  EXPECT_NEAR(short_job.start_s, 310, 1e-9);
  const double T = summary(r, "simulated_s");
  const double busy = 8 * (300 + short_job.compute_s + long_job.compute_s);
  EXPECT_REL(summary(r, "gpu_energy_kwh"), (8 * idle_w * T + busy * (max_w - idle_w)) / j_per_kwh);
  EXPECT_REL(short_job.energy_j,
             pue * (8 * (short_job.end_s - short_job.start_s) * (idle_w + 1000.0 / 8) + 8 * short_job.compute_s * 400));
}

TEST(Energy, PowerAndPriceUnits) {
  EXPECT_DOUBLE_EQ(sim::parse_quantity("700W", sim::Dimension::power), 700);
  EXPECT_DOUBLE_EQ(sim::parse_quantity("4.6kW", sim::Dimension::power), 4600);
  EXPECT_DOUBLE_EQ(sim::parse_quantity("1.5MW", sim::Dimension::power), 1.5e6);
  EXPECT_DOUBLE_EQ(sim::parse_quantity("0.08$/kWh", sim::Dimension::price), 0.08);
  EXPECT_DOUBLE_EQ(sim::parse_quantity("80$/MWh", sim::Dimension::price), 0.08);
  EXPECT_EQ(sim::format_quantity(4600, sim::Dimension::power), "4.6kW");
  EXPECT_THROW(sim::parse_quantity("700", sim::Dimension::power), sim::UnitError);
  EXPECT_THROW(sim::parse_quantity("700w", sim::Dimension::power), sim::UnitError);
}

// ---- Input errors: file, line and field named; exit code 2 from the binary ----

std::string error_of(const std::string& yaml_tail, const std::vector<std::string>& overrides = {}) {
  try {
    (void)sim::load_scenario_text("name: x\n" + yaml_tail, "e.yaml", overrides, RACKSIM_SOURCE_DIR);
  } catch (const sim::ScenarioError& e) {
    return e.what();
  }
  return "";
}

TEST(EnergyErrors, BadPriceUnitIsLocated) {
  const auto e = error_of("energy:\n  price: 0.1$/kWhh\n");
  EXPECT_NE(e.find("e.yaml:3:10: energy.price: unknown unit '$/kWhh'"), std::string::npos) << e;
  EXPECT_NE(e.find("expected a price: $/kWh"), std::string::npos) << e;
  const auto w = error_of("energy:\n  node_power: 4.6kw\n");
  EXPECT_NE(w.find("e.yaml:3:15: energy.node_power: unknown unit 'kw'"), std::string::npos) << w;
  EXPECT_NE(w.find("did you mean 'kW'"), std::string::npos) << w;
}

TEST(EnergyErrors, PueBelowOneIsRejected) {
  EXPECT_NE(error_of("energy:\n  pue: 0.9\n").find("e.yaml:3:8: energy.pue: must be >= 1"), std::string::npos);
  EXPECT_NE(error_of("energy:\n  pue: -1.2\n").find("energy.pue: must be >= 1"), std::string::npos);
}

TEST(EnergyErrors, MissingCarbonTraceIsLocated) {
  const auto e = error_of("energy:\n  carbon_trace: /nonexistent/carbon.csv\n");
  EXPECT_NE(e.find("e.yaml:3:17: energy.carbon_trace: carbon trace '/nonexistent/carbon.csv' does not exist"),
            std::string::npos)
      << e;
}

TEST(EnergyErrors, BadCarbonRowNamesFileLineAndField) {
  const auto csv = temp_file("bad-carbon.csv", "time_h,g_per_kwh\n0,100\n1,lots\n");
  const auto e = error_of("energy:\n  carbon_trace: " + csv + "\n");
  EXPECT_NE(e.find("e.yaml:3:17: energy.carbon_trace: " + csv + ":3: field 'g_per_kwh': expected a number, got 'lots'"),
            std::string::npos)
      << e;
  const auto order = temp_file("unordered-carbon.csv", "time_s,g_per_kwh\n10,100\n5,100\n");
  EXPECT_NE(error_of("energy:\n  carbon_trace: " + order + "\n").find(":3: field 'time_s': times must increase"),
            std::string::npos);
  const auto header = temp_file("no-header-carbon.csv", "t,g\n0,100\n");
  EXPECT_NE(error_of("energy:\n  carbon_trace: " + header + "\n").find(":1: field 'time_s': the header names no time"),
            std::string::npos);
  // Through the binary: the same message on stderr and exit code 2 (bad input).
  const auto yaml = temp_file("bad-carbon.yaml", "name: x\nenergy:\n  carbon_trace: " + csv + "\n");
  const auto out = test::run_cli("validate " + yaml);
  EXPECT_EQ(out.exit_code, 2) << out.text;
  EXPECT_NE(out.text.find("bad-carbon.csv:3: field 'g_per_kwh'"), std::string::npos) << out.text;
  const auto price = temp_file("bad-price.yaml", "name: x\nenergy:\n  price: 0.1$/kWhh\n");
  const auto p = test::run_cli("validate " + price);
  EXPECT_EQ(p.exit_code, 2) << p.text;
  EXPECT_NE(p.text.find("bad-price.yaml:3:10: energy.price: unknown unit '$/kWhh'"), std::string::npos) << p.text;
}

} // namespace
