// The one declaration of every scenario setting. Defaults are not repeated here: they are read from a
// default-constructed Scenario, so platforms/spec.hpp and workloads/spec.hpp remain the only place they live.

#include "sim/config/settings.hpp"

#include "workloads/faults/failures.hpp"
#include "workloads/traces/trace_reader.hpp"
#include "workloads/training/step_model.hpp"

#include "platforms/catalog.hpp"
#include "platforms/fabrics/registry.hpp"
#include "policies/registry.hpp"
#include "policies/scheduling/fair_share.hpp"
#include "policies/scheduling/las.hpp"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace racksim::sim {
namespace {

Range at_least(double v) {
  return Range{Bound{v, true}, std::nullopt};
}
Range above(double v) {
  return Range{Bound{v, false}, std::nullopt};
}
Range closed(double lo, double hi) {
  return Range{Bound{lo, true}, Bound{hi, true}};
}
Range left_open(double lo, double hi) {
  return Range{Bound{lo, false}, Bound{hi, true}};
}
Range any() {
  return Range{};
}

SettingValue to_setting_value(bool v) {
  return v;
}
SettingValue to_setting_value(int v) {
  return std::int64_t{v};
}
SettingValue to_setting_value(long v) {
  return std::int64_t{v};
}
SettingValue to_setting_value(std::uint64_t v) {
  return v;
}
SettingValue to_setting_value(double v) {
  return v;
}
SettingValue to_setting_value(const std::string& v) {
  return v;
}
SettingValue to_setting_value(const std::vector<int>& v) {
  return std::vector<std::int64_t>(v.begin(), v.end());
}
SettingValue to_setting_value(const std::vector<double>& v) {
  return v;
}

// The casts below cannot truncate: parse_setting_scalar has already checked Setting::integer_max.
void from_setting_value(const SettingValue& v, bool& out) {
  out = std::get<bool>(v);
}
void from_setting_value(const SettingValue& v, int& out) {
  out = static_cast<int>(std::get<std::int64_t>(v));
}
void from_setting_value(const SettingValue& v, long& out) {
  out = static_cast<long>(std::get<std::int64_t>(v));
}
void from_setting_value(const SettingValue& v, std::uint64_t& out) {
  out = std::get<std::uint64_t>(v);
}
void from_setting_value(const SettingValue& v, double& out) {
  out = std::get<double>(v);
}
void from_setting_value(const SettingValue& v, std::string& out) {
  out = std::get<std::string>(v);
}
void from_setting_value(const SettingValue& v, std::vector<int>& out) {
  const auto& in = std::get<std::vector<std::int64_t>>(v);
  out.assign(in.size(), 0);
  std::transform(in.begin(), in.end(), out.begin(), [](std::int64_t x) { return static_cast<int>(x); });
}
void from_setting_value(const SettingValue& v, std::vector<double>& out) {
  out = std::get<std::vector<double>>(v);
}

// access is a generic lambda returning a reference to the field, so one lambda serves both get (const) and set.
template <class Access>
Setting field(std::string path, SettingType type, Access access, Range range, std::string unit, std::string doc) {
  using T = std::remove_cvref_t<decltype(access(std::declval<Scenario&>()))>;
  Setting s;
  s.path = std::move(path);
  s.type = type;
  s.range = range;
  s.unit = std::move(unit);
  s.doc = std::move(doc);
  if constexpr (std::is_same_v<T, int> || std::is_same_v<T, std::vector<int>>) s.integer_max = INT_MAX;
  s.get = [access](const Scenario& sc) { return to_setting_value(access(sc)); };
  s.set = [access](Scenario& sc, const SettingValue& v) { from_setting_value(v, access(sc)); };
  return s;
}

// A choice whose valid names come from elsewhere (the GPU catalog, a policy registry).
template <class Access>
Setting name_field(std::string path, Access access, std::function<std::vector<std::string>()> names, std::string doc) {
  Setting s = field(std::move(path), SettingType::choice, access, any(), "", std::move(doc));
  s.choices = std::move(names);
  return s;
}

// A choice that fills an enum: the name table is the only mapping between YAML text and enum value.
template <class E, class Access>
Setting enum_field(std::string path, Access access, std::vector<std::pair<std::string, E>> names, std::string doc) {
  Setting s;
  s.path = std::move(path);
  s.type = SettingType::choice;
  s.doc = std::move(doc);
  s.choices = [names] {
    std::vector<std::string> out;
    for (const auto& [name, value] : names)
      out.push_back(name);
    return out;
  };
  s.get = [access, names](const Scenario& sc) -> SettingValue {
    for (const auto& [name, value] : names)
      if (value == access(sc)) return name;
    return std::string("?");
  };
  s.set = [access, names](Scenario& sc, const SettingValue& v) {
    for (const auto& [name, value] : names)
      if (name == std::get<std::string>(v)) access(sc) = value;
  };
  return s;
}

template <class T>
std::vector<std::string> registry_names(const policies::Registry<T>& registry) {
  std::vector<std::string> out;
  for (const auto& entry : registry.entries())
    out.push_back(entry.name);
  return out;
}

std::vector<Setting> build_table() {
  using ST = SettingType;
  using platforms::NetworkModel;
  using workloads::DrainTarget;
  using workloads::DurationDistribution;
  using workloads::StorageTier;
  using workloads::SyntheticArrival;
  using workloads::SyntheticSizes;
  using workloads::TraceFormat;
  using workloads::BadRowPolicy;
  using workloads::WorkloadKind;
  using workloads::CollectiveAlgorithm;
  using workloads::CollectiveOp;
  std::vector<Setting> t;

  // Top level.
  Setting name = field(
      "name", ST::string, [](auto& s) -> auto& { return s.name; }, any(), "", "scenario name, stored with the results");
  name.required = true;
  t.push_back(std::move(name));
  t.push_back(field(
      "seed", ST::unsigned_integer, [](auto& s) -> auto& { return s.seed; }, any(), "",
      "root of every random stream; each component derives its own stream from it"));
  t.push_back(field(
      "horizon", ST::time, [](auto& s) -> auto& { return s.horizon_s; }, at_least(0), "",
      "stop the simulation at this simulated time; 0 = run until every job has finished"));
  t.push_back(field(
      "calibration", ST::path, [](auto& s) -> auto& { return s.calibration; }, any(), "",
      "kernel timings for the step-time model: 'roofline' (GPU catalog peaks x efficiency curves) or a calibration "
      "file (.h5) from racksim-calibrate"));

  // Platform.
  t.push_back(name_field(
      "platform.gpu", [](auto& s) -> auto& { return s.platform.gpu_model; }, platforms::gpu_names,
      "GPU model, by its exact name in the GPU catalog"));
  t.push_back(field(
      "platform.gpus_per_node", ST::integer, [](auto& s) -> auto& { return s.platform.gpus_per_node; }, closed(1, 72),
      "GPUs", "GPUs in one node, joined by NVLink/NVSwitch"));
  t.push_back(field(
      "platform.nodes_per_rack", ST::integer, [](auto& s) -> auto& { return s.platform.nodes_per_rack; }, at_least(1),
      "nodes", "nodes in one rack, behind one leaf (top-of-rack) switch"));
  t.push_back(field(
      "platform.racks", ST::integer, [](auto& s) -> auto& { return s.platform.racks; }, at_least(1), "racks",
      "number of racks"));
  t.push_back(field(
      "platform.gpu_efficiency", ST::real, [](auto& s) -> auto& { return s.platform.gpu_efficiency; }, left_open(0, 1),
      "", "achieved / peak dense bf16 rate for training compute (the GPU host speed is peak x this)"));
  t.push_back(field(
      "platform.nvlink_bandwidth", ST::bandwidth, [](auto& s) -> auto& { return s.platform.nvlink_bandwidth_Bps; },
      at_least(0), "", "NVLink bandwidth per GPU, per direction; 0 = the GPU catalog's figure"));
  t.push_back(field(
      "platform.nvlink_latency", ST::time, [](auto& s) -> auto& { return s.platform.nvlink_latency_s; }, at_least(0),
      "", "latency of one NVLink hop inside a node"));
  t.push_back(enum_field(
      "platform.network_model", [](auto& s) -> auto& { return s.platform.network_model; },
      std::vector<std::pair<std::string, NetworkModel>>{{"rdma", NetworkModel::rdma}, {"tcp", NetworkModel::tcp}},
      "rdma: CM02 with factors 1 (T = latency + S/B exactly); tcp: SimGrid's TCP-calibrated LV08"));
  t.push_back(name_field(
      "platform.nvlink_domain", [](auto& s) -> auto& { return s.platform.nvlink_domain; },
      [] { return std::vector<std::string>{"node", "rack"}; },
      "GPUs joined by one NVSwitch: 'node' (its gpus_per_node) or 'rack' (all GPUs of a rack, e.g. GB200 NVL72: "
      "18 nodes x 4 GPUs; leaf_spine and fat_tree only)"));
  t.push_back(name_field(
      "platform.fabric.kind", [](auto& s) -> auto& { return s.platform.fabric.kind; },
      [] { return platforms::fabric_kinds(); },
      "scale-out fabric topology (docs/platforms.md, Fabrics)"));
  t.push_back(field(
      "platform.fabric.spines", ST::integer, [](auto& s) -> auto& { return s.platform.fabric.spines; }, at_least(1),
      "switches", "leaf_spine, rail_optimized: spine switches; every leaf has one uplink to each"));
  t.push_back(field(
      "platform.fabric.nics_per_node", ST::integer, [](auto& s) -> auto& { return s.platform.fabric.nics_per_node; },
      at_least(1), "NICs", "scale-out NICs per node, each on its own leaf port (rail_optimized: = gpus_per_node)"));
  t.push_back(field(
      "platform.fabric.nic_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.fabric.nic_bandwidth_Bps; }, above(0), "",
      "bandwidth of one NIC, per direction"));
  t.push_back(field(
      "platform.fabric.link_latency", ST::time, [](auto& s) -> auto& { return s.platform.fabric.link_latency_s; },
      at_least(0), "", "latency of one node-leaf link"));
  t.push_back(field(
      "platform.fabric.uplink_latency", ST::time, [](auto& s) -> auto& { return s.platform.fabric.uplink_latency_s; },
      any(), "",
      "latency of one leaf-spine, leaf-aggregation or dragonfly local link; negative (the default) = link_latency"));
  t.push_back(field(
      "platform.fabric.core_latency", ST::time, [](auto& s) -> auto& { return s.platform.fabric.core_latency_s; },
      any(), "",
      "latency of one fat_tree aggregation-core or dragonfly global link; negative (the default) = uplink_latency"));
  t.push_back(field(
      "platform.fabric.oversubscription", ST::real, [](auto& s) -> auto& { return s.platform.fabric.oversubscription; },
      at_least(1), "", "leaf downlink : uplink capacity; 1 = non-blocking (not used by dragonfly)"));
  t.push_back(field(
      "platform.fabric.switch_radix", ST::integer, [](auto& s) -> auto& { return s.platform.fabric.switch_radix; },
      at_least(0), "ports",
      "ports per switch at NIC speed; a platform whose switches need more is refused; 0 = not checked"));
  t.push_back(field(
      "platform.fabric.racks_per_pod", ST::integer, [](auto& s) -> auto& { return s.platform.fabric.racks_per_pod; },
      at_least(1), "racks", "fat_tree: racks (leaf switches) per pod; racks must be a multiple"));
  t.push_back(field(
      "platform.fabric.aggregation_per_pod", ST::integer,
      [](auto& s) -> auto& { return s.platform.fabric.aggregation_per_pod; }, at_least(1), "switches",
      "fat_tree: aggregation switches per pod; every leaf of the pod uplinks to each"));
  t.push_back(field(
      "platform.fabric.core_switches", ST::integer, [](auto& s) -> auto& { return s.platform.fabric.core_switches; },
      at_least(1), "switches",
      "fat_tree: core switches, a multiple of aggregation_per_pod; aggregation switch a of every pod uplinks to "
      "core switches a x c .. a x c + c - 1, c = core_switches / aggregation_per_pod"));
  t.push_back(field(
      "platform.fabric.pod_oversubscription", ST::real,
      [](auto& s) -> auto& { return s.platform.fabric.pod_oversubscription; }, at_least(1), "",
      "fat_tree: aggregation downlink : uplink capacity; 1 = non-blocking"));
  t.push_back(field(
      "platform.fabric.racks_per_group", ST::integer, [](auto& s) -> auto& { return s.platform.fabric.racks_per_group; },
      at_least(1), "racks", "dragonfly: routers (one per rack) per group, joined all-to-all by local links"));
  t.push_back(field(
      "platform.fabric.global_links_per_rack", ST::integer,
      [](auto& s) -> auto& { return s.platform.fabric.global_links_per_rack; }, at_least(1), "links",
      "dragonfly: global links per router; a group's links are spread evenly over the other groups"));
  t.push_back(field(
      "platform.fabric.local_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.fabric.local_bandwidth_Bps; }, at_least(0), "",
      "dragonfly: one local (router-router) link, per direction; 0 = nic_bandwidth"));
  t.push_back(field(
      "platform.fabric.global_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.fabric.global_bandwidth_Bps; }, at_least(0), "",
      "dragonfly: one global link, per direction; 0 = nic_bandwidth"));
  t.push_back(field(
      "platform.storage.servers", ST::integer, [](auto& s) -> auto& { return s.platform.storage.servers; }, at_least(1),
      "servers", "parallel file system servers, one disk volume each"));
  t.push_back(field(
      "platform.storage.disk_read_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.disk_read_Bps; }, above(0), "",
      "disk read bandwidth of one storage server"));
  t.push_back(field(
      "platform.storage.disk_write_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.disk_write_Bps; }, above(0), "",
      "disk write bandwidth of one storage server"));
  t.push_back(field(
      "platform.storage.server_link_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.server_link_Bps; }, above(0), "",
      "network link of one storage server, per direction"));
  t.push_back(field(
      "platform.storage.uplink_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.uplink_Bps; }, at_least(0), "",
      "storage leaf to spines; 0 = the sum of the server links (non-blocking)"));
  t.push_back(field(
      "platform.storage.link_latency", ST::time, [](auto& s) -> auto& { return s.platform.storage.link_latency_s; },
      at_least(0), "", "latency of one storage network link"));
  t.push_back(field(
      "platform.storage.stripe_count", ST::integer, [](auto& s) -> auto& { return s.platform.storage.stripe_count; },
      at_least(0), "servers",
      "parallel file system servers one file is striped over (<= servers; round-robin from a per-job offset); 0 = all"));
  t.push_back(field(
      "platform.storage.stripe_size", ST::size, [](auto& s) -> auto& { return s.platform.storage.stripe_bytes; },
      at_least(0), "", "stripe unit, dealt round-robin to the file's servers; 0 = an even split (the fluid limit)"));
  t.push_back(field(
      "platform.storage.nvme.drives", ST::integer, [](auto& s) -> auto& { return s.platform.storage.nvme.drives; },
      at_least(0), "drives", "node-local NVMe drives per node (one RAID-0 volume); 0 = no NVMe tier"));
  t.push_back(field(
      "platform.storage.nvme.read_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.nvme.drive_read_Bps; }, above(0), "",
      "sequential read bandwidth of one NVMe drive"));
  t.push_back(field(
      "platform.storage.nvme.write_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.nvme.drive_write_Bps; }, above(0), "",
      "sequential write bandwidth of one NVMe drive"));
  t.push_back(field(
      "platform.storage.nvme.capacity", ST::size,
      [](auto& s) -> auto& { return s.platform.storage.nvme.drive_capacity_bytes; }, above(0), "",
      "capacity of one NVMe drive"));
  t.push_back(field(
      "platform.storage.nvme.pcie_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.nvme.pcie_Bps; }, above(0), "",
      "a node's GPUs to its NVMe volume over PCIe, per direction; caps the volume's bandwidth"));
  t.push_back(field(
      "platform.storage.object_store.gateways", ST::integer,
      [](auto& s) -> auto& { return s.platform.storage.object_store.gateways; }, at_least(1), "servers",
      "object-store front-end servers; each gets bandwidth / gateways, requests go round-robin over them"));
  t.push_back(field(
      "platform.storage.object_store.bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.object_store.bandwidth_Bps; }, above(0), "",
      "aggregate object-store bandwidth over all gateways, per direction"));
  t.push_back(field(
      "platform.storage.object_store.stream_bandwidth", ST::bandwidth,
      [](auto& s) -> auto& { return s.platform.storage.object_store.stream_Bps; }, above(0), "",
      "most one request (one stream) can move"));
  t.push_back(field(
      "platform.storage.object_store.request_latency", ST::time,
      [](auto& s) -> auto& { return s.platform.storage.object_store.request_latency_s; }, at_least(0), "",
      "paid by every request before its first byte moves"));
  t.push_back(field(
      "platform.storage.object_store.request_size", ST::size,
      [](auto& s) -> auto& { return s.platform.storage.object_store.request_bytes; }, above(0), "",
      "bytes per request (multi-part upload part, ranged GET); the last request holds the remainder"));
  t.push_back(field(
      "platform.storage.object_store.streams", ST::integer,
      [](auto& s) -> auto& { return s.platform.storage.object_store.streams; }, at_least(1), "requests",
      "requests a client keeps in flight at once"));

  // Workload.
  t.push_back(enum_field(
      "workload.kind", [](auto& s) -> auto& { return s.workload.kind; },
      std::vector<std::pair<std::string, WorkloadKind>>{{"synthetic", WorkloadKind::synthetic},
                                                        {"trace", WorkloadKind::trace},
                                                        {"collective", WorkloadKind::collective},
                                                        {"inference", WorkloadKind::inference}},
      "synthetic: generated jobs (workload.synthetic); trace: replayed jobs (workload.trace); collective: an "
      "nccl-tests-style collective benchmark (workload.collective); inference: one inference service "
      "(workload.inference)"));
  t.push_back(field(
      "workload.synthetic.jobs", ST::integer, [](auto& s) -> auto& { return s.workload.synthetic.jobs; }, at_least(1),
      "jobs", "number of jobs to generate"));
  t.push_back(field(
      "workload.synthetic.mean_interarrival", ST::time,
      [](auto& s) -> auto& { return s.workload.synthetic.mean_interarrival_s; }, above(0), "",
      "long-run mean time between job submissions (every arrival process), before load_scale"));
  t.push_back(field(
      "workload.synthetic.load_scale", ST::real, [](auto& s) -> auto& { return s.workload.synthetic.load_scale; },
      above(0), "", "arrival rates x this: inter-arrival times / load_scale (3 = three times the load)"));
  t.push_back(enum_field(
      "workload.synthetic.arrival", [](auto& s) -> auto& { return s.workload.synthetic.arrival; },
      std::vector<std::pair<std::string, SyntheticArrival>>{{"poisson", SyntheticArrival::poisson},
                                                            {"diurnal", SyntheticArrival::diurnal},
                                                            {"mmpp", SyntheticArrival::mmpp}},
      "poisson: constant rate; diurnal: Poisson with rate x (1 + amplitude x cos(2 pi (t - peak) / period)); mmpp: "
      "two-state Markov-modulated Poisson (calm and burst states)"));
  t.push_back(enum_field(
      "workload.synthetic.sizes", [](auto& s) -> auto& { return s.workload.synthetic.sizes; },
      std::vector<std::pair<std::string, SyntheticSizes>>{{"parametric", SyntheticSizes::parametric},
                                                          {"empirical", SyntheticSizes::empirical}},
      "parametric: GPUs from gpus/gpu_weights, durations from duration.*; empirical: (GPUs, duration) rows "
      "resampled jointly from empirical_trace"));
  t.push_back(field(
      "workload.synthetic.empirical_trace", ST::path,
      [](auto& s) -> auto& { return s.workload.synthetic.empirical_trace; }, any(), "",
      "sizes empirical: trace file whose rows are resampled, relative to the scenario file's directory"));
  t.push_back(enum_field(
      "workload.synthetic.empirical_format", [](auto& s) -> auto& { return s.workload.synthetic.empirical_format; },
      workloads::trace_format_names(), "sizes empirical: format of empirical_trace"));
  Setting gpus = field(
      "workload.synthetic.gpus", ST::int_list, [](auto& s) -> auto& { return s.workload.synthetic.gpu_values; },
      at_least(1), "GPUs", "GPU counts a job may ask for");
  gpus.min_items = 1;
  t.push_back(std::move(gpus));
  t.push_back(field(
      "workload.synthetic.gpu_weights", ST::real_list,
      [](auto& s) -> auto& { return s.workload.synthetic.gpu_weights; }, at_least(0), "",
      "relative weight of each entry of gpus (same length); [] = uniform"));
  t.push_back(field(
      "workload.synthetic.iterations", ST::integer, [](auto& s) -> auto& { return s.workload.synthetic.iterations; },
      at_least(0), "iterations",
      "> 0: every job runs this many iterations and its run time follows from the model and the network "
      "(work-defined); 0 = jobs take the drawn durations"));
  t.push_back(field(
      "workload.synthetic.priority_classes", ST::integer,
      [](auto& s) -> auto& { return s.workload.synthetic.priority_classes; }, at_least(1), "classes",
      "scheduling classes (policies.scheduler priority): 1 = all jobs class 0; k > 1 = each job's class uniform in "
      "0..k-1"));
  t.push_back(field(
      "workload.synthetic.diurnal.amplitude", ST::real,
      [](auto& s) -> auto& { return s.workload.synthetic.diurnal_amplitude; }, closed(0, 1), "",
      "diurnal: relative swing of the rate around its mean"));
  t.push_back(field(
      "workload.synthetic.diurnal.period", ST::time,
      [](auto& s) -> auto& { return s.workload.synthetic.diurnal_period_s; }, above(0), "",
      "diurnal: period of the rate's cycle"));
  t.push_back(field(
      "workload.synthetic.diurnal.peak", ST::time, [](auto& s) -> auto& { return s.workload.synthetic.diurnal_peak_s; },
      at_least(0), "", "diurnal: time of the highest rate within a period (t = 0 is the start of a period)"));
  t.push_back(field(
      "workload.synthetic.mmpp.burst_multiplier", ST::real,
      [](auto& s) -> auto& { return s.workload.synthetic.mmpp_burst_multiplier; }, at_least(1), "",
      "mmpp: the burst state's rate / the calm state's rate; the long-run mean rate stays load_scale / "
      "mean_interarrival"));
  t.push_back(field(
      "workload.synthetic.mmpp.calm_mean", ST::time,
      [](auto& s) -> auto& { return s.workload.synthetic.mmpp_calm_mean_s; }, above(0), "",
      "mmpp: mean time spent in the calm state (exponential)"));
  t.push_back(field(
      "workload.synthetic.mmpp.burst_mean", ST::time,
      [](auto& s) -> auto& { return s.workload.synthetic.mmpp_burst_mean_s; }, above(0), "",
      "mmpp: mean time spent in the burst state (exponential)"));
  t.push_back(enum_field(
      "workload.synthetic.duration.distribution",
      [](auto& s) -> auto& { return s.workload.synthetic.duration_distribution; },
      std::vector<std::pair<std::string, DurationDistribution>>{{"constant", DurationDistribution::constant},
                                                                {"exponential", DurationDistribution::exponential},
                                                                {"lognormal", DurationDistribution::lognormal},
                                                                {"pareto", DurationDistribution::pareto}},
      "distribution of job durations (sizes parametric)"));
  t.push_back(field(
      "workload.synthetic.duration.median", ST::time,
      [](auto& s) -> auto& { return s.workload.synthetic.duration_median_s; }, above(0), "",
      "median (lognormal), mean (exponential) or the value (constant) of job durations"));
  t.push_back(field(
      "workload.synthetic.duration.sigma", ST::real,
      [](auto& s) -> auto& { return s.workload.synthetic.duration_sigma; }, at_least(0), "",
      "lognormal shape: standard deviation of ln(duration)"));
  t.push_back(field(
      "workload.synthetic.duration.pareto_shape", ST::real,
      [](auto& s) -> auto& { return s.workload.synthetic.pareto_shape; }, above(0), "",
      "pareto: tail index alpha, P(D > d) = (scale / d)^alpha; the mean is finite for alpha > 1, the variance for "
      "alpha > 2"));
  t.push_back(field(
      "workload.synthetic.duration.pareto_scale", ST::time,
      [](auto& s) -> auto& { return s.workload.synthetic.pareto_scale_s; }, above(0), "",
      "pareto: x_m, the smallest duration drawn (before clamping)"));
  t.push_back(field(
      "workload.synthetic.duration.min", ST::time, [](auto& s) -> auto& { return s.workload.synthetic.duration_min_s; },
      at_least(0), "", "drawn durations are clamped to at least this"));
  t.push_back(field(
      "workload.synthetic.duration.max", ST::time, [](auto& s) -> auto& { return s.workload.synthetic.duration_max_s; },
      above(0), "", "drawn durations are clamped to at most this (>= duration.min)"));
  t.push_back(enum_field(
      "workload.trace.format", [](auto& s) -> auto& { return s.workload.trace.format; },
      workloads::trace_format_names(), "trace file format (docs/workload-model.md, \"Trace formats\")"));
  t.push_back(field(
      "workload.trace.path", ST::path, [](auto& s) -> auto& { return s.workload.trace.path; }, any(), "",
      "trace file, relative to the scenario file's directory; required when workload.kind is trace "
      "(alibaba_v2020: pai_job_table.csv)"));
  t.push_back(field(
      "workload.trace.task_path", ST::path, [](auto& s) -> auto& { return s.workload.trace.task_path; }, any(), "",
      "alibaba_v2020 only, and required there: pai_task_table.csv, relative to the scenario file's directory"));
  t.push_back(enum_field(
      "workload.trace.bad_rows", [](auto& s) -> auto& { return s.workload.trace.bad_rows; },
      std::vector<std::pair<std::string, BadRowPolicy>>{
          {"skip", BadRowPolicy::skip}, {"clamp", BadRowPolicy::clamp}, {"error", BadRowPolicy::error}},
      "rows the cluster cannot run (0 GPUs, too many GPUs, run time <= 0, never ran): skip and count, clamp into "
      "range and count, or stop with the row's file:line"));
  t.push_back(field(
      "workload.trace.swf_processors_per_gpu", ST::integer,
      [](auto& s) -> auto& { return s.workload.trace.swf_processors_per_gpu; }, at_least(1), "processors",
      "swf only: processors that make one GPU; GPUs = ceil(processors / this)"));
  t.push_back(field(
      "workload.trace.limit", ST::integer, [](auto& s) -> auto& { return s.workload.trace.limit; }, at_least(0), "jobs",
      "read at most this many jobs from the trace; 0 = all"));
  t.push_back(field(
      "workload.trace.time_scale", ST::real, [](auto& s) -> auto& { return s.workload.trace.time_scale; }, above(0), "",
      "multiply trace submit times by this (0.5 = twice the load)"));
  t.push_back(field(
      "workload.training.iteration_time", ST::time,
      [](auto& s) -> auto& { return s.workload.training.iteration_time_s; }, above(0), "",
      "one training iteration (compute + all-reduce) when the job is placed well"));
  t.push_back(field(
      "workload.training.gradient_size", ST::size, [](auto& s) -> auto& { return s.workload.training.gradient_bytes; },
      at_least(0), "", "data-parallel all-reduce volume per iteration"));
  t.push_back(field(
      "workload.training.checkpoint_every", ST::integer,
      [](auto& s) -> auto& { return s.workload.training.checkpoint_every; }, at_least(0), "iterations",
      "iterations between checkpoints; 0 = never checkpoint"));
  t.push_back(field(
      "workload.training.checkpoint_size", ST::size,
      [](auto& s) -> auto& { return s.workload.training.checkpoint_bytes; }, at_least(0), "",
      "bytes written to storage by one checkpoint"));
  t.push_back(field(
      "workload.training.max_iterations_per_step", ST::integer,
      [](auto& s) -> auto& { return s.workload.training.max_iterations_per_step; }, at_least(1), "iterations",
      "fidelity: iterations aggregated into one simulated compute + all-reduce step"));
  t.push_back(name_field(
      "workload.training.model", [](auto& s) -> auto& { return s.workload.training.model; },
      [] {
        auto names = workloads::model_names();
        names.insert(names.begin(), "none");
        names.push_back("custom");
        return names;
      },
      "transformer preset whose kernels give each iteration's compute time (and gradient size); custom = the shape "
      "in workload.training.custom.*; none = use iteration_time and gradient_size"));
  t.push_back(field(
      "workload.training.micro_batch", ST::integer, [](auto& s) -> auto& { return s.workload.training.micro_batch; },
      at_least(0), "sequences", "sequences per GPU per iteration with a model; 0 = the preset's micro-batch"));
  const std::vector<std::pair<std::string, StorageTier>> tiers{
      {"pfs", StorageTier::pfs}, {"nvme", StorageTier::nvme}, {"object_store", StorageTier::object_store}};
  t.push_back(enum_field(
      "workload.training.checkpoint_tier", [](auto& s) -> auto& { return s.workload.training.checkpoint_tier; }, tiers,
      "where checkpoints are written: pfs (parallel file system), nvme (the writer's node-local NVMe), object_store"));
  t.push_back(enum_field(
      "workload.training.checkpoint_drain", [](auto& s) -> auto& { return s.workload.training.checkpoint_drain; },
      std::vector<std::pair<std::string, DrainTarget>>{
          {"none", DrainTarget::none}, {"pfs", DrainTarget::pfs}, {"object_store", DrainTarget::object_store}},
      "with checkpoint_tier nvme: copy each checkpoint to this tier in the background while training goes on"));
  t.push_back(enum_field(
      "workload.training.dataset_tier", [](auto& s) -> auto& { return s.workload.training.dataset_tier; }, tiers,
      "where training data is read from (with dataset_read_size > 0)"));
  t.push_back(field(
      "workload.training.dataset_read_size", ST::size,
      [](auto& s) -> auto& { return s.workload.training.dataset_read_bytes; }, at_least(0), "",
      "bytes each GPU reads per iteration, overlapped with compute; 0 = no reads"));
  // 3D parallelism and the custom model (docs/training-model.md).
  t.push_back(field(
      "workload.training.global_batch", ST::integer, [](auto& s) -> auto& { return s.workload.training.global_batch; },
      at_least(0), "sequences",
      "> 0: 3D-parallel training (tp, pp, dp = GPUs / (tp x pp)) of this many sequences per iteration, needs a "
      "model; 0 = pure data parallelism"));
  t.push_back(field(
      "workload.training.tp", ST::integer, [](auto& s) -> auto& { return s.workload.training.tp; }, at_least(1), "GPUs",
      "tensor-parallel degree (with global_batch > 0): consecutive GPUs of one NVLink domain"));
  t.push_back(field(
      "workload.training.pp", ST::integer, [](auto& s) -> auto& { return s.workload.training.pp; }, at_least(1),
      "stages", "pipeline-parallel stages (with global_batch > 0), 1F1B schedule"));
  t.push_back(field(
      "workload.training.virtual_stages", ST::integer,
      [](auto& s) -> auto& { return s.workload.training.virtual_stages; }, at_least(1), "chunks",
      "interleaved 1F1B: model chunks per GPU (bubble / v, v x the pipeline sends); 1 = plain 1F1B"));
  t.push_back(name_field(
      "workload.training.recompute", [](auto& s) -> auto& { return s.workload.training.recompute; },
      [] { return std::vector<std::string>{"none", "selective", "full"}; },
      "activation recomputation (Korthikanti et al. 2022): none, selective (attention core), full (every layer)"));
  t.push_back(field(
      "workload.training.sequence_parallel", ST::boolean,
      [](auto& s) -> auto& { return s.workload.training.sequence_parallel; }, any(), "",
      "sequence parallelism: activations outside the TP regions split over tp (memory only; same TP traffic)"));
  t.push_back(field(
      "workload.training.distributed_optimizer", ST::boolean,
      [](auto& s) -> auto& { return s.workload.training.distributed_optimizer; }, any(), "",
      "optimizer state sharded over DP; gradients reduce-scattered and parameters all-gathered (else all-reduced)"));
  t.push_back(field(
      "workload.training.checkpoint_bytes_per_param", ST::real,
      [](auto& s) -> auto& { return s.workload.training.checkpoint_bytes_per_param; }, at_least(0), "B/parameter",
      "> 0 (with a model): checkpoint size = model parameters x this (14 = bf16 weights + fp32 Adam state), "
      "replacing checkpoint_size; 0 = checkpoint_size"));
  const auto custom_int = [&t](const char* key, long workloads::TrainingSpec::Custom::* member, const char* unit,
                               const char* doc) {
    t.push_back(field(
        std::string("workload.training.custom.") + key, ST::integer,
        [member](auto& s) -> auto& { return s.workload.training.custom.*member; }, at_least(0), unit, doc));
  };
  custom_int("layers", &workloads::TrainingSpec::Custom::layers, "layers", "model: custom: transformer layers");
  custom_int("hidden", &workloads::TrainingSpec::Custom::hidden, "", "model: custom: hidden size h");
  custom_int("heads", &workloads::TrainingSpec::Custom::heads, "heads", "model: custom: attention heads");
  custom_int("kv_heads", &workloads::TrainingSpec::Custom::kv_heads, "heads",
             "model: custom: key/value heads (GQA); 0 = heads");
  custom_int("ffn", &workloads::TrainingSpec::Custom::ffn, "", "model: custom: MLP width; 0 = 4 x hidden");
  custom_int("seq", &workloads::TrainingSpec::Custom::seq, "tokens", "model: custom: sequence length");
  custom_int("vocab", &workloads::TrainingSpec::Custom::vocab, "tokens", "model: custom: vocabulary size");
  t.push_back(name_field(
      "workload.training.custom.style", [](auto& s) -> auto& { return s.workload.training.custom.style; },
      [] { return std::vector<std::string>{"llama", "gpt"}; },
      "model: custom: llama (SwiGLU, RMSNorm, RoPE, untied head) or gpt (GELU, LayerNorm, biases, learned "
      "positions, tied head)"));
  t.push_back(name_field(
      "workload.training.custom.dtype", [](auto& s) -> auto& { return s.workload.training.custom.dtype; },
      [] { return std::vector<std::string>{"bf16", "fp16"}; }, "model: custom: 16-bit training precision"));
  // Collective benchmark (workload.kind: collective). Which algorithms an op accepts is a cross-check in
  // scenario.cpp, from workloads::valid_algorithms.
  t.push_back(enum_field(
      "workload.collective.op", [](auto& s) -> auto& { return s.workload.collective.op; },
      std::vector<std::pair<std::string, CollectiveOp>>{{"allreduce", CollectiveOp::allreduce},
                                                        {"allgather", CollectiveOp::allgather},
                                                        {"reducescatter", CollectiveOp::reducescatter},
                                                        {"alltoall", CollectiveOp::alltoall},
                                                        {"broadcast", CollectiveOp::broadcast}},
      "collective operation every group runs once per size"));
  t.push_back(enum_field(
      "workload.collective.algorithm", [](auto& s) -> auto& { return s.workload.collective.algorithm; },
      std::vector<std::pair<std::string, CollectiveAlgorithm>>{{"auto", CollectiveAlgorithm::automatic},
                                                               {"ring", CollectiveAlgorithm::ring},
                                                               {"tree", CollectiveAlgorithm::tree},
                                                               {"hierarchical", CollectiveAlgorithm::hierarchical},
                                                               {"direct", CollectiveAlgorithm::direct}},
      "auto (ring; direct for alltoall), ring, tree (allreduce, broadcast), hierarchical (allreduce, allgather, "
      "reducescatter), direct (alltoall)"));
  Setting sizes = field(
      "workload.collective.sizes", ST::size_list, [](auto& s) -> auto& { return s.workload.collective.sizes_bytes; },
      above(0), "", "message sizes S, as nccl-tests counts them (docs/collectives.md), run in this order");
  sizes.min_items = 1;
  t.push_back(std::move(sizes));
  t.push_back(field(
      "workload.collective.ranks", ST::integer, [](auto& s) -> auto& { return s.workload.collective.ranks; },
      at_least(2), "GPUs", "GPUs in one group (its ranks, in ascending GPU order)"));
  t.push_back(field(
      "workload.collective.groups", ST::integer, [](auto& s) -> auto& { return s.workload.collective.groups; },
      at_least(1), "groups", "groups running the same collective at the same time, each placed by policies.placement"));

  // Inference service (workload.kind: inference; docs/inference.md). One service per scenario.
  using workloads::ArrivalProcess;
  using workloads::ServiceTimeDistribution;
  using workloads::TokenDistribution;
  t.push_back(field(
      "workload.inference.name", ST::string, [](auto& s) -> auto& { return s.workload.inference.name; }, any(), "",
      "the service's name, written in the service column of /requests (1 to 16 characters)"));
  t.push_back(name_field(
      "workload.inference.model", [](auto& s) -> auto& { return s.workload.inference.model; }, workloads::model_names,
      "transformer preset served; its kernels give prefill and decode times, its size the KV-cache capacity"));
  t.push_back(field(
      "workload.inference.replicas", ST::integer, [](auto& s) -> auto& { return s.workload.inference.replicas; },
      at_least(0), "replicas",
      "copies of the model, each on its own GPUs (placed by policies.placement); 0 = no service; with a workload.kind "
      "other than inference, > 0 runs the service next to the jobs"));
  t.push_back(field(
      "workload.inference.gpus_per_replica", ST::integer,
      [](auto& s) -> auto& { return s.workload.inference.gpus_per_replica; }, at_least(1), "GPUs",
      "GPUs of one replica = its tensor parallelism; they must share one NVLink domain"));
  t.push_back(enum_field(
      "workload.inference.arrival", [](auto& s) -> auto& { return s.workload.inference.arrival; },
      std::vector<std::pair<std::string, ArrivalProcess>>{{"poisson", ArrivalProcess::poisson},
                                                          {"diurnal", ArrivalProcess::diurnal},
                                                          {"trace", ArrivalProcess::trace}},
      "poisson: rate; diurnal: Poisson with rate x (1 + amplitude x sin(2 pi t / period)); trace: arrival_trace"));
  t.push_back(field(
      "workload.inference.rate", ST::real, [](auto& s) -> auto& { return s.workload.inference.rate_per_s; },
      above(0), "requests/s", "mean arrival rate (poisson, diurnal)"));
  t.push_back(field(
      "workload.inference.diurnal_amplitude", ST::real,
      [](auto& s) -> auto& { return s.workload.inference.diurnal_amplitude; }, closed(0, 1), "",
      "diurnal: relative swing of the rate around its mean"));
  t.push_back(field(
      "workload.inference.diurnal_period", ST::time,
      [](auto& s) -> auto& { return s.workload.inference.diurnal_period_s; }, above(0), "",
      "diurnal: period of the rate's sine"));
  t.push_back(field(
      "workload.inference.arrival_trace", ST::path, [](auto& s) -> auto& { return s.workload.inference.trace_path; },
      any(), "",
      "arrival: trace: text file, one 'arrival_s[,prompt_tokens,output_tokens]' per line, relative to the scenario"));
  t.push_back(field(
      "workload.inference.requests", ST::integer, [](auto& s) -> auto& { return s.workload.inference.requests; },
      at_least(0), "requests", "requests to generate (trace: rows to read); 0 = no count limit (then use duration)"));
  t.push_back(field(
      "workload.inference.duration", ST::time, [](auto& s) -> auto& { return s.workload.inference.duration_s; },
      at_least(0), "", "no arrival after this simulated time; 0 = no time limit"));
  t.push_back(field(
      "workload.inference.max_batch", ST::integer, [](auto& s) -> auto& { return s.workload.inference.max_batch; },
      at_least(1), "sequences",
      "sequences in one batching iteration; with an explicit service_time: requests served at once per replica"));
  t.push_back(field(
      "workload.inference.max_batch_tokens", ST::integer,
      [](auto& s) -> auto& { return s.workload.inference.max_batch_tokens; }, at_least(1), "tokens",
      "tokens in one iteration: prompts of newly admitted sequences + one per decoding sequence"));
  t.push_back(field(
      "workload.inference.hbm_utilization", ST::real,
      [](auto& s) -> auto& { return s.workload.inference.hbm_utilization; }, left_open(0, 1), "",
      "fraction of each GPU's HBM for weights and KV cache; the rest is reserved (activations, workspace)"));
  t.push_back(field(
      "workload.inference.max_queue", ST::integer, [](auto& s) -> auto& { return s.workload.inference.max_queue; },
      at_least(0), "requests", "waiting requests per replica; an arrival beyond is dropped; 0 = no limit"));
  t.push_back(field(
      "workload.inference.max_retries", ST::integer, [](auto& s) -> auto& { return s.workload.inference.max_retries; },
      at_least(0), "", "times a request whose replica failed under it is re-routed; one more failure and it fails"));
  const std::vector<std::pair<std::string, TokenDistribution>> token_kinds{
      {"constant", TokenDistribution::constant},
      {"uniform", TokenDistribution::uniform},
      {"lognormal", TokenDistribution::lognormal}};
  for (const char* which : {"prompt_tokens", "output_tokens"}) {
    const bool prompt = std::string_view(which) == "prompt_tokens";
    const auto tokens = [prompt](auto& s) -> auto& {
      return prompt ? s.workload.inference.prompt_tokens : s.workload.inference.output_tokens;
    };
    const std::string base = std::string("workload.inference.") + which;
    const std::string noun = prompt ? "prompt" : "output";
    t.push_back(enum_field(
        base + ".distribution", [tokens](auto& s) -> auto& { return tokens(s).distribution; }, token_kinds,
        "distribution of " + noun + " lengths: constant (= median), uniform integers in [min, max], lognormal"));
    t.push_back(field(
        base + ".median", ST::integer, [tokens](auto& s) -> auto& { return tokens(s).median; }, at_least(1), "tokens",
        "constant: the value; lognormal: the median"));
    t.push_back(field(
        base + ".sigma", ST::real, [tokens](auto& s) -> auto& { return tokens(s).sigma; }, at_least(0), "",
        "lognormal shape: standard deviation of ln(length)"));
    t.push_back(field(
        base + ".min", ST::integer, [tokens](auto& s) -> auto& { return tokens(s).min; }, at_least(1), "tokens",
        "drawn lengths are clamped to at least this"));
    t.push_back(field(
        base + ".max", ST::integer, [tokens](auto& s) -> auto& { return tokens(s).max; }, at_least(1), "tokens",
        "drawn lengths are clamped to at most this (>= min)"));
  }
  t.push_back(field(
      "workload.inference.slo.ttft", ST::time, [](auto& s) -> auto& { return s.workload.inference.slo_ttft_s; },
      at_least(0), "", "time-to-first-token objective; 0 = none"));
  t.push_back(field(
      "workload.inference.slo.tpot", ST::time, [](auto& s) -> auto& { return s.workload.inference.slo_tpot_s; },
      at_least(0), "", "time-per-output-token objective (after the first token); 0 = none"));
  t.push_back(field(
      "workload.inference.slo.e2e", ST::time, [](auto& s) -> auto& { return s.workload.inference.slo_e2e_s; },
      at_least(0), "", "end-to-end latency objective (arrival to last token); 0 = none"));
  t.push_back(enum_field(
      "workload.inference.service_time.distribution",
      [](auto& s) -> auto& { return s.workload.inference.service_time; },
      std::vector<std::pair<std::string, ServiceTimeDistribution>>{
          {"none", ServiceTimeDistribution::none},
          {"deterministic", ServiceTimeDistribution::deterministic},
          {"exponential", ServiceTimeDistribution::exponential},
          {"lognormal", ServiceTimeDistribution::lognormal},
          {"empirical", ServiceTimeDistribution::empirical}},
      "none: times from the kernel model; otherwise each request takes a drawn time, max_batch at once per replica"));
  t.push_back(field(
      "workload.inference.service_time.mean", ST::time,
      [](auto& s) -> auto& { return s.workload.inference.service_time_mean_s; }, above(0), "",
      "deterministic: the value; exponential: the mean; lognormal: the median"));
  t.push_back(field(
      "workload.inference.service_time.sigma", ST::real,
      [](auto& s) -> auto& { return s.workload.inference.service_time_sigma; }, at_least(0), "",
      "lognormal shape: standard deviation of ln(service time)"));
  t.push_back(field(
      "workload.inference.service_time.path", ST::path,
      [](auto& s) -> auto& { return s.workload.inference.service_time_path; }, any(), "",
      "empirical: file of service-time samples in seconds, one per line, relative to the scenario"));

  // Failures (docs/failures.md).
  t.push_back(enum_field(
      "failures.preset", [](auto& s) -> auto& { return s.failures.preset; }, workloads::failure_preset_names(),
      "none, or llama3_54d: the MTBFs of gpu, node, nic, link and leaf from Llama 3 Table 5 (419 interruptions of "
      "16,384 GPUs in 54 days)"));
  t.push_back(field(
      "failures.rate_scale", ST::real, [](auto& s) -> auto& { return s.failures.rate_scale; }, above(0), "",
      "every failure rate x this (2 = twice as many failures: every MTBF / 2); trace events are not scaled"));
  t.push_back(field(
      "failures.trace", ST::path, [](auto& s) -> auto& { return s.failures.trace; }, any(), "",
      "CSV of failures to replay (time,component,duration; component class:index), relative to the scenario; "
      "empty = none"));
  for (const auto& [class_name, cls] : workloads::component_class_names()) {
    const auto law = [cls](auto& s) -> auto& { return s.failures.of(cls); };
    const std::string base = "failures." + class_name;
    t.push_back(field(
        base + ".mtbf", ST::time, [law](auto& s) -> auto& { return law(s).mtbf_s; }, at_least(0), "",
        "mean up-time of one " + class_name + " (mean time between its failures); 0 = never fails"));
    t.push_back(enum_field(
        base + ".distribution", [law](auto& s) -> auto& { return law(s).distribution; },
        workloads::uptime_distribution_names(),
        "up-time distribution of one " + class_name + ", its mean always the mtbf"));
    t.push_back(field(
        base + ".shape", ST::real, [law](auto& s) -> auto& { return law(s).shape; }, above(0), "",
        "weibull: shape k (< 1 infant mortality, > 1 wear-out); lognormal: sigma of ln(up-time); exponential: unused"));
    t.push_back(field(
        base + ".repair", ST::time, [law](auto& s) -> auto& { return law(s).repair_s; }, at_least(0), "",
        "mean time a failed " + class_name + " stays down"));
    t.push_back(enum_field(
        base + ".repair_distribution", [law](auto& s) -> auto& { return law(s).repair_distribution; },
        workloads::repair_distribution_names(), "repair-time distribution, its mean always the repair"));
    t.push_back(field(
        base + ".repair_sigma", ST::real, [law](auto& s) -> auto& { return law(s).repair_sigma; }, at_least(0), "",
        "lognormal repair: sigma of ln(repair time)"));
  }

  // Policies and output.
  t.push_back(name_field(
      "policies.scheduler", [](auto& s) -> auto& { return s.policies.scheduler; },
      [] { return registry_names(policies::schedulers()); }, "scheduling policy: which queued jobs start now"));
  t.push_back(name_field(
      "policies.placement", [](auto& s) -> auto& { return s.policies.placement; },
      [] { return registry_names(policies::placements()); }, "placement policy: which GPUs a starting job gets"));
  t.push_back(name_field(
      "policies.load_balancer", [](auto& s) -> auto& { return s.policies.load_balancer; },
      [] { return registry_names(policies::load_balancers()); },
      "load balancer: which replica of the inference service an arriving request goes to"));
  t.push_back(field(
      "policies.srtf.min_gap", ST::time, [](auto& s) -> auto& { return s.policies.params.srtf_min_gap_s; },
      at_least(0), "",
      "srtf: a queued job preempts a running one only when their remaining times differ by more than this"));
  Setting las_thresholds = field(
      "policies.las.thresholds", ST::real_list,
      [](auto& s) -> auto& { return s.policies.params.las_thresholds_gpu_s; }, above(0), "GPU-seconds",
      "las: attained-service thresholds between priority queues, strictly increasing; n thresholds make n + 1 queues");
  las_thresholds.check = [](const SettingValue& v) {
    return policies::check_las_thresholds(std::get<std::vector<double>>(v));
  };
  t.push_back(std::move(las_thresholds));
  t.push_back(field(
      "policies.las.promote_after", ST::time, [](auto& s) -> auto& { return s.policies.params.las_promote_after_s; },
      at_least(0), "", "las: a job queued longer than this in all goes back to the first queue; 0 = never"));
  // Strings with their own syntax: checked when the scenario is read, with the parser the policy uses.
  const auto user_values = [](bool integers_only) {
    return [integers_only](const SettingValue& v) -> std::string {
      try {
        (void)policies::parse_user_values(std::get<std::string>(v), integers_only);
      } catch (const std::invalid_argument& e) {
        return e.what();
      }
      return "";
    };
  };
  Setting fs_weights = field(
      "policies.fair_share.weights", ST::string, [](auto& s) -> auto& { return s.policies.params.fair_share_weights; },
      any(), "", "fair_share: user=weight pairs, e.g. \"alice=2,vc3=1\"; users not listed weigh 1");
  fs_weights.check = user_values(false);
  t.push_back(std::move(fs_weights));
  Setting fs_quotas = field(
      "policies.fair_share.quotas", ST::string, [](auto& s) -> auto& { return s.policies.params.fair_share_quotas; },
      any(), "", "fair_share: user=GPUs caps on the GPUs a user holds at once, e.g. \"alice=16\"; \"\" = no caps");
  fs_quotas.check = user_values(true);
  t.push_back(std::move(fs_quotas));
  t.push_back(field(
      "policies.fair_share.preempt", ST::boolean, [](auto& s) -> auto& { return s.policies.params.fair_share_preempt; },
      any(), "", "fair_share: preempt jobs of users above their weighted share when an under-share user waits"));
  t.push_back(field(
      "policies.priority.preempt", ST::boolean, [](auto& s) -> auto& { return s.policies.params.priority_preempt; },
      any(), "", "priority: preempt lower-class running jobs to make room for a higher-class queued job"));
  t.push_back(field(
      "policies.preemption.checkpoint", ST::time,
      [](auto& s) -> auto& { return s.policies.params.preemption_checkpoint_s; }, at_least(0), "",
      "time a preempted job takes to save its state, GPUs held; 0 = its checkpoint write on its storage tier"));
  t.push_back(field(
      "policies.preemption.restart", ST::time,
      [](auto& s) -> auto& { return s.policies.params.preemption_restart_s; }, at_least(0), "",
      "time a preempted job takes to start again before it computes (container start, checkpoint load)"));

  t.push_back(field(
      "policies.power_of_d.d", ST::integer, [](auto& s) -> auto& { return s.policies.params.power_of_d_d; },
      at_least(1), "replicas", "power_of_d: replicas sampled per request; the least outstanding of them gets it"));
  t.push_back(field(
      "policies.weighted.weights", ST::real_list, [](auto& s) -> auto& { return s.policies.params.weighted_weights; },
      at_least(0), "",
      "weighted: one weight per replica index (the i-th active replica); [] = all 1; length = the replica count"));
  t.push_back(name_field(
      "policies.autoscaler.policy", [](auto& s) -> auto& { return s.policies.autoscaler; },
      [] { return registry_names(policies::autoscalers()); },
      "autoscaler of the inference service: how many replicas are active (none = workload.inference.replicas)"));
  t.push_back(field(
      "policies.autoscaler.min_replicas", ST::integer,
      [](auto& s) -> auto& { return s.policies.autoscaler_min_replicas; }, at_least(1), "replicas",
      "autoscaler: never fewer active replicas"));
  t.push_back(field(
      "policies.autoscaler.max_replicas", ST::integer,
      [](auto& s) -> auto& { return s.policies.autoscaler_max_replicas; }, at_least(0), "replicas",
      "autoscaler: never more; all get GPUs at the start (only workload.inference.replicas active); "
      "0 = workload.inference.replicas"));
  t.push_back(field(
      "policies.autoscaler.interval", ST::time, [](auto& s) -> auto& { return s.policies.autoscaler_interval_s; },
      above(0), "", "autoscaler: time between two decisions"));
  t.push_back(field(
      "policies.autoscaler.provisioning_delay", ST::time,
      [](auto& s) -> auto& { return s.policies.autoscaler_provisioning_delay_s; }, at_least(0), "",
      "autoscaler: time from a scale-out decision until the new replica takes requests"));
  t.push_back(field(
      "policies.autoscaler.target", ST::real, [](auto& s) -> auto& { return s.policies.params.autoscaler_target; },
      left_open(0, 1), "", "target_utilization: busy replicas / replicas to aim at (desired = ceil(busy / target))"));
  t.push_back(field(
      "policies.autoscaler.scale_out_queue", ST::real,
      [](auto& s) -> auto& { return s.policies.params.autoscaler_scale_out_queue; }, at_least(0), "requests",
      "queue_length: one replica more when waiting requests per active replica exceed this"));
  t.push_back(field(
      "policies.autoscaler.scale_in_queue", ST::real,
      [](auto& s) -> auto& { return s.policies.params.autoscaler_scale_in_queue; }, at_least(0), "requests",
      "queue_length: one replica fewer when waiting requests per active replica fall below this (< scale_out_queue)"));
  // Failover (docs/failures.md).
  t.push_back(name_field(
      "failover.policy", [](auto& s) -> auto& { return s.policies.failover; },
      [] { return registry_names(policies::failovers()); },
      "what a training job does when a component it runs on fails"));
  t.push_back(field(
      "failover.checkpoint_interval", ST::time,
      [](auto& s) -> auto& { return s.policies.params.failover_checkpoint_interval_s; }, at_least(0), "",
      "checkpoint_restart, hot_spare, elastic: training time between checkpoints; 0 = Young/Daly from the checkpoint "
      "cost and the job's MTBF (with failures configured; else workload.training.checkpoint_every)"));
  t.push_back(field(
      "failover.restart_delay", ST::time,
      [](auto& s) -> auto& { return s.policies.params.failover_restart_delay_s; }, at_least(0), "",
      "requeue, checkpoint_restart: detection and relaunch time before a restarted job computes again"));
  t.push_back(field(
      "failover.max_restarts", ST::integer, [](auto& s) -> auto& { return s.policies.params.failover_max_restarts; },
      at_least(0), "restarts", "a job interrupted again after this many restarts fails (status failed); 0 = no limit"));
  t.push_back(field(
      "failover.spare_nodes", ST::integer, [](auto& s) -> auto& { return s.policies.params.failover_spare_nodes; },
      at_least(0), "nodes", "hot_spare: the last nodes of the cluster, held out of scheduling as the spare pool"));
  t.push_back(field(
      "failover.spare_delay", ST::time, [](auto& s) -> auto& { return s.policies.params.failover_spare_delay_s; },
      at_least(0), "", "hot_spare: time to swap spares in before the job computes again"));
  t.push_back(field(
      "failover.elastic_delay", ST::time,
      [](auto& s) -> auto& { return s.policies.params.failover_elastic_delay_s; }, at_least(0), "",
      "elastic: time to re-form the job without the failed GPUs"));
  t.push_back(field(
      "failover.elastic_min_fraction", ST::real,
      [](auto& s) -> auto& { return s.policies.params.failover_elastic_min_fraction; }, left_open(0, 1), "",
      "elastic: shrink only while at least this share of the job's GPUs remains; else checkpoint_restart"));
  // Energy, cost and carbon (docs/energy.md).
  const auto power = [&t](const char* path, double EnergySpec::* member, const char* doc) {
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
      "energy.gpu_cost_per_hour", ST::real, [](auto& s) -> auto& { return s.energy.gpu_cost_per_hour; },
      at_least(0), "$/GPU-h",
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
  return t;
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

bool looks_integral(std::string_view text) {
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) text.remove_prefix(1);
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items)
    out += (out.empty() ? "" : ", ") + s;
  return out;
}

SettingType item_type(SettingType type) {
  if (type == SettingType::int_list) return SettingType::integer;
  if (type == SettingType::real_list) return SettingType::real;
  if (type == SettingType::size_list) return SettingType::size;
  return type;
}

std::string format_number_for(const Setting& setting, double v) {
  if (const auto dim = dimension_of(setting.type)) return format_quantity(v, *dim);
  return format_number(v);
}

std::string describe_range(const Setting& setting) {
  const Range& r = setting.range;
  const auto num = [&](double v) { return format_number_for(setting, v); };
  if (r.min && r.max)
    return std::string("in ") + (r.min->inclusive ? "[" : "(") + num(r.min->value) + ", " + num(r.max->value) +
           (r.max->inclusive ? "]" : ")");
  if (r.min) return (r.min->inclusive ? ">= " : "> ") + num(r.min->value);
  if (r.max) return (r.max->inclusive ? "<= " : "< ") + num(r.max->value);
  return "";
}

ParsedValue fail(std::string message) {
  return ParsedValue{std::nullopt, std::move(message)};
}

ParsedValue checked(const Setting& setting, double v, SettingValue value) {
  if (!setting.range.contains(v))
    return fail("must be " + describe_range(setting) + ", got " + format_number_for(setting, v));
  return ParsedValue{std::move(value), ""};
}

} // namespace

