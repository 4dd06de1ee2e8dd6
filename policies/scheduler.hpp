#pragma once
// Scheduling policies: which queued jobs start now. Registered by name (policies/registry.hpp).

#include "policies/view.hpp"

namespace racksim::policies {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual SchedulingDecision decide(const SchedulerView& view) = 0;
};

} // namespace racksim::policies
