// Running a sweep (docs/sweeps.md): every run is `racksim run` in its own process (SimGrid allows one Engine per
// process), spawned with posix_spawn, at most -j at once; resume from the run directory; progress; SIGINT/SIGTERM
// forwarded to the children; shards and MPI ranks run a share; the merged file at the end.

#include "sim/results/results.hpp"
#include "sim/config/scenario.hpp"
#include "sim/tools/sweep.hpp"
#include "sim/version.hpp"

#ifdef RACKSIM_HAVE_MPI
#include <mpi.h>
#endif

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <thread>

extern char** environ;

namespace racksim::sim::sweep {
namespace {

namespace fs = std::filesystem;

volatile sig_atomic_t interrupted = 0;
extern "C" void on_signal(int sig) {
  interrupted = sig;
}

// The world size when launched by mpirun/srun (before MPI_Init: only then is MPI initialised); 0 otherwise.
int launcher_world_size() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    if (const char* v = std::getenv(var)) {
      const int n = std::atoi(v);
      if (n > 0) return n;
    }
  }
  return 0;
}

std::string duration_text(double s) {
  if (!(s >= 0)) s = 0;
  const auto t = static_cast<long long>(s + 0.5);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", t / 3600, t / 60 % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%lldm%02llds", t / 60, t % 60);
  return buf;
}

struct Child {
  pid_t pid = 0;
  std::size_t run = 0; // position in the share
};

// Removes tmp files a killed run left behind ("rNNNN.h5.tmp.<pid>").
void remove_tmp_files(const fs::path& dir, const std::string& file_name) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string n = entry.path().filename().string();
    if (n.rfind(file_name + ".tmp.", 0) == 0) fs::remove(entry.path(), ec);
  }
}

pid_t spawn(const std::string& exe, const std::vector<std::string>& args, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, STDIN_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults, none;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(exe.c_str()));
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, exe.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw SweepError("cannot start " + exe + ": " + std::strerror(rc));
  return pid;
}

class Mpi {
 public:
  explicit Mpi(int world) {
    if (world == 0) return;
#ifdef RACKSIM_HAVE_MPI
    MPI_Init(nullptr, nullptr);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    active_ = true;
#else
    throw SweepError("launched under MPI (" + std::to_string(world) +
                     " ranks) but this racksim was built without MPI (CMake found no MPI; install libopenmpi-dev "
                     "and reconfigure), or run without mpirun");
#endif
  }
  ~Mpi() {
#ifdef RACKSIM_HAVE_MPI
    if (active_) MPI_Finalize();
#endif
  }
  Mpi(const Mpi&) = delete;
  Mpi& operator=(const Mpi&) = delete;
  int rank() const {
    return rank_;
  }
  int size() const {
    return size_;
  }
  long long sum(long long v) const {
#ifdef RACKSIM_HAVE_MPI
    if (active_) {
      long long total = 0;
      MPI_Allreduce(&v, &total, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
      return total;
    }
#endif
    return v;
  }
  // Ends every rank (the others would wait in the collective for ever); does nothing without MPI.
  void abort(int code) const {
#ifdef RACKSIM_HAVE_MPI
    if (active_) MPI_Abort(MPI_COMM_WORLD, code);
#endif
    (void)code;
  }

 private:
  int rank_ = 0;
  int size_ = 1;
  bool active_ = false;
};

} // namespace

