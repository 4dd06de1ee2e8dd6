#pragma once
// Energy, cost and carbon of a run (docs/energy.md): one place shared by the job engine, the inference service and
// the collective benchmark.
//
// A GPU draws idle + (max - idle) x u, where u is 1 while an exec runs on its SimGrid host (computing) and 0 otherwise
// (allocated but waiting on communication or I/O, or unallocated); a GPU whose host a failure switched off draws the
// off power. The meter follows every exec on a GPU host through SimGrid's public signals, so any engine that computes
// with execs is covered without a line of its own. SimGrid 3.32 raises Activity::on_completion only for an exec that
// an actor waits on and that ends normally or by a host failure, never for one cancelled with its killed actor; so an
// exec is live from Exec::on_start until the first of: its completion, the termination of the actor that started it
// (Actor::on_termination, which a kill raises), or its host being switched off (Host::on_state_change). An engine
// that models busy time without execs (the inference service's explicit service times) marks it with set_busy().
// Nodes, switches and storage servers draw constant powers; the facility draws IT power x PUE.
//
// The meter keeps two step functions (GPUs computing, GPUs off) and per-GPU busy seconds: the power series, the
// energy, the carbon and each job's share follow from them exactly, with no sampling error.

#include "sim/config/carbon_trace.hpp"
#include "sim/config/scenario.hpp"
#include "sim/results/results.hpp"

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace simgrid::s4u {
class Host;
} // namespace simgrid::s4u

namespace racksim::platforms {
struct Topology;
} // namespace racksim::platforms

namespace racksim::sim {

// The constant powers of a platform and the GPU power range, resolved from the scenario and the GPU catalog.
struct PowerModel {
  double gpu_idle_w = 0, gpu_max_w = 0, gpu_off_w = 0;
  int gpus = 0, nodes = 0, switches = 0, storage_servers = 0;
  double node_w = 0, switch_w = 0, storage_server_w = 0;
  double pue = 1;
  double static_w() const { return nodes * node_w + switches * switch_w + storage_servers * storage_server_w; }
  // IT power with `busy` GPUs computing and `off` GPUs switched off.
  double it_w(double busy, double off) const {
    return static_w() + (gpus - off) * gpu_idle_w + busy * (gpu_max_w - gpu_idle_w) + off * gpu_off_w;
  }
};
PowerModel power_model(const EnergySpec& spec, const platforms::Topology& topo);

// Integral over [0, end] of a(t) x b(t) for two step functions given as (time, value) points in time order (each
// value holds from its time on; before the first point a is 0 and b is its first value).
double integrate_product(const std::vector<std::pair<double, double>>& a, const CarbonSeries& b, double end);

class EnergyMeter {
 public:
  EnergyMeter(const Scenario& scenario, const platforms::Topology& topo);
  ~EnergyMeter();
  EnergyMeter(const EnergyMeter&) = delete;
  EnergyMeter& operator=(const EnergyMeter&) = delete;

  // Starts following the execs and on/off states of these hosts (GPU id = index). Call once the platform exists,
  // before the simulation runs. One meter at a time per process (SimGrid allows one Engine anyway).
  void attach(const std::vector<simgrid::s4u::Host*>& gpu_hosts);

  // Busy time that SimGrid does not see as an exec (explicit service times): `busy` adds or removes one reason to be
  // busy on the GPU at time `now`.
  void set_busy(int gpu, bool busy, double now);

  // GPU-seconds computed by these GPUs over [0, now] (the part under way included).
  double busy_gpu_s(const std::vector<int>& gpus, double now) const;

  // Facility energy in J attributed to a job that held GPUs for `held_gpu_s` GPU-seconds and computed on them for
  // `busy_gpu_s`: PUE x (held x (idle + node power / GPUs per node) + busy x (max - idle)).
  double job_energy_j(double held_gpu_s, double busy_gpu_s) const;

  // Appends /timeseries/power_w (facility power, sampled like the others) and the energy summary attributes.
  void record(ResultSet& rs, double end, double interval) const;

  const PowerModel& model() const { return model_; }

  // SimGrid signal handlers (public for the forwarding lambdas).
  void on_exec_start(const void* exec, const simgrid::s4u::Host* host, long pid, double now);
  void on_exec_end(const void* exec, double now);
  void on_actor_end(long pid, double now);
  void on_host_state(const simgrid::s4u::Host* host, bool on, double now);

 private:
  void change(int gpu, int delta_running, int delta_off, double now);
  static void push(StepSeries& s, double t, double v);

  PowerModel model_;
  int gpus_per_node_ = 1;
  CarbonSeries carbon_;
  double price_per_kwh_ = 0, gpu_cost_per_hour_ = 0;
  std::unordered_map<const simgrid::s4u::Host*, int> gpu_of_;
  struct Live {
    int gpu;
    long pid;
  };
  std::unordered_map<const void*, Live> live_;                       // execs under way on GPU hosts
  std::unordered_map<long, std::unordered_set<const void*>> by_pid_; // the same, by the actor that started them
  std::vector<int> running_;                                         // by GPU: live execs and set_busy reasons
  std::vector<char> off_;                                            // by GPU: host switched off
  std::vector<double> since_;                                        // by GPU: when it last became busy and on
  std::vector<double> busy_cum_;                                     // by GPU: busy seconds before `since_`
  int busy_ = 0, off_count_ = 0;
  StepSeries busy_series_, off_series_;
};

} // namespace racksim::sim
