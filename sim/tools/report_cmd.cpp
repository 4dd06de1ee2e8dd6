#include "sim/tools/report_cmd.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>

extern char** environ;

namespace racksim::sim {

ReportLocation locate_report(const char* env_python, const char* env_dir, const std::string& builtin_dir) {
  ReportLocation where;
  where.python = env_python != nullptr && *env_python != '\0' ? env_python : "/usr/bin/python3";
  if (env_dir != nullptr && *env_dir != '\0') {
    where.script_dir = env_dir;
    where.dir_origin = "RACKSIM_ANALYSIS_DIR";
  } else {
    where.script_dir = builtin_dir;
    where.dir_origin = "the built-in analysis directory";
  }
  where.script = (std::filesystem::path(where.script_dir) / "report.py").string();
  return where;
}

int run_report(const ReportLocation& where, const std::vector<std::string>& args) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(where.script, ec))
    throw std::runtime_error("report script not found: looked for '" + where.script + "' (" + where.dir_origin +
                             "); set RACKSIM_ANALYSIS_DIR to the analysis/ directory of a racksim source tree");
  std::vector<std::string> owned{where.python, where.script};
  owned.insert(owned.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : owned)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  // posix_spawnp: RACKSIM_PYTHON may be a bare name found on PATH; an absolute path is used as it is.
  if (const int rc = posix_spawnp(&pid, where.python.c_str(), nullptr, nullptr, argv.data(), environ); rc != 0)
    throw std::runtime_error("cannot start the Python interpreter '" + where.python + "' (" + std::strerror(rc) +
                             "); set RACKSIM_PYTHON to a python3 with h5py, pandas and matplotlib "
                             "(Debian: apt install python3-h5py python3-pandas python3-matplotlib)");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw std::runtime_error(std::string("waiting for the report script: ") + std::strerror(errno));
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

} // namespace racksim::sim
