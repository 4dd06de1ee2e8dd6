#include "sim/engine/run_info.hpp"

#include <simgrid/s4u.hpp> // declares sg_version_get (simgrid/version.h alone does not compile)
#include <simgrid/version.h>

#include <ctime>

namespace racksim::sim {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string simgrid_version_string() {
  int major = 0, minor = 0, patch = 0;
  sg_version_get(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

} // namespace racksim::sim
