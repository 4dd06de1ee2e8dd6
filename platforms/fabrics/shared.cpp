#include "platforms/fabrics/shared.hpp"

#include "platforms/fabrics/registry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace racksim::platforms::fabric_util {

std::string number(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

void fail(const std::string& field, const std::string& requirement, const std::string& got) {
  throw PlatformError("platform." + field + " must be " + requirement + " (got " + got + ")");
}

void require_count(const char* field, int value) {
  if (value < 1) fail(field, ">= 1", std::to_string(value));
}

void require_finite(const char* field, double value) {
  if (!std::isfinite(value)) fail(field, "a finite number", number(value));
}

void require_positive(const char* field, double value) {
  require_finite(field, value);
  if (!(value > 0)) fail(field, "> 0", number(value));
}

void require_non_negative(const char* field, double value) {
  require_finite(field, value);
  if (!(value >= 0)) fail(field, ">= 0", number(value));
}

void require_node_nvlink_domain(const PlatformSpec& spec) {
  if (spec.nvlink_domain != "rack") return;
  std::vector<std::string> allowed;
  for (const Fabric* f : fabrics())
    if (f->allows_rack_nvlink_domain()) allowed.emplace_back(f->name());
  std::string list;
  for (std::size_t i = 0; i < allowed.size(); ++i)
    list += (i == 0 ? "" : i + 1 == allowed.size() ? " and " : ", ") + allowed[i];
  fail("nvlink_domain", "'node' with fabric.kind " + spec.fabric.kind + " ('rack' works with " + list + ")", "'rack'");
}

int ceil_div(double a, double b) {
  return static_cast<int>(std::ceil(a / b - 1e-9));
}

void add_edge(Topology& topo, Vertex a, Vertex b, LinkTier tier, std::string name, double bandwidth_Bps,
              double latency_s) {
  boost::add_edge(a, b, EdgeProps{tier, std::move(name), bandwidth_Bps, latency_s}, topo.graph);
}

void add_rack_leaves(Topology& topo) {
  for (int rack = 0; rack < topo.spec.racks; ++rack)
    topo.leaves.push_back(append_vertex(topo.graph, VertexProps{VertexKind::leaf, names::leaf(rack), rack, -1, rack}));
}

double rack_down_Bps(const Topology& topo) {
  return topo.spec.nodes_per_rack * topo.node_uplink_Bps;
}

void add_node_leaf_links(Topology& topo) {
  const PlatformSpec& spec = topo.spec;
  const double latency = spec.fabric.link_latency_s;
  if (spec.nvlink_domain == "rack") {
    for (int rack = 0; rack < spec.racks; ++rack)
      add_edge(topo, topo.nvswitches[rack], topo.leaves[rack], LinkTier::node_leaf, names::rack_nics(rack),
               rack_down_Bps(topo), latency);
    return;
  }
  for (int node = 0; node < topo.num_nodes(); ++node)
    add_edge(topo, topo.nvswitches[node], topo.leaves[topo.rack_of_node(node)], LinkTier::node_leaf,
             names::node_uplink(node), topo.node_uplink_Bps, latency);
}

double rack_injection_Bps(const Topology& topo) {
  const PlatformSpec& spec = topo.spec;
  return spec.nodes_per_rack * std::min(topo.node_uplink_Bps, spec.gpus_per_node * topo.nvlink_Bps);
}

Hop leaf_uplink_hop(const Topology& topo, int rack) {
  return {names::leaf_uplink_aggregate(rack), topo.leaf_uplink_Bps, topo.spec.fabric.uplink_latency_s};
}

void star_of_racks(const Topology& topo, ZoneBuilder& builder) {
  const ZoneRef root = builder.root(ZoneRouting::star);
  for (int rack = 0; rack < topo.num_racks(); ++rack) {
    const auto [zone, centre] = builder.rack(rack, root);
    builder.route(root, zone, centre, {}, {}, builder.rack_uplink(rack));
  }
}

} // namespace racksim::platforms::fabric_util
