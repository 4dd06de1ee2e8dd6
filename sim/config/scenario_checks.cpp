// The scenario's cross-checks: rules between settings (and against the files and catalogs they name) that one
// setting's type and range cannot express. Each is reported at the first of the settings involved that the
// scenario wrote; a check reading a setting that is itself invalid is skipped, so nothing is reported twice.
// Policies check their own settings (policies/registry.hpp): no policy-specific rule is written here.

#include "sim/config/loader.hpp"

#include "platforms/catalog.hpp"
#include "platforms/topology.hpp"
#include "policies/registry.hpp"
#include "sim/config/carbon_trace.hpp"
#include "workloads/calibration/calibration.hpp"
#include "workloads/inference/inference_model.hpp"
#include "workloads/training/parallel_model.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace racksim::sim::detail {

namespace fs = std::filesystem;

bool Loader::all_good(std::initializer_list<const char*> paths) const {
  return std::none_of(paths.begin(), paths.end(), [&](const char* p) { return bad_.contains(p); });
}

void Loader::cross_checks(const Scenario& sc) {
  const auto& syn = sc.workload.synthetic;
  const bool synthetic = sc.workload.kind == workloads::WorkloadKind::synthetic;
  if (all_good({"workload.synthetic.gpus", "workload.synthetic.gpu_weights"}) && !syn.gpu_weights.empty()) {
    if (syn.gpu_weights.size() != syn.gpu_values.size()) {
      report_cross({"workload.synthetic.gpu_weights", "workload.synthetic.gpus"},
                   "workload.synthetic.gpu_weights: has " + std::to_string(syn.gpu_weights.size()) +
                       " weight(s) but workload.synthetic.gpus has " + std::to_string(syn.gpu_values.size()) +
                       " entries (give one weight per GPU count, or [] for uniform)");
    } else if (std::all_of(syn.gpu_weights.begin(), syn.gpu_weights.end(), [](double w) { return w == 0; })) {
      report_cross({"workload.synthetic.gpu_weights"}, "workload.synthetic.gpu_weights: weights must not all be 0");
    }
  }
  if (all_good({"workload.synthetic.duration.min", "workload.synthetic.duration.max"}) &&
      syn.duration_min_s > syn.duration_max_s) {
    report_cross({"workload.synthetic.duration.min", "workload.synthetic.duration.max"},
                 "workload.synthetic.duration.min (" + format_quantity(syn.duration_min_s, Dimension::time) +
                     ") must be <= workload.synthetic.duration.max (" +
                     format_quantity(syn.duration_max_s, Dimension::time) + ")");
  }
  synthetic_checks(sc);
  const bool parametric = syn.sizes == workloads::SyntheticSizes::parametric;
  if (synthetic && parametric &&
      all_good({"workload.synthetic.gpus", "platform.gpus_per_node", "platform.nodes_per_rack", "platform.racks",
                "workload.kind", "workload.synthetic.sizes"})) {
    const double total = double(sc.platform.gpus_per_node) * sc.platform.nodes_per_rack * sc.platform.racks;
    const int largest = *std::max_element(syn.gpu_values.begin(), syn.gpu_values.end());
    if (largest > total) {
      report_cross({"workload.synthetic.gpus", "platform.racks", "platform.nodes_per_rack", "platform.gpus_per_node"},
                   "workload.synthetic.gpus: a job asks for " + std::to_string(largest) +
                       " GPUs but the platform has " + format_number(total) +
                       " (racks x nodes_per_rack x gpus_per_node); such a job could never start");
    }
  }
  storage_checks(sc);
  collective_checks(sc);
  inference_checks(sc);
  training_checks(sc);
  platform_checks(sc);
  failure_checks(sc);
  energy_checks(sc);
  policy_checks(sc);
  if (all_good({"calibration"}) && sc.calibration != "roofline") {
    try {
      (void)workloads::load_calibration(sc.calibration);
    } catch (const workloads::CalibrationError& e) {
      report_cross({"calibration"}, std::string("calibration: ") + e.what());
    }
  }
  if (sc.workload.kind == workloads::WorkloadKind::trace && all_good({"workload.kind", "workload.trace.path"}))
    check_input_file("workload.trace.path", sc.workload.trace.path, "when workload.kind is trace", "trace file",
                     {"workload.kind"});
  if (sc.workload.kind == workloads::WorkloadKind::trace &&
      sc.workload.trace.format == workloads::TraceFormat::alibaba_v2020 &&
      all_good({"workload.kind", "workload.trace.format", "workload.trace.task_path"}))
    check_input_file("workload.trace.task_path", sc.workload.trace.task_path,
                     "when workload.trace.format is alibaba_v2020", "task table", {"workload.trace.format"});
}

