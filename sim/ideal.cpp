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

double ring_allreduce_ab_s(int n, double bytes, double alpha_s, double bandwidth_Bps) {
  const double nd = n;
  return n < 2 ? 0 : 2 * (nd - 1) * alpha_s + 2 * (nd - 1) / nd * bytes / bandwidth_Bps;
}

double ring_allgather_ab_s(int n, double bytes, double alpha_s, double bandwidth_Bps) {
  const double nd = n;
  return n < 2 ? 0 : (nd - 1) * alpha_s + (nd - 1) / nd * bytes / bandwidth_Bps;
}

namespace {
double ceil_log2(int n) {
  int steps = 0;
  for (int span = 1; span < n; span *= 2)
    ++steps;
  return steps;
}
} // namespace

double tree_allreduce_ab_s(int n, double bytes, double alpha_s, double bandwidth_Bps) {
  if (n < 2) return 0;
  const double k = n == 2 ? 1.0 : n == 3 ? 1.5 : 2.0;
  return 2 * ceil_log2(n) * alpha_s + k * bytes / bandwidth_Bps;
}

double chain_broadcast_ab_s(int n, double bytes, double alpha_s, double bandwidth_Bps) {
  return n < 2 ? 0 : (n - 1.0) * alpha_s + bytes / bandwidth_Bps;
}

double tree_broadcast_ab_s(int n, double bytes, double alpha_s, double bandwidth_Bps) {
  if (n < 2) return 0;
  const double c = n <= 3 ? 1.0 : 2.0;
  return ceil_log2(n) * alpha_s + c * bytes / bandwidth_Bps;
}

double direct_alltoall_ab_s(int n, double bytes, double alpha_s, double bandwidth_Bps) {
  const double nd = n;
  return n < 2 ? 0 : alpha_s + (nd - 1) / nd * bytes / bandwidth_Bps;
}

double hierarchical_allreduce_ab_s(int g, int m, double bytes, double alpha_in_s, double bandwidth_in_Bps,
                                   double alpha_out_s, double uplink_Bps) {
  return 2 * hierarchical_allgather_ab_s(g, m, bytes, alpha_in_s, bandwidth_in_Bps, alpha_out_s, uplink_Bps);
}

double hierarchical_allgather_ab_s(int g, int m, double bytes, double alpha_in_s, double bandwidth_in_Bps,
                                   double alpha_out_s, double uplink_Bps) {
  const double gd = g, md = m;
  return (gd - 1) * alpha_in_s + (gd - 1) / gd * bytes / bandwidth_in_Bps + (md - 1) * alpha_out_s +
         (md - 1) / md * bytes / uplink_Bps;
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
