#include "platforms/simgrid_platform.hpp"

#include "platforms/fabrics/fabric.hpp"
#include "platforms/simgrid_storage.hpp"
#include "platforms/simgrid_util.hpp"

#include <simgrid/s4u.hpp>

#include <boost/graph/adjacency_list.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace sg4 = simgrid::s4u;

namespace racksim::platforms {

using sg_util::add_gateway_route;
using sg_util::make_link;

void configure_network_model(NetworkModel model) {
  switch (model) {
  case NetworkModel::rdma:
    // CM02 is a plain max-min fluid model; with unit factors a lone transfer takes sum(latency) + S/B.
    sg4::Engine::set_config("network/model:CM02");
    sg4::Engine::set_config("network/latency-factor:1");
    sg4::Engine::set_config("network/bandwidth-factor:1");
    // No TCP ack flows (RDMA has none), and no TCP window bound gamma / (2 x latency), which would cap a
    // 5 us path at 0.4 TB/s with the default 4 MiB window.
    sg4::Engine::set_config("network/crosstraffic:0");
    sg4::Engine::set_config("network/TCP-gamma:1e30");
    break;
  case NetworkModel::tcp:
    sg4::Engine::set_config("network/model:LV08");
    break;
  }
}

namespace {

using Route = std::vector<sg4::LinkInRoute>;
using simgrid::kernel::routing::NetPoint;
constexpr auto UP = sg4::LinkInRoute::Direction::UP;
constexpr auto DOWN = sg4::LinkInRoute::Direction::DOWN;

// The fabric kind decides the zones and the routes between them (platforms/fabrics/, Fabric::build_zones); this
// creates them with s4u calls, and builds the rack zones (GPU hosts, NVLink, node uplinks) every kind shares.
class SimGridZones final : public ZoneBuilder {
 public:
  SimGridZones(const Topology& topo, SimPlatform& out)
      : topo_(topo), spec_(topo.spec), out_(out), rack_nics_(topo.num_racks()) {}

  ZoneRef root(ZoneRouting routing) override {
    if (root_ != nullptr) throw std::logic_error("ZoneBuilder::root called twice");
    root_ = make_zone("datacenter", routing);
    return add_zone(root_);
  }

  ZoneRef zone(const std::string& name, ZoneRouting routing, ZoneRef parent) override {
    auto* zone = make_zone(name, routing);
    zone->set_parent(zones_.at(parent.id));
    return add_zone(zone);
  }

  // A rack (rails: a scalable unit) as a star zone whose centre is the leaf layer: GPU hosts with their route to
  // the centre, and bypass routes inside each NVLink domain where the centre is not the NVSwitch.
  Rack rack(int rack, ZoneRef parent) override {
    auto* zone = sg4::create_star_zone("rack-" + std::to_string(rack));
    zone->set_parent(zones_.at(parent.id));
    const bool rails = topo_.fabric().leaf_layer() == LeafLayer::rails;
    // The gateway must sit in the same zone as the hosts: SimGrid resolves host -> gateway within one zone.
    const std::string centre = rails ? "rack-" + std::to_string(rack) + "-rails" : topo_.graph[topo_.leaves[rack]].name;
    auto* router = zone->create_router(centre);
    add_gateway_route(zone, router);
    const int gpn = spec_.gpus_per_node;
    const int first_node = rack * spec_.nodes_per_rack;
    const bool rack_domain = spec_.nvlink_domain == "rack";
    sg4::Link* rack_nics = nullptr;
    if (rack_domain)
      rack_nics = link_in_root(names::rack_nics(rack), spec_.nodes_per_rack * topo_.node_uplink_Bps,
                               spec_.fabric.link_latency_s);
    for (int node = first_node; node < first_node + spec_.nodes_per_rack; ++node) {
      sg4::Link* uplink = nullptr;
      if (!rack_domain && !rails)
        uplink = link_in_root(names::node_uplink(node), topo_.node_uplink_Bps, spec_.fabric.link_latency_s);
      std::vector<sg4::Link*> nvlinks;
      for (int gpu = node * gpn; gpu < (node + 1) * gpn; ++gpu) {
        auto* host = zone->create_host(topo_.graph[topo_.gpus[gpu]].name, topo_.gpu_flops);
        auto* nvlink = link_in_root(names::nvlink(gpu), topo_.nvlink_Bps, spec_.nvlink_latency_s);
        // Leaving the GPU towards the leaf layer (the rack's NVSwitch is the centre in a rack domain, so its
        // NICs are on the zone's route up instead).
        Route up;
        if (rails)
          up = {{link_in_root(names::gpu_nic(gpu), spec_.fabric.nic_bandwidth_Bps, spec_.fabric.link_latency_s), UP}};
        else if (rack_domain)
          up = {{nvlink, UP}};
        else
          up = {{nvlink, UP}, {uplink, UP}};
        zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr, up, true);
        host->seal();
        out_.gpu_hosts[gpu] = host;
        nvlinks.push_back(nvlink);
      }
      if (rack_domain) continue;
      // Inside a node, traffic turns at the NVSwitch and never touches the uplink or NICs.
      const int first_gpu = node * gpn;
      for (int a = 0; a < gpn; ++a)
        for (int b = 0; b < gpn; ++b)
          if (a != b)
            zone->add_bypass_route(out_.gpu_hosts[first_gpu + a]->get_netpoint(),
                                   out_.gpu_hosts[first_gpu + b]->get_netpoint(), nullptr, nullptr,
                                   {{nvlinks[a], UP}, {nvlinks[b], DOWN}});
    }
    zone->seal();
    rack_nics_[rack] = rack_nics;
    return {add_zone(zone), add_router(router)};
  }

