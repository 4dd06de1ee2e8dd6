#pragma once
// The jobs of a job-engine run (workload.kind: synthetic or trace) and where each one is: queued in arrival order,
// running, saving a checkpoint after a preemption (its GPUs still held), completed or failed. The bookkeeping the job
// engine, the job runner, the interruptions and the recorder share; of SimGrid it holds only the handles of a run's
// actors, so that an interruption can end them.

#include "sim/engine/job_status.hpp"
#include "sim/results/results.hpp"
#include "workloads/job.hpp"
#include "workloads/spec.hpp"
#include "workloads/training/parallel_model.hpp"
#include "workloads/training/training_model.hpp"

#include <simgrid/s4u/Actor.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace racksim::sim {

class EnergyMeter;

struct JobState {
  workloads::JobSpec spec;
  workloads::TrainingPlan plan;
  std::vector<workloads::Step> steps;
  std::vector<int> gpus; // allocated, ascending
  double alpha_s = 0;    // largest ring-edge path latency of the allocation
  std::string timing;    // JobRecord::timing
  JobStatus status = JobStatus::queued;
  double start_s = -1, end_s = -1;
  double compute_s = 0, comm_s = 0, checkpoint_s = 0;
  // 3D parallelism (workload.training.global_batch > 0): the iteration's costs; null = pure data parallelism.
  std::shared_ptr<const workloads::IterationCosts> par;
  std::int64_t iterations_done = 0; // progress kept so far: completed steps (and a preempted step's share)

  // Interruptions: preemption and failures (docs/failures.md). A job runs as one actor per run; an interrupted run
  // is killed and the job goes back to the queue (or fails, or goes on elsewhere) with what it keeps.
  simgrid::s4u::ActorPtr actor;                // this run's actor; null when not running
  std::vector<simgrid::s4u::ActorPtr> readers; // the current step's data-set readers
  std::int64_t checkpointed = 0;               // iterations safe in the last checkpoint (a failure restarts from here)
  double iter_ideal_s = 0;                     // one iteration placed well: a step's progress from its elapsed time
  double step_start_s = 0;
  std::int64_t step_iters = 0; // the step in progress; 0 between steps
  double run_start_s = -1;     // this run's start (before its restart delay)
  double safe_s = 0;           // when this run last made progress a failure would not lose
  double pending_delay_s = 0;  // paid when the next run starts (restart, swap, shrink)
  int restarts = 0, preemptions = 0;
  double kept_gpu_s = 0;                        // GPU time that produced the progress kept so far
  double lost_gpu_s = 0, lost_s = 0;            // work thrown away by failures: GPU-seconds, seconds
  double delay_s = 0;                           // restart delays and preemption saves paid, seconds
  double busy_s = 0, attained_gpu_s = 0;        // time on GPUs over all runs; the same in GPU-seconds
  double computed_gpu_s = 0, computed_mark = 0; // energy: GPU-seconds computing over all runs; meter at run start
  double first_start_s = -1;
  double queue_enter_s = 0;
  double checkpoint_interval_s = 0; // set by the failover policy (Young/Daly); 0 = the workload's cadence
};

// Iterations done by `now`: the kept ones plus the elapsed share of the step in progress (at the ideal rate).
std::int64_t progress_iters(const JobState& job, double now);
double done_fraction(const JobState& job, double now); // progress_iters / the plan's iterations, at most 1
// A run on the job's GPUs begins (its energy mark taken) or ends (its time added to the job's totals).
void begin_run(JobState& job, double now, const EnergyMeter& meter);
void end_run(JobState& job, double now, const EnergyMeter& meter);
// The steps left after `iterations_done`, checkpoints counted from there.
void replan_remaining(JobState& job, const workloads::TrainingSpec& training);

class JobTable {
 public:
  // `jobs` in arrival order (submit time, then id): a job's index is its place here.
  void load(std::vector<JobState> jobs) { jobs_ = std::move(jobs); }

  std::size_t size() const { return jobs_.size(); }
  JobState& operator[](std::size_t idx) { return jobs_[idx]; }
  const JobState& operator[](std::size_t idx) const { return jobs_[idx]; }
  const std::vector<JobState>& jobs() const { return jobs_; }
  const std::deque<std::size_t>& queue() const { return queue_; } // arrival order
  const std::set<std::size_t>& running() const { return running_; }
  const std::set<std::size_t>& preempting() const { return preempting_; }
  std::size_t completed() const { return completed_; }
  long failed() const { return failed_; }
  bool all_done() const { return completed_ + static_cast<std::size_t>(failed_) == jobs_.size(); }
  // The index of the queued (running) job with this id.
  std::optional<std::size_t> find_queued(std::int64_t id) const;
  std::optional<std::size_t> find_running(std::int64_t id) const;
  bool is_preempting(std::int64_t id) const;

  // Moves between the states (JobStatus). arrive: at the end of the queue; start: queued -> running (its GPUs and
  // start time set by the caller); preempt: running -> preempting; requeue: running or preempting -> queued, at its
  // place in arrival order, as a newly arrived job would be; complete / fail: running -> done.
  void arrive(std::size_t idx, double now);
  void start(std::size_t idx, double now);
  void preempt(std::size_t idx);
  void requeue(std::size_t idx, double now);
  void complete(std::size_t idx, double now);
  void fail(std::size_t idx, double now);

  // The runs still under way when the simulation ends end at `end`: call once, before any record is taken.
  void close_runs(double end, const EnergyMeter& meter);

  // Queue length over time: note_queue_length records the current length at `now`.
  void note_queue_length(double now) { queue_length_.set(now, static_cast<double>(queue_.size())); }
  const StepSeries& queue_length() const { return queue_length_; }
  // Little's law: the time spent in the queue by the entries that left it (those still queued not counted).
  double queue_time_total() const { return queue_time_total_; }

 private:
  void enter_queue(std::size_t idx, double now);

  std::vector<JobState> jobs_;
  std::deque<std::size_t> queue_;    // indices into jobs_, arrival order
  std::set<std::size_t> running_;    // ordered: deterministic iteration
  std::set<std::size_t> preempting_; // preempted, saving a checkpoint, GPUs still held
  std::size_t completed_ = 0;
  long failed_ = 0;
  StepSeries queue_length_;
  double queue_time_total_ = 0;
};

} // namespace racksim::sim
