// Sweep files: parsing, expansion into runs, validation up front (docs/sweeps.md). Execution is in
// sweep_exec.cpp, the merged HDF5 file in sweep_merge.cpp.

#include "sim/tools/sweep.hpp"

#include "sim/config/scenario.hpp"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

namespace racksim::sim::sweep {
namespace {

namespace fs = std::filesystem;

Diagnostic at(const std::string& file, const YAML::Node& node, std::string message) {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return {file, 0, 0, std::move(message)};
  return {file, m.line + 1, m.column + 1, std::move(message)};
}

// The value as written: a scalar's text, anything else in YAML flow style (parsed again by `--set`).
std::string value_text(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

struct Override {
  std::string key;
  std::string value;
  YAML::Node where; // the key's node, for diagnostics
  std::string text() const { return key + "=" + value; }
};

class Parser {
 public:
  Parser(std::string path) : path_(std::move(path)) {}

  // Overrides with their origin, for mapping `--set` diagnostics back to the sweep file.
  std::map<std::string, YAML::Node> origin;

  Sweep parse(const std::string& text, std::string& scenario_rel, YAML::Node& scenario_node) {
    Sweep sweep;
    sweep.path = path_;
    sweep.text = text;
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      throw ScenarioError({{path_, e.mark.line + 1, e.mark.column + 1, "not valid YAML: " + e.msg}});
    }
    if (!root.IsMap())
      throw ScenarioError({{path_, 1, 1,
                            "a sweep file is a mapping (name, scenario, set, grid, "
                            "variants, seeds)"}});
    static const std::set<std::string> known = {"name", "scenario", "set", "grid", "variants", "seeds"};
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (known.count(key) == 0)
        error(kv.first, "unknown key '" + key + "' (expected name, scenario, set, grid, variants, seeds)");
    }

    sweep.name = fs::path(path_).stem().string();
    if (const auto n = root["name"]) {
      if (!n.IsScalar() || n.Scalar().empty())
        error(n, "name: expected a non-empty string");
      else
        sweep.name = n.Scalar();
    }
    scenario_node = root["scenario"];
    if (!scenario_node) {
      error(root, "scenario: missing (the scenario file, relative to the sweep file)");
    } else if (!scenario_node.IsScalar() || scenario_node.Scalar().empty()) {
      error(scenario_node, "scenario: expected a file name");
    } else {
      scenario_rel = scenario_node.Scalar();
    }

    std::vector<Override> base;
    if (const auto s = root["set"]) read_map(s, "set", base);

    // grid: key -> list of values
    std::vector<std::pair<Override, std::vector<Override>>> grid; // (key node, values)
    if (const auto g = root["grid"]) {
      if (!g.IsMap()) {
        error(g, "grid: expected a mapping of setting key -> list of values");
      } else {
        for (const auto& kv : g) {
          const std::string key = kv.first.as<std::string>();
          if (!kv.second.IsSequence()) {
            error(kv.first, "grid: " + key + ": expected a list of values");
            continue;
          }
          if (kv.second.size() == 0) {
            error(kv.first, "grid: " + key + ": empty list (a grid key needs at least one value)");
            continue;
          }
          std::vector<Override> values;
          std::set<std::string> seen;
          for (const auto& v : kv.second) {
            Override o{key, value_text(v), v};
            if (!seen.insert(o.value).second) error(v, "grid: " + key + ": value '" + o.value + "' listed twice");
            remember(o);
            values.push_back(std::move(o));
          }
          for (const auto& p : grid)
            if (p.first.key == key) error(kv.first, "grid: " + key + ": listed twice");
          grid.emplace_back(Override{key, "", kv.first}, std::move(values));
          sweep.parameters.push_back(key);
        }
      }
    }

    struct Variant {
      std::string name;
      std::vector<Override> set;
    };
    std::vector<Variant> variants;
    if (const auto vs = root["variants"]) {
      if (!vs.IsSequence() || vs.size() == 0) {
        error(vs, "variants: expected a non-empty list of {name: ..., set: {key: value, ...}}");
      } else {
        std::set<std::string> names;
        for (const auto& v : vs) {
          if (!v.IsMap()) {
            error(v, "variants: each entry is {name: ..., set: {key: value, ...}}");
            continue;
          }
          Variant variant;
          for (const auto& kv : v) {
            const std::string k = kv.first.as<std::string>();
            if (k != "name" && k != "set") error(kv.first, "variants: unknown key '" + k + "' (expected name, set)");
          }
          if (!v["name"] || !v["name"].IsScalar() || v["name"].Scalar().empty()) {
            error(v, "variants: each variant needs a name");
          } else {
            variant.name = v["name"].Scalar();
            if (!names.insert(variant.name).second)
              error(v["name"], "variants: name '" + variant.name + "' used twice");
          }
          if (const auto s = v["set"]) read_map(s, "variants: " + variant.name + ": set", variant.set);
          for (const auto& o : variant.set)
            for (const auto& p : grid)
              if (p.first.key == o.key)
                error(o.where, "variants: " + variant.name + ": " + o.key + " is also a grid key; set it in one place");
          variants.push_back(std::move(variant));
        }
        sweep.parameters.push_back("variant");
      }
    }

    std::vector<std::int64_t> seeds; // empty: the scenario's own seed
    if (const auto s = root["seeds"]) read_seeds(s, seeds);

    if (!diagnostics_.empty()) throw ScenarioError(diagnostics_);

    // Expansion: grid points (the first key varies slowest), then variants, then seeds.
    std::size_t points = 1;
    for (const auto& g : grid)
      points *= g.second.size();
    const std::size_t nvariants = variants.empty() ? 1 : variants.size();
    const std::size_t nseeds = seeds.empty() ? 1 : seeds.size();
    const std::size_t total = points * nvariants * nseeds;
    if (total > 1000000)
      throw ScenarioError(
          {at(path_, root,
              "the sweep expands to " + std::to_string(total) + " runs; more than 1,000,000 is surely a mistake")});
    const int width = std::max<int>(4, static_cast<int>(std::to_string(total - 1).size()));
    std::int64_t index = 0;
    for (std::size_t p = 0; p < points; ++p) {
      std::vector<const Override*> point;
      std::size_t rest = p;
      for (std::size_t g = grid.size(); g-- > 0;) {
        point.insert(point.begin(), &grid[g].second[rest % grid[g].second.size()]);
        rest /= grid[g].second.size();
      }
      for (std::size_t v = 0; v < nvariants; ++v) {
        for (std::size_t s = 0; s < nseeds; ++s) {
          Run run;
          run.index = index;
          const std::string digits = std::to_string(index);
          run.name = "r" +
                     std::string(static_cast<std::size_t>(width) - std::min(digits.size(), std::size_t(width)), '0') +
                     digits;
          for (const auto& o : base)
            run.overrides.push_back(o.text());
          for (const Override* o : point) {
            run.overrides.push_back(o->text());
            run.parameters.push_back(o->value);
          }
          if (!variants.empty()) {
            for (const auto& o : variants[v].set)
              run.overrides.push_back(o.text());
            run.parameters.push_back(variants[v].name);
          }
          if (!seeds.empty()) {
            run.seed = seeds[s];
            run.overrides.push_back("seed=" + std::to_string(seeds[s]));
          }
          sweep.runs.push_back(std::move(run));
          ++index;
        }
      }
    }
    return sweep;
  }

