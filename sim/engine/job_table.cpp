#include "sim/engine/job_table.hpp"

#include "sim/engine/energy.hpp"

#include <algorithm>

namespace racksim::sim {

std::int64_t progress_iters(const JobState& job, double now) {
  std::int64_t done = job.iterations_done;
  if (job.run_start_s >= 0 && job.step_iters > 0 && job.iter_ideal_s > 0)
    done += std::min(job.step_iters, static_cast<std::int64_t>((now - job.step_start_s) / job.iter_ideal_s));
  return done;
}

double done_fraction(const JobState& job, double now) {
  return job.plan.iterations > 0
             ? std::min(1.0, static_cast<double>(progress_iters(job, now)) / static_cast<double>(job.plan.iterations))
             : 0.0;
}

void begin_run(JobState& job, double now, const EnergyMeter& meter) {
  job.run_start_s = now;
  job.computed_mark = meter.busy_gpu_s(job.gpus, job.run_start_s);
  if (job.first_start_s < 0) job.first_start_s = job.run_start_s;
}

void end_run(JobState& job, double now, const EnergyMeter& meter) {
  job.computed_gpu_s += meter.busy_gpu_s(job.gpus, now) - job.computed_mark;
  job.busy_s += now - job.run_start_s;
  job.attained_gpu_s += (now - job.run_start_s) * job.spec.gpus;
  job.run_start_s = -1;
}

void replan_remaining(JobState& job, const workloads::TrainingSpec& training) {
  auto rest = job.plan;
  rest.iterations = std::max<std::int64_t>(0, job.plan.iterations - job.iterations_done);
  rest.checkpoints =
      rest.checkpoint_every > 0 && rest.iterations > 0 ? (rest.iterations - 1) / rest.checkpoint_every : 0;
  job.steps = rest.iterations > 0 ? workloads::plan_steps(rest, training.max_iterations_per_step)
                                  : std::vector<workloads::Step>{};
  job.step_iters = 0;
}

std::optional<std::size_t> JobTable::find_queued(std::int64_t id) const {
  for (std::size_t idx : queue_)
    if (jobs_[idx].spec.id == id) return idx;
  return std::nullopt;
}

std::optional<std::size_t> JobTable::find_running(std::int64_t id) const {
  for (std::size_t idx : running_)
    if (jobs_[idx].spec.id == id) return idx;
  return std::nullopt;
}

bool JobTable::is_preempting(std::int64_t id) const {
  return std::any_of(preempting_.begin(), preempting_.end(), [&](std::size_t i) { return jobs_[i].spec.id == id; });
}

void JobTable::enter_queue(std::size_t idx, double now) {
  jobs_[idx].queue_enter_s = now;
}

void JobTable::arrive(std::size_t idx, double now) {
  queue_.push_back(idx);
  enter_queue(idx, now);
}

void JobTable::start(std::size_t idx, double now) {
  jobs_[idx].status = JobStatus::running;
  queue_time_total_ += now - jobs_[idx].queue_enter_s;
  queue_.erase(std::find(queue_.begin(), queue_.end(), idx));
  running_.insert(idx);
}

void JobTable::preempt(std::size_t idx) {
  preempting_.insert(idx);
  running_.erase(idx);
  jobs_[idx].status = JobStatus::preempting;
}

void JobTable::requeue(std::size_t idx, double now) {
  running_.erase(idx);
  preempting_.erase(idx);
  JobState& job = jobs_[idx];
  job.status = JobStatus::queued;
  job.gpus.clear();
  const auto before = [&](std::size_t other) {
    const auto& o = jobs_[other].spec;
    return o.submit_s < job.spec.submit_s || (o.submit_s == job.spec.submit_s && o.id < job.spec.id);
  };
  auto pos = queue_.begin();
  while (pos != queue_.end() && before(*pos))
    ++pos;
  queue_.insert(pos, idx);
  enter_queue(idx, now);
  note_queue_length(now);
}

void JobTable::complete(std::size_t idx, double now) {
  jobs_[idx].end_s = now;
  jobs_[idx].status = JobStatus::completed;
  running_.erase(idx);
  ++completed_;
}

void JobTable::fail(std::size_t idx, double now) {
  jobs_[idx].end_s = now;
  jobs_[idx].status = JobStatus::failed;
  running_.erase(idx);
  ++failed_;
}

void JobTable::close_runs(double end, const EnergyMeter& meter) {
  for (auto& job : jobs_)
    if (job.run_start_s >= 0) end_run(job, end, meter); // still running at the horizon
}

} // namespace racksim::sim
