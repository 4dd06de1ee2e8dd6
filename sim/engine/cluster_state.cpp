#include "sim/engine/cluster_state.hpp"

#include <algorithm>

namespace racksim::sim {

ClusterState::ClusterState(const platforms::Topology& topo) {
  shape_.gpus_per_node = topo.spec.gpus_per_node;
  shape_.nodes_per_rack = topo.spec.nodes_per_rack;
  shape_.nodes = topo.num_nodes();
  for (int n = 0; n < shape_.nodes; ++n) { // leaf = rack's switch; pod: fat_tree pod / dragonfly group
    shape_.node_leaf.push_back(topo.rack_of_node(n));
    shape_.node_pod.push_back(topo.pod_of_rack(topo.rack_of_node(n)));
  }
  gpu_free_.assign(static_cast<std::size_t>(topo.num_gpus()), 1);
  free_gpus_ = topo.num_gpus();
  owner_.assign(gpu_free_.size(), no_owner);
  down_.assign(gpu_free_.size(), 0);
  gpus_up_count_ = topo.num_gpus();
  gpus_up_.set(0, gpus_up_count_);
}

std::vector<int> ClusterState::place(policies::Placement& placement, int gpus) const {
  const policies::PlacementView view{shape_, gpu_free_, gpus};
  return placement.place(view);
}

bool ClusterState::valid_placement(const std::vector<int>& gpus, int wanted) const {
  bool ok = static_cast<int>(gpus.size()) == wanted && std::is_sorted(gpus.begin(), gpus.end()) &&
            std::adjacent_find(gpus.begin(), gpus.end()) == gpus.end();
  for (int g : gpus)
    ok = ok && g >= 0 && g < total_gpus() && gpu_free_[static_cast<std::size_t>(g)];
  return ok;
}

void ClusterState::take(const std::vector<int>& gpus, std::int64_t owner) {
  for (int g : gpus) {
    gpu_free_[static_cast<std::size_t>(g)] = 0;
    owner_[static_cast<std::size_t>(g)] = owner;
  }
  free_gpus_ -= static_cast<int>(gpus.size());
}

void ClusterState::release(const std::vector<int>& gpus) {
  for (int g : gpus) {
    const auto i = static_cast<std::size_t>(g);
    owner_[i] = no_owner;
    if (down_[i] > 0) {
      ++idle_unavailable_;
    } else {
      gpu_free_[i] = 1;
      ++free_gpus_;
    }
  }
}

void ClusterState::hold_spares(int nodes) {
  for (int node = shape_.nodes - 1; node >= 0 && node >= shape_.nodes - nodes; --node)
    for (int g = node * shape_.gpus_per_node; g < (node + 1) * shape_.gpus_per_node; ++g)
      if (gpu_free_[static_cast<std::size_t>(g)]) {
        gpu_free_[static_cast<std::size_t>(g)] = 0;
        owner_[static_cast<std::size_t>(g)] = spare_owner;
        spare_free_.push_back(g);
        --free_gpus_;
        ++idle_unavailable_;
      }
  spare_target_ = static_cast<int>(spare_free_.size());
}

int ClusterState::take_spare(std::int64_t owner) {
  const int g = spare_free_.back();
  spare_free_.pop_back();
  --idle_unavailable_;
  owner_[static_cast<std::size_t>(g)] = owner;
  return g;
}

ClusterState::Hit ClusterState::take_down(const std::vector<int>& gpus, double now) {
  Hit hit;
  for (int g : gpus) {
    const auto i = static_cast<std::size_t>(g);
    if (owner_[i] == service_owner) hit.service_gpus.push_back(g);
    if (owner_[i] == service_owner || down_[i]++ > 0) continue; // the service's: its replicas leave the balancer
    --gpus_up_count_;
    hit.down.push_back(g);
    if (gpu_free_[i]) {
      gpu_free_[i] = 0;
      --free_gpus_;
      ++idle_unavailable_;
    } else if (owner_[i] == spare_owner) {
      spare_free_.erase(std::find(spare_free_.begin(), spare_free_.end(), g));
      owner_[i] = no_owner;
    } else if (owner_[i] >= 0) {
      hit.job_owners.insert(owner_[i]);
    }
  }
  note_up(now);
  return hit;
}

bool ClusterState::bring_up(int gpu) {
  const auto i = static_cast<std::size_t>(gpu);
  if (owner_[i] == service_owner || down_[i] == 0 || --down_[i] > 0) return false;
  ++gpus_up_count_;
  return true;
}

void ClusterState::return_to_service(int gpu) {
  const auto i = static_cast<std::size_t>(gpu);
  if (owner_[i] != no_owner) return; // still held by a job (e.g. one saving a checkpoint): freed by it
  if (static_cast<int>(spare_free_.size()) < spare_target_) {
    owner_[i] = spare_owner;
    spare_free_.push_back(gpu);
  } else {
    --idle_unavailable_;
    gpu_free_[i] = 1;
    ++free_gpus_;
  }
}

} // namespace racksim::sim
