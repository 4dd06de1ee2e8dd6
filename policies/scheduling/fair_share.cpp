#include "policies/scheduling/fair_share.hpp"

#include "policies/scheduling/greedy.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace racksim::policies {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

} // namespace

UserValues parse_user_values(std::string_view text, bool integers_only) {
  UserValues out;
  if (trim(text).empty()) return out;
  const std::string example = integers_only ? "'alice=16,vc3=8'" : "'alice=2,vc3=1'";
  std::size_t pos = 0;
  for (;;) {
    const std::size_t comma = text.find(',', pos);
    const std::string_view item = trim(text.substr(pos, comma == std::string_view::npos ? comma : comma - pos));
    const std::string quoted = "'" + std::string(item) + "'";
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      throw std::invalid_argument("expected comma-separated name=value items such as " + example + ", got item " +
                                  quoted + " (no '=')");
    const std::string_view name = trim(item.substr(0, eq));
    const std::string_view value = trim(item.substr(eq + 1));
    if (name.empty()) throw std::invalid_argument("item " + quoted + " has no user name before '='");
    double v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    const bool number = !value.empty() && ec == std::errc{} && end == value.data() + value.size() && std::isfinite(v);
    if (!number || v <= 0 || (integers_only && (v != std::floor(v) || v > std::numeric_limits<int>::max())))
      throw std::invalid_argument("item " + quoted + ": the value must be a positive " +
                                  (integers_only ? std::string("integer (GPUs)") : std::string("number")) + ", got '" +
                                  std::string(value) + "'");
    if (!out.emplace(std::string(name), v).second)
      throw std::invalid_argument("user '" + std::string(name) + "' is given twice");
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

namespace {

// The strings are checked when the scenario is read, with the parser the scheduler uses.
ValueCheck user_values(bool integers_only) {
  return [integers_only](const ParamValue& v) -> std::string {
    try {
      (void)parse_user_values(std::get<std::string>(v), integers_only);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
}

} // namespace

std::vector<ParamSpec> fair_share_params() {
  return {
      param("policies.fair_share.weights", ParamType::string, &FairShareParams::weights, unbounded(), "",
            "fair_share: user=weight pairs, e.g. \"alice=2,vc3=1\"; users not listed weigh 1", user_values(false)),
      param("policies.fair_share.quotas", ParamType::string, &FairShareParams::quotas, unbounded(), "",
            "fair_share: user=GPUs caps on the GPUs a user holds at once, e.g. \"alice=16\"; \"\" = no caps",
            user_values(true)),
      param("policies.fair_share.preempt", ParamType::boolean, &FairShareParams::preempt, unbounded(), "",
            "fair_share: preempt jobs of users above their weighted share when an under-share user waits"),
  };
}

FairShareScheduler::FairShareScheduler(const FairShareParams& params) : preempt_(params.preempt) {
  try {
    weights_ = parse_user_values(params.weights, false);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("policies.fair_share.weights: ") + e.what());
  }
  try {
    quotas_ = parse_user_values(params.quotas, true);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("policies.fair_share.quotas: ") + e.what());
  }
}

double FairShareScheduler::weight_of(std::string_view user) const {
  const auto it = weights_.find(user);
  return it == weights_.end() ? 1.0 : it->second;
}

SchedulingDecision FairShareScheduler::decide(const SchedulerView& view) {
  struct User {
    double weight = 1;
    double quota = std::numeric_limits<double>::infinity();
    int alloc = 0;                       // GPUs held (running jobs, victims until their GPUs free) + started now
    std::vector<const QueuedJob*> queue; // arrival order
    std::size_t next = 0;
    bool passed_over = false;
    double share() const { return alloc / weight; }
  };
  std::map<std::string_view, User> users;
  const auto user = [&](std::string_view name) -> User& {
    auto [it, fresh] = users.try_emplace(name);
    if (fresh) {
      it->second.weight = weight_of(name);
      if (const auto q = quotas_.find(name); q != quotas_.end()) it->second.quota = q->second;
    }
    return it->second;
  };
  for (const auto& r : view.running)
    user(r.user).alloc += r.gpus;
  for (const auto& q : view.queue)
    user(q.user).queue.push_back(&q);

  detail::GreedyPass pass(view, &pending_);
  for (;;) {
    // The user whose allocation / weight would be lowest after starting its next job: judging by the allocation
    // before the start would let a low-weight user overshoot its share by a whole job each time.
    User* best = nullptr;
    std::string_view best_name;
    double best_after = 0;
    for (auto& [name, u] : users) {
      if (u.passed_over || u.next >= u.queue.size()) continue;
      const double after = (u.alloc + u.queue[u.next]->gpus) / u.weight;
      if (!best || after < best_after) best = &u, best_name = name, best_after = after; // ties: the first name
    }
    if (!best) break;
    User& u = *best;
    const QueuedJob& job = *u.queue[u.next];
    if (u.alloc + job.gpus > u.quota) {
      u.passed_over = true;
      continue;
    }
    if (pass.try_start(job)) {
      u.alloc += job.gpus, ++u.next;
      continue;
    }
    if (preempt_) {
      // Victims: jobs of the users most above their share first, then the most recently started.
      std::vector<std::size_t> order(view.running.size());
      for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto &ra = view.running[a], &rb = view.running[b];
        const double sa = users.at(ra.user).share(), sb = users.at(rb.user).share();
        if (sa != sb) return sa > sb;
        if (ra.start_s != rb.start_s) return ra.start_s > rb.start_s;
        return ra.id < rb.id;
      });
      const double after = (u.alloc + job.gpus) / u.weight;
      std::map<std::string_view, int> taken;
      std::vector<std::size_t> chosen;
      int have = pass.free() + pass.spare();
      for (std::size_t i : order) {
        if (have >= job.gpus) break;
        const auto& r = view.running[i];
        if (pass.is_victim(i) || r.user == best_name) continue;
        const User& v = users.at(r.user);
        if ((v.alloc - taken[r.user] - r.gpus) / v.weight < after) continue;
        taken[r.user] += r.gpus;
        chosen.push_back(i);
        have += r.gpus;
      }
      std::vector<std::size_t> victims;
      if (have >= job.gpus && pass.try_preempt_for(job, chosen, &victims)) {
        for (std::size_t i : victims)
          users.at(view.running[i].user).alloc -= view.running[i].gpus;
        u.alloc += job.gpus, ++u.next;
        continue;
      }
    }
    u.passed_over = true;
  }
  return pass.take();
}

} // namespace racksim::policies
