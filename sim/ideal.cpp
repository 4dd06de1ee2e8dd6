#include "sim/ideal.hpp"

#include <algorithm>
#include <limits>

namespace racksim::sim {

double ring_allreduce_s(const platforms::Topology& topo, const std::vector<int>& gpus, double bytes) {
  const auto n = static_cast<double>(gpus.size());
  if (gpus.size() < 2) return 0;
  double alpha = 0, bandwidth = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    const auto path = platforms::gpu_path(topo, gpus[i], gpus[(i + 1) % gpus.size()]);
    alpha = std::max(alpha, path.latency_s);
    bandwidth = std::min(bandwidth, path.bandwidth_Bps);
  }
  return 2 * (n - 1) * alpha + 2 * (n - 1) / n * bytes / bandwidth;
}

double ring_allreduce_packed_s(const platforms::Topology& topo, int n, double bytes) {
  std::vector<int> gpus(static_cast<std::size_t>(std::max(n, 0)));
  for (int i = 0; i < n; ++i)
    gpus[static_cast<std::size_t>(i)] = i;
  return ring_allreduce_s(topo, gpus, bytes);
}

double checkpoint_write_s(const platforms::Topology& topo, int writer_gpu, double bytes) {
  if (bytes <= 0 || topo.storage_servers.empty()) return 0;
  const auto servers = static_cast<double>(topo.storage_servers.size());
  // Every stripe flow shares the writer's path up to the storage leaf, then has its own server link.
  double latency = 0, shared = std::numeric_limits<double>::infinity(), server_link = shared;
  for (std::size_t s = 0; s < topo.storage_servers.size(); ++s) {
    const auto path = platforms::gpu_to_storage_path(topo, writer_gpu, static_cast<int>(s));
    latency = std::max(latency, path.latency_s);
  }
  shared = std::min({topo.nvlink_Bps, topo.node_uplink_Bps, topo.leaf_spine_Bps * topo.spec.fabric.spines,
                     topo.storage_uplink_Bps * topo.spec.fabric.spines});
  server_link = topo.spec.storage.server_link_Bps * servers;
  const double network = latency + bytes / std::min(shared, server_link);
  const double disk = bytes / (servers * topo.spec.storage.disk_write_Bps);
  return std::max(network, disk);
}

} // namespace racksim::sim