const char* to_string(SettingType type) {
  switch (type) {
  case SettingType::integer:
    return "integer";
  case SettingType::unsigned_integer:
    return "unsigned integer";
  case SettingType::real:
    return "real";
  case SettingType::boolean:
    return "boolean";
  case SettingType::string:
    return "string";
  case SettingType::choice:
    return "choice";
  case SettingType::time:
    return "time";
  case SettingType::size:
    return "size";
  case SettingType::bandwidth:
    return "bandwidth";
  case SettingType::power:
    return "power";
  case SettingType::price:
    return "price";
  case SettingType::int_list:
    return "integer list";
  case SettingType::real_list:
    return "real list";
  case SettingType::path:
    return "path";
  case SettingType::size_list:
    return "size list";
  }
  return "?";
}

std::optional<Dimension> dimension_of(SettingType type) {
  switch (type) {
  case SettingType::time:
    return Dimension::time;
  case SettingType::size:
  case SettingType::size_list:
    return Dimension::size;
  case SettingType::bandwidth:
    return Dimension::bandwidth;
  case SettingType::power:
    return Dimension::power;
  case SettingType::price:
    return Dimension::price;
  default:
    return std::nullopt;
  }
}

bool is_list(SettingType type) {
  return type == SettingType::int_list || type == SettingType::real_list || type == SettingType::size_list;
}

