// The settings table itself: complete, consistent with the struct defaults, documented, and explained.

#include "sim/config/settings.hpp"

#include "test_util.hpp"

#include "platforms/catalog.hpp"
#include "policies/scheduling/fair_share.hpp"
#include "policies/scheduling/las.hpp"
#include "policies/scheduling/priority.hpp"
#include "policies/scheduling/srtf.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace racksim::sim {
namespace {

// The settings the scenario format promises (docs/scenario-reference.md); the table must have exactly these.
const std::vector<std::string> expected_paths{
    "name",
    "seed",
    "horizon",
    "calibration",
    "platform.gpu",
    "platform.gpus_per_node",
    "platform.nodes_per_rack",
    "platform.racks",
    "platform.gpu_efficiency",
    "platform.nvlink_bandwidth",
    "platform.nvlink_latency",
    "platform.network_model",
    "platform.nvlink_domain",
    "platform.fabric.kind",
    "platform.fabric.spines",
    "platform.fabric.nics_per_node",
    "platform.fabric.nic_bandwidth",
    "platform.fabric.link_latency",
    "platform.fabric.uplink_latency",
    "platform.fabric.core_latency",
    "platform.fabric.oversubscription",
    "platform.fabric.switch_radix",
    "platform.fabric.racks_per_pod",
    "platform.fabric.aggregation_per_pod",
    "platform.fabric.core_switches",
    "platform.fabric.pod_oversubscription",
    "platform.fabric.racks_per_group",
    "platform.fabric.global_links_per_rack",
    "platform.fabric.local_bandwidth",
    "platform.fabric.global_bandwidth",
    "platform.storage.servers",
    "platform.storage.disk_read_bandwidth",
    "platform.storage.disk_write_bandwidth",
    "platform.storage.server_link_bandwidth",
    "platform.storage.uplink_bandwidth",
    "platform.storage.link_latency",
    "platform.storage.stripe_count",
    "platform.storage.stripe_size",
    "platform.storage.nvme.drives",
    "platform.storage.nvme.read_bandwidth",
    "platform.storage.nvme.write_bandwidth",
    "platform.storage.nvme.capacity",
    "platform.storage.nvme.pcie_bandwidth",
    "platform.storage.object_store.gateways",
    "platform.storage.object_store.bandwidth",
    "platform.storage.object_store.stream_bandwidth",
    "platform.storage.object_store.request_latency",
    "platform.storage.object_store.request_size",
    "platform.storage.object_store.streams",
    "workload.kind",
    "workload.synthetic.jobs",
    "workload.synthetic.mean_interarrival",
    "workload.synthetic.load_scale",
    "workload.synthetic.arrival",
    "workload.synthetic.sizes",
    "workload.synthetic.empirical_trace",
    "workload.synthetic.empirical_format",
    "workload.synthetic.gpus",
    "workload.synthetic.gpu_weights",
    "workload.synthetic.iterations",
    "workload.synthetic.priority_classes",
    "workload.synthetic.diurnal.amplitude",
    "workload.synthetic.diurnal.period",
    "workload.synthetic.diurnal.peak",
    "workload.synthetic.mmpp.burst_multiplier",
    "workload.synthetic.mmpp.calm_mean",
    "workload.synthetic.mmpp.burst_mean",
    "workload.synthetic.duration.distribution",
    "workload.synthetic.duration.median",
    "workload.synthetic.duration.sigma",
    "workload.synthetic.duration.pareto_shape",
    "workload.synthetic.duration.pareto_scale",
    "workload.synthetic.duration.min",
    "workload.synthetic.duration.max",
    "workload.trace.format",
    "workload.trace.path",
    "workload.trace.task_path",
    "workload.trace.bad_rows",
    "workload.trace.swf_processors_per_gpu",
    "workload.trace.limit",
    "workload.trace.time_scale",
    "workload.training.iteration_time",
    "workload.training.gradient_size",
    "workload.training.checkpoint_every",
    "workload.training.checkpoint_size",
    "workload.training.max_iterations_per_step",
    "workload.training.model",
    "workload.training.micro_batch",
    "workload.training.checkpoint_tier",
    "workload.training.checkpoint_drain",
    "workload.training.dataset_tier",
    "workload.training.dataset_read_size",
    "workload.training.global_batch",
    "workload.training.tp",
    "workload.training.pp",
    "workload.training.virtual_stages",
    "workload.training.recompute",
    "workload.training.sequence_parallel",
    "workload.training.distributed_optimizer",
    "workload.training.checkpoint_bytes_per_param",
    "workload.training.custom.layers",
    "workload.training.custom.hidden",
    "workload.training.custom.heads",
    "workload.training.custom.kv_heads",
    "workload.training.custom.ffn",
    "workload.training.custom.seq",
    "workload.training.custom.vocab",
    "workload.training.custom.style",
    "workload.training.custom.dtype",
    "workload.collective.op",
    "workload.collective.algorithm",
    "workload.collective.sizes",
    "workload.collective.ranks",
    "workload.collective.groups",
    "workload.inference.name",
    "workload.inference.model",
    "workload.inference.replicas",
    "workload.inference.gpus_per_replica",
    "workload.inference.arrival",
    "workload.inference.rate",
    "workload.inference.diurnal_amplitude",
    "workload.inference.diurnal_period",
    "workload.inference.arrival_trace",
    "workload.inference.requests",
    "workload.inference.duration",
    "workload.inference.max_batch",
    "workload.inference.max_batch_tokens",
    "workload.inference.hbm_utilization",
    "workload.inference.max_queue",
    "workload.inference.max_retries",
    "workload.inference.prompt_tokens.distribution",
    "workload.inference.prompt_tokens.median",
    "workload.inference.prompt_tokens.sigma",
    "workload.inference.prompt_tokens.min",
    "workload.inference.prompt_tokens.max",
    "workload.inference.output_tokens.distribution",
    "workload.inference.output_tokens.median",
    "workload.inference.output_tokens.sigma",
    "workload.inference.output_tokens.min",
    "workload.inference.output_tokens.max",
    "workload.inference.slo.ttft",
    "workload.inference.slo.tpot",
    "workload.inference.slo.e2e",
    "workload.inference.service_time.distribution",
    "workload.inference.service_time.mean",
    "workload.inference.service_time.sigma",
    "workload.inference.service_time.path",
    "failures.preset",
    "failures.rate_scale",
    "failures.trace",
    "failures.gpu.mtbf",
    "failures.gpu.distribution",
    "failures.gpu.shape",
    "failures.gpu.repair",
    "failures.gpu.repair_distribution",
    "failures.gpu.repair_sigma",
    "failures.node.mtbf",
    "failures.node.distribution",
    "failures.node.shape",
    "failures.node.repair",
    "failures.node.repair_distribution",
    "failures.node.repair_sigma",
    "failures.nic.mtbf",
    "failures.nic.distribution",
    "failures.nic.shape",
    "failures.nic.repair",
    "failures.nic.repair_distribution",
    "failures.nic.repair_sigma",
    "failures.link.mtbf",
    "failures.link.distribution",
    "failures.link.shape",
    "failures.link.repair",
    "failures.link.repair_distribution",
    "failures.link.repair_sigma",
    "failures.leaf.mtbf",
    "failures.leaf.distribution",
    "failures.leaf.shape",
    "failures.leaf.repair",
    "failures.leaf.repair_distribution",
    "failures.leaf.repair_sigma",
    "failures.spine.mtbf",
    "failures.spine.distribution",
    "failures.spine.shape",
    "failures.spine.repair",
    "failures.spine.repair_distribution",
    "failures.spine.repair_sigma",
    "failures.rack_power.mtbf",
    "failures.rack_power.distribution",
    "failures.rack_power.shape",
    "failures.rack_power.repair",
    "failures.rack_power.repair_distribution",
    "failures.rack_power.repair_sigma",
    "failures.storage.mtbf",
    "failures.storage.distribution",
    "failures.storage.shape",
    "failures.storage.repair",
    "failures.storage.repair_distribution",
    "failures.storage.repair_sigma",
    "policies.scheduler",
    "policies.placement",
    "policies.load_balancer",
    "policies.srtf.min_gap",
    "policies.las.thresholds",
    "policies.las.promote_after",
    "policies.fair_share.weights",
    "policies.fair_share.quotas",
    "policies.fair_share.preempt",
    "policies.priority.preempt",
    "policies.preemption.checkpoint",
    "policies.preemption.restart",
    "policies.power_of_d.d",
    "policies.weighted.weights",
    "policies.autoscaler.policy",
    "policies.autoscaler.min_replicas",
    "policies.autoscaler.max_replicas",
    "policies.autoscaler.interval",
    "policies.autoscaler.provisioning_delay",
    "policies.autoscaler.target",
    "policies.autoscaler.scale_out_queue",
    "policies.autoscaler.scale_in_queue",
    "failover.policy",
    "failover.checkpoint_interval",
    "failover.restart_delay",
    "failover.max_restarts",
    "failover.spare_nodes",
    "failover.spare_delay",
    "failover.elastic_delay",
    "failover.elastic_min_fraction",
    "energy.gpu_idle_power",
    "energy.gpu_max_power",
    "energy.gpu_off_power",
    "energy.node_power",
    "energy.switch_power",
    "energy.storage_server_power",
    "energy.pue",
    "energy.price",
    "energy.gpu_cost_per_hour",
    "energy.carbon_intensity",
    "energy.carbon_trace",
    "output.timeseries_interval",
};

std::vector<std::string> table_paths() {
  std::vector<std::string> out;
  for (const auto& s : scenario_settings())
    out.push_back(s.path);
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

TEST(ScenarioSettings, TableHasExactlyTheDocumentedSettingsInOrder) {
  const auto table = table_paths();
  EXPECT_EQ(table.size(), expected_paths.size());
  // gtest prints only the first 32 items of a vector: name the first difference.
  for (std::size_t i = 0; i < std::min(table.size(), expected_paths.size()); ++i)
    if (table[i] != expected_paths[i]) {
      ADD_FAILURE() << "setting #" << i << ": table has '" << table[i] << "', expected '" << expected_paths[i] << "'";
      break;
    }
}

TEST(ScenarioSettings, EverySettingIsCompletelyDeclared) {
  std::set<std::string> seen;
  for (const auto& s : scenario_settings()) {
    EXPECT_TRUE(seen.insert(s.path).second) << "duplicate " << s.path;
    EXPECT_FALSE(s.doc.empty()) << s.path;
    EXPECT_EQ(s.doc.find('\n'), std::string::npos) << s.path << ": doc must be one line";
    EXPECT_TRUE(s.get && s.set) << s.path;
    if (s.type == SettingType::choice) {
      ASSERT_TRUE(s.choices) << s.path;
      EXPECT_FALSE(s.choices().empty()) << s.path;
    }
    EXPECT_EQ(find_setting(s.path), &s);
  }
  EXPECT_EQ(find_setting("platform"), nullptr);
  EXPECT_EQ(find_setting("platform.rack"), nullptr);
}

// Resolved YAML is written in one pass, nesting as it goes: that needs every section to be contiguous.
TEST(ScenarioSettings, SectionsAreContiguous) {
  std::set<std::string> closed;
  std::string previous_section;
  for (const auto& s : scenario_settings()) {
    const auto dot = s.path.rfind('.');
    const std::string section = dot == std::string::npos ? "" : s.path.substr(0, dot);
    if (section != previous_section) {
      EXPECT_FALSE(closed.contains(section)) << "section '" << section << "' is split around " << s.path;
      closed.insert(previous_section);
      previous_section = section;
    }
  }
}

// The defaults come from the structs; each must itself pass validation, or a scenario that leaves it out
// would run with a value the user could not have written.
TEST(ScenarioSettings, EveryStructDefaultIsValid) {
  const Scenario defaults;
  for (const auto& s : scenario_settings()) {
    if (s.required) continue;
    const SettingValue value = s.get(defaults);
    if (is_list(s.type)) {
      const std::string text = format_setting_value(s, value);
      // "[1, 2, 4, 8]" -> items
      std::string items = text.substr(1, text.size() - 2);
      std::istringstream in(items);
      for (std::string item; std::getline(in, item, ',');) {
        while (!item.empty() && item.front() == ' ')
          item.erase(0, 1);
        const ParsedValue p = parse_setting_scalar(s, item);
        EXPECT_TRUE(p.value.has_value()) << s.path << " default item '" << item << "': " << p.error;
      }
      continue;
    }
    const ParsedValue p = parse_setting_scalar(s, format_setting_value(s, value));
    ASSERT_TRUE(p.value.has_value()) << s.path << ": " << p.error;
    EXPECT_EQ(*p.value, value) << s.path;
  }
}

TEST(ScenarioSettings, ParseScalarChecksTypeRangeAndChoices) {
  const Setting& racks = *find_setting("platform.racks");
  EXPECT_EQ(std::get<std::int64_t>(*parse_setting_scalar(racks, "3").value), 3);
  EXPECT_EQ(parse_setting_scalar(racks, "0").error, "must be >= 1, got 0");
  EXPECT_EQ(parse_setting_scalar(racks, "abc").error, "expected an integer, got 'abc'");
  EXPECT_EQ(parse_setting_scalar(racks, "3.5").error, "expected an integer, got '3.5'");
  EXPECT_NE(parse_setting_scalar(racks, "3000000000").error.find("integer out of range"), std::string::npos);
  EXPECT_NE(parse_setting_scalar(racks, "99999999999999999999").error.find("integer out of range"), std::string::npos);

  const Setting& eff = *find_setting("platform.gpu_efficiency");
  EXPECT_EQ(parse_setting_scalar(eff, "0").error, "must be in (0, 1], got 0");
  EXPECT_EQ(parse_setting_scalar(eff, "1.01").error, "must be in (0, 1], got 1.01");
  EXPECT_EQ(std::get<double>(*parse_setting_scalar(eff, "1").value), 1.0);

  const Setting& gpn = *find_setting("platform.gpus_per_node");
  EXPECT_EQ(parse_setting_scalar(gpn, "73").error, "must be in [1, 72], got 73");
  EXPECT_TRUE(parse_setting_scalar(gpn, "72").value);

  const Setting& nic = *find_setting("platform.fabric.nic_bandwidth");
  EXPECT_EQ(std::get<double>(*parse_setting_scalar(nic, "400Gbps").value), 50e9);
  EXPECT_EQ(parse_setting_scalar(nic, "0Gbps").error, "must be > 0Bps, got 0Bps");

  const Setting& model = *find_setting("platform.network_model");
  EXPECT_EQ(parse_setting_scalar(model, "tpc").error, "unknown value 'tpc' (did you mean 'tcp'?); valid: rdma, tcp");

  const Setting& seed = *find_setting("seed");
  EXPECT_EQ(std::get<std::uint64_t>(*parse_setting_scalar(seed, "18446744073709551615").value),
            18446744073709551615ULL);
  EXPECT_NE(parse_setting_scalar(seed, "18446744073709551616").error.find("integer out of range"), std::string::npos);
  EXPECT_EQ(parse_setting_scalar(seed, "-1").error, "expected a non-negative integer, got '-1'");

  const Setting& name = *find_setting("name");
  EXPECT_EQ(parse_setting_scalar(name, "").error, "must not be empty");
}

TEST(ScenarioSettings, DescribeConstraint) {
  EXPECT_EQ(describe_constraint(*find_setting("platform.racks")), ">= 1");
  EXPECT_EQ(describe_constraint(*find_setting("platform.gpu_efficiency")), "in (0, 1]");
  EXPECT_EQ(describe_constraint(*find_setting("platform.gpus_per_node")), "in [1, 72]");
  EXPECT_EQ(describe_constraint(*find_setting("workload.synthetic.mean_interarrival")), "> 0s");
  EXPECT_EQ(describe_constraint(*find_setting("platform.network_model")), "one of: rdma, tcp");
  EXPECT_EQ(describe_constraint(*find_setting("workload.synthetic.gpus")), "at least 1 item(s); each >= 1");
  EXPECT_EQ(describe_constraint(*find_setting("name")), "required");
  EXPECT_EQ(describe_constraint(*find_setting("seed")), "");
}

TEST(ScenarioSettings, NearestNameCatchesTyposOnly) {
  const std::vector<std::string> keys{"kind", "spines", "nics_per_node", "nic_bandwidth", "link_latency"};
  EXPECT_EQ(nearest_name("spine", keys), "spines");
  EXPECT_EQ(nearest_name("nic_bandwith", keys), "nic_bandwidth");
  EXPECT_EQ(nearest_name("link_latnecy", keys), "link_latency"); // a transposition is one edit
  EXPECT_EQ(nearest_name("colour", keys), "");
  EXPECT_EQ(nearest_name("", keys), "");
}

TEST(ScenarioSettings, ExplainHasOneLinePerSettingWithTypeDefaultRangeAndDoc) {
  const auto lines = lines_of(explain_settings());
  ASSERT_EQ(lines.size(), scenario_settings().size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Setting& s = scenario_settings()[i];
    EXPECT_EQ(lines[i].rfind(s.path + " ", 0), 0u) << lines[i];
    EXPECT_NE(lines[i].find(to_string(s.type)), std::string::npos) << lines[i];
    EXPECT_NE(lines[i].find(" -- " + s.doc), std::string::npos) << lines[i];
    EXPECT_LE(lines[i].find(" -- "), lines[i].size());
  }
  const auto line_of = [&](const std::string& path) {
    for (const auto& l : lines)
      if (l.rfind(path + " ", 0) == 0) return l;
    return std::string();
  };
  const std::string racks = line_of("platform.racks");
  EXPECT_NE(racks.find("integer"), std::string::npos);
  EXPECT_NE(racks.find("racks"), std::string::npos);
  EXPECT_NE(racks.find(" 2 "), std::string::npos) << "default from PlatformSpec: " << racks;
  EXPECT_NE(racks.find(">= 1"), std::string::npos);
  const std::string nic = line_of("platform.fabric.nic_bandwidth");
  EXPECT_NE(nic.find("bandwidth"), std::string::npos);
  EXPECT_NE(nic.find("50GBps"), std::string::npos) << nic;
  EXPECT_NE(nic.find(" Bps "), std::string::npos) << "unit column: " << nic;
  const std::string gpu = line_of("platform.gpu");
  for (const auto& name : platforms::gpu_names())
    EXPECT_NE(gpu.find(name), std::string::npos) << gpu;
  EXPECT_NE(line_of("policies.scheduler").find("fifo, easy_backfill"), std::string::npos);
  EXPECT_NE(line_of("name").find("(none)"), std::string::npos);
  EXPECT_NE(line_of("name").find("required"), std::string::npos);
  EXPECT_NE(line_of("workload.training.checkpoint_every").find("iterations"), std::string::npos);
  EXPECT_NE(line_of("horizon").find("0s"), std::string::npos);
}

TEST(ScenarioSettings, ReferenceDocMentionsEverySetting) {
  std::ifstream in(std::string(RACKSIM_SOURCE_DIR) + "/docs/scenario-reference.md");
  ASSERT_TRUE(in) << "docs/scenario-reference.md is missing";
  std::stringstream doc;
  doc << in.rdbuf();
  const Scenario defaults;
  for (const auto& s : scenario_settings()) {
    EXPECT_NE(doc.str().find("`" + s.path + "`"), std::string::npos) << s.path << " is not in the reference";
    EXPECT_NE(doc.str().find(s.doc), std::string::npos) << s.path << ": its doc line differs from the table";
    if (s.required) continue;
    const std::string def = format_setting_value(s, s.get(defaults));
    const std::string shown = def.empty() ? "\"\"" : def;
    EXPECT_NE(doc.str().find("`" + shown + "`"), std::string::npos) << s.path << ": default " << shown << " missing";
  }
}

// workload.synthetic's generators (docs/workload-model.md): bad combinations are located errors.
TEST(ScenarioSettings, SyntheticGeneratorChecks) {
  using testing::single_error;
  const auto located = [](const Diagnostic& d, int line, int column, const std::string& text) {
    EXPECT_EQ(d.line, line) << d.str();
    EXPECT_EQ(d.column, column) << d.str();
    EXPECT_NE(d.message.find(text), std::string::npos) << d.str();
  };
  located(single_error("name: x\nworkload:\n  synthetic:\n    sizes: empirical\n"), 4, 12,
          "workload.synthetic.empirical_trace: missing; it is required when workload.synthetic.sizes is empirical");
  located(single_error("name: x\nworkload:\n  synthetic:\n    sizes: empirical\n    empirical_trace: nope.csv\n"), 5,
          22, "workload.synthetic.empirical_trace: file '");
  located(single_error("name: x\nworkload:\n  synthetic:\n    empirical_trace: a.csv\n"), 4, 22,
          "given, but workload.synthetic.sizes is parametric");
  located(single_error("name: x\nworkload:\n  synthetic:\n    diurnal:\n      amplitude: 1.5\n"), 5, 18,
          "workload.synthetic.diurnal.amplitude");
  located(single_error("name: x\nworkload:\n  synthetic:\n    duration:\n      distribution: pareto\n      "
                       "pareto_scale: 2d\n      max: 1d\n"),
          6, 21, "workload.synthetic.duration.pareto_scale (2d) must be <= workload.synthetic.duration.max (1d)");
  located(single_error("name: x\nworkload:\n  synthetic:\n    arrival: hourly\n"), 4, 14, "poisson, diurnal, mmpp");
  // A valid generator setup loads, and the trace path is taken from the scenario's directory.
  const auto sc = load_scenario_text("name: x\nworkload:\n  synthetic:\n    arrival: mmpp\n    load_scale: 3\n"
                                     "    sizes: empirical\n    empirical_trace: ../workloads/data/chronus_small.csv\n",
                                     "x.yaml", {}, testing::fixtures_dir + "/..");
  EXPECT_EQ(sc.workload.synthetic.arrival, workloads::SyntheticArrival::mmpp);
  EXPECT_EQ(sc.workload.synthetic.load_scale, 3.0);
  EXPECT_NE(sc.workload.synthetic.empirical_trace.find("/tests/unit/workloads/data/chronus_small.csv"),
            std::string::npos);
}

} // namespace
} // namespace racksim::sim

