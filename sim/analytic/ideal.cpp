#include "sim/analytic/ideal.hpp"

#include "platforms/storage.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

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

double parallel_iteration_packed_s(const platforms::Topology& topo, const workloads::IterationCosts& c) {
  const int tp = static_cast<int>(c.tp), dp = static_cast<int>(c.dp);
  double t = c.pipeline_s - c.overlap_s + c.optimizer_s;
  if (c.tp > 1 && c.tp_allreduces > 0) t += c.tp_allreduces * ring_allreduce_packed_s(topo, tp, c.tp_allreduce_bytes);
  if (c.pp > 1) {
    const auto path = platforms::gpu_path(topo, 0, tp * dp);
    t += 2 * c.pp_sends * path.latency_s + c.pp_sends * c.pp_bytes_per_microbatch / path.bandwidth_Bps;
  }
  double grads = 0;
  if (c.dp > 1) {
    std::vector<int> group;
    for (int d = 0; d < dp; ++d)
      group.push_back(d * tp);
    const double allreduce = ring_allreduce_s(topo, group, c.dp_grad_bytes);
    grads = c.dp_param_bytes > 0 ? allreduce / 2 : allreduce;
    if (c.dp_param_bytes > 0) t += ring_allreduce_s(topo, group, c.dp_param_bytes) / 2;
  }
  return t + std::max(grads, c.overlap_s);
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

double fluid_completion_s(const std::vector<double>& bytes, const std::vector<double>& caps,
                          const std::vector<int>& groups, const std::vector<double>& group_Bps, double shared_Bps) {
  const std::size_t n = bytes.size();
  if (caps.size() != n || groups.size() != n) throw std::invalid_argument("fluid_completion_s: sizes differ");
  std::vector<double> left = bytes;
  std::vector<bool> active(n);
  for (std::size_t i = 0; i < n; ++i)
    active[i] = left[i] > 0;
  double now = 0;
  const double inf = std::numeric_limits<double>::infinity();
  for (;;) {
    // Max-min rates of the active flows by progressive filling over: every flow's cap, every group link, the
    // shared link.
    std::vector<double> rate(n, 0);
    std::vector<bool> fixed(n, true);
    std::size_t unfixed = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (active[i]) fixed[i] = false, ++unfixed;
    if (unfixed == 0) return now;
    std::vector<double> group_left = group_Bps;
    double shared_left = shared_Bps;
    while (unfixed > 0) {
      // The tightest constraint: its remaining capacity over its unfixed flows.
      std::vector<int> group_count(group_Bps.size(), 0);
      for (std::size_t i = 0; i < n; ++i)
        if (!fixed[i] && groups[i] >= 0) ++group_count[static_cast<std::size_t>(groups[i])];
      double share = shared_left / static_cast<double>(unfixed);
      int tight_group = -2; // -2: the shared link; >= 0: a group; -1: a flow's cap
      std::size_t tight_flow = 0;
      for (std::size_t g = 0; g < group_Bps.size(); ++g)
        if (group_count[g] > 0 && group_left[g] / group_count[g] < share)
          share = group_left[g] / group_count[g], tight_group = static_cast<int>(g);
      for (std::size_t i = 0; i < n; ++i)
        if (!fixed[i] && caps[i] < share) share = caps[i], tight_group = -1, tight_flow = i;
      for (std::size_t i = 0; i < n; ++i) {
        if (fixed[i]) continue;
        const bool in = tight_group == -2 || (tight_group >= 0 && groups[i] == tight_group) ||
                        (tight_group == -1 && i == tight_flow);
        if (!in) continue;
        rate[i] = share;
        fixed[i] = true;
        --unfixed;
        shared_left -= share;
        if (groups[i] >= 0) group_left[static_cast<std::size_t>(groups[i])] -= share;
      }
    }
    // Advance to the next completion.
    double dt = inf;
    for (std::size_t i = 0; i < n; ++i)
      if (active[i]) dt = std::min(dt, left[i] / rate[i]);
    now += dt;
    for (std::size_t i = 0; i < n; ++i) {
      if (!active[i]) continue;
      left[i] -= rate[i] * dt;
      if (left[i] <= 1e-9 * bytes[i]) active[i] = false;
    }
  }
}

namespace {

double pfs_transfer_s(const platforms::Topology& topo, int gpu, double bytes, long long client, bool write) {
  if (!(bytes > 0)) return 0;
  const auto& storage = topo.spec.storage;
  const auto layout = platforms::pfs_layout(storage, bytes, platforms::pfs_offset(storage, client));
  std::vector<double> stripes;
  for (double b : layout)
    if (b > 0) stripes.push_back(b);
  const double disk_Bps = write ? storage.disk_write_Bps : storage.disk_read_Bps;
  const double latency = platforms::gpu_to_storage_path(topo, gpu, 0).latency_s;
  const double shared = std::min({topo.nvlink_Bps, topo.node_uplink_Bps, platforms::leaf_uplink_aggregate_Bps(topo),
                                  platforms::storage_uplink_aggregate_Bps(topo)});
  const auto k = static_cast<double>(stripes.size());
  const bool even = std::all_of(stripes.begin(), stripes.end(), [&](double b) { return b == stripes.front(); });
  double network = 0, disk = 0;
  if (even) {
    network = latency + bytes / std::min(shared, storage.server_link_Bps * k);
    disk = bytes / (k * disk_Bps);
  } else {
    network = latency + fluid_completion_s(stripes, std::vector<double>(stripes.size(), storage.server_link_Bps),
                                           std::vector<int>(stripes.size(), -1), {}, shared);
    disk = *std::max_element(stripes.begin(), stripes.end()) / disk_Bps;
  }
  return std::max(network, disk);
}

} // namespace

double pfs_write_s(const platforms::Topology& topo, int gpu, double bytes, long long client) {
  const auto& storage = topo.spec.storage;
  // Today's layout (every server, even split) keeps its original formula, bit for bit.
  if (platforms::pfs_stripe_count(storage) == storage.servers && storage.stripe_bytes <= 0)
    return checkpoint_write_s(topo, gpu, bytes);
  return pfs_transfer_s(topo, gpu, bytes, client, true);
}

double pfs_read_s(const platforms::Topology& topo, int gpu, double bytes, long long client) {
  return pfs_transfer_s(topo, gpu, bytes, client, false);
}

double nvme_write_s(const platforms::Topology& topo, double bytes) {
  if (!(bytes > 0)) return 0;
  return bytes / platforms::nvme_write_Bps(topo.spec);
}

double nvme_read_s(const platforms::Topology& topo, double bytes) {
  if (!(bytes > 0)) return 0;
  return bytes / platforms::nvme_read_Bps(topo.spec);
}

double object_store_transfer_s(const platforms::Topology& topo, int gpu, double bytes, long long client) {
  const auto& os = topo.spec.storage.object_store;
  const auto requests = platforms::object_store_requests(os, bytes);
  if (requests.empty()) return 0;
  const long long n_gw = os.gateways;
  const auto offset = static_cast<std::size_t>(((client % n_gw) + n_gw) % n_gw);
  const double latency = platforms::gpu_to_object_store_path(topo, gpu, 0).latency_s;
  const double shared = std::min({topo.nvlink_Bps, topo.node_uplink_Bps, platforms::leaf_uplink_aggregate_Bps(topo),
                                  platforms::object_store_uplink_aggregate_Bps(topo)});
  const std::vector<double> gateway_Bps(static_cast<std::size_t>(n_gw), platforms::object_store_gateway_Bps(topo));
  const auto streams = static_cast<std::size_t>(std::max(1, os.streams));
  double total = 0;
  for (std::size_t first = 0; first < requests.size(); first += streams) {
    const std::size_t last = std::min(requests.size(), first + streams);
    std::vector<double> sizes(requests.begin() + static_cast<std::ptrdiff_t>(first),
                              requests.begin() + static_cast<std::ptrdiff_t>(last));
    std::vector<int> groups;
    for (std::size_t i = first; i < last; ++i)
      groups.push_back(static_cast<int>((offset + i) % static_cast<std::size_t>(n_gw)));
    total += os.request_latency_s + latency +
             fluid_completion_s(sizes, std::vector<double>(sizes.size(), os.stream_Bps), groups, gateway_Bps, shared);
  }
  return total;
}

double storage_write_s(const platforms::Topology& topo, workloads::StorageTier tier, int gpu, double bytes,
                       long long client) {
  switch (tier) {
  case workloads::StorageTier::pfs:
    return pfs_write_s(topo, gpu, bytes, client);
  case workloads::StorageTier::nvme:
    return nvme_write_s(topo, bytes);
  case workloads::StorageTier::object_store:
    return object_store_transfer_s(topo, gpu, bytes, client);
  }
  return 0;
}

double storage_read_s(const platforms::Topology& topo, workloads::StorageTier tier, int gpu, double bytes,
                      long long client) {
  switch (tier) {
  case workloads::StorageTier::pfs:
    return pfs_read_s(topo, gpu, bytes, client);
  case workloads::StorageTier::nvme:
    return nvme_read_s(topo, bytes);
  case workloads::StorageTier::object_store:
    return object_store_transfer_s(topo, gpu, bytes, client);
  }
  return 0;
}

} // namespace racksim::sim
