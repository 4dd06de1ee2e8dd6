// The fabric registry: names, the error for an unknown kind, and every registered kind through the shared checks
// (validates, builds, routes both ways, reaches storage, describes itself, and its bisection closed form equals
// the graph's max-flow on a small regular instance). A new kind gets these for free; its own numbers go in
// fabrics_test.cpp.

#include "platforms/fabrics/registry.hpp"
#include "platforms/topology.hpp"
#include "tests/unit/platforms/small_fabric.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

namespace rp = racksim::platforms;

TEST(FabricRegistry, NamesInOrderAndUnique) {
  const std::vector<std::string> kinds = rp::fabric_kinds();
  ASSERT_GE(kinds.size(), 4u);
  EXPECT_EQ((std::vector<std::string>(kinds.begin(), kinds.begin() + 4)),
            (std::vector<std::string>{"leaf_spine", "fat_tree", "rail_optimized", "dragonfly"}));
  EXPECT_EQ(std::set<std::string>(kinds.begin(), kinds.end()).size(), kinds.size());
  for (const std::string& kind : kinds)
    EXPECT_EQ(rp::find_fabric(kind).name(), kind);
}

TEST(FabricRegistry, UnknownKindListsTheValidOnes) {
  std::string valid;
  for (const std::string& kind : rp::fabric_kinds())
    valid += (valid.empty() ? "" : ", ") + kind;
  const std::string message = "platform.fabric.kind must be one of " + valid + " (got 'torus')";
  try {
    rp::find_fabric("torus");
    ADD_FAILURE() << "torus found";
  } catch (const rp::PlatformError& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
  auto spec = rp::testing::small_fabric_spec("torus");
  try {
    rp::validate_spec(spec);
    ADD_FAILURE() << "torus accepted";
  } catch (const rp::PlatformError& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

class EveryFabricKind : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryFabricKind, ValidatesBuildsAndReportsItself) {
  const auto spec = rp::testing::small_fabric_spec(GetParam());
  EXPECT_NO_THROW(rp::validate_spec(spec));
  const auto topo = rp::build_topology(spec);
  EXPECT_STREQ(topo.fabric().name(), GetParam().c_str());
  EXPECT_EQ(topo.num_gpus(), 16);
  EXPECT_FALSE(topo.leaves.empty());
  EXPECT_FALSE(topo.storage_attach.empty());
  EXPECT_GE(topo.num_pods(), 1);
  EXPECT_FALSE(rp::switch_ports(spec).empty());
  const std::string text = rp::describe_text(topo);
  EXPECT_NE(text.find("fabric: " + GetParam() + ", "), std::string::npos) << text;
  // A switch radix of 1 port is too small for any fabric.
  auto tiny = spec;
  tiny.fabric.switch_radix = 1;
  EXPECT_THROW(rp::validate_spec(tiny), rp::PlatformError);
}

TEST_P(EveryFabricKind, BisectionClosedFormEqualsMaxFlow) {
  const auto topo = rp::build_topology(rp::testing::small_fabric_spec(GetParam()));
  const double graph = rp::bisection_bandwidth_Bps(topo), formula = rp::bisection_formula_Bps(topo);
  EXPECT_GT(formula, 0);
  EXPECT_NEAR(formula, graph, graph * 1e-9) << "formula " << formula << ", graph " << graph;
}

TEST_P(EveryFabricKind, RoutesAreSymmetricAndReachStorage) {
  const auto topo = rp::build_topology(rp::testing::small_fabric_spec(GetParam()));
  const int n = topo.num_gpus();
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b) {
      const auto there = rp::gpu_route(topo, a, b), back = rp::gpu_route(topo, b, a);
      ASSERT_EQ(there.size(), back.size()) << a << " -> " << b;
      if (a == b) {
        EXPECT_TRUE(there.empty());
        continue;
      }
      EXPECT_GE(there.size(), 2u) << a << " -> " << b;
      for (std::size_t i = 0; i < there.size(); ++i) {
        EXPECT_EQ(there[i].link, back[there.size() - 1 - i].link) << a << " -> " << b;
        EXPECT_GT(there[i].bandwidth_Bps, 0) << there[i].link;
      }
    }
  for (int gpu = 0; gpu < n; ++gpu)
    for (int server = 0; server < static_cast<int>(topo.storage_servers.size()); ++server) {
      const auto route = rp::gpu_to_storage_route(topo, gpu, server);
      ASSERT_FALSE(route.empty());
      EXPECT_EQ(route.back().link, "storage-" + std::to_string(server) + "-link");
    }
}

INSTANTIATE_TEST_SUITE_P(Registered, EveryFabricKind, ::testing::ValuesIn(rp::fabric_kinds()),
                         [](const auto& info) { return info.param; });
