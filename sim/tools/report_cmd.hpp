#pragma once
// `racksim report`: runs analysis/report.py (Python: h5py, pandas, matplotlib from Debian packages) on a results
// or merged sweep file. The simulator itself links no Python; this only finds the interpreter and the script and
// spawns one onto the other (posix_spawn, no shell), passing the exit code through. docs/report.md.

#include <string>
#include <vector>

namespace racksim::sim {

// Where the interpreter and the script are looked for, and why (for error messages).
struct ReportLocation {
  std::string python;     // RACKSIM_PYTHON, else /usr/bin/python3
  std::string script;     // <dir>/report.py
  std::string script_dir; // RACKSIM_ANALYSIS_DIR, else the source tree's analysis/ (compile-time)
  std::string dir_origin; // "RACKSIM_ANALYSIS_DIR" or "the built-in analysis directory"
};

// Resolves the interpreter and script from the environment and the compile-time default.
ReportLocation locate_report(const char* env_python, const char* env_dir, const std::string& builtin_dir);

// Runs `python script args...` and waits. Returns the script's exit code (128 + signal if it was killed). Throws
// std::runtime_error naming what it looked for when the script is missing or the interpreter cannot be started.
int run_report(const ReportLocation& where, const std::vector<std::string>& args);

} // namespace racksim::sim
