// Storage tiers in the platform graph: validation, vertices and edges, capacities, paths, stripe layout and the
// describe lines. The rules are stated once, in storage.hpp.

#include "platforms/storage.hpp"

#include "platforms/fabrics/fabric.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace racksim::platforms {

namespace names {
std::string storage_leaf() {
  return "storage-leaf";
}
std::string storage_server(int server) {
  return "storage-" + std::to_string(server);
}
std::string storage_leaf_spine(int spine) {
  return "storage-leaf-spine-" + std::to_string(spine);
}
std::string storage_server_link(int server) {
  return "storage-" + std::to_string(server) + "-link";
}
std::string storage_uplink_aggregate() {
  return "storage-leaf-uplink";
}
std::string object_store_leaf() {
  return "object-store-leaf";
}
std::string object_store_gateway(int gateway) {
  return "object-store-gw-" + std::to_string(gateway);
}
std::string object_store_leaf_spine(int spine) {
  return "object-store-leaf-spine-" + std::to_string(spine);
}
std::string object_store_gateway_link(int gateway) {
  return "object-store-gw-" + std::to_string(gateway) + "-link";
}
std::string object_store_uplink_aggregate() {
  return "object-store-leaf-uplink";
}
std::string nvme(int node) {
  return "node-" + std::to_string(node) + "-nvme";
}
std::string nvme_pcie(int node) {
  return "node-" + std::to_string(node) + "-pcie";
}
} // namespace names

