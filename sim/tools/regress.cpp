#include "sim/tools/regress.hpp"

#include "platforms/analysis.hpp"
#include "sim/config/units.hpp"
#include "sim/results/metrics.hpp"
#include "sim/results/results.hpp"
#include "sim/tools/sweep.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string_view>

namespace racksim::sim::regress {

namespace {

using platforms::exact_number_text;
using platforms::number_text;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string json_number(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? exact_number_text(*v) : "null";
}

std::string percent(double fraction) {
  return number_text(fraction * 100, "%.3g") + "%";
}

std::string tolerance_text(const Tolerance& t) {
  std::string out;
  if (t.relative) out += percent(*t.relative);
  if (t.absolute) out += (out.empty() ? "" : " or ") + number_text(*t.absolute);
  return out.empty() ? "0" : out;
}

bool within(const Tolerance& t, double base, double cur) {
  if (base == cur || (std::isnan(base) && std::isnan(cur))) return true;
  const double delta = std::fabs(cur - base);
  if (std::isnan(delta)) return false;
  if (t.absolute && delta <= *t.absolute) return true;
  if (t.relative && base != 0 && delta / std::fabs(base) <= *t.relative) return true;
  return false;
}

std::vector<std::vector<std::string>> cells(const Report& r, bool show_ok) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"metric", "baseline", "current", "delta", "rel", "tolerance", "direction", "verdict"});
  for (const auto& row : r.rows) {
    if (!show_ok && row.verdict == Verdict::ok) continue;
    rows.push_back({row.metric, row.baseline ? number_text(*row.baseline) : "-",
                    row.current ? number_text(*row.current) : "-",
                    row.baseline && row.current ? number_text(row.delta) : "-",
                    row.rel_delta ? (*row.rel_delta >= 0 ? "+" : "") + percent(*row.rel_delta) : "-",
                    tolerance_text(row.tolerance), to_string(row.direction), to_string(row.verdict)});
  }
  return rows;
}

std::string result_line(const Report& r, const Options& o) {
  std::string out = r.failed(o) ? "FAIL" : "PASS";
  out += ": " + std::to_string(r.count(Verdict::regressed)) + " regressed, " +
         std::to_string(r.count(Verdict::improved)) + " improved, " + std::to_string(r.count(Verdict::missing)) +
         " missing, " + std::to_string(r.count(Verdict::new_metric)) + " new, " + std::to_string(r.count(Verdict::ok)) +
         " ok";
  return out;
}

} // namespace

const char* to_string(Direction d) {
  switch (d) {
  case Direction::lower_is_better:
    return "lower_is_better";
  case Direction::higher_is_better:
    return "higher_is_better";
  case Direction::both:
    return "both";
  }
  return "both";
}

std::optional<Direction> parse_direction(const std::string& text) {
  for (const auto d : {Direction::lower_is_better, Direction::higher_is_better, Direction::both})
    if (text == to_string(d)) return d;
  return std::nullopt;
}

Direction default_direction(const std::string& metric) {
  const auto* m = metrics::find_metric(metrics::Section::summary, metric);
  if (m == nullptr) return Direction::both; // not declared (a file from another version): any change is suspicious
  switch (m->direction) {
  case metrics::Direction::lower_is_better:
    return Direction::lower_is_better;
  case metrics::Direction::higher_is_better:
    return Direction::higher_is_better;
  case metrics::Direction::descriptive:
    break;
  }
  return Direction::both;
}

constexpr double rounding_level = 1e-9;

Tolerance Tolerances::resolve(const std::string& metric) const {
  Tolerance t = fallback;
  t.direction.reset();
  if (const auto it = metrics.find(metric); it != metrics.end()) {
    if (it->second.relative || it->second.absolute) {
      t.relative = it->second.relative;
      t.absolute = it->second.absolute;
    }
    t.direction = it->second.direction;
  }
  if (!t.direction) t.direction = fallback.direction ? *fallback.direction : default_direction(metric);
  // Numerical self-checks such as littles_law_relative_error sit at rounding level (1e-16) and move by 50% between
  // equivalent runs: unless a tolerance names them, anything under the engine's own bound (1e-9) is ok.
  if (metrics.find(metric) == metrics.end() && ends_with(metric, "relative_error") && !t.absolute)
    t.absolute = rounding_level;
  return t;
}