  std::vector<LinkRef> rack_uplink(int rack) override {
    std::vector<LinkRef> up;
    if (rack_nics_.at(rack) != nullptr) up.push_back(add_link(rack_nics_[rack]));
    auto* leaf_up =
        link_in_root(names::leaf_uplink_aggregate(rack), topo_.leaf_uplink_Bps, spec_.fabric.uplink_latency_s);
    out_.leaf_uplinks.push_back(leaf_up);
    up.push_back(add_link(leaf_up));
    return up;
  }

  LinkRef link(const std::string& name, double bandwidth_Bps, double latency_s) override {
    return add_link(link_in_root(name, bandwidth_Bps, latency_s));
  }

  void route(ZoneRef parent, ZoneRef from, RouterRef from_gateway, ZoneRef to, RouterRef to_gateway,
             const std::vector<LinkRef>& links) override {
    Route route;
    for (LinkRef l : links)
      route.emplace_back(links_.at(l.id), UP);
    zones_.at(parent.id)->add_route(
        zones_.at(from.id)->get_netpoint(), to.id < 0 ? nullptr : zones_.at(to.id)->get_netpoint(),
        routers_.at(from_gateway.id), to_gateway.id < 0 ? nullptr : routers_.at(to_gateway.id), route, true);
  }

  void bypass_route(ZoneRef parent, ZoneRef from, RouterRef from_gateway, ZoneRef to, RouterRef to_gateway,
                    const std::vector<LinkRef>& up, const std::vector<LinkRef>& down) override {
    Route route;
    for (LinkRef l : up)
      route.emplace_back(links_.at(l.id), UP);
    for (LinkRef l : down)
      route.emplace_back(links_.at(l.id), DOWN);
    zones_.at(parent.id)->add_bypass_route(zones_.at(from.id)->get_netpoint(), zones_.at(to.id)->get_netpoint(),
                                           routers_.at(from_gateway.id), routers_.at(to_gateway.id), route);
  }

  void seal(ZoneRef zone) override { zones_.at(zone.id)->seal(); }

  void storage_attach(ZoneRef zone, RouterRef router) override {
    storage_attach_.push_back({zones_.at(zone.id), routers_.at(router.id)});
  }

  sg4::NetZone* root_zone() const { return root_; }
  const std::vector<StorageAttach>& storage_attach_points() const { return storage_attach_; }

 private:
  static sg4::NetZone* make_zone(const std::string& name, ZoneRouting routing) {
    return routing == ZoneRouting::full ? sg4::create_full_zone(name) : sg4::create_star_zone(name);
  }

  // Links live in the root zone, whatever zone routes through them: SimGrid checks a new link's name in every
  // zone's link table, and one large table is far cheaper to search than one per rack (65k GPUs: 14.1 s ->
  // 6.9 s to build; docs/performance.md).
  sg4::Link* link_in_root(const std::string& name, double bandwidth, double latency) {
    if (root_ == nullptr) throw std::logic_error("ZoneBuilder::root must be called first");
    return make_link(root_, name, bandwidth, latency);
  }

  ZoneRef add_zone(sg4::NetZone* zone) {
    zones_.push_back(zone);
    return {static_cast<int>(zones_.size()) - 1};
  }
  RouterRef add_router(NetPoint* router) {
    routers_.push_back(router);
    return {static_cast<int>(routers_.size()) - 1};
  }
  LinkRef add_link(sg4::Link* link) {
    links_.push_back(link);
    return {static_cast<int>(links_.size()) - 1};
  }

  const Topology& topo_;
  const PlatformSpec& spec_;
  SimPlatform& out_;
  sg4::NetZone* root_ = nullptr;
  std::vector<sg4::NetZone*> zones_;
  std::vector<NetPoint*> routers_;
  std::vector<sg4::Link*> links_;
  std::vector<sg4::Link*> rack_nics_; // by rack; nullptr unless nvlink_domain is rack
  std::vector<StorageAttach> storage_attach_;
};

} // namespace

SimPlatform build_simgrid_platform(const Topology& topo) {
  SimPlatform out;
  out.gpu_hosts.resize(topo.gpus.size());
  SimGridZones zones(topo, out);
  const Fabric& fabric = topo.fabric();
  fabric.build_zones(topo, zones);
  sg4::NetZone* root = zones.root_zone();
  // The storage tiers hang off the root, which joins the fabric's top tier (platforms/simgrid_storage.hpp), or
  // (StorageUplinks::per_pod) the routers the fabric named, one per pod.
  const auto& attach = zones.storage_attach_points();
  const bool per_pod = fabric.storage_uplinks() == StorageUplinks::per_pod;
  if (root == nullptr || (per_pod ? static_cast<int>(attach.size()) != topo.num_pods() : !attach.empty()))
    throw std::logic_error(std::string("fabric ") + fabric.name() + ": zones do not match its storage uplinks");
  build_simgrid_storage(topo, root, attach, out);

  out.controller = root->create_host("controller", 1e9);
  out.controller->seal();
  root->seal();
  return out;
}

} // namespace racksim::platforms