bool Range::contains(double v) const {
  if (min && (min->inclusive ? v < min->value : v <= min->value)) return false;
  if (max && (max->inclusive ? v > max->value : v >= max->value)) return false;
  return true;
}

const std::vector<Setting>& scenario_settings() {
  static const std::vector<Setting> table = build_table();
  return table;
}

const Setting* find_setting(std::string_view path) {
  for (const auto& s : scenario_settings())
    if (s.path == path) return &s;
  return nullptr;
}

ParsedValue parse_setting_scalar(const Setting& setting, std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  switch (item_type(setting.type)) {
  case SettingType::integer: {
    const auto v = parse_integer(text);
    if (!v) {
      if (looks_integral(text)) return fail("integer out of range: " + quoted);
      return fail("expected an integer, got " + quoted);
    }
    if (*v > setting.integer_max || *v < -setting.integer_max - 1)
      return fail("integer out of range: " + quoted + " (at most " + std::to_string(setting.integer_max) + ")");
    return checked(setting, static_cast<double>(*v), *v);
  }
  case SettingType::unsigned_integer: {
    std::string_view digits = text;
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (!digits.empty() && digits.front() != '-' && ec == std::errc::result_out_of_range)
      return fail("integer out of range: " + quoted + " (at most 18446744073709551615)");
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size())
      return fail("expected a non-negative integer, got " + quoted);
    return ParsedValue{v, ""};
  }
  case SettingType::real: {
    const auto v = parse_number(text);
    if (!v) return fail("expected a number, got " + quoted);
    return checked(setting, *v, *v);
  }
  case SettingType::boolean:
    if (text == "true") return ParsedValue{true, ""};
    if (text == "false") return ParsedValue{false, ""};
    return fail("expected true or false, got " + quoted);
  case SettingType::string:
    if (setting.required && text.empty()) return fail("must not be empty");
    return ParsedValue{std::string(text), ""};
  case SettingType::path:
    return ParsedValue{std::string(text), ""};
  case SettingType::choice: {
    const auto names = setting.choices();
    if (std::find(names.begin(), names.end(), text) != names.end()) return ParsedValue{std::string(text), ""};
    const std::string near = nearest_name(text, names);
    return fail("unknown value " + quoted + (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                "; valid: " + join(names));
  }
  case SettingType::time:
  case SettingType::size:
  case SettingType::bandwidth:
  case SettingType::power:
  case SettingType::price:
    try {
      const double v = parse_quantity(text, *dimension_of(setting.type));
      return checked(setting, v, v);
    } catch (const UnitError& e) {
      return fail(e.what());
    }
  case SettingType::int_list:
  case SettingType::real_list:
  case SettingType::size_list:
    break; // item_type() never returns a list type
  }
  return fail("internal error: unhandled setting type");
}

