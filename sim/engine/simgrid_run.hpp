#pragma once
// What every SimGrid run in sim/ sets up the same way (the job engine, the collective benchmark, the inference
// service): the Engine with racksim's settings, the rule that an exception must not escape an actor, and the end of
// a run at its horizon.

#include "sim/engine/activities.hpp"

#include <simgrid/s4u.hpp>

#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace racksim::sim {

// The Engine with quiet logs and 256 KiB actor stacks (the default 8 MiB makes every actor creation an expensive
// mmap/munmap), then the user's extra SimGrid arguments (RunOptions::simgrid_args). Under AddressSanitizer, system-
// thread contexts: Debian's SimGrid switches ucontext stacks without telling ASan, which then reports unwinding a
// killed actor as a stack overflow; threads are slower but ASan understands them.
inline std::unique_ptr<simgrid::s4u::Engine> make_engine(const std::vector<std::string>& simgrid_args) {
  std::vector<std::string> args{"racksim", "--log=root.thres:critical", "--cfg=contexts/stack-size:256"};
#if defined(__SANITIZE_ADDRESS__)
  args.emplace_back("--cfg=contexts/factory:thread");
#endif
  args.insert(args.end(), simgrid_args.begin(), simgrid_args.end());
  int argc = static_cast<int>(args.size());
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  return std::make_unique<simgrid::s4u::Engine>(&argc, argv.data()); // SimGrid copies what it keeps of argv
}

// Runs an actor's body. An exception must not escape an actor (SimGrid would abort the process): the first one is
// kept in `first`, every actor is stopped, and the caller rethrows it after the run.
template <class F>
void run_guarded(std::exception_ptr& first, F&& body) {
  try {
    std::forward<F>(body)();
  } catch (const simgrid::ForcefulKillException&) {
    throw; // SimGrid's own way of ending actors: never swallow it
  } catch (...) {
    if (!first) first = std::current_exception();
    simgrid::s4u::Actor::kill_all();
  }
}

// Runs the simulation to its end or, with a horizon (horizon_s > 0), to the horizon: then an actor on `controller`
// ends every actor still waiting or running (actors left alive when the Engine goes away are never unwound) and
// cancels the activities they left running (cancel_all_in_flight).
inline void run_to_end(simgrid::s4u::Engine& engine, simgrid::s4u::Host* controller, double horizon_s) {
  if (horizon_s > 0) {
    engine.run_until(horizon_s);
    simgrid::s4u::Actor::create("horizon", controller, [] {
      simgrid::s4u::Actor::kill_all();
      cancel_all_in_flight();
    });
  }
  engine.run();
}

} // namespace racksim::sim
