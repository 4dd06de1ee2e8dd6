#include "platforms/fabrics/registry.hpp"

#include "platforms/fabrics/dragonfly.hpp"
#include "platforms/fabrics/fat_tree.hpp"
#include "platforms/fabrics/leaf_spine.hpp"
#include "platforms/fabrics/rail_optimized.hpp"

#include <memory>

namespace racksim::platforms {

const std::vector<const Fabric*>& fabrics() {
  static const std::vector<std::unique_ptr<const Fabric>> owned = [] {
    std::vector<std::unique_ptr<const Fabric>> all;
    all.push_back(std::make_unique<LeafSpine>());
    all.push_back(std::make_unique<FatTree>());
    all.push_back(std::make_unique<RailOptimized>());
    all.push_back(std::make_unique<Dragonfly>());
    return all;
  }();
  static const std::vector<const Fabric*> view = [] {
    std::vector<const Fabric*> all;
    for (const auto& f : owned)
      all.push_back(f.get());
    return all;
  }();
  return view;
}

std::vector<std::string> fabric_kinds() {
  std::vector<std::string> out;
  for (const Fabric* f : fabrics())
    out.emplace_back(f->name());
  return out;
}

const Fabric& find_fabric(std::string_view kind) {
  std::string valid;
  for (const Fabric* f : fabrics()) {
    if (f->name() == kind) return *f;
    valid += (valid.empty() ? "" : ", ") + std::string(f->name());
  }
  throw PlatformError("platform.fabric.kind must be one of " + valid + " (got '" + std::string(kind) + "')");
}

} // namespace racksim::platforms
