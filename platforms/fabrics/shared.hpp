#pragma once
// Pieces several fabric kinds share: spec checks (the message format of every platform.* error), the rack leaf
// layer (LeafLayer::rack) in the graph, the leaf uplink hop, a rack's injection capacity, and the SimGrid star of
// racks. Internal to platforms/.

#include "platforms/fabrics/fabric.hpp"
#include "platforms/spec.hpp"
#include "platforms/topology.hpp"

#include <string>

namespace racksim::platforms::fabric_util {

std::string number(double value); // "%.6g", as the error and describe texts print numbers

// `field` is the scenario key after "platform." (docs/scenario-reference.md), so the message points at what the
// user wrote: "platform.<field> must be <requirement> (got <got>)".
[[noreturn]] void fail(const std::string& field, const std::string& requirement, const std::string& got);
void require_count(const char* field, int value); // >= 1
void require_finite(const char* field, double value);
void require_positive(const char* field, double value);
void require_non_negative(const char* field, double value);
// For a kind that does not allow nvlink_domain rack; the message lists the kinds that do (from the registry).
void require_node_nvlink_domain(const PlatformSpec& spec);

int ceil_div(double a, double b); // ports: ceil(a / b), robust to a / b landing a hair above an integer

// LeafLayer::rack in the graph: the leaves leaf-<r> (one per rack), and each node's uplink (or with a rack NVLink
// domain each rack's NICs) from its NVSwitch to its rack's leaf.
void add_rack_leaves(Topology& topo);
void add_node_leaf_links(Topology& topo);
void add_edge(Topology& topo, Vertex a, Vertex b, LinkTier tier, std::string name, double bandwidth_Bps,
              double latency_s);
double rack_down_Bps(const Topology& topo); // what a rack's nodes send to its leaf: nodes_per_rack x node uplink
// What a rack's nodes can inject into the fabric: nodes_per_rack x min(node uplink, gpus_per_node x NVLink).
double rack_injection_Bps(const Topology& topo);

// The rack's leaf-<r>-uplink: its leaf layer's links to the layer above, aggregated (fluid ECMP).
Hop leaf_uplink_hop(const Topology& topo, int rack);

// SimGrid: a star root whose centre is the tier above the leaves, each rack zone routed to it through its
// rack_uplink (leaf_spine, rail_optimized).
void star_of_racks(const Topology& topo, ZoneBuilder& builder);

} // namespace racksim::platforms::fabric_util
