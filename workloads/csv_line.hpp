#pragma once
// One line of a plain comma-separated file (no quoting: failure traces, carbon traces; the job-trace readers use
// the RFC 4180 reader in workloads/traces): trimmed fields, an empty field after a trailing comma.

#include <string_view>
#include <vector>

namespace racksim::workloads {

inline std::string_view trim_blanks(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && blank(s.back()))
    s.remove_suffix(1);
  return s;
}

inline std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  for (;;) {
    const auto comma = line.find(',');
    fields.push_back(trim_blanks(line.substr(0, comma)));
    if (comma == std::string_view::npos) return fields;
    line.remove_prefix(comma + 1);
  }
}

} // namespace racksim::workloads
