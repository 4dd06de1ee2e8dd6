#include "sim/tools/compare.hpp"

#include "platforms/analysis.hpp"

#include "sim/results/results.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

namespace racksim::sim::compare {

namespace {

using platforms::exact_number_text;
using platforms::number_text;

const std::string unset_value = "(unset)";

std::string flow_text(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Scalar:
    return node.Scalar();
  case YAML::NodeType::Sequence: {
    std::string out = "[";
    for (std::size_t i = 0; i < node.size(); ++i)
      out += (i ? ", " : "") + flow_text(node[i]);
    return out + "]";
  }
  case YAML::NodeType::Map: {
    std::string out = "{";
    bool first = true;
    for (const auto& kv : node) {
      out += (first ? "" : ", ") + kv.first.as<std::string>() + ": " + flow_text(kv.second);
      first = false;
    }
    return out + "}";
  }
  default:
    return "";
  }
}

void flatten_into(const YAML::Node& node, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const auto key = kv.first.as<std::string>();
      flatten_into(kv.second, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else {
    out[prefix] = flow_text(node);
  }
}

std::string value_or_unset(const std::map<std::string, std::string>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? unset_value : it->second;
}

// The settings that identify a variant: everything but the seed.
std::map<std::string, std::string> without_seed(const std::map<std::string, std::string>& settings) {
  auto out = settings;
  out.erase("seed");
  return out;
}

std::string file_name(const std::string& path) {
  const auto name = std::filesystem::path(path).filename().string();
  return name.empty() ? path : name;
}


std::string fmt_p(double p) {
  if (p < 1e-4) return number_text(p, "%.2e");
  return number_text(p, "%.4f");
}

using platforms::json_string;

std::string json_number(double v) {
  return std::isfinite(v) ? exact_number_text(v) : "null";
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Left-aligned first `left` columns (and the last one when last_left), the others right-aligned; two spaces
// between columns.
std::string aligned(const std::vector<std::vector<std::string>>& rows, std::size_t left, const std::string& indent,
                    bool last_left = false) {
  std::vector<std::size_t> width;
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line = indent;
    for (std::size_t i = 0; i < r.size(); ++i) {
      const std::string pad(width[i] - r[i].size(), ' ');
      const bool is_left = i < left || (last_left && i + 1 == r.size());
      line += (i ? "  " : "") + (is_left ? r[i] + pad : pad + r[i]);
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string seeds_text(const std::vector<Run>& runs, const Variant& v) {
  std::string out;
  for (const auto i : v.runs)
    out += (out.empty() ? "" : ", ") + std::to_string(runs[i].seed);
  return out;
}

} // namespace

std::map<std::string, std::string> flatten_yaml(const std::string& yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw CompareError(std::string("scenario is not YAML: ") + e.what());
  }
  if (!root.IsMap()) throw CompareError("scenario is not a YAML mapping");
  std::map<std::string, std::string> out;
  flatten_into(root, "", out);
  return out;
}

std::vector<Variant> group_runs(const std::vector<Run>& runs, const std::string& group_by,
                                std::size_t max_label_settings) {
  std::vector<Variant> variants;
  std::vector<std::map<std::string, std::string>> keys; // per variant: what its runs share
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::map<std::string, std::string> key;
    if (group_by.empty())
      key = without_seed(runs[i].settings);
    else
      key[group_by] = value_or_unset(runs[i].settings, group_by);
    const auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) {
      keys.push_back(key);
      variants.push_back(Variant{"", {i}, {}});
    } else {
      variants[static_cast<std::size_t>(it - keys.begin())].runs.push_back(i);
    }
  }
  // The settings whose value is not the same in every variant.
  std::set<std::string> all_keys;
  for (const auto& k : keys)
    for (const auto& [name, value] : k)
      all_keys.insert(name);
  std::vector<std::string> differing;
  for (const auto& name : all_keys) {
    const auto first = value_or_unset(keys.front(), name);
    for (const auto& k : keys)
      if (value_or_unset(k, name) != first) {
        differing.push_back(name);
        break;
      }
  }
  std::set<std::string> used;
  for (std::size_t v = 0; v < variants.size(); ++v) {
    auto& var = variants[v];
    for (const auto& name : differing)
      var.differing[name] = value_or_unset(keys[v], name);
    std::string label;
    if (!differing.empty() && differing.size() <= max_label_settings) {
      for (const auto& name : differing)
        label += (label.empty() ? "" : ", ") + name + "=" + var.differing[name];
    } else {
      label = file_name(runs[var.runs.front()].file);
    }
    std::string unique = label;
    for (int k = 2; used.count(unique); ++k)
      unique = label + " #" + std::to_string(k);
    used.insert(unique);
    var.label = unique;
  }
  return variants;
}

std::vector<std::string> design_warnings(const std::vector<Run>& runs, const std::vector<Variant>& variants) {
  std::vector<std::string> out;
  bool unequal = false;
  for (const auto& v : variants)
    unequal = unequal || v.runs.size() != variants.front().runs.size();
  if (unequal) {
    std::string sizes;
    for (const auto& v : variants)
      sizes += (sizes.empty() ? "" : ", ") + v.label + ": " + std::to_string(v.runs.size());
    out.push_back("the variants have different numbers of runs (" + sizes + ")");
  }
  for (const auto& v : variants) {
    std::map<std::uint64_t, std::vector<std::string>> by_seed;
    for (const auto i : v.runs)
      by_seed[runs[i].seed].push_back(file_name(runs[i].file));
    for (const auto& [seed, files] : by_seed)
      if (files.size() > 1) {
        std::string names;
        for (const auto& f : files)
          names += (names.empty() ? "" : ", ") + f;
        out.push_back("variant '" + v.label + "': seed " + std::to_string(seed) + " appears " +
                      std::to_string(files.size()) + " times (" + names +
                      "); repeated seeds are not independent samples");
      }
    for (const auto i : v.runs)
      if (runs[i].build != runs[v.runs.front()].build) {
        out.push_back("variant '" + v.label + "' mixes results of different builds (" +
                      file_name(runs[v.runs.front()].file) + ": " + runs[v.runs.front()].build + ", " +
                      file_name(runs[i].file) + ": " + runs[i].build + ")");
        break;
      }
    // With --group-by, the runs of a variant may differ in more than the seed: say so once.
    const auto first = without_seed(runs[v.runs.front()].settings);
    for (const auto i : v.runs) {
      const auto other = without_seed(runs[i].settings);
      if (other == first) continue;
      std::string name;
      for (const auto& [k, val] : first)
        if (value_or_unset(other, k) != val) {
          name = k;
          break;
        }
      if (name.empty())
        for (const auto& [k, val] : other)
          if (value_or_unset(first, k) != val) {
            name = k;
            break;
          }
      out.push_back("variant '" + v.label + "' mixes runs whose settings differ in more than the seed (" + name + ": " +
                    file_name(runs[v.runs.front()].file) + " vs " + file_name(runs[i].file) + ")");
      break;
    }
  }
  return out;
}

std::vector<std::string> select_metrics(const std::vector<Run>& runs, const std::vector<std::string>& wanted) {
  const auto has = [](const Run& r, const std::string& m) {
    return std::any_of(r.summary.begin(), r.summary.end(), [&](const auto& kv) { return kv.first == m; });
  };
  if (!wanted.empty()) {
    for (const auto& m : wanted)
      for (const auto& r : runs)
        if (!has(r, m)) throw CompareError(r.file + ": no /summary attribute '" + m + "'");
    return wanted;
  }
  std::vector<std::string> out;
  if (runs.empty()) return out;
  for (const auto& [name, value] : runs.front().summary)
    if (std::all_of(runs.begin(), runs.end(), [&](const Run& r) { return has(r, name); })) out.push_back(name);
  return out;
}

Describe describe(const std::vector<double>& values, double confidence, std::size_t* dropped) {
  std::vector<double> v;
  for (const double x : values)
    if (std::isfinite(x)) v.push_back(x);
  if (dropped) *dropped = values.size() - v.size();
  Describe d;
  d.n = v.size();
  if (v.empty()) return d;
  const bool all_equal = std::all_of(v.begin(), v.end(), [&](double x) { return x == v.front(); });
  if (all_equal) {
    d.mean = v.front(); // exact, where sum / n may round
  } else {
    double sum = 0;
    for (const double x : v)
      sum += x;
    d.mean = sum / static_cast<double>(v.size());
  }
  if (d.n < 2) return d;
  if (!all_equal) {
    double ss = 0;
    for (const double x : v)
      ss += (x - d.mean) * (x - d.mean);
    d.sd = std::sqrt(ss / static_cast<double>(d.n - 1));
  }
  const boost::math::students_t dist(static_cast<double>(d.n - 1));
  const double t = boost::math::quantile(boost::math::complement(dist, (1 - confidence) / 2));
  const double half = t * d.sd / std::sqrt(static_cast<double>(d.n));
  d.has_ci = true;
  d.ci_low = d.mean - half;
  d.ci_high = d.mean + half;
  return d;
}

const char* verdict_name(Verdict v) {
  switch (v) {
  case Verdict::baseline:
    return "baseline";
  case Verdict::significant:
    return "significant";
  case Verdict::not_significant:
    return "not significant";
  case Verdict::deterministic_difference:
    return "deterministic difference";
  case Verdict::unavailable:
    return "n/a";
  }
  return "?";
}

Welch welch_test(const Describe& a, const Describe& b, double alpha) {
  Welch w;
  if (a.n < 1 || b.n < 1) return w;
  if (a.n >= 2 && b.n >= 2 && a.sd == 0 && b.sd == 0) {
    // No spread in either: a t statistic is undefined; the means are equal or they are not.
    if (a.mean == b.mean) {
      w.p = 1;
      w.verdict = Verdict::not_significant;
    } else {
      w.p = 0;
      w.verdict = Verdict::deterministic_difference;
    }
    return w;
  }
  if (a.n < 2 || b.n < 2) return w; // no variance estimate
  const double va = a.sd * a.sd / static_cast<double>(a.n);
  const double vb = b.sd * b.sd / static_cast<double>(b.n);
  const double se2 = va + vb;
  w.available = true;
  w.t = (b.mean - a.mean) / std::sqrt(se2);
  w.dof = se2 * se2 / (va * va / static_cast<double>(a.n - 1) + vb * vb / static_cast<double>(b.n - 1));
  const boost::math::students_t dist(w.dof);
  w.p = std::min(1.0, 2 * boost::math::cdf(boost::math::complement(dist, std::fabs(w.t))));
  w.verdict = w.p < alpha ? Verdict::significant : Verdict::not_significant;
  return w;
}

std::optional<double> relative_delta(double base, double mean) {
  if (base == 0) return mean == 0 ? std::optional<double>(0.0) : std::nullopt;
  return (mean - base) / std::fabs(base);
}

Comparison compare_runs(const std::vector<Run>& runs, const Options& options) {
  if (runs.empty()) throw CompareError("no results files to compare");
  if (!(options.alpha > 0 && options.alpha < 1)) throw CompareError("--alpha must be in (0, 1)");
  if (!(options.confidence > 0 && options.confidence < 1)) throw CompareError("--confidence must be in (0, 1)");
  Comparison c;
  c.alpha = options.alpha;
  c.confidence = options.confidence;
  c.variants = group_runs(runs, options.group_by);
  c.warnings = design_warnings(runs, c.variants);
  for (const auto& metric : select_metrics(runs, options.metrics)) {
    MetricRow row;
    row.metric = metric;
    for (const auto& v : c.variants) {
      std::vector<double> values;
      for (const auto i : v.runs)
        for (const auto& [name, value] : runs[i].summary)
          if (name == metric) {
            values.push_back(value);
            break;
          }
      Cell cell;
      cell.stats = describe(values, options.confidence, &cell.dropped);
      if (cell.dropped > 0)
        c.warnings.push_back(metric + ", variant '" + v.label + "': " + std::to_string(cell.dropped) +
                             " non-finite value(s) left out");
      row.cells.push_back(cell);
    }
    const auto& base = row.cells.front().stats;
    row.cells.front().test.verdict = Verdict::baseline;
    for (std::size_t k = 1; k < row.cells.size(); ++k) {
      auto& cell = row.cells[k];
      if (cell.stats.n > 0 && base.n > 0) cell.rel_delta = relative_delta(base.mean, cell.stats.mean);
      cell.test = welch_test(base, cell.stats, options.alpha);
    }
    c.metrics.push_back(std::move(row));
  }
  return c;
}

std::string format_table(const Comparison& c, const std::vector<Run>& runs) {
  std::ostringstream out;
  const auto ci_pct = number_text(c.confidence * 100, "%g") + "%";
  out << "variants (" << c.variants.size() << "; the first is the baseline):\n";
  std::vector<std::vector<std::string>> vrows;
  for (const auto& v : c.variants) {
    std::string files;
    for (const auto i : v.runs)
      files += (files.empty() ? "" : " ") + file_name(runs[i].file);
    vrows.push_back({v.label, std::to_string(v.runs.size()) + (v.runs.size() == 1 ? " run" : " runs"),
                     "seeds " + seeds_text(runs, v), files});
  }
  out << aligned(vrows, 4, "  ");
  out << "mean +/- sample sd; " << ci_pct << " CI of the mean (Student t, n-1 dof); delta and Welch t-test vs "
      << "the baseline, significant when p < " << number_text(c.alpha, "%g") << "\n";
  // Metrics with one value in every run (counters that are 0, the GPU count) say nothing about the variants: one line.
  std::string constant;
  for (const auto& m : c.metrics) {
    const bool same = std::all_of(m.cells.begin(), m.cells.end(), [&](const Cell& cell) {
      return cell.stats.n > 0 && cell.stats.sd == 0 && cell.stats.mean == m.cells.front().stats.mean;
    });
    if (same) constant += (constant.empty() ? "" : ", ") + m.metric + "=" + number_text(m.cells.front().stats.mean);
  }
  for (const auto& m : c.metrics) {
    const bool same = std::all_of(m.cells.begin(), m.cells.end(), [&](const Cell& cell) {
      return cell.stats.n > 0 && cell.stats.sd == 0 && cell.stats.mean == m.cells.front().stats.mean;
    });
    if (same) continue;
    out << "\n" << m.metric << "\n";
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"variant", "n", "mean", "sd", ci_pct + " CI", "delta", "p", "verdict"});
    for (std::size_t k = 0; k < m.cells.size(); ++k) {
      const auto& cell = m.cells[k];
      const auto& s = cell.stats;
      std::vector<std::string> r{c.variants[k].label, std::to_string(s.n)};
      r.push_back(s.n > 0 ? number_text(s.mean) : "-");
      r.push_back(s.n > 1 ? number_text(s.sd) : "-");
      r.push_back(s.has_ci ? "[" + number_text(s.ci_low) + ", " + number_text(s.ci_high) + "]" : "n/a (n<2)");
      if (k == 0) {
        r.push_back("");
      } else {
        std::string delta = "-";
        if (cell.rel_delta) {
          delta = number_text(*cell.rel_delta * 100, "%+.2f") + "%";
          if (delta == "-0.00%") delta = "+0.00%"; // rounding of equal means summed in another order
        }
        r.push_back(delta);
      }
      r.push_back(cell.test.available ? fmt_p(cell.test.p) : (k == 0 ? "" : "-"));
      std::string verdict = verdict_name(cell.test.verdict);
      if (cell.test.verdict == Verdict::unavailable) verdict = "n/a (needs n>=2 in both)";
      r.push_back(verdict);
      rows.push_back(r);
    }
    out << aligned(rows, 1, "  ", true);
  }
  if (!constant.empty()) out << "\nthe same in every run: " << constant << "\n";
  return out.str();
}