Tolerance parse_tolerance_text(const std::string& text, const std::string& what) {
  bool pct = false;
  const auto number = parse_number_or_percent(text, &pct);
  if (!number || *number < 0)
    throw RegressError(what +
                       ": expected a tolerance such as 5% (relative) or 0.01 (absolute, the metric's unit), "
                       "got '" +
                       text + "'");
  Tolerance t;
  if (pct)
    t.relative = *number;
  else
    t.absolute = *number;
  return t;
}

void merge_into(Tolerance& base, const Tolerance& over) {
  if (over.relative || over.absolute) {
    base.relative = over.relative ? over.relative : base.relative;
    base.absolute = over.absolute ? over.absolute : base.absolute;
  }
  if (over.direction) base.direction = over.direction;
}

const char* to_string(Verdict v) {
  switch (v) {
  case Verdict::ok:
    return "ok";
  case Verdict::regressed:
    return "regressed";
  case Verdict::improved:
    return "improved";
  case Verdict::new_metric:
    return "new";
  case Verdict::missing:
    return "missing";
  }
  return "ok";
}

int Report::count(Verdict v) const {
  return static_cast<int>(std::count_if(rows.begin(), rows.end(), [v](const Row& r) { return r.verdict == v; }));
}

bool Report::failed(const Options& options) const {
  return count(Verdict::regressed) > 0 || (!options.allow_missing && count(Verdict::missing) > 0) ||
         (options.fail_on_improvement && count(Verdict::improved) > 0);
}

Report compare(const Metrics& baseline, const Metrics& current, const Tolerances& tolerances) {
  Report report;
  const auto find = [](const Metrics& m, const std::string& name) -> std::optional<double> {
    for (const auto& [k, v] : m)
      if (k == name) return v;
    return std::nullopt;
  };
  const auto make = [&](const std::string& name, std::optional<double> base, std::optional<double> cur) {
    Row row;
    row.metric = name;
    row.baseline = base;
    row.current = cur;
    row.tolerance = tolerances.resolve(name);
    row.direction = *row.tolerance.direction;
    if (!base) {
      row.verdict = Verdict::new_metric;
    } else if (!cur) {
      row.verdict = Verdict::missing;
    } else {
      row.delta = *cur - *base;
      if (*base != 0)
        row.rel_delta = row.delta / std::fabs(*base);
      else if (row.delta == 0)
        row.rel_delta = 0.0;
      if (within(row.tolerance, *base, *cur)) {
        row.verdict = Verdict::ok;
      } else if (std::isnan(row.delta) || row.direction == Direction::both) {
        row.verdict = Verdict::regressed;
      } else {
        const bool better = row.direction == Direction::lower_is_better ? row.delta < 0 : row.delta > 0;
        row.verdict = better ? Verdict::improved : Verdict::regressed;
      }
    }
    report.rows.push_back(std::move(row));
  };
  std::set<std::string> seen;
  for (const auto& [name, value] : baseline)
    if (seen.insert(name).second) make(name, value, find(current, name));
  for (const auto& [name, value] : current)
    if (seen.insert(name).second) make(name, std::nullopt, value);
  return report;
}

std::vector<RunComparison> compare_runs_by_name(const std::vector<NamedRun>& baseline,
                                                const std::vector<NamedRun>& current, const Tolerances& tolerances) {
  std::vector<RunComparison> out;
  std::set<std::string> seen;
  const auto find = [](const std::vector<NamedRun>& runs, const std::string& name) -> const NamedRun* {
    for (const auto& r : runs)
      if (r.name == name) return &r;
    return nullptr;
  };
  for (const auto& b : baseline) {
    if (!seen.insert(b.name).second) continue;
    RunComparison rc;
    rc.name = b.name;
    if (const auto* c = find(current, b.name))
      rc.report = compare(b.metrics, c->metrics, tolerances);
    else
      rc.presence = Verdict::missing;
    out.push_back(std::move(rc));
  }
  for (const auto& c : current)
    if (seen.insert(c.name).second) out.push_back({c.name, Verdict::new_metric, {}});
  return out;
}

bool failed(const std::vector<RunComparison>& runs, const Options& options) {
  return std::any_of(runs.begin(), runs.end(), [&](const RunComparison& r) {
    return (r.presence == Verdict::missing && !options.allow_missing) || r.report.failed(options);
  });
}