// workload.synthetic's arrival processes and size sources (docs/workload-model.md, "Synthetic jobs").
void Loader::synthetic_checks(const Scenario& sc) {
  const auto& syn = sc.workload.synthetic;
  const bool empirical = syn.sizes == workloads::SyntheticSizes::empirical;
  if (all_good({"workload.synthetic.sizes", "workload.synthetic.empirical_trace"})) {
    if (empirical && syn.empirical_trace.empty())
      report_cross({"workload.synthetic.sizes", "workload.synthetic.empirical_trace"},
                   "workload.synthetic.empirical_trace: missing; it is required when workload.synthetic.sizes is "
                   "empirical");
    else if (empirical && sc.workload.kind == workloads::WorkloadKind::synthetic)
      check_input_file("workload.synthetic.empirical_trace", syn.empirical_trace,
                       "when workload.synthetic.sizes is empirical");
    else if (!empirical && !syn.empirical_trace.empty())
      report_cross({"workload.synthetic.empirical_trace", "workload.synthetic.sizes"},
                   "workload.synthetic.empirical_trace: given, but workload.synthetic.sizes is parametric; set "
                   "sizes: empirical to resample the trace's rows, or remove empirical_trace");
  }
  if (!empirical && syn.duration_distribution == workloads::DurationDistribution::pareto &&
      all_good({"workload.synthetic.duration.pareto_scale", "workload.synthetic.duration.max",
                "workload.synthetic.duration.distribution"}) &&
      syn.pareto_scale_s > syn.duration_max_s)
    report_cross({"workload.synthetic.duration.pareto_scale", "workload.synthetic.duration.max"},
                 "workload.synthetic.duration.pareto_scale (" + format_quantity(syn.pareto_scale_s, Dimension::time) +
                     ") must be <= workload.synthetic.duration.max (" +
                     format_quantity(syn.duration_max_s, Dimension::time) +
                     "); every drawn duration would be clamped to max");
}

// Storage tiers: what platforms::validate_storage_spec cannot see from the platform alone, located in the file.
void Loader::storage_checks(const Scenario& sc) {
  const auto& storage = sc.platform.storage;
  const auto& training = sc.workload.training;
  if (all_good({"platform.storage.stripe_count", "platform.storage.servers"}) &&
      storage.stripe_count > storage.servers) {
    report_cross({"platform.storage.stripe_count", "platform.storage.servers"},
                 "platform.storage.stripe_count: " + std::to_string(storage.stripe_count) +
                     " is more than platform.storage.servers (" + std::to_string(storage.servers) +
                     "); a file cannot be striped over servers that do not exist");
  }
  using workloads::StorageTier;
  const bool no_nvme = storage.nvme.drives == 0;
  if (all_good({"workload.training.checkpoint_tier", "platform.storage.nvme.drives"}) && no_nvme &&
      training.checkpoint_tier == StorageTier::nvme && training.checkpoint_every > 0) {
    report_cross({"workload.training.checkpoint_tier", "platform.storage.nvme.drives"},
                 "workload.training.checkpoint_tier: nvme, but platform.storage.nvme.drives is 0 (the nodes have no "
                 "NVMe)");
  }
  if (all_good({"workload.training.dataset_tier", "platform.storage.nvme.drives"}) && no_nvme &&
      training.dataset_tier == StorageTier::nvme && training.dataset_read_bytes > 0) {
    report_cross({"workload.training.dataset_tier", "platform.storage.nvme.drives"},
                 "workload.training.dataset_tier: nvme, but platform.storage.nvme.drives is 0 (the nodes have no "
                 "NVMe)");
  }
  if (all_good({"workload.training.checkpoint_drain", "workload.training.checkpoint_tier"}) &&
      training.checkpoint_drain != workloads::DrainTarget::none && training.checkpoint_tier != StorageTier::nvme) {
    report_cross({"workload.training.checkpoint_drain", "workload.training.checkpoint_tier"},
                 "workload.training.checkpoint_drain: only checkpoints written to nvme are drained; set "
                 "workload.training.checkpoint_tier: nvme or checkpoint_drain: none");
  }
  const double capacity = storage.nvme.drives * storage.nvme.drive_capacity_bytes;
  if (all_good({"workload.training.checkpoint_size", "workload.training.checkpoint_tier",
                "platform.storage.nvme.drives", "platform.storage.nvme.capacity"}) &&
      !no_nvme && training.checkpoint_tier == StorageTier::nvme && training.checkpoint_every > 0 &&
      training.checkpoint_bytes > capacity) {
    report_cross({"workload.training.checkpoint_size", "platform.storage.nvme.capacity"},
                 "workload.training.checkpoint_size (" + format_quantity(training.checkpoint_bytes, Dimension::size) +
                     ") does not fit a node's NVMe volume (" + format_quantity(capacity, Dimension::size) +
                     " = nvme.drives x nvme.capacity)");
  }
}