std::string format_setting_value(const Setting& setting, const SettingValue& value) {
  struct Visitor {
    const Setting& setting;
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(std::uint64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return format_number_for(setting, v); }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(const std::vector<std::int64_t>& v) const {
      std::vector<std::string> items;
      for (auto x : v)
        items.push_back(std::to_string(x));
      return "[" + join(items) + "]";
    }
    std::string operator()(const std::vector<double>& v) const {
      std::vector<std::string> items;
      for (auto x : v)
        items.push_back(format_number_for(setting, x)); // size_list items keep their unit
      return "[" + join(items) + "]";
    }
  };
  return std::visit(Visitor{setting}, value);
}

std::string describe_constraint(const Setting& setting) {
  std::vector<std::string> parts;
  if (setting.type == SettingType::choice) parts.push_back("one of: " + join(setting.choices()));
  if (setting.required) parts.push_back("required");
  if (setting.min_items > 0) parts.push_back("at least " + std::to_string(setting.min_items) + " item(s)");
  const std::string range = describe_range(setting);
  if (!range.empty()) parts.push_back(is_list(setting.type) ? "each " + range : range);
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates) {
  // Optimal string alignment distance: a transposed pair ("shceduler") costs one edit, like a typo does.
  const auto distance = [](std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
      d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
      d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    return d[a.size()][b.size()];
  };
  const std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    const std::size_t dist = distance(word, c);
    if (dist < best_distance) best = c, best_distance = dist;
  }
  return best;
}