namespace racksim::sim {
namespace {

// The schedulers' settings (docs/scheduling.md), declared by each scheduler on its registry entry: strings with
// their own syntax are checked at load time, at their key, naming the setting; the values reach each scheduler's
// typed settings.
TEST(ScenarioSettings, SchedulerSettings) {
  using testing::single_error;
  const auto d = single_error("name: x\npolicies:\n  fair_share:\n    weights: alice=2,bob\n");
  EXPECT_EQ(d.line, 4) << d.str();
  EXPECT_EQ(d.column, 14) << d.str();
  EXPECT_NE(d.message.find("policies.fair_share.weights: "), std::string::npos) << d.str();
  EXPECT_NE(d.message.find("'bob' (no '=')"), std::string::npos) << d.str();
  const auto q = single_error("name: x\n", {"policies.fair_share.quotas=alice=1.5"});
  EXPECT_NE(q.message.find("positive integer (GPUs)"), std::string::npos) << q.str();
  const auto t = single_error("name: x\npolicies:\n  las:\n    thresholds: [7200, 3600]\n");
  EXPECT_NE(t.message.find("policies.las.thresholds: thresholds must be strictly increasing"), std::string::npos)
      << t.str();
  const auto c = single_error("name: x\nworkload:\n  synthetic:\n    priority_classes: 0\n");
  EXPECT_NE(c.message.find("workload.synthetic.priority_classes"), std::string::npos) << c.str();

  const auto sc = load_scenario_text("name: x\npolicies:\n  scheduler: fair_share\n  fair_share:\n    weights: "
                                     "alice=2, vc3=1\n    quotas: alice=16\n    preempt: true\n  srtf:\n    min_gap: "
                                     "2min\n  las:\n    thresholds: [100, 1000, 10000]\n    promote_after: 1h\n  "
                                     "priority:\n    preempt: false\nworkload:\n  synthetic:\n    priority_classes: 3\n",
                                     "x.yaml", {}, ".");
  const auto& p = sc.policies.params;
  EXPECT_EQ(p.get<policies::FairShareParams>().weights, "alice=2, vc3=1");
  EXPECT_EQ(p.get<policies::FairShareParams>().quotas, "alice=16");
  EXPECT_TRUE(p.get<policies::FairShareParams>().preempt);
  EXPECT_DOUBLE_EQ(p.get<policies::SrtfParams>().min_gap_s, 120);
  EXPECT_EQ(p.get<policies::LasParams>().thresholds_gpu_s, (std::vector<double>{100, 1000, 10000}));
  EXPECT_DOUBLE_EQ(p.get<policies::LasParams>().promote_after_s, 3600);
  EXPECT_FALSE(p.get<policies::PriorityParams>().preempt);
  EXPECT_EQ(sc.workload.synthetic.priority_classes, 3);
  // The resolved YAML reads back to the same settings.
  const auto again = load_scenario_text(sc.resolved_yaml, "x.yaml", {}, ".");
  EXPECT_EQ(again.policies.params.get<policies::FairShareParams>().weights, "alice=2, vc3=1");
  EXPECT_EQ(again.policies.params.get<policies::LasParams>().thresholds_gpu_s,
            p.get<policies::LasParams>().thresholds_gpu_s);
}

// policies.weighted.weights and policies.autoscaler.*: consistent with the service's replicas.
TEST(ScenarioSettings, BalancerAndAutoscalerChecks) {
  using testing::single_error;
  const std::string service = "name: x\nworkload:\n  kind: inference\n  inference:\n    model: tiny\n    replicas: 3\n";
  const auto weights = single_error(service + "policies:\n  load_balancer: weighted\n  weighted:\n    weights: [1, 2]\n");
  EXPECT_NE(weights.message.find("policies.weighted.weights: has 2 weight(s) but the service has 3 replicas"),
            std::string::npos)
      << weights.str();
  const auto zero = single_error(service + "policies:\n  weighted:\n    weights: [0, 0, 0]\n");
  EXPECT_NE(zero.message.find("policies.weighted.weights: weights must not all be 0"), std::string::npos) << zero.str();
  const auto bounds =
      single_error(service + "policies:\n  autoscaler:\n    policy: queue_length\n    max_replicas: 2\n");
  EXPECT_NE(bounds.message.find("policies.autoscaler.min_replicas (1) <= workload.inference.replicas (3) <= "
                                "policies.autoscaler.max_replicas (2) does not hold"),
            std::string::npos)
      << bounds.str();
  // With an autoscaler, the weights cover every replica that gets GPUs (max_replicas).
  const auto sc = load_scenario_text(service + "policies:\n  load_balancer: weighted\n  weighted:\n    weights: [1, 1, "
                                               "1, 2, 2]\n  autoscaler:\n    policy: target_utilization\n    "
                                               "max_replicas: 5\n",
                                     "x.yaml");
  EXPECT_EQ(provisioned_replicas(sc), 5);
  EXPECT_EQ(sc.policies.autoscaler, "target_utilization");
}

} // namespace
} // namespace racksim::sim