// The platform as a whole (fabric constraints, switch radix, ...): platforms::validate_spec names the field
// ("platform.<key> must be ..."); the message is located at that key, or at the file when the key was not
// written. Only once every setting read cleanly, so a bad value is not reported twice.
void Loader::platform_checks(const Scenario& sc) {
  if (!diagnostics_.empty()) return;
  try {
    platforms::validate_spec(sc.platform);
  } catch (const platforms::PlatformError& e) {
    std::string field = e.what();
    field = field.substr(0, field.find_first_of(" :"));
    report_cross({field}, e.what());
  }
}

// An input file named by `setting`: given (else the error also points at `also`, the settings that require it),
// present, a regular file, readable.
void Loader::check_input_file(const std::string& setting, const std::string& path, const std::string& why,
                              const std::string& noun, std::vector<std::string> also) {
  std::error_code ec;
  if (path.empty()) {
    also.insert(also.begin(), setting);
    report_cross(also, setting + ": missing; it is required " + why);
  } else if (!fs::exists(path, ec)) {
    report_cross({setting}, setting + ": " + noun + " '" + path + "' does not exist");
  } else if (!fs::is_regular_file(path, ec)) {
    report_cross({setting}, setting + ": '" + path + "' is not a regular file");
  } else if (std::ifstream in(path); !in) {
    report_cross({setting}, setting + ": cannot read " + noun + " '" + path + "': " + std::strerror(errno));
  }
}

// failures (docs/failures.md): the preset owns its classes' MTBFs; a trace file must exist.
void Loader::failure_checks(const Scenario& sc) {
  const auto& f = sc.failures;
  if (f.preset == workloads::FailurePreset::llama3_54d && all_good({"failures.preset"})) {
    std::set<workloads::ComponentClass> reported; // one message per class, not one per cause
    for (const auto& cause : workloads::llama3_causes()) {
      const std::string path = std::string("failures.") + workloads::to_string(cause.cls) + ".mtbf";
      if (!bad_.contains(path) && f.of(cause.cls).mtbf_s > 0 && reported.insert(cause.cls).second) {
        report_cross({path, "failures.preset"}, path + ": the preset llama3_54d sets the MTBF of " +
                                                    workloads::to_string(cause.cls) +
                                                    "; leave it out (or use preset: none)");
      }
    }
  }
  if (!f.trace.empty() && all_good({"failures.trace"}))
    check_input_file("failures.trace", f.trace, "", "failure trace");
}

