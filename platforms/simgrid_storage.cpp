// SimGrid build of the storage tiers. Layout and rules: simgrid_storage.hpp.

#include "platforms/simgrid_storage.hpp"

#include "platforms/simgrid_util.hpp"
#include "platforms/storage.hpp"

#include <simgrid/s4u.hpp>

#include <boost/graph/adjacency_list.hpp>

#include <string>
#include <utility>
#include <vector>

namespace sg4 = simgrid::s4u;

namespace racksim::platforms {

using sg_util::make_link;

namespace {

const EdgeProps& edge_between(const Topology& topo, Vertex a, Vertex b) {
  auto [e, found] = boost::edge(a, b, topo.graph);
  if (!found) throw PlatformError("topology has no link between " + topo.graph[a].name + " and " + topo.graph[b].name);
  return topo.graph[e];
}

// Sum of a leaf's links of one tier towards vertices that are not `except_kind` (its top-tier links), and their
// latency: the fluid-ECMP aggregate.
std::pair<double, double> top_tier_aggregate(const Topology& topo, Vertex leaf, LinkTier tier, VertexKind except_kind) {
  double bw = 0, lat = 0;
  for (auto [it, end] = boost::out_edges(leaf, topo.graph); it != end; ++it) {
    const auto& props = topo.graph[*it];
    if (props.tier != tier || topo.graph[boost::target(*it, topo.graph)].kind == except_kind) continue;
    bw += props.bandwidth_Bps;
    lat = props.latency_s;
  }
  return {bw, lat};
}

// A star zone whose centre is `leaf_name`, hung off `root` through one aggregated link.
struct LeafZone {
  sg4::NetZone* zone = nullptr;
  simgrid::kernel::routing::NetPoint* router = nullptr;
};

LeafZone make_leaf_zone(sg4::NetZone* root, const std::string& zone_name, const std::string& leaf_name) {
  LeafZone z;
  z.zone = sg4::create_star_zone(zone_name);
  z.zone->set_parent(root);
  z.router = z.zone->create_router(leaf_name);
  sg_util::add_gateway_route(z.zone, z.router);
  return z;
}

// The leaf zone's route to the fabric: one aggregated uplink to the root's centre (the top tier), or for a
// dragonfly one link per group, named by `per_group_name`, to the group's router.
void attach_to_root(sg4::NetZone* root, const LeafZone& z, const std::string& uplink_name,
                    std::pair<double, double> bw_lat, const std::vector<StorageAttach>& groups,
                    std::string (*per_group_name)(int)) {
  z.zone->seal();
  const auto up = sg4::LinkInRoute::Direction::UP;
  if (groups.empty()) {
    auto* uplink = make_link(root, uplink_name, bw_lat.first, bw_lat.second);
    root->add_route(z.zone->get_netpoint(), nullptr, z.router, nullptr, {{uplink, up}}, true);
    return;
  }
  const double per_group = bw_lat.first / static_cast<double>(groups.size());
  for (std::size_t i = 0; i < groups.size(); ++i) {
    auto* link = make_link(root, per_group_name(static_cast<int>(i)), per_group, bw_lat.second);
    root->add_route(z.zone->get_netpoint(), groups[i].zone->get_netpoint(), z.router, groups[i].router, {{link, up}},
                    true);
  }
}

} // namespace

void build_simgrid_storage(const Topology& topo, sg4::NetZone* root, const std::vector<StorageAttach>& groups,
                           SimPlatform& out) {
  const auto& g = topo.graph;
  const auto& spec = topo.spec;
  const auto up = sg4::LinkInRoute::Direction::UP;

  // Parallel file system: servers with one disk each behind the storage leaf.
  const auto pfs = make_leaf_zone(root, "storage", g[topo.storage_leaf].name);
  for (const Vertex sv : topo.storage_servers) {
    const auto& server_link = edge_between(topo, sv, topo.storage_leaf);
    auto* host = pfs.zone->create_host(g[sv].name, 1e9);
    auto* link = make_link(pfs.zone, server_link.name, server_link.bandwidth_Bps, server_link.latency_s);
    pfs.zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr, {{link, up}}, true);
    auto* disk = host->create_disk(g[sv].name + "-disk", spec.storage.disk_read_Bps, spec.storage.disk_write_Bps);
    disk->seal();
    host->seal();
    out.storage_hosts.push_back(host);
    out.storage_disks.push_back(disk);
  }
  attach_to_root(root, pfs, names::storage_uplink_aggregate(),
                 top_tier_aggregate(topo, topo.storage_leaf, LinkTier::storage, VertexKind::storage_server), groups,
                 names::storage_leaf_spine);

  // Object store: gateways behind the object-store leaf. No disks: the back end is as fast as the gateways.
  const auto os = make_leaf_zone(root, "object-store", g[topo.object_store_leaf].name);
  for (const Vertex gv : topo.object_store_gateways) {
    const auto& gw_link = edge_between(topo, gv, topo.object_store_leaf);
    auto* host = os.zone->create_host(g[gv].name, 1e9);
    auto* link = make_link(root, gw_link.name, gw_link.bandwidth_Bps, gw_link.latency_s);
    os.zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr, {{link, up}}, true);
    host->seal();
    out.object_store_hosts.push_back(host);
  }
  attach_to_root(root, os, names::object_store_uplink_aggregate(),
                 top_tier_aggregate(topo, topo.object_store_leaf, LinkTier::object_store,
                                    VertexKind::object_store_gateway),
                 groups, names::object_store_leaf_spine);

  // Node-local NVMe: hosts without links, so nothing can route to them; GPUs use the disks directly.
  if (!topo.nvme.empty()) {
    auto* zone = sg4::create_star_zone("nvme");
    zone->set_parent(root);
    const double read_Bps = nvme_read_Bps(spec), write_Bps = nvme_write_Bps(spec);
    for (const Vertex nv : topo.nvme) {
      auto* host = zone->create_host(g[nv].name, 1e9);
      auto* disk = host->create_disk(g[nv].name + "-disk", read_Bps, write_Bps);
      disk->seal();
      host->seal();
      out.nvme_disks.push_back(disk);
    }
    zone->seal();
  }
}

} // namespace racksim::platforms
