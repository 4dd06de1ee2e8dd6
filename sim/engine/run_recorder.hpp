#pragma once
// What every run kind (the job engine, the collective benchmark, the inference service) records the same way: the
// /meta group, the sampling interval of the time series, the head of the /summary, and the progress line.

#include "platforms/topology.hpp"
#include "sim/config/scenario.hpp"
#include "sim/results/results.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace racksim::sim {

// When a run started, and the /meta it writes (docs/results-schema.md, "/meta"). Make one when the run starts.
class RunStamp {
 public:
  RunStamp();
  // Everything /meta holds but the wall time: versions, seed, the resolved scenario, the UTC start, and
  // `calibration` (what timed compute).
  void write(Meta& meta, const Scenario& scenario, std::string calibration) const;
  // /meta/wall_seconds: the wall time since the start; call when the results are complete.
  void finish(Meta& meta) const;

 private:
  std::chrono::steady_clock::time_point wall_start_;
  std::string started_utc_; // "2026-11-23T09:21:02Z"
};

// output.timeseries_interval, or 1/1000 of the simulated span (at least 1 s).
double timeseries_interval(const Scenario& scenario, double end);

// The first /summary entries of every run kind: the job metrics (compute_summary), total_gpus and simulated_s.
std::vector<std::pair<std::string, double>> run_summary(const std::vector<JobRecord>& jobs, double allocated_gpu_s,
                                                        int total_gpus, double end);

// JobRecord::nodes and JobRecord::racks: how many nodes and racks `gpus` span.
void set_span(JobRecord& record, const platforms::Topology& topo, const std::vector<int>& gpus);

// RunOptions::progress: a line on stderr after 2 s of wall time, updated at most twice a second.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled);
  void update(double now, std::size_t done, std::size_t total, std::size_t running, std::size_t queued);
  void end() const; // ends the line, if one was printed

 private:
  bool enabled_;
  bool printed_ = false;
  std::chrono::steady_clock::time_point wall_start_, last_{};
};

} // namespace racksim::sim