std::string format_table(const Report& r, const Options& options, bool show_ok) {
  const auto rows = cells(r, show_ok);
  std::vector<std::size_t> width(rows.front().size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      const std::string pad(width[i] - row[i].size(), ' ');
      const bool left = i == 0 || i + 2 >= row.size();
      line += (i ? "  " : "") + (left ? row[i] + pad : pad + row[i]);
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  }
  return out + result_line(r, options) + "\n";
}

std::string format_markdown(const Report& r, const Options& options, bool show_ok) {
  const auto rows = cells(r, show_ok);
  std::string out;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    out += "|";
    for (std::size_t i = 0; i < rows[k].size(); ++i) {
      const bool flag = k > 0 && i + 1 == rows[k].size() && rows[k][i] != "ok";
      out += " " + (flag ? "**" + rows[k][i] + "**" : (i == 0 && k > 0 ? "`" + rows[k][i] + "`" : rows[k][i])) + " |";
    }
    out += "\n";
    if (k == 0) out += "|---|---:|---:|---:|---:|---:|---|---|\n";
  }
  return out + "\n**" + result_line(r, options) + "**\n";
}

std::string format_json(const Report& r, const Options& options) {
  using platforms::json_string;
  std::string out = "{\n  \"result\": " + json_string(r.failed(options) ? "fail" : "pass") + ",\n  \"counts\": {";
  bool first = true;
  for (const auto v : {Verdict::ok, Verdict::regressed, Verdict::improved, Verdict::new_metric, Verdict::missing}) {
    out += std::string(first ? "" : ", ") + json_string(to_string(v)) + ": " + std::to_string(r.count(v));
    first = false;
  }
  out += "},\n  \"metrics\": [";
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    const auto& row = r.rows[i];
    out +=
        std::string(i ? "," : "") + "\n    {\"metric\": " + json_string(row.metric) +
        ", \"baseline\": " + json_number(row.baseline) + ", \"current\": " + json_number(row.current) +
        ", \"delta\": " + json_number(row.baseline && row.current ? std::optional<double>(row.delta) : std::nullopt) +
        ", \"rel_delta\": " + json_number(row.rel_delta) +
        ", \"tolerance_relative\": " + json_number(row.tolerance.relative) +
        ", \"tolerance_absolute\": " + json_number(row.tolerance.absolute) +
        ", \"direction\": " + json_string(to_string(row.direction)) +
        ", \"verdict\": " + json_string(to_string(row.verdict)) + "}";
  }
  return out + "\n  ]\n}\n";
}

