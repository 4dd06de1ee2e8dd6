#include "platforms/simgrid_platform.hpp"

#include "platforms/simgrid_storage.hpp"
#include "platforms/simgrid_util.hpp"

#include <simgrid/s4u.hpp>

#include <boost/graph/adjacency_list.hpp>

#include <map>
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

// Builds every fabric's SimGrid zones from the graph; each zone-level route is the one gpu_route lists.
class Builder {
 public:
  Builder(const Topology& topo, SimPlatform& out) : topo_(topo), g_(topo.graph), spec_(topo.spec), out_(out) {}

  // Links live in the root zone, whatever zone routes through them: SimGrid checks a new link's name in every
  // zone's link table, and one large table is far cheaper to search than one per rack (65k GPUs: 14.1 s ->
  // 6.9 s to build; docs/performance.md).
  sg4::Link* link(const std::string& name, double bandwidth, double latency) {
    return make_link(root_, name, bandwidth, latency);
  }

  // A rack (rail_optimized: a scalable unit) as a star zone whose centre is the leaf layer: GPU hosts with their
  // route to the centre, and bypass routes inside each NVLink domain where the centre is not the NVSwitch.
  // Returns the zone and its centre router.
  std::pair<sg4::NetZone*, simgrid::kernel::routing::NetPoint*> rack_zone(int rack, sg4::NetZone* parent) {
    auto* zone = sg4::create_star_zone("rack-" + std::to_string(rack));
    zone->set_parent(parent);
    // The gateway must sit in the same zone as the hosts: SimGrid resolves host -> gateway within one zone.
    const std::string centre = topo_.kind() == "rail_optimized" ? "rack-" + std::to_string(rack) + "-rails"
                                                                : g_[topo_.leaves[rack]].name;
    auto* router = zone->create_router(centre);
    add_gateway_route(zone, router);
    const int gpn = spec_.gpus_per_node;
    const int first_node = rack * spec_.nodes_per_rack;
    const bool rack_domain = spec_.nvlink_domain == "rack";
    sg4::Link* rack_nics = nullptr;
    if (rack_domain)
      rack_nics = link(names::rack_nics(rack), spec_.nodes_per_rack * topo_.node_uplink_Bps, spec_.fabric.link_latency_s);
    for (int node = first_node; node < first_node + spec_.nodes_per_rack; ++node) {
      sg4::Link* uplink = nullptr;
      if (!rack_domain && topo_.kind() != "rail_optimized")
        uplink = link(names::node_uplink(node), topo_.node_uplink_Bps, spec_.fabric.link_latency_s);
      std::vector<sg4::Link*> nvlinks;
      for (int gpu = node * gpn; gpu < (node + 1) * gpn; ++gpu) {
        auto* host = zone->create_host(g_[topo_.gpus[gpu]].name, topo_.gpu_flops);
        auto* nvlink = link(names::nvlink(gpu), topo_.nvlink_Bps, spec_.nvlink_latency_s);
        // Leaving the GPU towards the leaf layer (the rack's NVSwitch is the centre in a rack domain, so its
        // NICs are on the zone's route up instead).
        Route up;
        if (topo_.kind() == "rail_optimized")
          up = {{link(names::gpu_nic(gpu), spec_.fabric.nic_bandwidth_Bps, spec_.fabric.link_latency_s), UP}};
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
    rack_nics_ = rack_nics;
    return {zone, router};
  }

  // The zone's route to its parent's centre: (rack domain: the rack's NICs,) the leaf's aggregated uplink.
  Route rack_uplink(int rack) {
    Route up;
    if (rack_nics_ != nullptr) up.push_back({rack_nics_, UP});
    auto* leaf_up = link(names::leaf_uplink_aggregate(rack), topo_.leaf_uplink_Bps, spec_.fabric.uplink_latency_s);
    out_.leaf_uplinks.push_back(leaf_up);
    up.push_back({leaf_up, UP});
    racks_[rack] = up;
    return up;
  }

  // A star zone of racks under `parent` whose centre is the layer above the leaves (leaf_spine, rail_optimized:
  // the spines; fat_tree: a pod's aggregation switches).
  void star_of_racks(sg4::NetZone* zone, int first_rack, int racks) {
    for (int rack = first_rack; rack < first_rack + racks; ++rack) {
      auto [rz, router] = rack_zone(rack, zone);
      zone->add_route(rz->get_netpoint(), nullptr, router, nullptr, rack_uplink(rack), true);
    }
  }

  // Dragonfly groups: the racks of a group in a full zone (one local link per pair of routers), groups in the
  // root full zone (one aggregated global link per pair of groups, between the routers that hold it).
  void dragonfly() {
    const int a = spec_.fabric.racks_per_group;
    const int groups = topo_.num_pods();
    std::vector<std::vector<simgrid::kernel::routing::NetPoint*>> routers(groups);
    for (int group = 0; group < groups; ++group) {
      auto* gz = sg4::create_full_zone("group-" + std::to_string(group));
      gz->set_parent(root_);
      std::vector<sg4::NetZone*> zones;
      for (int r = 0; r < a; ++r) {
        auto [rz, router] = rack_zone(group * a + r, gz);
        zones.push_back(rz);
        routers[group].push_back(router);
      }
      for (int r = 0; r < a; ++r)
        for (int q = r + 1; q < a; ++q) {
          const int ra = group * a + r, rb = group * a + q;
          auto* local = link(names::local_link(ra, rb), topo_.leaf_spine_Bps, spec_.fabric.uplink_latency_s);
          gz->add_route(zones[r]->get_netpoint(), zones[q]->get_netpoint(), routers[group][r], routers[group][q],
                        {{local, UP}}, true);
        }
      gz->seal();
      group_zones_.push_back(gz);
    }
    for (int i = 0; i < groups; ++i)
      for (int j = i + 1; j < groups; ++j) {
        const int out = dragonfly_gateway_rack(i, j) % a, in = dragonfly_gateway_rack(j, i) % a;
        auto* global = link(names::global_link(i, j), topo_.global_pair_Bps, spec_.fabric.core_latency_s);
        root_->add_route(group_zones_[i]->get_netpoint(), group_zones_[j]->get_netpoint(), routers[i][out],
                         routers[j][in], {{global, UP}}, true);
      }
    dragonfly_routers_ = std::move(routers);
  }

  const Topology& topo_;
  const TopologyGraph& g_;
  const PlatformSpec& spec_;
  SimPlatform& out_;
  sg4::NetZone* root_ = nullptr;
  sg4::Link* rack_nics_ = nullptr;
  std::vector<sg4::NetZone*> group_zones_;
  std::map<int, Route> racks_;       // rack_uplink by rack
  std::vector<std::vector<simgrid::kernel::routing::NetPoint*>> dragonfly_routers_;
  static constexpr auto UP = sg4::LinkInRoute::Direction::UP;
  static constexpr auto DOWN = sg4::LinkInRoute::Direction::DOWN;

 private:
  int dragonfly_gateway_rack(int from, int to) const {
    const int a = spec_.fabric.racks_per_group;
    const int k = to < from ? to : to - 1;
    return from * a + k % a;
  }
};

} // namespace

SimPlatform build_simgrid_platform(const Topology& topo) {
  SimPlatform out;
  const auto& spec = topo.spec;
  const std::string& kind = topo.kind();
  const bool dragonfly = kind == "dragonfly";
  auto* root = dragonfly ? sg4::create_full_zone("datacenter") : sg4::create_star_zone("datacenter");
  const auto up = sg4::LinkInRoute::Direction::UP;
  out.gpu_hosts.resize(topo.gpus.size());
  Builder b(topo, out);
  b.root_ = root;
  if (dragonfly) {
    b.dragonfly();
  } else if (kind == "fat_tree") {
    // Racks sit directly in the root star (a pod zone between them would need a gateway outside the racks, which
    // SimGrid's recursive route resolution does not reach): a rack's route to the core is its leaf uplink then
    // its pod's uplink, and racks of one pod reach each other through zone-level bypass routes that turn at the
    // aggregation layer (both leaf uplinks, no pod uplink).
    const int per_pod = spec.fabric.racks_per_pod;
    std::vector<simgrid::kernel::routing::NetPoint*> zones, routers;
    for (int pod = 0; pod < topo.num_pods(); ++pod) {
      auto* pod_up = b.link(names::pod_uplink_aggregate(pod), topo.pod_uplink_Bps, spec.fabric.core_latency_s);
      for (int rack = pod * per_pod; rack < (pod + 1) * per_pod; ++rack) {
        auto [rz, router] = b.rack_zone(rack, root);
        auto route = b.rack_uplink(rack);
        route.push_back({pod_up, up});
        root->add_route(rz->get_netpoint(), nullptr, router, nullptr, route, true);
        zones.push_back(rz->get_netpoint());
        routers.push_back(router);
      }
    }
    const auto down = sg4::LinkInRoute::Direction::DOWN;
    for (int pod = 0; pod < topo.num_pods(); ++pod)
      for (int ra = pod * per_pod; ra < (pod + 1) * per_pod; ++ra)
        for (int rb = pod * per_pod; rb < (pod + 1) * per_pod; ++rb)
          if (ra != rb) {
            std::vector<sg4::LinkInRoute> route = b.racks_[ra];
            for (auto it = b.racks_[rb].rbegin(); it != b.racks_[rb].rend(); ++it)
              route.emplace_back(it->get_link(), down);
            root->add_bypass_route(zones[ra], zones[rb], routers[ra], routers[rb], route);
          }
  } else {
    b.star_of_racks(root, 0, topo.num_racks());
  }

  // The storage tiers hang off the root, which joins the fabric's top tier (platforms/simgrid_storage.hpp); a
  // dragonfly has no top tier: the storage leaves link to the first router of each group.
  std::vector<StorageAttach> groups;
  if (dragonfly)
    for (int group = 0; group < topo.num_pods(); ++group)
      groups.push_back({b.group_zones_[group], b.dragonfly_routers_[group][0]});
  build_simgrid_storage(topo, root, groups, out);

  out.controller = root->create_host("controller", 1e9);
  out.controller->seal();
  root->seal();
  return out;
}

} // namespace racksim::platforms