namespace {

std::string number(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

// `field` is the scenario key below platform.storage (docs/scenario-reference.md).
[[noreturn]] void fail(const std::string& field, const std::string& requirement, const std::string& got) {
  throw PlatformError("platform.storage." + field + " must be " + requirement + " (got " + got + ")");
}

void require_count(const char* field, int value, int minimum) {
  if (value < minimum) fail(field, ">= " + std::to_string(minimum), std::to_string(value));
}

void require_finite(const char* field, double value) {
  if (!std::isfinite(value)) fail(field, "a finite number", number(value));
}

void require_positive(const char* field, double value) {
  require_finite(field, value);
  if (!(value > 0)) fail(field, "> 0", number(value));
}

void require_non_negative(const char* field, double value) {
  require_finite(field, value);
  if (!(value >= 0)) fail(field, ">= 0", number(value));
}

} // namespace

void validate_storage_spec(const PlatformSpec& spec) {
  const StorageSpec& storage = spec.storage;
  require_count("servers", storage.servers, 1);
  require_positive("disk_read_bandwidth", storage.disk_read_Bps);
  require_positive("disk_write_bandwidth", storage.disk_write_Bps);
  require_positive("server_link_bandwidth", storage.server_link_Bps);
  require_non_negative("uplink_bandwidth", storage.uplink_Bps);
  require_non_negative("link_latency", storage.link_latency_s);
  require_count("stripe_count", storage.stripe_count, 0);
  if (storage.stripe_count > storage.servers)
    fail("stripe_count", "<= platform.storage.servers (" + std::to_string(storage.servers) + ")",
         std::to_string(storage.stripe_count));
  require_non_negative("stripe_size", storage.stripe_bytes);

  const NvmeSpec& nvme = storage.nvme;
  require_count("nvme.drives", nvme.drives, 0);
  require_positive("nvme.read_bandwidth", nvme.drive_read_Bps);
  require_positive("nvme.write_bandwidth", nvme.drive_write_Bps);
  require_positive("nvme.capacity", nvme.drive_capacity_bytes);
  require_positive("nvme.pcie_bandwidth", nvme.pcie_Bps);

  const ObjectStoreSpec& os = storage.object_store;
  require_count("object_store.gateways", os.gateways, 1);
  require_positive("object_store.bandwidth", os.bandwidth_Bps);
  require_positive("object_store.stream_bandwidth", os.stream_Bps);
  require_non_negative("object_store.request_latency", os.request_latency_s);
  require_positive("object_store.request_size", os.request_bytes);
  require_count("object_store.streams", os.streams, 1);
}

void add_storage_tiers(Topology& topo, const std::vector<Vertex>& top_tier) {
  if (top_tier.empty()) throw PlatformError("storage tiers need at least one top-tier switch to attach to");
  const PlatformSpec& spec = topo.spec;
  const StorageSpec& storage = spec.storage;
  const double top_latency = spec.fabric.uplink_latency_s; // the storage leaves are fabric switches
  const auto tops = static_cast<double>(top_tier.size());
  TopologyGraph& g = topo.graph;

  const double storage_total_Bps =
      storage.uplink_Bps > 0 ? storage.uplink_Bps : storage.servers * storage.server_link_Bps;
  topo.storage_top_links = static_cast<int>(top_tier.size());
  topo.storage_uplink_Bps = storage_total_Bps / tops;
  topo.object_store_uplink_Bps = storage.object_store.bandwidth_Bps / tops;

  // Vertices first (storage leaf, servers, object-store leaf, gateways, NVMe volumes), then edges in the same
  // order, so the PFS keeps the descriptors and edge order it had before the other tiers existed.
  topo.storage_leaf = append_vertex(g, VertexProps{VertexKind::storage_leaf, names::storage_leaf(), 0, -1, -1});
  topo.storage_servers.clear();
  for (int server = 0; server < storage.servers; ++server)
    topo.storage_servers.push_back(
        append_vertex(g, VertexProps{VertexKind::storage_server, names::storage_server(server), server, -1, -1}));

  for (std::size_t s = 0; s < top_tier.size(); ++s)
    boost::add_edge(topo.storage_leaf, top_tier[s],
                    EdgeProps{LinkTier::storage, names::storage_leaf_spine(static_cast<int>(s)),
                              topo.storage_uplink_Bps, top_latency},
                    g);
  for (int server = 0; server < storage.servers; ++server)
    boost::add_edge(topo.storage_servers[server], topo.storage_leaf,
                    EdgeProps{LinkTier::storage, names::storage_server_link(server), storage.server_link_Bps,
                              storage.link_latency_s},
                    g);

  const ObjectStoreSpec& os = storage.object_store;
  topo.object_store_leaf =
      append_vertex(g, VertexProps{VertexKind::object_store_leaf, names::object_store_leaf(), 0, -1, -1});
  topo.object_store_gateways.clear();
  for (int gw = 0; gw < os.gateways; ++gw)
    topo.object_store_gateways.push_back(
        append_vertex(g, VertexProps{VertexKind::object_store_gateway, names::object_store_gateway(gw), gw, -1, -1}));
  for (std::size_t s = 0; s < top_tier.size(); ++s)
    boost::add_edge(topo.object_store_leaf, top_tier[s],
                    EdgeProps{LinkTier::object_store, names::object_store_leaf_spine(static_cast<int>(s)),
                              topo.object_store_uplink_Bps, top_latency},
                    g);
  for (int gw = 0; gw < os.gateways; ++gw)
    boost::add_edge(topo.object_store_gateways[gw], topo.object_store_leaf,
                    EdgeProps{LinkTier::object_store, names::object_store_gateway_link(gw),
                              object_store_gateway_Bps(topo), top_latency},
                    g);

  topo.nvme.clear();
  if (storage.nvme.drives > 0) {
    // The graph edge carries the volume's larger direction; the simulator uses read and write separately.
    const double pcie_Bps = std::max(nvme_read_Bps(spec), nvme_write_Bps(spec));
    for (int node = 0; node < topo.num_nodes(); ++node) {
      const Vertex v =
          append_vertex(g, VertexProps{VertexKind::nvme, names::nvme(node), node, node, node / spec.nodes_per_rack});
      topo.nvme.push_back(v);
      boost::add_edge(v, topo.nvswitches[topo.domain_of_gpu(node * spec.gpus_per_node)],
                      EdgeProps{LinkTier::pcie, names::nvme_pcie(node), pcie_Bps, 0.0}, g);
    }
  }
}

double nvme_read_Bps(const PlatformSpec& spec) {
  const NvmeSpec& nvme = spec.storage.nvme;
  return nvme.drives > 0 ? std::min(nvme.pcie_Bps, nvme.drives * nvme.drive_read_Bps) : 0.0;
}

double nvme_write_Bps(const PlatformSpec& spec) {
  const NvmeSpec& nvme = spec.storage.nvme;
  return nvme.drives > 0 ? std::min(nvme.pcie_Bps, nvme.drives * nvme.drive_write_Bps) : 0.0;
}

double nvme_capacity_bytes(const PlatformSpec& spec) {
  return spec.storage.nvme.drives * spec.storage.nvme.drive_capacity_bytes;
}

double storage_uplink_aggregate_Bps(const Topology& topo) {
  return topo.storage_top_links * topo.storage_uplink_Bps;
}

double object_store_gateway_Bps(const Topology& topo) {
  const ObjectStoreSpec& os = topo.spec.storage.object_store;
  return os.bandwidth_Bps / os.gateways;
}

double object_store_uplink_aggregate_Bps(const Topology& topo) {
  return topo.storage_top_links * topo.object_store_uplink_Bps;
}

namespace {

void check_gpu(const Topology& topo, int gpu) {
  if (gpu < 0 || gpu >= topo.num_gpus())
    throw std::out_of_range("GPU " + std::to_string(gpu) + " does not exist (platform has " +
                            std::to_string(topo.num_gpus()) + " GPUs)");
}

} // namespace

std::vector<Hop> gpu_to_object_store_route(const Topology& topo, int gpu, int gateway) {
  check_gpu(topo, gpu);
  if (gateway < 0 || gateway >= static_cast<int>(topo.object_store_gateways.size()))
    throw std::out_of_range("object-store gateway " + std::to_string(gateway) + " does not exist (platform has " +
                            std::to_string(topo.object_store_gateways.size()) + " gateways)");
  const PlatformSpec& spec = topo.spec;
  std::vector<Hop> route = gpu_to_top_route(topo, gpu);
  if (topo.fabric().storage_uplinks() == StorageUplinks::per_pod)
    route.push_back({names::object_store_leaf_spine(topo.pod_of_rack(topo.rack_of_gpu(gpu))),
                     topo.object_store_uplink_Bps, spec.fabric.uplink_latency_s});
  else
    route.push_back({names::object_store_uplink_aggregate(), object_store_uplink_aggregate_Bps(topo),
                     spec.fabric.uplink_latency_s});
  route.push_back(
      {names::object_store_gateway_link(gateway), object_store_gateway_Bps(topo), spec.fabric.uplink_latency_s});
  return route;
}

PathFacts gpu_to_object_store_path(const Topology& topo, int gpu, int gateway) {
  PathFacts f{std::numeric_limits<double>::infinity(), 0};
  for (const Hop& h : gpu_to_object_store_route(topo, gpu, gateway)) {
    f.bandwidth_Bps = std::min(f.bandwidth_Bps, h.bandwidth_Bps);
    f.latency_s += h.latency_s;
  }
  return f;
}

int pfs_stripe_count(const StorageSpec& storage) {
  return storage.stripe_count > 0 ? storage.stripe_count : storage.servers;
}

int pfs_offset(const StorageSpec& storage, long long writer) {
  const long long n = storage.servers;
  const long long k = pfs_stripe_count(storage);
  const long long w = ((writer % n) + n) % n;
  return static_cast<int>((w * k) % n);
}

std::vector<double> pfs_layout(const StorageSpec& storage, double bytes, int offset) {
  const int n = storage.servers;
  const int k = pfs_stripe_count(storage);
  std::vector<double> out(static_cast<std::size_t>(n), 0.0);
  if (!(bytes > 0)) return out;
  const auto server_of = [&](long long j) { return static_cast<std::size_t>((offset + j) % n); };
  if (storage.stripe_bytes <= 0) {
    for (int j = 0; j < k; ++j)
      out[server_of(j)] = bytes / static_cast<double>(k);
    return out;
  }
  const double unit = storage.stripe_bytes;
  const double full_units = std::floor(bytes / unit);
  const double remainder = bytes - full_units * unit;
  // Full units c = 0 .. F-1 go to stripe c mod k: stripe j gets floor(F/k) units, plus one when j < F mod k.
  const double per_stripe = std::floor(full_units / k);
  const auto extra = static_cast<long long>(full_units - per_stripe * k);
  for (long long j = 0; j < k; ++j)
    out[server_of(j)] = (per_stripe + (j < extra ? 1 : 0)) * unit;
  if (remainder > 0) out[server_of(extra)] += remainder; // the partial last unit, index F
  return out;
}

std::vector<double> object_store_requests(const ObjectStoreSpec& spec, double bytes) {
  std::vector<double> out;
  if (!(bytes > 0)) return out;
  const double full = std::floor(bytes / spec.request_bytes);
  const double remainder = bytes - full * spec.request_bytes;
  out.assign(static_cast<std::size_t>(full), spec.request_bytes);
  if (remainder > 0) out.push_back(remainder);
  return out;
}

std::string describe_storage_links(const Topology& topo) {
  const PlatformSpec& spec = topo.spec;
  const StorageSpec& storage = spec.storage;
  const int servers = static_cast<int>(topo.storage_servers.size());
  const int gateways = static_cast<int>(topo.object_store_gateways.size());
  const std::string lat = format_seconds(spec.fabric.link_latency_s);
  std::ostringstream out;
  const int tops = topo.storage_top_links;
  out << "  storage     " << tops + servers << ": " << tops << " x " << format_bits_per_second(topo.storage_uplink_Bps)
      << " storage leaf to spine (" << format_bits_per_second(storage_uplink_aggregate_Bps(topo)) << " total, latency "
      << lat << "), " << servers << " x " << format_bits_per_second(storage.server_link_Bps)
      << " server links (latency " << format_seconds(storage.link_latency_s) << ")\n";
  out << "  object      " << tops + gateways << ": " << tops << " x "
      << format_bits_per_second(topo.object_store_uplink_Bps) << " object-store leaf to spine ("
      << format_bits_per_second(object_store_uplink_aggregate_Bps(topo)) << " total), " << gateways << " x "
      << format_bits_per_second(object_store_gateway_Bps(topo)) << " gateway links; latency " << lat << "\n";
  if (!topo.nvme.empty())
    out << "  pcie        " << topo.nvme.size() << " x node to its NVMe: read "
        << format_bytes_per_second(nvme_read_Bps(spec)) << ", write " << format_bytes_per_second(nvme_write_Bps(spec))
        << " (never on the fabric)\n";
  return out.str();
}

std::string describe_storage_tiers(const Topology& topo) {
  const PlatformSpec& spec = topo.spec;
  const StorageSpec& storage = spec.storage;
  const int servers = static_cast<int>(topo.storage_servers.size());
  const int k = pfs_stripe_count(storage);
  std::ostringstream out;
  out << "storage tiers:\n";
  out << "  pfs: " << servers << " servers, disk read " << format_bytes_per_second(storage.disk_read_Bps) << " each ("
      << format_bytes_per_second(storage.disk_read_Bps * servers) << " aggregate), write "
      << format_bytes_per_second(storage.disk_write_Bps) << " each ("
      << format_bytes_per_second(storage.disk_write_Bps * servers) << " aggregate); a file is striped over " << k
      << " servers (" << (storage.stripe_bytes > 0 ? format_bytes(storage.stripe_bytes) + " units" : "even split")
      << "), at most " << format_bytes_per_second(storage.disk_write_Bps * k) << " write per file\n";
  if (topo.nvme.empty()) {
    out << "  nvme: none (platform.storage.nvme.drives = 0)\n";
  } else {
    out << "  nvme: per node " << storage.nvme.drives << " drives x " << format_bytes(storage.nvme.drive_capacity_bytes)
        << " = " << format_bytes(nvme_capacity_bytes(spec)) << ", read " << format_bytes_per_second(nvme_read_Bps(spec))
        << ", write " << format_bytes_per_second(nvme_write_Bps(spec)) << " (min of PCIe "
        << format_bytes_per_second(storage.nvme.pcie_Bps) << " and the drives); shared by the node's "
        << spec.gpus_per_node << " GPUs\n";
  }
  const ObjectStoreSpec& os = storage.object_store;
  out << "  object_store: " << os.gateways << " gateways, " << format_bytes_per_second(os.bandwidth_Bps)
      << " aggregate, " << format_bytes_per_second(os.stream_Bps) << " per stream, " << os.streams
      << " streams per client, requests of " << format_bytes(os.request_bytes) << " with "
      << format_seconds(os.request_latency_s) << " first-byte latency each\n";
  return out.str();
}

} // namespace racksim::platforms
