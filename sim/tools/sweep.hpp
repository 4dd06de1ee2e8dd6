#pragma once
// Parameter sweeps (docs/sweeps.md): a sweep file names a scenario, overrides for every run, a grid, variants and
// seeds; every (grid point x variant x seed) is one run of `racksim run` in its own process. The per-run results
// files are merged into one HDF5 file (/sweep, /sweep/index, /runs/<name>/...). Shards (--shard K/N) and MPI ranks
// each run a share; `racksim merge` joins shard files.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace racksim::sim::sweep {

// Bad merge inputs, a run directory that cannot be used, MPI misuse: exit code 2.
class SweepError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One run: its index and name, the overrides given to `racksim run --set`, and what the index table records.
struct Run {
  std::int64_t index = 0;
  std::string name;                    // r0000, r0001, ...
  std::vector<std::string> overrides;  // "key=value": set, then grid point, then variant, then seed
  std::vector<std::string> parameters; // one value per Sweep::parameters, as written in the sweep file
  std::int64_t seed = 0;               // the run's resolved seed
  std::string resolved_yaml;           // filled by validate(): the scenario the run will simulate
};

struct Sweep {
  std::string path; // the sweep file
  std::string text; // its text (/sweep attribute sweep_yaml)
  std::string name;
  std::string scenario;                // absolute path of the scenario
  std::vector<std::string> parameters; // grid keys in file order, then "variant" when variants exist
  std::vector<Run> runs;               // in index order
  std::string digest;                  // SHA-256 over the runs' names and resolved scenarios (after validate())
};

// Parses and expands a sweep file. Errors are ScenarioError diagnostics naming the sweep file, line and column.
// Without `seeds` a run has no seed override (Run::seed is filled by load_sweep from the scenario).
Sweep parse_sweep_text(const std::string& text, const std::string& path);
// Reads the file, parses, expands and loads every run's scenario (validation up front; errors name the sweep file
// and the key), then computes the digest.
Sweep load_sweep(const std::string& path);

// "K/N" -> (K, N); throws ScenarioError naming --shard when malformed or K >= N.
struct Shard {
  int k = 0;
  int n = 1;
};
Shard parse_shard(const std::string& text);

struct Options {
  std::string output; // OUT.h5; runs go in OUT.h5.runs/
  int jobs = 1;       // processes at once
  std::string shard;  // "" or "K/N"
  bool quiet = false;
  std::string self_exe = "/proc/self/exe"; // the binary spawned for each run
};

// Runs the sweep (or this shard / MPI rank's share of it) and writes the merged file. Returns the exit code:
// 0 when every run completed and the merged file was written, 1 when some run failed or the sweep was interrupted.
int run_sweep(const std::string& sweep_path, const Options& options);

// Joins merged files of the same sweep (same digest) into one; runs in index order. Duplicates are an error;
// missing runs are an error unless allow_partial. Throws SweepError (exit 2).
void merge_files(const std::string& output, const std::vector<std::string>& inputs, bool allow_partial, bool quiet);

// ---- the merged file (sweep_merge.cpp) ----------------------------------------------------------------------------

struct MergeHeader {
  std::string name;
  std::string sweep_yaml;
  std::string digest;
  std::int64_t runs_total = 0;
  std::vector<std::string> parameters;
  std::string shard; // "" when whole
};

// One run to put in the merged file: its index row and where its results are (a run file and "/", or a merged
// file and "/runs/<name>").
struct MergeEntry {
  std::int64_t index = 0;
  std::string name;
  std::int64_t seed = 0;
  std::string status = "completed";
  std::vector<std::string> parameters;
  std::string file;
  std::string group = "/";
};

// Writes OUT atomically (tmp + rename): /sweep attributes, /sweep/index, /runs/<name> copies. Entries are sorted by
// index. Throws SweepError.
void write_merged(const std::string& output, const MergeHeader& header, std::vector<MergeEntry> entries);

// The runs of a merged sweep file (its /sweep/index rows in index order, each with group "/runs/<name>"); nullopt
// when PATH is an HDF5 file without /sweep (a single run's results). Throws SweepError naming PATH.
std::optional<std::vector<MergeEntry>> read_merged_runs(const std::string& path);

} // namespace racksim::sim::sweep