// energy (docs/energy.md): a carbon trace must exist and parse (its errors name its file, line and field).
void Loader::energy_checks(const Scenario& sc) {
  const auto& path = sc.energy.carbon_trace;
  if (path.empty() || !all_good({"energy.carbon_trace"})) return;
  const std::size_t before = diagnostics_.size();
  check_input_file("energy.carbon_trace", path, "", "carbon trace");
  if (diagnostics_.size() != before) return;
  try {
    (void)read_carbon_trace(path);
  } catch (const CarbonTraceError& e) {
    report_cross({"energy.carbon_trace"}, std::string("energy.carbon_trace: ") + e.what());
  }
}

// workload.inference (docs/inference.md): inputs exist, lengths are consistent, replicas fit the platform and the
// model fits a replica's HBM.
void Loader::inference_checks(const Scenario& sc) {
  const auto& inf = sc.workload.inference;
  const bool service_only = sc.workload.kind == workloads::WorkloadKind::inference;
  if (service_only && all_good({"workload.inference.replicas"}) && inf.replicas == 0)
    report_cross({"workload.inference.replicas", "workload.kind"},
                 "workload.inference.replicas: 0, but workload.kind inference needs at least one replica");
  if (!service_only && inf.replicas == 0) return;
  if (sc.workload.kind == workloads::WorkloadKind::collective) {
    report_cross({"workload.inference.replicas", "workload.kind"},
                 "workload.inference.replicas: an inference service does not run next to a collective benchmark; "
                 "set replicas: 0 or workload.kind: inference, synthetic or trace");
    return;
  }
  service_policy_checks(sc);
  using workloads::ArrivalProcess;
  if (all_good({"workload.inference.name"}) && (inf.name.empty() || inf.name.size() > 16))
    report_cross({"workload.inference.name"},
                 "workload.inference.name: must have 1 to 16 characters, got '" + inf.name + "'");
  if (inf.arrival == ArrivalProcess::trace &&
      all_good({"workload.inference.arrival_trace", "workload.inference.arrival"}))
    check_input_file("workload.inference.arrival_trace", inf.trace_path, "when workload.inference.arrival is trace");
  if (inf.arrival != ArrivalProcess::trace &&
      all_good({"workload.inference.requests", "workload.inference.duration"}) && inf.requests == 0 &&
      inf.duration_s == 0)
    report_cross({"workload.inference.requests", "workload.inference.duration"},
                 "workload.inference.requests: 0 (no count limit) needs a workload.inference.duration > 0, or the "
                 "arrivals would never end");
  if (inf.service_time == workloads::ServiceTimeDistribution::empirical &&
      all_good({"workload.inference.service_time.path", "workload.inference.service_time.distribution"}))
    check_input_file("workload.inference.service_time.path", inf.service_time_path,
                     "when workload.inference.service_time.distribution is empirical");
  for (const char* which : {"prompt_tokens", "output_tokens"}) {
    const auto& tokens = std::string_view(which) == "prompt_tokens" ? inf.prompt_tokens : inf.output_tokens;
    const std::string base = std::string("workload.inference.") + which;
    if (!bad_.contains(base + ".min") && !bad_.contains(base + ".max") && tokens.min > tokens.max)
      report_cross({base + ".min", base + ".max"}, base + ".min (" + std::to_string(tokens.min) + ") must be <= " +
                                                       base + ".max (" + std::to_string(tokens.max) + ")");
  }
  if (!all_good({"workload.inference.model", "workload.inference.gpus_per_replica", "workload.inference.replicas",
                 "workload.inference.hbm_utilization", "platform.gpu", "platform.gpus_per_node",
                 "platform.nodes_per_rack", "platform.racks", "platform.nvlink_domain"}))
    return;
  const double domain =
      sc.platform.gpus_per_node * (sc.platform.nvlink_domain == "rack" ? double(sc.platform.nodes_per_rack) : 1.0);
  if (inf.gpus_per_replica > domain) {
    report_cross({"workload.inference.gpus_per_replica"},
                 "workload.inference.gpus_per_replica: " + std::to_string(inf.gpus_per_replica) +
                     " GPUs exceed one NVLink domain (" + format_number(domain) +
                     " GPUs); a replica's tensor parallelism stays inside one");
    return;
  }
  const double total = double(sc.platform.gpus_per_node) * sc.platform.nodes_per_rack * sc.platform.racks;
  if (double(provisioned_replicas(sc)) * inf.gpus_per_replica > total)
    report_cross({"workload.inference.replicas", "workload.inference.gpus_per_replica", "platform.racks"},
                 "workload.inference.replicas: " + std::to_string(provisioned_replicas(sc)) + " replica(s) of " +
                     std::to_string(inf.gpus_per_replica) + " GPUs need more than the platform's " +
                     format_number(total) + " GPUs");
  try {
    const auto& model = workloads::find_model(inf.model);
    const auto& gpu = platforms::find_gpu(sc.platform.gpu_model);
    (void)workloads::replica_memory(model, inf.gpus_per_replica, gpu.hbm_bytes, inf.hbm_utilization);
  } catch (const workloads::ModelDoesNotFit& e) {
    report_cross({"workload.inference.model", "workload.inference.gpus_per_replica"},
                 std::string("workload.inference.model: ") + e.what() + " (" + sc.platform.gpu_model + ")");
  } catch (const std::invalid_argument& e) {
    report_cross({"workload.inference.gpus_per_replica", "workload.inference.model"},
                 std::string("workload.inference.gpus_per_replica: ") + e.what());
  }
}