 private:
  void error(const YAML::Node& node, std::string message) {
    diagnostics_.push_back(at(path_, node, std::move(message)));
  }

  void remember(const Override& o) { origin.emplace(o.text(), o.where); }

  void read_map(const YAML::Node& node, const std::string& what, std::vector<Override>& out) {
    if (!node.IsMap()) {
      error(node, what + ": expected a mapping of setting key -> value");
      return;
    }
    for (const auto& kv : node) {
      Override o{kv.first.as<std::string>(), value_text(kv.second), kv.first};
      if (o.key == "seed") {
        error(kv.first, what + ": seed: use the sweep's `seeds` list instead");
        continue;
      }
      remember(o);
      out.push_back(std::move(o));
    }
  }

  bool read_seed(const YAML::Node& n, std::int64_t& seed) {
    if (n.IsScalar()) {
      try {
        const auto v = n.as<long long>();
        if (v >= 0) {
          seed = v;
          return true;
        }
      } catch (const YAML::Exception&) {
      }
    }
    error(n, "seeds: '" + value_text(n) + "' is not a seed (an integer >= 0)");
    return false;
  }

  void read_seeds(const YAML::Node& s, std::vector<std::int64_t>& seeds) {
    if (s.IsSequence()) {
      if (s.size() == 0) error(s, "seeds: empty list");
      std::set<std::int64_t> seen;
      for (const auto& n : s) {
        std::int64_t v = 0;
        if (!read_seed(n, v)) continue;
        if (!seen.insert(v).second) error(n, "seeds: " + std::to_string(v) + " listed twice");
        seeds.push_back(v);
      }
    } else if (s.IsMap()) {
      std::int64_t from = 0, count = 0;
      for (const auto& kv : s) {
        const std::string k = kv.first.as<std::string>();
        if (k != "from" && k != "count") error(kv.first, "seeds: unknown key '" + k + "' (expected from, count)");
      }
      if (!s["from"] || !s["count"]) {
        error(s, "seeds: expected {from: FIRST, count: N}");
        return;
      }
      if (!read_seed(s["from"], from) || !read_seed(s["count"], count)) return;
      if (count < 1) {
        error(s["count"], "seeds: count must be >= 1");
        return;
      }
      for (std::int64_t i = 0; i < count; ++i)
        seeds.push_back(from + i);
    } else {
      error(s, "seeds: expected a list of integers or {from: FIRST, count: N}");
    }
  }

