#include "platforms/simgrid_platform.hpp"

#include <simgrid/s4u.hpp>

#include <boost/graph/adjacency_list.hpp>

#include <string>

namespace sg4 = simgrid::s4u;

namespace racksim::platforms {

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

const EdgeProps& edge_between(const Topology& topo, Vertex a, Vertex b) {
  auto [e, found] = boost::edge(a, b, topo.graph);
  if (!found)
    throw PlatformError("topology has no link between " + topo.graph[a].name + " and " + topo.graph[b].name);
  return topo.graph[e];
}

sg4::Link* make_link(sg4::NetZone* zone, const std::string& name, double bandwidth, double latency) {
  auto* link = zone->create_split_duplex_link(name, bandwidth);
  link->set_latency(latency);
  link->seal();
  return link;
}

// Sum of a switch's links of one tier (the spine layer as one fluid-ECMP link), and their latency.
std::pair<double, double> aggregate_tier(const Topology& topo, Vertex v, LinkTier tier, VertexKind peer) {
  double bw = 0, lat = 0;
  for (auto [it, end] = boost::out_edges(v, topo.graph); it != end; ++it) {
    const auto& props = topo.graph[*it];
    if (props.tier != tier || topo.graph[boost::target(*it, topo.graph)].kind != peer) continue;
    bw += props.bandwidth_Bps;
    lat = props.latency_s;
  }
  return {bw, lat};
}

} // namespace

SimPlatform build_simgrid_platform(const Topology& topo) {
  SimPlatform out;
  const auto& g = topo.graph;
  const auto& spec = topo.spec;
  auto* root = sg4::create_star_zone("datacenter");
  const auto up = sg4::LinkInRoute::Direction::UP;

  out.gpu_hosts.resize(topo.gpus.size());
  for (int rack = 0; rack < topo.num_racks(); ++rack) {
    const Vertex leaf = topo.leaves[rack];
    auto* rack_zone = sg4::create_star_zone("rack-" + std::to_string(rack));
    rack_zone->set_parent(root);
    auto* leaf_router = rack_zone->create_router(g[leaf].name);

    const int first_node = rack * spec.nodes_per_rack;
    const int last_node = std::min(topo.num_nodes(), first_node + spec.nodes_per_rack);
    for (int node = first_node; node < last_node; ++node) {
      const Vertex nvswitch = topo.nvswitches[node];
      auto* node_zone = sg4::create_star_zone("node-" + std::to_string(node));
      node_zone->set_parent(rack_zone);
      auto* switch_router = node_zone->create_router(g[nvswitch].name);
      for (int gpu = node * spec.gpus_per_node; gpu < (node + 1) * spec.gpus_per_node; ++gpu) {
        const Vertex gv = topo.gpus[gpu];
        const auto& nvlink = edge_between(topo, gv, nvswitch);
        auto* host = node_zone->create_host(g[gv].name, topo.gpu_flops);
        auto* link = make_link(node_zone, nvlink.name, nvlink.bandwidth_Bps, nvlink.latency_s);
        node_zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr, {{link, up}}, true);
        host->seal();
        out.gpu_hosts[gpu] = host;
      }
      node_zone->seal();
      const auto& uplink = edge_between(topo, nvswitch, leaf);
      auto* link = make_link(rack_zone, uplink.name, uplink.bandwidth_Bps, uplink.latency_s);
      rack_zone->add_route(node_zone->get_netpoint(), nullptr, switch_router, nullptr, {{link, up}}, true);
    }
    rack_zone->seal();
    const auto [bw, lat] = aggregate_tier(topo, leaf, LinkTier::leaf_spine, VertexKind::spine);
    auto* link = make_link(root, g[leaf].name + "-spines", bw, lat);
    root->add_route(rack_zone->get_netpoint(), nullptr, leaf_router, nullptr, {{link, up}}, true);
    out.leaf_uplinks.push_back(link);
  }

  auto* storage_zone = sg4::create_star_zone("storage");
  storage_zone->set_parent(root);
  auto* storage_router = storage_zone->create_router(g[topo.storage_leaf].name);
  for (std::size_t s = 0; s < topo.storage_servers.size(); ++s) {
    const Vertex sv = topo.storage_servers[s];
    const auto& server_link = edge_between(topo, sv, topo.storage_leaf);
    auto* host = storage_zone->create_host(g[sv].name, 1e9);
    auto* link = make_link(storage_zone, server_link.name, server_link.bandwidth_Bps, server_link.latency_s);
    storage_zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr, {{link, up}}, true);
    auto* disk = host->create_disk(g[sv].name + "-disk", spec.storage.disk_read_Bps, spec.storage.disk_write_Bps);
    disk->seal();
    host->seal();
    out.storage_hosts.push_back(host);
    out.storage_disks.push_back(disk);
  }
  storage_zone->seal();
  const auto [sbw, slat] = aggregate_tier(topo, topo.storage_leaf, LinkTier::storage, VertexKind::spine);
  auto* storage_uplink = make_link(root, g[topo.storage_leaf].name + "-spines", sbw, slat);
  root->add_route(storage_zone->get_netpoint(), nullptr, storage_router, nullptr, {{storage_uplink, up}}, true);

  out.controller = root->create_host("controller", 1e9);
  out.controller->seal();
  root->seal();
  return out;
}

} // namespace racksim::platforms
