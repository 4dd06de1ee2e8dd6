#pragma once
// Small SimGrid helpers shared by the fabric build (simgrid_platform.cpp) and the storage build
// (simgrid_storage.cpp). Internal to platforms/.

#include <simgrid/s4u.hpp>

#include <string>

namespace racksim::platforms::sg_util {

// A sealed split-duplex link (the two directions never share bandwidth).
inline simgrid::s4u::Link* make_link(simgrid::s4u::NetZone* zone, const std::string& name, double bandwidth,
                                     double latency) {
  auto* link = zone->create_split_duplex_link(name, bandwidth);
  link->set_latency(latency);
  link->seal();
  return link;
}

// A star zone's gateway sits at the centre: an explicit empty route, since seal() only gives hosts defaults.
inline void add_gateway_route(simgrid::s4u::NetZone* zone, simgrid::kernel::routing::NetPoint* router) {
  zone->add_route(router, nullptr, nullptr, nullptr, {}, true);
}

} // namespace racksim::platforms::sg_util