std::string format_csv(const Comparison& c) {
  std::ostringstream out;
  out << "metric,variant,n,mean,sd,ci_low,ci_high,rel_delta,t,dof,p,verdict\n";
  for (const auto& m : c.metrics)
    for (std::size_t k = 0; k < m.cells.size(); ++k) {
      const auto& cell = m.cells[k];
      const auto& s = cell.stats;
      const auto& w = cell.test;
      out << csv_field(m.metric) << "," << csv_field(c.variants[k].label) << "," << s.n << ","
          << (s.n > 0 ? exact_number_text(s.mean) : "") << "," << (s.n > 1 ? exact_number_text(s.sd) : "") << ","
          << (s.has_ci ? exact_number_text(s.ci_low) : "") << "," << (s.has_ci ? exact_number_text(s.ci_high) : "") << ","
          << (cell.rel_delta ? exact_number_text(*cell.rel_delta) : "") << "," << (w.available ? exact_number_text(w.t) : "") << ","
          << (w.available ? exact_number_text(w.dof) : "") << "," << (w.available ? exact_number_text(w.p) : "") << ","
          << csv_field(verdict_name(w.verdict)) << "\n";
    }
  return out.str();
}

std::string format_json(const Comparison& c, const std::vector<Run>& runs) {
  std::ostringstream out;
  out << "{\"alpha\": " << json_number(c.alpha) << ", \"confidence\": " << json_number(c.confidence)
      << ",\n \"variants\": [";
  for (std::size_t k = 0; k < c.variants.size(); ++k) {
    const auto& v = c.variants[k];
    out << (k ? ",\n  " : "\n  ") << "{\"label\": " << json_string(v.label) << ", \"settings\": {";
    bool first = true;
    for (const auto& [name, value] : v.differing) {
      out << (first ? "" : ", ") << json_string(name) << ": " << json_string(value);
      first = false;
    }
    out << "}, \"files\": [";
    for (std::size_t i = 0; i < v.runs.size(); ++i)
      out << (i ? ", " : "") << json_string(runs[v.runs[i]].file);
    out << "], \"seeds\": [";
    for (std::size_t i = 0; i < v.runs.size(); ++i)
      out << (i ? ", " : "") << runs[v.runs[i]].seed;
    out << "]}";
  }
  out << "],\n \"warnings\": [";
  for (std::size_t i = 0; i < c.warnings.size(); ++i)
    out << (i ? ", " : "") << json_string(c.warnings[i]);
  out << "],\n \"metrics\": [";
  for (std::size_t mi = 0; mi < c.metrics.size(); ++mi) {
    const auto& m = c.metrics[mi];
    out << (mi ? ",\n  " : "\n  ") << "{\"name\": " << json_string(m.metric) << ", \"variants\": [";
    for (std::size_t k = 0; k < m.cells.size(); ++k) {
      const auto& cell = m.cells[k];
      const auto& s = cell.stats;
      const auto& w = cell.test;
      const auto num_or_null = [](bool ok, double v) { return ok ? json_number(v) : std::string("null"); };
      out << (k ? ",\n    " : "\n    ") << "{\"label\": " << json_string(c.variants[k].label) << ", \"n\": " << s.n
          << ", \"mean\": " << num_or_null(s.n > 0, s.mean) << ", \"sd\": " << num_or_null(s.n > 1, s.sd)
          << ", \"ci_low\": " << num_or_null(s.has_ci, s.ci_low)
          << ", \"ci_high\": " << num_or_null(s.has_ci, s.ci_high)
          << ", \"rel_delta\": " << num_or_null(cell.rel_delta.has_value(), cell.rel_delta.value_or(0))
          << ", \"t\": " << num_or_null(w.available, w.t) << ", \"dof\": " << num_or_null(w.available, w.dof)
          << ", \"p\": " << num_or_null(w.available, w.p) << ", \"verdict\": " << json_string(verdict_name(w.verdict))
          << "}";
    }
    out << "]}";
  }
  out << "]}\n";
  return out.str();
}

std::vector<Run> load_runs(const std::vector<std::string>& files) {
  std::vector<Run> runs;
  for (const auto& file : files) {
    ResultSet rs;
    try {
      rs = read_results(file);
    } catch (const std::exception& e) {
      throw CompareError(e.what()); // read_results names the file
    }
    Run run;
    run.file = file;
    run.seed = rs.meta.seed;
    run.build = "racksim " + rs.meta.racksim_version + " (" + rs.meta.git_sha + ")";
    if (rs.meta.scenario_yaml.empty())
      throw CompareError(file + ": not a racksim results file (/meta scenario_yaml is empty)");
    try {
      run.settings = flatten_yaml(rs.meta.scenario_yaml);
    } catch (const CompareError& e) {
      throw CompareError(file + ": /meta scenario_yaml: " + e.what());
    }
    run.summary = std::move(rs.summary);
    runs.push_back(std::move(run));
  }
  return runs;
}

} // namespace racksim::sim::compare
