#pragma once
// Runs the racksim binary (RACKSIM_BINARY) for the whole-binary tests and captures what it prints and its exit code.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace racksim::test {

struct Output {
  int exit_code = -1;
  std::string text; // stdout, and stderr unless left out
};

inline Output run_cli(const std::string& args, bool with_stderr = true) {
  const std::string cmd = std::string(RACKSIM_BINARY) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  Output out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe))
    out.text += buf.data();
  const int status = pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

} // namespace racksim::test
