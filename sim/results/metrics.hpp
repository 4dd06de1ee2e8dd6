#pragma once
// The metric table: every /summary attribute, /timeseries series and /jobs column of a results file, declared once
// (metrics.cpp) with its unit, direction, the run kinds that write it and a one-line definition. What comes from it:
// - write_results refuses a summary attribute or series that is not declared here (or a series whose unit differs),
//   so the names written by the engine cannot drift from the table;
// - the /jobs compound type, writer and reader (results_hdf5.cpp) are built from job_columns();
// - `racksim regress` takes a metric's direction from here (sim/tools/regress.cpp);
// - the series alert rules may name, by run kind (alert_series_names in alerts.cpp);
// - /meta@summary_units and /meta@summary_directions, which analysis/report.py reads;
// - a test fails when docs/results-schema.md and this table disagree (tests/unit/results/metrics_docs_test.cpp).

#include "sim/results/results.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace racksim::sim::metrics {

// How a change reads: for `racksim regress` (descriptive: any change beyond tolerance fails, direction `both`).
enum class Direction { lower_is_better, higher_is_better, descriptive };
const char* to_string(Direction d);

// The run kinds that write a metric, as a bit set. `service` is a training run with an inference service next to
// its jobs (workload.inference.replicas > 0): it writes the service's metrics too.
enum RunKind : unsigned { training = 1u, inference = 2u, collective = 4u, service = 8u };
using RunKinds = unsigned;

// A condition on top of the run kind, when a metric is written only sometimes.
enum class Only { always, autoscaler, parallel_training, checkpoint_drain, failures, alert_rules };

enum class Section { summary, series, jobs };
const char* to_string(Section s);

struct Metric {
  Section section;
  // An exact name, or a pattern with one <placeholder> standing for any non-empty text ("alert.<name>.raised").
  std::string_view name;
  std::string_view unit; // "" when dimensionless (docs/results-schema.md writes "—")
  Direction direction;
  RunKinds kinds;
  Only only;
  std::string_view definition; // one line; the formula in full is in docs/results-schema.md
  // Series only: the unit in inference runs, where it differs (queue_length counts requests there).
  std::string_view inference_unit = {};

  bool is_pattern() const { return name.find('<') != std::string_view::npos; }
  bool matches(std::string_view candidate) const;
};

// A /jobs column: its declaration and the JobRecord member it holds. The member's type gives the HDF5 type
// (int32 <i4, int64 <i8, double <f8, std::string fixed 16 bytes).
using JobMember =
    std::variant<std::int64_t JobRecord::*, std::int32_t JobRecord::*, double JobRecord::*, std::string JobRecord::*>;
struct JobColumn {
  Metric metric;
  JobMember member;
};
// The dtype as docs/results-schema.md writes it: int32, int64, float64, S16.
const char* dtype_of(const JobMember& member);

// Every declaration, by section (summary, series, jobs) in documented order.
const std::vector<Metric>& metric_table();
// The /jobs columns in file order (later versions may append, never reorder).
const std::vector<JobColumn>& job_columns();

// The declaration of a name in a section: exact names first, then patterns; nullptr when undeclared.
const Metric* find_metric(Section section, std::string_view name);

// The units and directions of /summary attributes as JSON objects {"name": "unit", ...} in the given order, for
// /meta@summary_units and /meta@summary_directions. Throws std::invalid_argument on an undeclared name.
std::string summary_units_json(const std::vector<std::pair<std::string, double>>& summary);
std::string summary_directions_json(const std::vector<std::pair<std::string, double>>& summary);

} // namespace racksim::sim::metrics