// The load balancers' and autoscalers' own checks (policies/registry.cpp), with the service's replicas as their
// context, and the bounds the engine holds every autoscaler to.
void Loader::service_policy_checks(const Scenario& sc) {
  const auto& inf = sc.workload.inference;
  const auto& pol = sc.policies;
  std::optional<int> replicas;
  if (all_good({"workload.inference.replicas", "policies.autoscaler.max_replicas", "policies.autoscaler.policy"}))
    replicas = provisioned_replicas(sc);
  const auto valid = [this](const std::string& path) { return !bad_.contains(path); };
  report_all(policies::load_balancers().check(pol.params, pol.load_balancer, replicas, valid));
  if (pol.autoscaler == "none" || !all_good({"policies.autoscaler.policy", "workload.inference.replicas",
                                             "policies.autoscaler.min_replicas", "policies.autoscaler.max_replicas"}))
    return;
  const int max = pol.autoscaler_max_replicas > 0 ? pol.autoscaler_max_replicas : inf.replicas;
  if (pol.autoscaler_min_replicas > inf.replicas || inf.replicas > max)
    report_cross(
        {"policies.autoscaler.min_replicas", "workload.inference.replicas", "policies.autoscaler.max_replicas"},
        "policies.autoscaler.min_replicas (" + std::to_string(pol.autoscaler_min_replicas) +
            ") <= workload.inference.replicas (" + std::to_string(inf.replicas) +
            ") <= policies.autoscaler.max_replicas (" + std::to_string(max) + ") does not hold");
  report_all(policies::autoscalers().check(pol.params, pol.autoscaler, replicas, valid));
}

// The schedulers', placements' and failover policies' own checks (policies/registry.cpp).
void Loader::policy_checks(const Scenario& sc) {
  const auto& pol = sc.policies;
  const auto valid = [this](const std::string& path) { return !bad_.contains(path); };
  report_all(policies::schedulers().check(pol.params, pol.scheduler, std::nullopt, valid));
  report_all(policies::placements().check(pol.params, pol.placement, std::nullopt, valid));
  report_all(policies::failovers().check(pol.params, pol.failover, std::nullopt, valid));
}

