// The storage tiers in the graph, without SimGrid: validation messages name the scenario key, the PFS stripe layout
// (round-robin units from a per-writer offset), object-store requests, NVMe volume bandwidth, path facts.

#include "platforms/storage.hpp"
#include "platforms/topology.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <string>

namespace rp = racksim::platforms;

namespace {

std::string error_of(const rp::PlatformSpec& spec) {
  try {
    rp::validate_spec(spec);
  } catch (const rp::PlatformError& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST(PlatformStorage, ValidationNamesTheScenarioKey) {
  rp::PlatformSpec spec;
  spec.storage.stripe_count = 5;
  EXPECT_EQ(error_of(spec), "platform.storage.stripe_count must be <= platform.storage.servers (4) (got 5)");
  spec = {};
  spec.storage.stripe_bytes = -1;
  EXPECT_EQ(error_of(spec), "platform.storage.stripe_size must be >= 0 (got -1)");
  spec = {};
  spec.storage.nvme.drive_write_Bps = -2e9;
  EXPECT_EQ(error_of(spec), "platform.storage.nvme.write_bandwidth must be > 0 (got -2e+09)");
  spec = {};
  spec.storage.nvme.drives = -1;
  EXPECT_EQ(error_of(spec), "platform.storage.nvme.drives must be >= 0 (got -1)");
  spec = {};
  spec.storage.object_store.gateways = 0;
  EXPECT_EQ(error_of(spec), "platform.storage.object_store.gateways must be >= 1 (got 0)");
  spec = {};
  spec.storage.object_store.request_latency_s = -1e-3;
  EXPECT_EQ(error_of(spec), "platform.storage.object_store.request_latency must be >= 0 (got -0.001)");
  spec = {};
  spec.storage.object_store.streams = 0;
  EXPECT_EQ(error_of(spec), "platform.storage.object_store.streams must be >= 1 (got 0)");
}

TEST(PlatformStorage, EvenLayoutOverAllServersIsTodaysSplit) {
  rp::StorageSpec storage; // 4 servers, stripe_count 0 (all), stripe_size 0 (even)
  EXPECT_EQ(rp::pfs_stripe_count(storage), 4);
  for (long long writer : {0LL, 1LL, 7LL})
    EXPECT_EQ(rp::pfs_layout(storage, 10e9, rp::pfs_offset(storage, writer)), std::vector<double>(4, 2.5e9));
}

TEST(PlatformStorage, WritersStartAtConsecutiveStripeSets) {
  rp::StorageSpec storage;
  storage.servers = 8;
  storage.stripe_count = 2;
  // Offset (writer x k) mod N: writers 0..3 use servers {0,1}, {2,3}, {4,5}, {6,7}; writer 4 wraps to {0,1}.
  EXPECT_EQ(rp::pfs_offset(storage, 0), 0);
  EXPECT_EQ(rp::pfs_offset(storage, 1), 2);
  EXPECT_EQ(rp::pfs_offset(storage, 3), 6);
  EXPECT_EQ(rp::pfs_offset(storage, 4), 0);
  const auto layout = rp::pfs_layout(storage, 6e9, rp::pfs_offset(storage, 3));
  EXPECT_EQ(layout, (std::vector<double>{0, 0, 0, 0, 0, 0, 3e9, 3e9}));
}

TEST(PlatformStorage, StripeUnitsAreDealtRoundRobinAndWrapAroundTheServers) {
  rp::StorageSpec storage;
  storage.servers = 5;
  storage.stripe_count = 3;
  storage.stripe_bytes = 1e6;
  // 7.5 units from offset 3: servers 3, 4, 0 in file order; units 0,3,6 -> server 3; 1,4 and the half unit 7 ->
  // server 4; 2,5 -> server 0.
  const auto layout = rp::pfs_layout(storage, 7.5e6, 3);
  EXPECT_EQ(layout, (std::vector<double>{2e6, 0, 0, 3e6, 2.5e6}));
  EXPECT_DOUBLE_EQ(std::accumulate(layout.begin(), layout.end(), 0.0), 7.5e6);
  // A file smaller than one unit lands on one server only.
  EXPECT_EQ(rp::pfs_layout(storage, 0.25e6, 1), (std::vector<double>{0, 0.25e6, 0, 0, 0}));
}

TEST(PlatformStorage, ObjectStoreRequestsEndWithTheRemainder) {
  rp::ObjectStoreSpec os;
  os.request_bytes = 64.0 * 1024 * 1024;
  const auto requests = rp::object_store_requests(os, 16.0 * 1024 * 1024 * 1024 + 1000);
  ASSERT_EQ(requests.size(), 257u);
  EXPECT_EQ(requests.front(), 64.0 * 1024 * 1024);
  EXPECT_EQ(requests.back(), 1000.0);
  EXPECT_TRUE(rp::object_store_requests(os, 0).empty());
}

TEST(PlatformStorage, NvmeVolumeIsTheDrivesCappedByPcie) {
  rp::PlatformSpec spec; // defaults: 8 drives x 7 GB/s read, 3.8 GB/s write, 3.84 TB; PCIe 64 GB/s
  EXPECT_DOUBLE_EQ(rp::nvme_read_Bps(spec), 56e9);
  EXPECT_DOUBLE_EQ(rp::nvme_write_Bps(spec), 30.4e9);
  EXPECT_DOUBLE_EQ(rp::nvme_capacity_bytes(spec), 30.72e12);
  spec.storage.nvme.pcie_Bps = 32e9;
  EXPECT_DOUBLE_EQ(rp::nvme_read_Bps(spec), 32e9);
  spec.storage.nvme.drives = 0;
  EXPECT_EQ(rp::nvme_read_Bps(spec), 0.0);
  EXPECT_TRUE(rp::build_topology(spec).nvme.empty());
}

TEST(PlatformStorage, NvmeHangsOffItsNodeAndObjectStoreOffTheSpines) {
  rp::PlatformSpec spec;
  spec.racks = 1;
  spec.nodes_per_rack = 2;
  const auto topo = rp::build_topology(spec);
  ASSERT_EQ(topo.nvme.size(), 2u);
  EXPECT_EQ(topo.graph[topo.nvme[1]].name, "node-1-nvme");
  EXPECT_TRUE(boost::edge(topo.nvme[1], topo.nvswitches[1], topo.graph).second);
  EXPECT_EQ(topo.graph[boost::edge(topo.nvme[1], topo.nvswitches[1], topo.graph).first].tier, rp::LinkTier::pcie);
  for (auto spine : topo.spines)
    EXPECT_TRUE(boost::edge(topo.object_store_leaf, spine, topo.graph).second);
  // Defaults: 50 GB/s over 4 gateways and 4 spines.
  EXPECT_DOUBLE_EQ(rp::object_store_gateway_Bps(topo), 12.5e9);
  EXPECT_DOUBLE_EQ(rp::object_store_uplink_aggregate_Bps(topo), 50e9);
  // GPU 0 to a gateway: min(450 GB/s nvlink, 400 GB/s node uplink, 800 GB/s leaf, 50 GB/s, 12.5 GB/s gateway);
  // latency 0.5 us + 4 x 1 us.
  const auto path = rp::gpu_to_object_store_path(topo, 0, 3);
  EXPECT_DOUBLE_EQ(path.bandwidth_Bps, 12.5e9);
  EXPECT_DOUBLE_EQ(path.latency_s, 4.5e-6);
  EXPECT_THROW(rp::gpu_to_object_store_path(topo, 0, 4), std::out_of_range);
}
