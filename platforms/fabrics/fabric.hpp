#pragma once
// One scale-out fabric kind (platform.fabric.kind) behind one interface. A kind owns everything that differs
// between kinds: its spec checks, switch ports, its part of the graph, the routes between racks, the bisection
// closed form, the SimGrid zones (through ZoneBuilder, so this folder never includes SimGrid) and its describe
// text. The node side (GPUs, NVSwitches, NVLink), the storage tiers and the analyses on the graph are shared and
// live in platforms/. The kinds are found by name in platforms/fabrics/registry.hpp.
//
// Adding a kind: platforms/fabrics/<kind>.{hpp,cpp} implementing Fabric (platforms/fabrics/shared.hpp has the
// pieces the existing kinds share), one line in registry.cpp, tests in tests/unit/platforms (the registry test
// runs every registered kind) and tests/engine/fabric_routes_test.cpp, docs/platforms.md.

#include "platforms/spec.hpp"
#include "platforms/topology.hpp"

#include <string>
#include <vector>

namespace racksim::platforms {

// How the leaves meet the nodes. The shared node-side code (graph edges, the route from a GPU to its leaf, the
// SimGrid rack zone, what a leaf failure takes down) follows from it.
enum class LeafLayer {
  rack,  // one leaf (router) per rack, topo.leaves[rack]; a node's NICs share one uplink to it (uplink-node-<n>),
         // or with nvlink_domain rack the rack's NICs do (rack-<r>-nics)
  rails, // one leaf per rack and GPU position k ("rail"), topo.leaves[rack x gpus_per_node + k]; every GPU has its
         // own NIC to its rail's leaf (nic-gpu-<g>); a rack's SimGrid zone is centred on "rack-<r>-rails"
};

// How the storage and object-store leaves reach the fabric (platforms/storage.hpp).
enum class StorageUplinks {
  aggregated, // a link to every switch of topo.storage_attach (the top tier), simulated as one aggregated uplink
  per_pod,    // one link to each pod's (group's) switch topo.storage_attach[pod]; a GPU's traffic takes its pod's
};

// Handles into the SimGrid build (platforms/simgrid_platform.cpp implements ZoneBuilder). Default: none.
struct ZoneRef {
  int id = -1;
};
struct RouterRef {
  int id = -1;
};
struct LinkRef {
  int id = -1;
};
enum class ZoneRouting { star, full };

// What a fabric kind may create in SimGrid. Every link is split-duplex and lives in the root zone; routes are
// symmetric and list their links in the UP direction (the way back uses them DOWN).
class ZoneBuilder {
 public:
  virtual ~ZoneBuilder() = default;
  // The root zone "datacenter"; call once, first. The storage zones and the controller host join it afterwards.
  virtual ZoneRef root(ZoneRouting routing) = 0;
  virtual ZoneRef zone(const std::string& name, ZoneRouting routing, ZoneRef parent) = 0;
  // The rack's zone under `parent` (sealed): its GPU hosts and their routes to the centre, the rack's leaf layer.
  struct Rack {
    ZoneRef zone;
    RouterRef centre;
  };
  virtual Rack rack(int rack, ZoneRef parent) = 0;
  // The rack's links towards the layer above its leaves: (nvlink_domain rack: rack-<r>-nics,) then
  // leaf-<r>-uplink, which this creates (and records for the engine's uplink failures). Call after rack(rack).
  virtual std::vector<LinkRef> rack_uplink(int rack) = 0;
  virtual LinkRef link(const std::string& name, double bandwidth_Bps, double latency_s) = 0;
  // A route in `parent` from child zone `from` (entered and left at `from_gateway`) to child zone `to` (at
  // `to_gateway`); `to` none: to the parent's centre (a star zone).
  virtual void route(ZoneRef parent, ZoneRef from, RouterRef from_gateway, ZoneRef to, RouterRef to_gateway,
                     const std::vector<LinkRef>& links) = 0;
  // A one-way route between two child zones of `parent` that overrides the route through the centre: the `up`
  // links (UP), then the `down` links (DOWN), in the order traffic crosses them.
  virtual void bypass_route(ZoneRef parent, ZoneRef from, RouterRef from_gateway, ZoneRef to, RouterRef to_gateway,
                            const std::vector<LinkRef>& up, const std::vector<LinkRef>& down) = 0;
  virtual void seal(ZoneRef zone) = 0;
  // StorageUplinks::per_pod: where pod `p` (the p-th call) takes the storage leaves' link: a zone and its router.
  virtual void storage_attach(ZoneRef zone, RouterRef router) = 0;
};

class Fabric {
 public:
  virtual ~Fabric() = default;
  virtual const char* name() const = 0; // the platform.fabric.kind value
  virtual LeafLayer leaf_layer() const = 0;
  virtual StorageUplinks storage_uplinks() const = 0;
  virtual bool allows_rack_nvlink_domain() const = 0; // nvlink_domain: rack (validate refuses it otherwise)

  // Checks the kind's own fields; validate_spec has checked the shared ones. Throws PlatformError naming the field.
  virtual void validate(const PlatformSpec& spec) const = 0;
  // Ports of each switch kind, at NIC speed (also on an unvalidated spec: must not divide by zero).
  virtual std::vector<SwitchPorts> switch_ports(const PlatformSpec& spec) const = 0;
  // Racks per pod (fat_tree) or group (dragonfly); spec.racks for a kind without pods (one pod).
  virtual int racks_per_pod(const PlatformSpec& spec) const = 0;

  // Sets topo's fabric capacities, appends the switch vertices (leaves, then aggregation switches, then
  // spines / core switches, into topo.leaves, aggregations, spines) and the edges from the NVSwitches (rails: the
  // GPUs) up, and fills topo.storage_attach. The GPUs, NVSwitches and NVLink edges exist already.
  virtual void build_graph(Topology& topo) const = 0;

  // Fluid routes (platforms/topology.hpp): the hops between the leaf layers of two different racks, and from a
  // rack's leaf layer up to the switch its storage traffic reaches the storage_attach tier through.
  virtual std::vector<Hop> rack_route(const Topology& topo, int rack_a, int rack_b) const = 0;
  virtual std::vector<Hop> rack_to_top(const Topology& topo, int rack) const = 0;

  // bisection_formula_Bps (platforms/topology.hpp) for at least two racks.
  virtual double bisection_formula_Bps(const Topology& topo) const = 0;

  // The SimGrid zones of the fabric: every route they create must be rack_route / rack_to_top's
  // (tests/engine/fabric_routes_test.cpp checks every pair).
  virtual void build_zones(const Topology& topo, ZoneBuilder& builder) const = 0;

  // describe_text: the fabric's switches after "switches: N nvswitch, " (e.g. "2 leaf, 4 spine"), and the
  // rest of the "fabric: <kind>" line.
  virtual std::string describe_switches(const Topology& topo) const = 0;
  virtual std::string describe(const Topology& topo) const = 0;
};

} // namespace racksim::platforms