// workload.training 3D parallelism (docs/training-model.md): a model, tp inside one NVLink domain, a valid custom
// shape; for synthetic jobs (sizes known up front) every GPU count must divide into tp x pp, the global batch into
// dp x micro_batch, and the first stage must fit in HBM. Trace jobs that do not are skipped and counted at run time.
void Loader::training_checks(const Scenario& sc) {
  const auto& tr = sc.workload.training;
  if (sc.workload.kind == workloads::WorkloadKind::collective) return;
  if (tr.model == "custom" && all_good({"workload.training.model"})) {
    try {
      workloads::resolve_model(tr);
    } catch (const std::invalid_argument& e) {
      report_cross({"workload.training.model"}, std::string("workload.training.custom: ") + e.what());
      return;
    }
  }
  if (tr.global_batch <= 0 || !all_good({"workload.training.global_batch", "workload.training.model",
                                         "workload.training.tp", "workload.training.pp"}))
    return;
  if (tr.model == "none") {
    report_cross({"workload.training.global_batch", "workload.training.model"},
                 "workload.training.global_batch: 3D-parallel training needs workload.training.model (a preset or "
                 "custom)");
    return;
  }
  const auto& p = sc.platform;
  const long domain = p.nvlink_domain == "rack" ? long(p.gpus_per_node) * p.nodes_per_rack : long(p.gpus_per_node);
  if (tr.tp > domain) {
    report_cross({"workload.training.tp", "platform.gpus_per_node"},
                 "workload.training.tp: " + std::to_string(tr.tp) + " is more than the " + std::to_string(domain) +
                     " GPUs of one NVLink domain (platform.gpus_per_node, platform.nvlink_domain): a TP group "
                     "must sit inside one");
    return;
  }
  if (sc.workload.kind != workloads::WorkloadKind::synthetic || !all_good({"workload.synthetic.gpus", "platform.gpu"}))
    return;
  const auto model = workloads::resolve_model(tr);
  const auto& gpu = platforms::find_gpu(p.gpu_model);
  for (const int gpus : sc.workload.synthetic.gpu_values) {
    try {
      workloads::check_layout(model, workloads::parallel_config(tr), gpus, gpu.hbm_bytes, gpu.name);
    } catch (const std::invalid_argument& e) {
      report_cross(
          {"workload.synthetic.gpus", "workload.training.tp", "workload.training.pp", "workload.training.global_batch"},
          "workload.synthetic.gpus: a " + std::to_string(gpus) + "-GPU job cannot train: " + e.what());
    }
  }
}

// workload.collective: the algorithm must suit the op, and the groups must fit on the platform.
void Loader::collective_checks(const Scenario& sc) {
  if (sc.workload.kind != workloads::WorkloadKind::collective) return;
  const auto& col = sc.workload.collective;
  if (all_good({"workload.collective.op", "workload.collective.algorithm"}) &&
      !workloads::accepts(col.op, col.algorithm)) {
    std::string valid = "auto";
    for (const auto a : workloads::valid_algorithms(col.op))
      valid += std::string(", ") + workloads::to_string(a);
    report_cross({"workload.collective.algorithm", "workload.collective.op"},
                 std::string("workload.collective.algorithm: '") + workloads::to_string(col.algorithm) +
                     "' does not apply to op '" + workloads::to_string(col.op) + "' (valid for " +
                     workloads::to_string(col.op) + ": " + valid + ")");
  }
  if (all_good({"workload.collective.ranks", "workload.collective.groups", "platform.gpus_per_node",
                "platform.nodes_per_rack", "platform.racks"})) {
    const double total = double(sc.platform.gpus_per_node) * sc.platform.nodes_per_rack * sc.platform.racks;
    const double wanted = double(col.ranks) * col.groups;
    if (wanted > total)
      report_cross({"workload.collective.ranks", "workload.collective.groups", "platform.racks"},
                   "workload.collective.ranks: " + std::to_string(col.groups) + " group(s) of " +
                       std::to_string(col.ranks) + " ranks need " + format_number(wanted) +
                       " GPUs but the platform has " + format_number(total) +
                       " (racks x nodes_per_rack x gpus_per_node)");
  }
  // Direct all-to-all is n(n-1) concurrent flows; SimGrid's sharing solver slows with concurrent flows
  // (docs/collectives.md), so the size where a run stops being interactive is refused up front.
  if (col.op == workloads::CollectiveOp::alltoall && all_good({"workload.collective.ranks"}) &&
      col.ranks > max_alltoall_ranks)
    report_cross({"workload.collective.ranks"},
                 "workload.collective.ranks: alltoall over " + std::to_string(col.ranks) + " ranks would be " +
                     format_number(double(col.ranks) * (col.ranks - 1)) + " concurrent flows; at most " +
                     std::to_string(max_alltoall_ranks) + " ranks are supported");
}

} // namespace racksim::sim::detail
