// Every fabric's SimGrid routes against the graph's gpu_route / gpu_to_storage_route (the single statement of the
// fluid routes, platforms/topology.hpp): for every pair of GPUs and every GPU-server pair of small platforms of each
// kind, the links SimGrid resolves (names, in order) and their latency sum are exactly the listed ones; and a lone
// transfer across the longest route takes sum(latency) + S / bottleneck.

#include "platforms/fabrics/registry.hpp"
#include "platforms/simgrid_platform.hpp"
#include "platforms/topology.hpp"
#include "tests/unit/platforms/small_fabric.hpp"

#include <simgrid/s4u.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace sg4 = simgrid::s4u;
using namespace racksim;

namespace {

platforms::PlatformSpec base() {
  platforms::PlatformSpec spec;
  spec.gpus_per_node = 2;
  spec.nodes_per_rack = 2;
  spec.racks = 2;
  spec.nvlink_bandwidth_Bps = 100e9;
  spec.nvlink_latency_s = 0.5e-6;
  spec.fabric.spines = 2;
  spec.fabric.nics_per_node = 1;
  spec.fabric.nic_bandwidth_Bps = 12.5e9;
  spec.fabric.link_latency_s = 1e-6;
  spec.fabric.uplink_latency_s = 2e-6;
  spec.fabric.core_latency_s = 3e-6;
  spec.storage.servers = 2;
  return spec;
}

platforms::PlatformSpec fat_tree() {
  auto spec = base();
  spec.fabric.kind = "fat_tree";
  spec.racks = 4;
  spec.fabric.racks_per_pod = 2;
  spec.fabric.aggregation_per_pod = 2;
  spec.fabric.core_switches = 4;
  spec.fabric.oversubscription = 2;
  spec.fabric.pod_oversubscription = 2;
  return spec;
}

platforms::PlatformSpec rail() {
  auto spec = base();
  spec.fabric.kind = "rail_optimized";
  spec.gpus_per_node = 4;
  spec.fabric.nics_per_node = 4;
  return spec;
}

platforms::PlatformSpec dragonfly() {
  auto spec = base();
  spec.fabric.kind = "dragonfly";
  spec.racks = 6;
  spec.fabric.racks_per_group = 2;
  spec.fabric.global_links_per_rack = 1;
  spec.fabric.global_bandwidth_Bps = 25e9;
  return spec;
}

platforms::PlatformSpec rack_domain(platforms::PlatformSpec spec) {
  spec.nvlink_domain = "rack";
  return spec;
}

// "leaf-0-uplink_UP" -> "leaf-0-uplink"
std::string base_name(const std::string& link) {
  for (const char* suffix : {"_UP", "_DOWN"}) {
    const std::string s = suffix;
    if (link.size() > s.size() && link.compare(link.size() - s.size(), s.size(), s) == 0)
      return link.substr(0, link.size() - s.size());
  }
  return link;
}

void expect_route(sg4::Host* from, sg4::Host* to, const std::vector<platforms::Hop>& expected, const std::string& what) {
  std::vector<sg4::Link*> links;
  double latency = 0;
  from->route_to(to, links, &latency);
  std::vector<std::string> got, want;
  double want_latency = 0;
  for (auto* l : links)
    got.push_back(base_name(l->get_name()));
  for (const auto& h : expected) {
    want.push_back(h.link);
    want_latency += h.latency_s;
  }
  EXPECT_EQ(got, want) << what;
  EXPECT_NEAR(latency, want_latency, 1e-15) << what;
  for (std::size_t i = 0; i < links.size() && i < expected.size(); ++i)
    EXPECT_DOUBLE_EQ(links[i]->get_bandwidth(), expected[i].bandwidth_Bps) << what << " link " << want[i];
}

void check_all_routes(const platforms::PlatformSpec& spec) {
  int argc = 2;
  char arg0[] = "fabric_routes_test", arg1[] = "--log=root.thres:critical";
  char* argv[] = {arg0, arg1, nullptr};
  sg4::Engine engine(&argc, argv);
  platforms::configure_network_model(spec.network_model);
  const auto topo = platforms::build_topology(spec);
  const auto platform = platforms::build_simgrid_platform(topo);
  const int n = topo.num_gpus();
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b)
      if (a != b)
        expect_route(platform.gpu_hosts[a], platform.gpu_hosts[b], platforms::gpu_route(topo, a, b),
                     "gpu " + std::to_string(a) + " -> gpu " + std::to_string(b));
  for (int a = 0; a < n; ++a)
    for (int s = 0; s < static_cast<int>(platform.storage_hosts.size()); ++s) {
      expect_route(platform.gpu_hosts[a], platform.storage_hosts[s], platforms::gpu_to_storage_route(topo, a, s),
                   "gpu " + std::to_string(a) + " -> storage " + std::to_string(s));
    }

  // A lone transfer from GPU 0 to the last GPU: sum of latencies + S / bottleneck.
  const auto facts = platforms::gpu_path(topo, 0, n - 1);
  const double bytes = 1e9;
  double elapsed = -1;
  sg4::Actor::create("probe", platform.controller, [&] {
    const double t0 = sg4::Engine::get_clock();
    auto* mailbox = sg4::Mailbox::by_name("probe");
    sg4::Actor::create("receiver", platform.gpu_hosts[n - 1], [mailbox] { mailbox->get<int>(); });
    sg4::Actor::create("sender", platform.gpu_hosts[0], [mailbox, bytes] {
      static int payload = 0;
      mailbox->put(&payload, static_cast<uint64_t>(bytes));
    })->join();
    elapsed = sg4::Engine::get_clock() - t0;
  });
  engine.run();
  EXPECT_NEAR(elapsed, facts.latency_s + bytes / facts.bandwidth_Bps, 1e-9);
}

} // namespace

TEST(FabricRoutes, LeafSpine) {
  check_all_routes(base());
}
TEST(FabricRoutes, LeafSpineRackNvlinkDomain) {
  check_all_routes(rack_domain(base()));
}
TEST(FabricRoutes, FatTree) {
  check_all_routes(fat_tree());
}
TEST(FabricRoutes, FatTreeRackNvlinkDomain) {
  check_all_routes(rack_domain(fat_tree()));
}
TEST(FabricRoutes, RailOptimized) {
  check_all_routes(rail());
}
TEST(FabricRoutes, Dragonfly) {
  check_all_routes(dragonfly());
}

// Every registered kind on the small platform the registry unit test uses (a new kind is checked here unchanged).
class EveryFabricKind : public ::testing::TestWithParam<std::string> {};
TEST_P(EveryFabricKind, SimGridRoutesAreTheGraphRoutes) {
  check_all_routes(platforms::testing::small_fabric_spec(GetParam()));
}
INSTANTIATE_TEST_SUITE_P(Registered, EveryFabricKind, ::testing::ValuesIn(platforms::fabric_kinds()),
                         [](const auto& info) { return info.param; });