  std::string path_;
  std::vector<Diagnostic> diagnostics_;
};

std::string sha256_hex(const std::string& data) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1)
    throw SweepError("SHA-256 failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

} // namespace

Sweep parse_sweep_text(const std::string& text, const std::string& path) {
  Parser parser(path);
  std::string scenario;
  YAML::Node scenario_node;
  Sweep sweep = parser.parse(text, scenario, scenario_node);
  sweep.scenario = scenario;
  return sweep;
}

Sweep load_sweep(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError({{path, 0, 0, "cannot read the sweep file"}});
  std::ostringstream buf;
  buf << in.rdbuf();
  Parser parser(path);
  std::string scenario_rel;
  YAML::Node scenario_node;
  Sweep sweep = parser.parse(buf.str(), scenario_rel, scenario_node);
  const fs::path base = fs::absolute(fs::path(path)).parent_path();
  const fs::path scenario = (base / scenario_rel).lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(scenario, ec))
    throw ScenarioError({at(path, scenario_node, "scenario: no such file: " + scenario.string())});
  sweep.scenario = scenario.string();

  // Validate every run; a problem with one override is reported once, at the sweep-file line that wrote it.
  std::vector<Diagnostic> diagnostics;
  std::set<std::string> reported;
  std::string digest_input = "racksim-sweep-v1\n";
  for (Run& run : sweep.runs) {
    try {
      const Scenario sc = load_scenario(sweep.scenario, run.overrides);
      run.resolved_yaml = sc.resolved_yaml;
      run.seed = static_cast<std::int64_t>(sc.seed);
    } catch (const ScenarioError& e) {
      for (const Diagnostic& d : e.diagnostics()) {
        Diagnostic out = d;
        if (d.file == "--set") {
          // "'key=value': problem": the override's origin in the sweep file
          out = {path, 0, 0, d.message};
          const auto close = d.message.find("':", 1);
          if (!d.message.empty() && d.message[0] == '\'' && close != std::string::npos) {
            const auto it = parser.origin.find(d.message.substr(1, close - 1));
            if (it != parser.origin.end()) out = at(path, it->second, d.message);
          }
        } else {
          out.message = "run " + run.name + " (scenario " + d.file + "): " + d.message;
          out.file = path;
          out.line = out.column = 0;
          const auto m = scenario_node.Mark();
          if (!m.is_null()) out = at(path, scenario_node, out.message);
        }
        if (reported.insert(out.str()).second) diagnostics.push_back(out);
      }
    }
    digest_input += run.name + "\n" + run.resolved_yaml + "\n";
  }
  if (!diagnostics.empty()) throw ScenarioError(diagnostics);
  sweep.digest = sha256_hex(digest_input);
  return sweep;
}

Shard parse_shard(const std::string& text) {
  Shard s;
  const auto slash = text.find('/');
  bool ok = slash != std::string::npos && slash > 0 && slash + 1 < text.size();
  if (ok) {
    try {
      std::size_t a = 0, b = 0;
      const std::string ks = text.substr(0, slash), ns = text.substr(slash + 1);
      s.k = std::stoi(ks, &a);
      s.n = std::stoi(ns, &b);
      ok = a == ks.size() && b == ns.size() && s.n >= 1 && s.k >= 0 && s.k < s.n;
    } catch (const std::exception&) {
      ok = false;
    }
  }
  if (!ok)
    throw ScenarioError(
        {{"--shard", 0, 0, "'" + text + "': expected K/N with 0 <= K < N (K is 0-based, e.g. $SLURM_ARRAY_TASK_ID)"}});
  return s;
}

} // namespace racksim::sim::sweep
