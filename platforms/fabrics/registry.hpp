#pragma once
// The fabric kinds by name (platform.fabric.kind), in the order error messages and the scenario reference list
// them. Adding a kind: its file in this folder and one line in registry.cpp (platforms/fabrics/fabric.hpp).

#include "platforms/fabrics/fabric.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace racksim::platforms {

const std::vector<const Fabric*>& fabrics();
std::vector<std::string> fabric_kinds(); // their names
// The kind called `kind`; otherwise throws PlatformError
// "platform.fabric.kind must be one of leaf_spine, fat_tree, ... (got '<kind>')".
const Fabric& find_fabric(std::string_view kind);

} // namespace racksim::platforms
