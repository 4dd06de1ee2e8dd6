// docs/results-schema.md and the metric table (sim/results/metrics.cpp) must agree: every declared summary
// attribute, series and /jobs column is documented once, in its section, with the same unit (and direction, and for
// /jobs the dtype); every name documented there is declared. The documented names are the backquoted names in the
// first column of each table that has a "unit" column, under "## `/jobs`", "## `/timeseries/<name>`" and
// "## `/summary`".

#include "sim/results/metrics.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace racksim::sim;

struct DocRow {
  std::string names;                        // the first cell: `name`, `name`, ...
  std::map<std::string, std::string> cells; // by header
  int line = 0;
};

std::vector<std::string> split_row(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool code = false;
  for (std::size_t i = 1; i < line.size(); ++i) { // line[0] is the leading '|'
    const char c = line[i];
    if (c == '`') code = !code;
    if (c == '\\' && i + 1 < line.size() && line[i + 1] == '|') { // an escaped | inside a formula
      cell += '|';
      ++i;
    } else if (c == '|' && !code) {
      const auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
      cell.clear();
    } else {
      cell += c;
    }
  }
  return cells;
}

// The rows of the tables with a "unit" column, by section ("jobs", "series", "summary").
std::map<std::string, std::vector<DocRow>> documented_rows(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::map<std::string, std::vector<DocRow>> out;
  std::string section, line;
  std::vector<std::string> header;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.starts_with("## ")) {
      section = line.starts_with("## `/jobs`")         ? "jobs"
                : line.starts_with("## `/timeseries/") ? "series"
                : line.starts_with("## `/summary`")    ? "summary"
                                                       : "";
      header.clear();
      continue;
    }
    if (!line.starts_with("|")) {
      header.clear();
      continue;
    }
    const auto cells = split_row(line);
    if (header.empty()) {
      header = cells;
      continue;
    }
    if (section.empty() || cells.empty() || cells[0].starts_with("---")) continue;
    DocRow row;
    row.names = cells[0];
    row.line = number;
    for (std::size_t i = 0; i < cells.size() && i < header.size(); ++i)
      row.cells[header[i]] = cells[i];
    if (row.cells.contains("unit")) out[section].push_back(std::move(row));
  }
  return out;
}

// `a`, `b` -> {a, b}
std::vector<std::string> names_in(const std::string& cell) {
  std::vector<std::string> names;
  for (std::size_t open = cell.find('`'); open != std::string::npos; open = cell.find('`', open)) {
    const auto close = cell.find('`', open + 1);
    if (close == std::string::npos) break;
    names.push_back(cell.substr(open + 1, close - open - 1));
    open = close + 1;
  }
  return names;
}

std::string documented_unit(const metrics::Metric& m) {
  std::string unit = m.unit.empty() ? "—" : std::string(m.unit);
  if (!m.inference_unit.empty()) unit += " (inference runs: " + std::string(m.inference_unit) + ")";
  return unit;
}

std::string documented_direction(metrics::Direction d) {
  return d == metrics::Direction::lower_is_better    ? "lower"
         : d == metrics::Direction::higher_is_better ? "higher"
                                                     : "—";
}

const char* job_dtype(std::string_view name) {
  for (const auto& c : metrics::job_columns())
    if (c.metric.name == name) return metrics::dtype_of(c.member);
  return "";
}

} // namespace

TEST(MetricsDocs, ResultsSchemaAndMetricTableAgree) {
  const std::string doc = std::string(RACKSIM_SOURCE_DIR) + "/docs/results-schema.md";
  const auto rows = documented_rows(doc);
  const std::map<std::string, metrics::Section> sections = {
      {"jobs", metrics::Section::jobs}, {"series", metrics::Section::series}, {"summary", metrics::Section::summary}};
  std::vector<std::string> problems;
  std::map<const metrics::Metric*, int> documented; // declaration -> the line documenting it
  for (const auto& [key, section] : sections) {
    const auto it = rows.find(key);
    if (it == rows.end()) {
      problems.push_back(doc + ": no table with a unit column in the " + key + " section");
      continue;
    }
    for (const DocRow& row : it->second) {
      const std::string at = doc + ":" + std::to_string(row.line) + ": " + key + " '";
      const auto cell = [&](const std::string& header) {
        const auto c = row.cells.find(header);
        return c == row.cells.end() ? std::string("<no '" + header + "' column>") : c->second;
      };
      for (const std::string& name : names_in(row.names)) {
        const metrics::Metric* m = nullptr;
        for (const auto& candidate : metrics::metric_table())
          if (candidate.section == section && candidate.name == name) m = &candidate;
        if (m == nullptr) {
          problems.push_back(at + name + "' is documented but not declared in sim/results/metrics.cpp");
          continue;
        }
        if (const auto [was, fresh] = documented.emplace(m, row.line); !fresh)
          problems.push_back(at + name + "' is documented twice (also line " + std::to_string(was->second) + ")");
        if (cell("unit") != documented_unit(*m))
          problems.push_back(at + name + "': unit '" + cell("unit") + "' in the docs, '" + documented_unit(*m) +
                             "' in the table");
        if (cell("better") != documented_direction(m->direction))
          problems.push_back(at + name + "': better '" + cell("better") + "' in the docs, '" +
                             documented_direction(m->direction) + "' in the table");
        if (section == metrics::Section::jobs && cell("dtype") != job_dtype(name))
          problems.push_back(at + name + "': dtype '" + cell("dtype") + "' in the docs, '" + job_dtype(name) +
                             "' in the table");
      }
    }
  }
  for (const auto& m : metrics::metric_table()) {
    if (!documented.contains(&m))
      problems.push_back(std::string(metrics::to_string(m.section)) + " '" + std::string(m.name) +
                         "' is declared in sim/results/metrics.cpp but not documented in " + doc);
  }
  std::string all;
  for (const auto& p : problems)
    all += p + "\n";
  EXPECT_TRUE(problems.empty()) << all;
}
