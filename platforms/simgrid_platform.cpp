#include "platforms/simgrid_platform.hpp"

#include "platforms/simgrid_storage.hpp"

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
  if (!found) throw PlatformError("topology has no link between " + topo.graph[a].name + " and " + topo.graph[b].name);
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

// A star zone's gateway sits at the centre: an explicit empty route, since seal() only gives hosts defaults.
void add_gateway_route(sg4::NetZone* zone, simgrid::kernel::routing::NetPoint* router) {
  zone->add_route(router, nullptr, nullptr, nullptr, {}, true);
}

} // namespace

SimPlatform build_simgrid_platform(const Topology& topo) {
  SimPlatform out;
  const auto& g = topo.graph;
  const auto& spec = topo.spec;
  auto* root = sg4::create_star_zone("datacenter");
  const auto up = sg4::LinkInRoute::Direction::UP;
  const auto down = sg4::LinkInRoute::Direction::DOWN;

  out.gpu_hosts.resize(topo.gpus.size());
  for (int rack = 0; rack < topo.num_racks(); ++rack) {
    const Vertex leaf = topo.leaves[rack];
    auto* rack_zone = sg4::create_star_zone("rack-" + std::to_string(rack));
    rack_zone->set_parent(root);
    // The gateway must sit in the same zone as the hosts: SimGrid resolves host -> gateway within one zone.
    auto* leaf_router = rack_zone->create_router(g[leaf].name);
    add_gateway_route(rack_zone, leaf_router);

    const int first_node = rack * spec.nodes_per_rack;
    const int last_node = std::min(topo.num_nodes(), first_node + spec.nodes_per_rack);
    for (int node = first_node; node < last_node; ++node) {
      const Vertex nvswitch = topo.nvswitches[node];
      const auto& uplink_edge = edge_between(topo, nvswitch, leaf);
      // Links live in the root zone, whatever zone routes through them: SimGrid checks a new link's name in
      // every zone's link table, and one large table is far cheaper to search than one per rack (65k GPUs:
      // 14.1 s -> 6.9 s to build; docs/performance.md).
      auto* uplink = make_link(root, uplink_edge.name, uplink_edge.bandwidth_Bps, uplink_edge.latency_s);
      const int first_gpu = node * spec.gpus_per_node;
      std::vector<sg4::Link*> nvlinks;
      for (int gpu = first_gpu; gpu < first_gpu + spec.gpus_per_node; ++gpu) {
        const Vertex gv = topo.gpus[gpu];
        const auto& nvlink_edge = edge_between(topo, gv, nvswitch);
        auto* host = rack_zone->create_host(g[gv].name, topo.gpu_flops);
        auto* nvlink = make_link(root, nvlink_edge.name, nvlink_edge.bandwidth_Bps, nvlink_edge.latency_s);
        // Leaving the GPU: its NVLink to the NVSwitch, then the node's uplink to the leaf.
        rack_zone->add_route(host->get_netpoint(), nullptr, nullptr, nullptr, {{nvlink, up}, {uplink, up}}, true);
        host->seal();
        out.gpu_hosts[gpu] = host;
        nvlinks.push_back(nvlink);
      }
      // Inside a node, traffic turns at the NVSwitch and never touches the uplink.
      for (int a = 0; a < spec.gpus_per_node; ++a)
        for (int b = 0; b < spec.gpus_per_node; ++b)
          if (a != b)
            rack_zone->add_bypass_route(out.gpu_hosts[first_gpu + a]->get_netpoint(),
                                        out.gpu_hosts[first_gpu + b]->get_netpoint(), nullptr, nullptr,
                                        {{nvlinks[a], up}, {nvlinks[b], down}});
    }
    rack_zone->seal();
    const auto [bw, lat] = aggregate_tier(topo, leaf, LinkTier::leaf_spine, VertexKind::spine);
    auto* link = make_link(root, g[leaf].name + "-uplink", bw, lat);
    root->add_route(rack_zone->get_netpoint(), nullptr, leaf_router, nullptr, {{link, up}}, true);
    out.leaf_uplinks.push_back(link);
  }

  // The storage tiers hang off the root, which joins the fabric's top tier (platforms/simgrid_storage.hpp).
  build_simgrid_storage(topo, root, out);

  out.controller = root->create_host("controller", 1e9);
  out.controller->seal();
  root->seal();
  return out;
}

} // namespace racksim::platforms
