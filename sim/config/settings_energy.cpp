// energy.* (docs/energy.md) and output.*. Defaults live in Scenario (sim/config/scenario.hpp).

#include "sim/config/settings_table.hpp"

namespace racksim::sim::table {

void add_energy_settings(std::vector<Setting>& t) {
  using ST = SettingType;
  // Energy, cost and carbon (docs/energy.md).
  const auto power = [&t](const char* path, double EnergySpec::*member, const char* doc) {
    t.push_back(field(
        path, ST::power, [member](auto& s) -> auto& { return s.energy.*member; }, at_least(0), "", doc));
  };
  power("energy.gpu_idle_power", &EnergySpec::gpu_idle_w,
        "a GPU's power when on and not computing; 0 = the GPU catalog's idle_power (docs/platforms.md)");
  power("energy.gpu_max_power", &EnergySpec::gpu_max_w,
        "a GPU's power when computing flat out; 0 = the GPU catalog's max_power (TDP)");
  power("energy.gpu_off_power", &EnergySpec::gpu_off_w, "a GPU's power while a failure has switched it off");
  power("energy.node_power", &EnergySpec::node_w,
        "everything of a node but its GPUs (CPUs, memory, NICs, NVSwitches, fans), constant per node");
  power("energy.switch_power", &EnergySpec::switch_w,
        "one fabric or storage-network switch (leaf, aggregation, spine, storage leaves), constant");
  power("energy.storage_server_power", &EnergySpec::storage_server_w,
        "one storage server (parallel file system server or object-store gateway), constant");
  t.push_back(field(
      "energy.pue", ST::real, [](auto& s) -> auto& { return s.energy.pue; }, at_least(1), "",
      "power usage effectiveness: facility power = IT power x pue (cooling, power conversion)"));
  t.push_back(field(
      "energy.price", ST::price, [](auto& s) -> auto& { return s.energy.price_per_kwh; }, at_least(0), "",
      "electricity price of the facility's energy"));
  t.push_back(field(
      "energy.gpu_cost_per_hour", ST::real, [](auto& s) -> auto& { return s.energy.gpu_cost_per_hour; }, at_least(0),
      "$/GPU-h",
      "amortised capital cost of one GPU (with its share of the node and fabric), charged for every GPU of the "
      "cluster over the simulated time"));
  t.push_back(field(
      "energy.carbon_intensity", ST::real, [](auto& s) -> auto& { return s.energy.carbon_g_per_kwh; }, at_least(0),
      "gCO2/kWh", "grid carbon intensity, constant (used when energy.carbon_trace is empty)"));
  t.push_back(field(
      "energy.carbon_trace", ST::path, [](auto& s) -> auto& { return s.energy.carbon_trace; }, any(), "",
      "CSV of the carbon intensity over time (header time_s,g_per_kwh or time_h,g_per_kwh; each value holds until "
      "the next row), relative to the scenario; empty = energy.carbon_intensity"));
  t.push_back(field(
      "output.timeseries_interval", ST::time, [](auto& s) -> auto& { return s.output.timeseries_interval_s; },
      at_least(0), "", "sampling interval of /timeseries; 0 = automatic (makespan / 1000, at least 1 s)"));
}

} // namespace racksim::sim::table
