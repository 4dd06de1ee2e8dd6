#include "workloads/job.hpp"

namespace racksim::workloads {

const char* to_string(JobKind kind) {
  switch (kind) {
  case JobKind::training:
    return "training";
  }
  return "unknown"; // only reachable with a value cast from an out-of-range integer
}

} // namespace racksim::workloads