int run_sweep(const std::string& sweep_path, const Options& options) {
  const Sweep sweep = load_sweep(sweep_path);
  Shard shard;
  if (!options.shard.empty()) shard = parse_shard(options.shard);
  if (options.jobs < 1) throw ScenarioError({{"-j", 0, 0, "expected at least 1 process"}});
  const fs::path out(options.output);
  const fs::path out_dir = fs::absolute(out).parent_path();
  std::error_code ec;
  if (!fs::is_directory(out_dir, ec))
    throw SweepError(options.output + ": directory '" + out_dir.string() + "' does not exist");
  const fs::path runs_dir = options.output + ".runs";
  fs::create_directories(runs_dir, ec);
  if (!fs::is_directory(runs_dir, ec)) throw SweepError(runs_dir.string() + ": cannot create the run directory");

  const Mpi mpi(launcher_world_size());
  const bool lead = mpi.rank() == 0;

  // This shard's runs, then this rank's share of them.
  std::vector<const Run*> selected, mine;
  for (const Run& r : sweep.runs)
    if (r.index % shard.n == shard.k) selected.push_back(&r);
  for (std::size_t i = 0; i < selected.size(); ++i)
    if (static_cast<int>(i % static_cast<std::size_t>(mpi.size())) == mpi.rank()) mine.push_back(selected[i]);

  const auto file_of = [&](const Run& r) { return (runs_dir / (r.name + ".h5")).string(); };
  const auto log_of = [&](const Run& r) { return (runs_dir / (r.name + ".log")).string(); };

  // Resume: a run file written by this build (version and git sha) whose stored resolved scenario is the one this
  // sweep would run now is reused; a rebuilt racksim at another commit recomputes.
  std::vector<const Run*> todo;
  std::size_t reused = 0;
  std::set<std::string> stale; // run files with temp files left by a killed run: "rNNNN.h5"
  for (const auto& entry : fs::directory_iterator(runs_dir, ec)) {
    const std::string n = entry.path().filename().string();
    if (const auto t = n.find(".h5.tmp."); t != std::string::npos) stale.insert(n.substr(0, t + 3));
  }
  for (const Run* r : mine) {
    if (stale.count(r->name + ".h5") != 0) remove_tmp_files(runs_dir, r->name + ".h5"); // only this rank's runs
    bool ok = false;
    if (fs::exists(file_of(*r), ec)) {
      try {
        const auto meta = read_results(file_of(*r)).meta;
        ok = meta.scenario_yaml == r->resolved_yaml && meta.racksim_version == racksim::version &&
             meta.git_sha == racksim::git_sha;
      } catch (const std::exception&) {
        ok = false; // unreadable: run it again
      }
    }
    if (ok)
      ++reused;
    else
      todo.push_back(r);
  }

  const bool show = lead && !options.quiet;
  const bool tty = isatty(STDERR_FILENO) != 0;
  if (show) {
    std::cerr << "sweep " << sweep.name << ": " << selected.size() << " runs"
              << (options.shard.empty() ? ""
                                        : " (shard " + options.shard + " of " + std::to_string(sweep.runs.size()) + ")")
              << (mpi.size() > 1 ? ", " + std::to_string(mpi.size()) + " MPI ranks" : "") << ", -j " << options.jobs
              << "; reused " << reused << " finished run" << (reused == 1 ? "" : "s") << " from " << runs_dir.string()
              << "\n";
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  struct sigaction old_int {
  }, old_term{};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);

  const auto t0 = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  std::vector<Child> running;
  std::vector<const Run*> failed;
  std::size_t next = 0, computed = 0;
  const std::size_t share_total = mine.size();
  const auto progress = [&](bool final_line) {
    if (!show || !tty) return;
    const std::size_t done = reused + computed + failed.size();
    const double el = elapsed();
    const std::size_t left = todo.size() - computed - failed.size();
    const double eta = computed + failed.size() > 0
                           ? el / static_cast<double>(computed + failed.size()) * static_cast<double>(left)
                           : 0;
    char buf[200];
    std::snprintf(buf, sizeof buf, "\rsweep: %zu/%zu runs (%zu reused, %zu running) %d%% elapsed %s ETA %s\x1b[K", done,
                  share_total, reused, running.size(), share_total ? static_cast<int>(100 * done / share_total) : 100,
                  duration_text(el).c_str(), computed + failed.size() > 0 ? duration_text(eta).c_str() : "?");
    std::cerr << buf << (final_line ? "\n" : "") << std::flush;
  };

  double last_draw = -1;
  bool dirty = true; // a run finished since the line was drawn
  while (interrupted == 0 && (next < todo.size() || !running.empty())) {
    while (interrupted == 0 && next < todo.size() && running.size() < static_cast<std::size_t>(options.jobs)) {
      const Run& r = *todo[next];
      std::vector<std::string> args = {"run", sweep.scenario, "-o", file_of(r), "-q"};
      for (const auto& o : r.overrides) {
        args.push_back("--set");
        args.push_back(o);
      }
      running.push_back({spawn(options.self_exe, args, log_of(r)), next});
      ++next;
    }
    if (dirty || elapsed() - last_draw >= 1) { // after refilling, so "running" counts the new children
      progress(false);
      last_draw = elapsed();
      dirty = false;
    }
    bool changed = false;
    for (std::size_t i = 0; i < running.size();) {
      int status = 0;
      const pid_t got = waitpid(running[i].pid, &status, WNOHANG);
      if (got == running[i].pid) {
        const Run& r = *todo[running[i].run];
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (ok)
          ++computed;
        else
          failed.push_back(&r);
        if (show && !tty) {
          std::cerr << "sweep: " << r.name << (ok ? " done" : " FAILED (log: " + log_of(r) + ")") << " ("
                    << reused + computed + failed.size() << "/" << share_total << ", elapsed "
                    << duration_text(elapsed()) << ")\n";
        } else if (show && !ok) {
          std::cerr << "\rsweep: " << r.name << " FAILED (log: " << log_of(r) << ")\x1b[K\n";
        }
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
        changed = true;
      } else {
        ++i;
      }
    }
    dirty = dirty || changed;
    if (!changed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  if (interrupted != 0) {
    const int sig = interrupted;
    for (const Child& c : running)
      kill(c.pid, sig);
    // A child that does not end within 10 s of the signal (one stuck in its exit path, e.g. a sanitizer's leak check
    // interrupted by the signal) is killed.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (const Child& c : running) {
      int status = 0;
      while (waitpid(c.pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
          kill(c.pid, SIGKILL);
          while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
          }
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      remove_tmp_files(runs_dir, todo[c.run]->name + ".h5");
    }
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    if (show) progress(true);
    if (lead)
      std::cerr << "sweep: interrupted (signal " << sig << "); " << reused + computed << " of " << share_total
                << " runs finished are kept in " << runs_dir.string() << "; run the same command again to resume\n";
    if (mpi.size() > 1) mpi.abort(128 + sig); // the other ranks cannot reach the collective
    return 128 + sig;
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  progress(true);

  for (const Run* r : failed)
    std::cerr << "sweep: run " << r->name << " failed; log: " << log_of(*r) << "\n";
  const long long failures = mpi.sum(static_cast<long long>(failed.size()));
  if (failures > 0) {
    if (lead)
      std::cerr << "sweep: " << failures << " run" << (failures == 1 ? "" : "s") << " failed; no merged file written ("
                << options.output << "); fix and run the same command again (finished runs are reused)\n";
    return 1;
  }
  if (!lead) return 0;

  MergeHeader header;
  header.name = sweep.name;
  header.sweep_yaml = sweep.text;
  header.digest = sweep.digest;
  header.runs_total = static_cast<std::int64_t>(sweep.runs.size());
  header.parameters = sweep.parameters;
  header.shard = options.shard.empty() ? "" : std::to_string(shard.k) + "/" + std::to_string(shard.n);
  std::vector<MergeEntry> entries;
  for (const Run* r : selected) {
    MergeEntry e;
    e.index = r->index;
    e.name = r->name;
    e.seed = r->seed;
    e.parameters = r->parameters;
    e.file = file_of(*r);
    entries.push_back(std::move(e));
  }
  write_merged(options.output, header, std::move(entries));
  if (show)
    std::cerr << "sweep: " << selected.size() << " runs (" << computed << " run, " << reused << " reused) in "
              << duration_text(elapsed()) << " -> " << options.output << "\n";
  return 0;
}

} // namespace racksim::sim::sweep
