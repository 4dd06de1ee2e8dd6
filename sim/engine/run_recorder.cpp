#include "sim/engine/run_recorder.hpp"

#include "sim/version.hpp"

#include <simgrid/s4u.hpp> // declares sg_version_get (simgrid/version.h alone does not compile)
#include <simgrid/version.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

namespace racksim::sim {
namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string simgrid_version_string() { // "3.32.0"
  int major = 0, minor = 0, patch = 0;
  sg_version_get(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

} // namespace

RunStamp::RunStamp() : wall_start_(std::chrono::steady_clock::now()), started_utc_(utc_now()) {}

void RunStamp::write(Meta& meta, const Scenario& scenario, std::string calibration) const {
  meta.racksim_version = racksim::version;
  meta.git_sha = racksim::git_sha;
  meta.simgrid_version = simgrid_version_string();
  meta.seed = scenario.seed;
  meta.scenario_yaml = scenario.resolved_yaml;
  meta.calibration = std::move(calibration);
  meta.started_utc = started_utc_;
}

void RunStamp::finish(Meta& meta) const {
  meta.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start_).count();
}

double timeseries_interval(const Scenario& scenario, double end) {
  return scenario.output.timeseries_interval_s > 0 ? scenario.output.timeseries_interval_s : std::max(1.0, end / 1000);
}

std::vector<std::pair<std::string, double>> run_summary(const std::vector<JobRecord>& jobs, double allocated_gpu_s,
                                                        int total_gpus, double end) {
  auto summary = compute_summary(jobs, allocated_gpu_s, total_gpus, end);
  summary.emplace_back("total_gpus", total_gpus);
  summary.emplace_back("simulated_s", end);
  return summary;
}

void set_span(JobRecord& record, const platforms::Topology& topo, const std::vector<int>& gpus) {
  std::set<int> nodes, racks;
  for (int g : gpus) {
    nodes.insert(topo.node_of_gpu(g));
    racks.insert(topo.rack_of_gpu(g));
  }
  record.nodes = static_cast<std::int32_t>(nodes.size());
  record.racks = static_cast<std::int32_t>(racks.size());
}

ProgressLine::ProgressLine(bool enabled) : enabled_(enabled), wall_start_(std::chrono::steady_clock::now()) {}

void ProgressLine::update(double now, std::size_t done, std::size_t total, std::size_t running, std::size_t queued) {
  if (!enabled_) return;
  const auto wall = std::chrono::steady_clock::now();
  // Quiet for short runs; then at most two updates a second.
  if (wall - wall_start_ < std::chrono::seconds(2) || wall - last_ < std::chrono::milliseconds(500)) return;
  printed_ = true;
  last_ = wall;
  const double elapsed = std::chrono::duration<double>(wall - wall_start_).count();
  std::fprintf(stderr, "\r[racksim] simulated %.1f h | jobs done %zu/%zu | running %zu | queued %zu | %.1f s wall   ",
               now / 3600, done, total, running, queued, elapsed);
  std::fflush(stderr);
}

void ProgressLine::end() const {
  if (printed_) std::fprintf(stderr, "\n");
}

} // namespace racksim::sim
