#include "sim/engine/energy.hpp"

#include "platforms/catalog.hpp"
#include "platforms/topology.hpp"
#include "sim/config/units.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <fstream>
#include <string_view>

namespace sg4 = simgrid::s4u;

namespace racksim::sim {

namespace {

constexpr double joules_per_kwh = 3.6e6;

// The meter the SimGrid signals report to: signals are process-wide and cannot be disconnected one by one in 3.32.
EnergyMeter* current_meter = nullptr;

void connect_signals_once() {
  static bool connected = false;
  if (connected) return;
  connected = true;
  // Exec::start raises on_start in the issuing actor.
  sg4::Exec::on_start_cb([](const sg4::Exec& e) {
    if (current_meter && e.get_host_number() == 1)
      current_meter->on_exec_start(&e, e.get_host(), sg4::this_actor::get_pid(), sg4::Engine::get_clock());
  });
  sg4::Activity::on_completion_cb([](const sg4::Activity& a) {
    if (current_meter && dynamic_cast<const sg4::Exec*>(&a)) current_meter->on_exec_end(&a, sg4::Engine::get_clock());
  });
  sg4::Actor::on_termination_cb([](const sg4::Actor& a) {
    if (current_meter) current_meter->on_actor_end(a.get_pid(), sg4::Engine::get_clock());
  });
  sg4::Host::on_state_change_cb([](const sg4::Host& h) {
    if (current_meter) current_meter->on_host_state(&h, h.is_on(), sg4::Engine::get_clock());
  });
}

} // namespace

PowerModel power_model(const EnergySpec& spec, const platforms::Topology& topo) {
  const auto& gpu = platforms::find_gpu(topo.spec.gpu_model);
  PowerModel m;
  m.gpu_idle_w = spec.gpu_idle_w > 0 ? spec.gpu_idle_w : gpu.idle_power_w;
  m.gpu_max_w = spec.gpu_max_w > 0 ? spec.gpu_max_w : gpu.max_power_w;
  m.gpu_off_w = spec.gpu_off_w;
  m.gpus = topo.num_gpus();
  m.nodes = topo.num_nodes();
  for (auto v : boost::make_iterator_range(boost::vertices(topo.graph))) {
    switch (topo.graph[v].kind) {
    case platforms::VertexKind::leaf:
    case platforms::VertexKind::aggregation:
    case platforms::VertexKind::spine:
    case platforms::VertexKind::storage_leaf:
    case platforms::VertexKind::object_store_leaf:
      ++m.switches;
      break;
    case platforms::VertexKind::storage_server:
    case platforms::VertexKind::object_store_gateway:
      ++m.storage_servers;
      break;
    default:
      break;
    }
  }
  m.node_w = spec.node_w;
  m.switch_w = spec.switch_w;
  m.storage_server_w = spec.storage_server_w;
  m.pue = spec.pue;
  return m;
}

double integrate_product(const std::vector<std::pair<double, double>>& a, const CarbonSeries& b, double end) {
  // Merge the breakpoints of both step functions over [0, end].
  double total = 0, t = 0, va = 0;
  double vb = b.empty() ? 0 : b.front().second;
  std::size_t i = 0, j = 0;
  while (t < end) {
    while (i < a.size() && a[i].first <= t)
      va = a[i++].second;
    while (j < b.size() && b[j].first <= t)
      vb = b[j++].second;
    double next = end;
    if (i < a.size()) next = std::min(next, a[i].first);
    if (j < b.size()) next = std::min(next, b[j].first);
    total += va * vb * (next - t);
    t = next;
  }
  return total;
}

EnergyMeter::EnergyMeter(const Scenario& scenario, const platforms::Topology& topo)
    : model_(power_model(scenario.energy, topo)), gpus_per_node_(std::max(1, topo.spec.gpus_per_node)),
      price_per_kwh_(scenario.energy.price_per_kwh), gpu_cost_per_hour_(scenario.energy.gpu_cost_per_hour) {
  carbon_ = scenario.energy.carbon_trace.empty() ? CarbonSeries{{0.0, scenario.energy.carbon_g_per_kwh}}
                                                 : read_carbon_trace(scenario.energy.carbon_trace);
  const auto n = static_cast<std::size_t>(model_.gpus);
  running_.assign(n, 0);
  off_.assign(n, 0);
  since_.assign(n, 0);
  busy_cum_.assign(n, 0);
  busy_series_.set(0, 0);
  off_series_.set(0, 0);
}

EnergyMeter::~EnergyMeter() {
  if (current_meter == this) current_meter = nullptr;
}

void EnergyMeter::attach(const std::vector<sg4::Host*>& gpu_hosts) {
  gpu_of_.clear();
  for (std::size_t g = 0; g < gpu_hosts.size(); ++g)
    gpu_of_.emplace(gpu_hosts[g], static_cast<int>(g));
  current_meter = this;
  connect_signals_once();
}

void EnergyMeter::push(StepSeries& s, double t, double v) {
  // Changes at one instant collapse into the last (the state that holds), so the series stays small.
  if (!s.points.empty() && s.points.back().first == t)
    s.points.back().second = v;
  else
    s.points.emplace_back(t, v);
}

void EnergyMeter::change(int gpu, int delta_running, int delta_off, double now) {
  const auto g = static_cast<std::size_t>(gpu);
  const bool was_busy = running_[g] > 0 && !off_[g];
  running_[g] = std::max(0, running_[g] + delta_running);
  if (delta_off != 0) {
    const bool off = delta_off > 0;
    if (off != static_cast<bool>(off_[g])) {
      off_[g] = off;
      off_count_ += off ? 1 : -1;
      push(off_series_, now, off_count_);
    }
  }
  const bool busy = running_[g] > 0 && !off_[g];
  if (busy == was_busy) return;
  if (busy) {
    since_[g] = now;
    ++busy_;
  } else {
    busy_cum_[g] += now - since_[g];
    --busy_;
  }
  push(busy_series_, now, busy_);
}

void EnergyMeter::on_exec_start(const void* exec, const sg4::Host* host, long pid, double now) {
  const auto it = gpu_of_.find(host);
  if (it == gpu_of_.end()) return;
  if (!live_.emplace(exec, Live{it->second, pid}).second) return; // started twice: counted once
  by_pid_[pid].insert(exec);
  change(it->second, 1, 0, now);
}

void EnergyMeter::on_exec_end(const void* exec, double now) {
  const auto it = live_.find(exec);
  if (it == live_.end()) return; // not on a GPU, or already ended by its actor's end or its host's
  const Live l = it->second;
  live_.erase(it);
  if (auto p = by_pid_.find(l.pid); p != by_pid_.end()) {
    p->second.erase(exec);
    if (p->second.empty()) by_pid_.erase(p);
  }
  change(l.gpu, -1, 0, now);
}

void EnergyMeter::on_actor_end(long pid, double now) {
  const auto p = by_pid_.find(pid);
  if (p == by_pid_.end()) return;
  const auto execs = std::move(p->second);
  by_pid_.erase(p);
  for (const void* exec : execs)
    if (const auto it = live_.find(exec); it != live_.end() && it->second.pid == pid) {
      const int gpu = it->second.gpu;
      live_.erase(it);
      change(gpu, -1, 0, now);
    }
}

void EnergyMeter::on_host_state(const sg4::Host* host, bool on, double now) {
  const auto it = gpu_of_.find(host);
  if (it == gpu_of_.end()) return;
  if (!on) { // every exec on a host switched off fails
    std::vector<const void*> failed;
    for (const auto& [exec, l] : live_)
      if (l.gpu == it->second) failed.push_back(exec);
    std::sort(failed.begin(), failed.end()); // deterministic order (not that the sum depends on it)
    for (const void* exec : failed)
      on_exec_end(exec, now);
  }
  change(it->second, 0, on ? -1 : 1, now);
}

void EnergyMeter::set_busy(int gpu, bool busy, double now) {
  if (gpu < 0 || gpu >= model_.gpus) return;
  if (!busy && running_[static_cast<std::size_t>(gpu)] == 0) return;
  change(gpu, busy ? 1 : -1, 0, now);
}

double EnergyMeter::busy_gpu_s(const std::vector<int>& gpus, double now) const {
  double total = 0;
  for (int gpu : gpus) {
    const auto g = static_cast<std::size_t>(gpu);
    if (g >= busy_cum_.size()) continue;
    total += busy_cum_[g];
    if (running_[g] > 0 && !off_[g]) total += std::max(0.0, now - since_[g]);
  }
  return total;
}

double EnergyMeter::job_energy_j(double held_gpu_s, double busy_gpu_s) const {
  const auto& m = model_;
  return m.pue * (held_gpu_s * (m.gpu_idle_w + m.node_w / gpus_per_node_) + busy_gpu_s * (m.gpu_max_w - m.gpu_idle_w));
}

void EnergyMeter::record(ResultSet& rs, double end, double interval) const {
  const auto& m = model_;
  // Facility power as one step function: the union of the two series' breakpoints.
  std::vector<std::pair<double, double>> power;
  {
    std::size_t i = 0, j = 0;
    double busy = 0, off = 0;
    const auto& b = busy_series_.points;
    const auto& o = off_series_.points;
    while (i < b.size() || j < o.size()) {
      const double t = std::min(i < b.size() ? b[i].first : HUGE_VAL, j < o.size() ? o[j].first : HUGE_VAL);
      while (i < b.size() && b[i].first == t)
        busy = b[i++].second;
      while (j < o.size() && o[j].first == t)
        off = o[j++].second;
      power.emplace_back(t, m.pue * m.it_w(busy, off));
    }
  }
  StepSeries facility;
  facility.points = power;
  rs.timeseries.push_back(facility.sample("power_w", "W", interval, end));

  const double busy_s = busy_series_.integral(end), off_s = off_series_.integral(end);
  const double gpu_j =
      (m.gpus * end - off_s) * m.gpu_idle_w + busy_s * (m.gpu_max_w - m.gpu_idle_w) + off_s * m.gpu_off_w;
  const double it_j = gpu_j + m.static_w() * end;
  const double facility_j = m.pue * it_j;
  const double energy_kwh = facility_j / joules_per_kwh;
  const double energy_cost = energy_kwh * price_per_kwh_;
  const double capex = gpu_cost_per_hour_ * m.gpus * end / 3600;
  const double co2_kg = integrate_product(power, carbon_, end) / joules_per_kwh / 1000;
  auto& sm = rs.summary;
  sm.emplace_back("energy_kwh", energy_kwh);
  sm.emplace_back("gpu_energy_kwh", gpu_j / joules_per_kwh);
  sm.emplace_back("it_energy_kwh", it_j / joules_per_kwh);
  sm.emplace_back("mean_power_w", end > 0 ? facility_j / end : 0.0);
  sm.emplace_back("pue", m.pue);
  sm.emplace_back("energy_cost_usd", energy_cost);
  sm.emplace_back("capex_usd", capex);
  sm.emplace_back("cost_usd", energy_cost + capex);
  sm.emplace_back("co2_kg", co2_kg);
}

} // namespace racksim::sim