std::string explain_settings() {
  struct Row {
    std::string path, type, unit, def, constraint, doc;
  };
  const Scenario defaults;
  std::vector<Row> rows;
  for (const auto& s : scenario_settings()) {
    Row r;
    r.path = s.path;
    r.type = to_string(s.type);
    if (const auto dim = dimension_of(s.type)) r.unit = format_quantity(0, *dim).substr(1); // the base unit
    if (!s.unit.empty()) r.unit = s.unit;
    if (r.unit.empty()) r.unit = "-";
    r.def = format_setting_value(s, s.get(defaults));
    if (r.def.empty()) r.def = s.required ? "(none)" : "\"\"";
    r.constraint = describe_constraint(s);
    if (r.constraint.empty()) r.constraint = "-";
    r.doc = s.doc;
    rows.push_back(std::move(r));
  }
  std::size_t w_path = 0, w_type = 0, w_unit = 0, w_def = 0;
  for (const auto& r : rows) {
    w_path = std::max(w_path, r.path.size());
    w_type = std::max(w_type, r.type.size());
    w_unit = std::max(w_unit, r.unit.size());
    w_def = std::max(w_def, r.def.size());
  }
  const auto pad = [](const std::string& s, std::size_t w) { return s + std::string(w - s.size() + 2, ' '); };
  std::string out;
  for (const auto& r : rows)
    out += pad(r.path, w_path) + pad(r.type, w_type) + pad(r.unit, w_unit) + pad(r.def, w_def) + r.constraint + " -- " +
           r.doc + "\n";
  return out;
}

} // namespace racksim::sim