namespace {

std::string where(const std::string& path, const YAML::Node& node) {
  const auto m = node.Mark();
  return m.is_null() ? path : path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

Tolerance tolerance_node(const std::string& path, const YAML::Node& node, const std::string& what) {
  if (node.IsScalar()) return parse_tolerance_text(node.Scalar(), where(path, node) + ": " + what);
  if (!node.IsMap())
    throw RegressError(where(path, node) + ": " + what +
                       ": expected a tolerance (5%, 0.01) or a map with relative, absolute, direction");
  Tolerance t;
  for (const auto& kv : node) {
    const auto key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    const std::string at = where(path, v) + ": " + what + "." + key;
    if (!v.IsScalar()) throw RegressError(at + ": expected a value");
    if (key == "relative") {
      const auto p = parse_tolerance_text(v.Scalar(), at);
      if (!p.relative) throw RegressError(at + ": expected a percentage such as 5%, got '" + v.Scalar() + "'");
      t.relative = p.relative;
    } else if (key == "absolute") {
      const auto p = parse_tolerance_text(v.Scalar(), at);
      if (!p.absolute)
        throw RegressError(at + ": expected a plain number (the metric's unit), got '" + v.Scalar() + "'");
      t.absolute = p.absolute;
    } else if (key == "direction") {
      t.direction = parse_direction(v.Scalar());
      if (!t.direction)
        throw RegressError(at + ": expected lower_is_better, higher_is_better or both, got '" + v.Scalar() + "'");
    } else {
      throw RegressError(where(path, kv.first) + ": " + what + ": unknown key '" + key +
                         "' (valid: relative, absolute, direction)");
    }
  }
  return t;
}

} // namespace

Tolerances load_tolerances(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw RegressError(path + ": cannot read tolerance file");
  } catch (const YAML::Exception& e) {
    throw RegressError(path + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
  Tolerances t;
  if (root.IsNull()) return t;
  if (!root.IsMap()) throw RegressError(where(path, root) + ": a tolerance file is a map with default and metrics");
  for (const auto& kv : root) {
    const auto key = kv.first.as<std::string>();
    if (key == "default") {
      merge_into(t.fallback, tolerance_node(path, kv.second, "default"));
    } else if (key == "metrics") {
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsMap())
        throw RegressError(where(path, kv.second) + ": metrics: expected a map metric -> tolerance");
      for (const auto& m : kv.second) {
        const auto name = m.first.as<std::string>();
        t.metrics[name] = tolerance_node(path, m.second, "metrics." + name);
      }
    } else {
      throw RegressError(where(path, kv.first) + ": unknown key '" + key + "' (valid: default, metrics)");
    }
  }
  return t;
}

Metrics load_summary(const std::string& path) {
  try {
    return read_results(path).summary;
  } catch (const std::exception& e) {
    throw RegressError(std::string(e.what()).find(path) == std::string::npos ? path + ": " + e.what() : e.what());
  }
}

std::optional<std::vector<NamedRun>> load_sweep_runs(const std::string& path) {
  try {
    const auto entries = sweep::read_merged_runs(path);
    if (!entries) return std::nullopt;
    std::vector<NamedRun> runs;
    for (const auto& e : *entries)
      runs.push_back({e.name, read_results(path, e.group).summary});
    return runs;
  } catch (const RegressError&) {
    throw;
  } catch (const std::exception& e) {
    throw RegressError(std::string(e.what()).find(path) == std::string::npos ? path + ": " + e.what() : e.what());
  }
}

std::string format_runs(const std::vector<RunComparison>& runs, const Options& options, const std::string& format,
                        bool show_ok) {
  std::size_t regressed = 0, missing = 0, added = 0;
  for (const auto& r : runs) {
    if (r.presence == Verdict::missing) ++missing;
    if (r.presence == Verdict::new_metric) ++added;
    if (r.report.failed(options)) ++regressed;
  }
  const bool fail = failed(runs, options);
  const std::string closing = std::string(fail ? "FAIL" : "PASS") + ": " + std::to_string(runs.size()) + " runs, " +
                              std::to_string(regressed) + " failing their tolerances, " + std::to_string(missing) +
                              " missing from the current file" +
                              (missing && options.allow_missing ? " (allowed)" : "") + ", " + std::to_string(added) +
                              " only in the current file";
  const auto presence = [](const RunComparison& r) {
    return r.presence == Verdict::missing ? "missing from the current file" : "only in the current file";
  };
  std::string out;
  if (format == "json") {
    using platforms::json_string;
    out = "{\n\"result\": " + json_string(fail ? "fail" : "pass") + ",\n\"runs\": [";
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const auto& r = runs[i];
      out += std::string(i ? "," : "") + "\n{\"run\": " + json_string(r.name) + ", \"presence\": " +
             json_string(r.presence == Verdict::ok        ? "both"
                         : r.presence == Verdict::missing ? "missing"
                                                          : "new");
      if (r.presence == Verdict::ok) out += ", \"report\": " + format_json(r.report, options);
      out += "}";
    }
    return out + "\n]\n}\n";
  }
  for (const auto& r : runs) {
    const bool quiet = r.presence == Verdict::ok && !r.report.failed(options) &&
                       r.report.count(Verdict::improved) == 0 && r.report.count(Verdict::new_metric) == 0;
    if (quiet && !show_ok) continue;
    const std::string head = r.presence == Verdict::ok ? r.name : r.name + ": " + presence(r);
    if (format == "markdown") {
      out += "### " + head + "\n\n";
      if (r.presence == Verdict::ok) out += format_markdown(r.report, options, show_ok) + "\n";
    } else {
      out += "== run " + head + "\n";
      if (r.presence == Verdict::ok) out += format_table(r.report, options, show_ok) + "\n";
    }
  }
  return out + (format == "markdown" ? "**" + closing + "**\n" : closing + "\n");
}

} // namespace racksim::sim::regress
