#include "sim/analytic/failure_domains.hpp"

#include "platforms/fabrics/fabric.hpp"

namespace racksim::sim {

using workloads::ComponentClass;

workloads::ComponentCounts component_counts(const platforms::Topology& topo) {
  workloads::ComponentCounts n;
  n[ComponentClass::gpu] = topo.num_gpus();
  n[ComponentClass::node] = topo.num_nodes();
  n[ComponentClass::nic] = topo.num_gpus();
  n[ComponentClass::link] = 2 * topo.num_gpus();
  n[ComponentClass::leaf] = static_cast<int>(topo.leaves.size());
  n[ComponentClass::spine] = static_cast<int>(topo.spines.size());
  n[ComponentClass::rack_power] = topo.num_racks();
  n[ComponentClass::storage] = static_cast<int>(topo.storage_servers.size());
  return n;
}

FailureEffect failure_effect(const workloads::FailureEvent& e, const platforms::Topology& topo) {
  FailureEffect effect;
  const int G = topo.num_gpus(), gpn = topo.spec.gpus_per_node;
  const int per_rack = gpn * topo.spec.nodes_per_rack;
  const auto range = [&](int first, int count) {
    for (int g = first; g < first + count && g < G; ++g)
      effect.gpus.push_back(g);
  };
  switch (e.cls) {
  case ComponentClass::gpu:
  case ComponentClass::nic: range(e.index, 1); break;
  case ComponentClass::node: range(e.index * gpn, gpn); break;
  case ComponentClass::rack_power: range(e.index * per_rack, per_rack); break;
  case ComponentClass::link:
    if (e.index < G)
      range(e.index, 1);
    else
      effect.uplink_rack = (e.index - G) / per_rack;
    break;
  case ComponentClass::leaf:
    if (topo.fabric().leaf_layer() == platforms::LeafLayer::rails) { // leaf = rack x gpus_per_node + rail
      const int rack = e.index / gpn, rail = e.index % gpn;
      for (int g = rack * per_rack + rail; g < (rack + 1) * per_rack && g < G; g += gpn)
        effect.gpus.push_back(g);
    } else {
      range(e.index * per_rack, per_rack);
    }
    break;
  case ComponentClass::spine: effect.spine = true; break;
  case ComponentClass::storage: effect.storage_server = e.index; break;
  }
  return effect;
}

std::string component_name(const workloads::FailureEvent& e) {
  return std::string(workloads::to_string(e.cls)) + ":" + std::to_string(e.index);
}

double job_failure_rate(const std::array<workloads::ClassFailureSpec, workloads::kNumComponentClasses>& classes,
                        const platforms::Topology& topo, int gpus) {
  const auto rate = [&](ComponentClass c) {
    const double m = classes[workloads::class_index(c)].mtbf_s;
    return m > 0 ? 1 / m : 0.0;
  };
  const int gpn = topo.spec.gpus_per_node;
  const int nodes = (gpus + gpn - 1) / gpn;
  const int racks = (nodes + topo.spec.nodes_per_rack - 1) / topo.spec.nodes_per_rack;
  return gpus * (rate(ComponentClass::gpu) + rate(ComponentClass::nic) + rate(ComponentClass::link)) +
         nodes * rate(ComponentClass::node) + racks * (rate(ComponentClass::leaf) + rate(ComponentClass::rack_power));
}

} // namespace racksim::sim
