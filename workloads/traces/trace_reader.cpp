#include "workloads/traces/trace_reader.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <fstream>
#include <istream>
#include <string_view>
#include <unordered_map>

namespace racksim::workloads {
namespace {

// Enough skipped rows to show what kind of data was dropped without flooding the run summary; the counters in
// TraceReport carry the totals.
constexpr std::size_t kMaxNotes = 5;

std::string where(const std::string& file, std::size_t line) {
  return file + ":" + std::to_string(line) + ": ";
}

// Values echoed in error messages are cut so that one bad row is still one readable line.
std::string shown(std::string_view value) {
  constexpr std::size_t kMaxShown = 40;
  if (value.size() <= kMaxShown) return std::string(value);
  return std::string(value.substr(0, kMaxShown)) + "...";
}

void strip_cr(std::string& line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
}

// Reads RFC 4180 records from a stream one physical line at a time, so memory stays bounded by the longest
// record, never the file. A quoted field may contain commas, doubled quotes and line breaks; a record that spans
// several lines is reported under the line it starts on.
class CsvReader {
 public:
  CsvReader(std::istream& in, const std::string& file) : in_(in), file_(file) {}

  // Column names, once the header is known, so that quoting errors can name the field.
  void set_names(const std::vector<std::string>* names) { names_ = names; }

  // Fills `fields` with the next record and `line` with its first line number; false at end of input.
  // Blank lines are skipped: a trailing empty line is common and carries no row.
  bool next(std::vector<std::string>& fields, std::size_t& line) {
    fields.clear();
    do {
      if (!std::getline(in_, buf_)) return false;
      ++line_no_;
      strip_cr(buf_);
      if (line_no_ == 1 && buf_.starts_with("\xEF\xBB\xBF")) buf_.erase(0, 3); // UTF-8 byte-order mark
    } while (buf_.empty());
    line = line_no_;

    std::string field;
    bool in_quotes = false;
    bool was_quoted = false;
    std::size_t pos = 0;
    for (;;) {
      if (pos == buf_.size()) {
        if (!in_quotes) {
          fields.push_back(std::move(field));
          return true;
        }
        // The quoted field goes on: the line break belongs to the value.
        if (!std::getline(in_, buf_))
          throw TraceError(where(file_, line) + "field " + name(fields.size()) + ": quoted field is never closed");
        ++line_no_;
        strip_cr(buf_);
        field += '\n';
        pos = 0;
        continue;
      }
      const char c = buf_[pos++];
      if (in_quotes) {
        if (c != '"') {
          field += c;
        } else if (pos < buf_.size() && buf_[pos] == '"') { // "" is an escaped quote
          field += '"';
          ++pos;
        } else {
          in_quotes = false;
        }
      } else if (c == ',') {
        fields.push_back(std::move(field));
        field.clear();
        was_quoted = false;
      } else if (c == '"') {
        if (was_quoted || !field.empty())
          throw TraceError(where(file_, line) + "field " + name(fields.size()) +
                           ": quote character inside a field (quote the whole field and double the quote)");
        in_quotes = true;
        was_quoted = true;
      } else if (was_quoted) {
        throw TraceError(where(file_, line) + "field " + name(fields.size()) +
                         ": unexpected character after the closing quote");
      } else {
        field += c;
      }
    }
  }

  bool bad() const { return in_.bad(); }

 private:
  std::string name(std::size_t index) const {
    if (names_ != nullptr && index < names_->size()) return "'" + (*names_)[index] + "'";
    return "#" + std::to_string(index + 1);
  }

  std::istream& in_;
  const std::string& file_;
  const std::vector<std::string>* names_ = nullptr;
  std::size_t line_no_ = 0;
  std::string buf_;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Finite decimal number, whole field consumed; surrounding blanks tolerated. from_chars is locale-independent.
bool parse_double(std::string_view text, double& out) {
  text = trim(text);
  if (text.empty()) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && std::isfinite(out);
}


// Validates the fields of one row, each failure naming file, line, column and the offending value.
class RowParser {
 public:
  RowParser(const std::string& file, std::size_t line) : file_(file), line_(line) {}

  std::int64_t id(std::string_view column, std::string_view text) const {
    const std::string_view t = trim(text);
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || value < 0)
      fail(column, "expected a non-negative integer id", text);
    return value;
  }

  // A whole number in [lo, INT_MAX]; "8" and "8.0" alike.
  double whole(std::string_view column, std::string_view text, double lo, const char* what) const {
    double value = 0;
    if (!parse_double(text, value) || value < lo || value != std::floor(value) || value > INT_MAX)
      fail(column, what, text);
    return value;
  }

  int gpus(std::string_view column, std::string_view text) const {
    return static_cast<int>(whole(column, text, 0, "expected a non-negative whole number of GPUs"));
  }

  double number(std::string_view column, std::string_view text, const char* what) const {
    double value = 0;
    if (!parse_double(text, value)) fail(column, what, text);
    return value;
  }

  double non_negative(std::string_view column, std::string_view text) const {
    double value = 0;
    if (!parse_double(text, value) || value < 0) fail(column, "expected a non-negative number", text);
    return value;
  }

  // "YYYY-MM-DD HH:MM:SS" (or with a 'T'), read as UTC: seconds since 1970-01-01.
  double datetime(std::string_view column, std::string_view text) const {
    const std::string_view t = trim(text);
    const auto digits = [&](std::size_t pos, std::size_t n, int lo, int hi) {
      int value = 0;
      const auto [ptr, ec] = std::from_chars(t.data() + pos, t.data() + pos + n, value);
      if (ec != std::errc() || ptr != t.data() + pos + n || value < lo || value > hi)
        fail(column, "expected a date and time such as 2020-06-09 18:41:01", text);
      return value;
    };
    if (t.size() != 19 || t[4] != '-' || t[7] != '-' || (t[10] != ' ' && t[10] != 'T') || t[13] != ':' ||
        t[16] != ':')
      fail(column, "expected a date and time such as 2020-06-09 18:41:01", text);
    const int y = digits(0, 4, 1970, 9999), m = digits(5, 2, 1, 12), d = digits(8, 2, 1, 31);
    const int hh = digits(11, 2, 0, 23), mm = digits(14, 2, 0, 59), ss = digits(17, 2, 0, 60);
    // Days from civil (H. Hinnant's algorithm, proleptic Gregorian calendar).
    const int yy = y - (m <= 2 ? 1 : 0);
    const int era = yy / 400;
    const int yoe = yy - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const double days = static_cast<double>(era) * 146097 + doe - 719468;
    return days * 86400 + hh * 3600.0 + mm * 60.0 + ss;
  }

  [[noreturn]] void fail(std::string_view column, const char* what, std::string_view text) const {
    throw TraceError(where(file_, line_) + "field '" + std::string(column) + "': " + what + ", got '" + shown(text) +
                     "'");
  }

 private:
  const std::string& file_;
  std::size_t line_;
};

// One well-formed row, before the bad-row policy and the time shift decide what becomes of it.
struct RawRow {
  std::size_t line = 0;
  std::int64_t id = 0;
  std::string_view id_column;
  double gpus = 0; // may be a fraction (shared GPUs)
  std::string_view gpus_column;
  double submit = 0;   // the trace's own clock, before the shift and time_scale
  double duration = 0; // <= 0: unrunnable
  std::string_view duration_column;
  std::string duration_text;
  std::string user;
  std::string not_run; // non-empty: why this job never ran
};

// Applies the bad-row policy, the job limit, duplicate-id detection, the time shift and the sort: everything the
// formats share. Holds one JobSpec per kept job and one id per row, never the file.
class Collector {
 public:
  Collector(const TraceSpec& spec, int max_gpus, TraceReport& report, const std::string& file)
      : spec_(spec), max_gpus_(max_gpus), report_(report), file_(file) {}

  bool full() const { return spec_.limit > 0 && static_cast<long>(jobs_.size()) >= spec_.limit; }

  void add(RawRow& row) {
    ++report_.rows;
    const auto [it, inserted] = first_line_of_id_.emplace(row.id, row.line);
    if (!inserted)
      throw TraceError(where(file_, row.line) + "field '" + std::string(row.id_column) + "': duplicate job id " +
                       std::to_string(row.id) + " (first on line " + std::to_string(it->second) + ")");
    const bool error = spec_.bad_rows == BadRowPolicy::error;
    const auto stop = [&](const std::string& what) {
      throw TraceError(where(file_, row.line) + what + " (workload.trace.bad_rows: error)");
    };

    if (!row.not_run.empty()) {
      if (error) stop(row.not_run);
      ++report_.skipped_not_run;
      note(row.line, "skipped: " + row.not_run);
      return;
    }
    if (!(row.gpus > 0)) {
      if (error) stop("field '" + std::string(row.gpus_column) + "': asks for 0 GPUs");
      ++report_.skipped_zero_gpus;
      note(row.line, "skipped: asks for 0 GPUs");
      return;
    }
    // Sums of percentages (Alibaba) carry rounding noise: 3 x 33.333% is one GPU, not two.
    const double nearest = std::round(row.gpus);
    const double whole = std::abs(row.gpus - nearest) < 1e-6 ? nearest : std::ceil(row.gpus);
    if (whole > INT_MAX) stop("field '" + std::string(row.gpus_column) + "': GPU count out of range");
    int gpus = static_cast<int>(whole);
    const bool fractional = whole != row.gpus && std::abs(row.gpus - nearest) >= 1e-6;
    if (gpus > max_gpus_) {
      const std::string what = "asks for " + std::to_string(gpus) + " GPUs, more than the cluster's " +
                               std::to_string(max_gpus_);
      if (error) stop("field '" + std::string(row.gpus_column) + "': " + what);
      if (spec_.bad_rows == BadRowPolicy::skip) {
        ++report_.skipped_too_large;
        note(row.line, "skipped: " + what);
        return;
      }
      ++report_.clamped_too_large;
      note(row.line, "clamped: " + what + "; given " + std::to_string(max_gpus_));
      gpus = max_gpus_;
    }
    double duration = row.duration;
    if (!(duration > 0)) {
      const std::string what = "field '" + std::string(row.duration_column) + "': expected a positive number, got '" +
                               shown(row.duration_text) + "'";
      if (error) stop(what);
      if (spec_.bad_rows == BadRowPolicy::skip) {
        ++report_.skipped_bad_duration;
        note(row.line, "skipped: " + what);
        return;
      }
      ++report_.clamped_duration;
      note(row.line, "clamped: " + what + "; run time set to " + std::to_string(kMinClampedDuration_s) + " s");
      duration = kMinClampedDuration_s;
    }

    JobSpec job;
    job.id = row.id;
    job.gpus = gpus;
    job.submit_s = row.submit;
    job.duration_s = duration;
    job.user = std::move(row.user);
    if (fractional && gpus == static_cast<int>(whole)) {
      job.gpus_requested = row.gpus;
      ++report_.fractional_rounded_up;
    }
    jobs_.push_back(std::move(job));
  }

  // shift: subtract the earliest kept submit time (formats with absolute clocks), then apply time_scale.
  std::vector<JobSpec> finish(bool shift) {
    double origin = 0;
    if (shift && !jobs_.empty()) {
      origin = jobs_.front().submit_s;
      for (const auto& job : jobs_)
        origin = std::min(origin, job.submit_s);
    }
    for (auto& job : jobs_)
      job.submit_s = (job.submit_s - origin) * spec_.time_scale;
    // Ids are unique, so (submit_s, id) is a total order; stable_sort keeps the guarantee explicit anyway.
    std::stable_sort(jobs_.begin(), jobs_.end(), [](const JobSpec& a, const JobSpec& b) {
      return a.submit_s != b.submit_s ? a.submit_s < b.submit_s : a.id < b.id;
    });
    report_.jobs = jobs_.size();
    return std::move(jobs_);
  }

 private:
  void note(std::size_t line, const std::string& why) {
    if (report_.notes.size() < kMaxNotes) report_.notes.push_back(where(file_, line) + why);
  }

  const TraceSpec& spec_;
  int max_gpus_;
  TraceReport& report_;
  const std::string& file_;
  std::vector<JobSpec> jobs_;
  std::unordered_map<std::int64_t, std::size_t> first_line_of_id_; // duplicate detection, skipped rows included
};

std::ifstream open_trace(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw TraceError(file + ": cannot open trace file (" + std::strerror(errno) + ")");
  return in;
}

// ---- CSV formats with a header row -------------------------------------------------------------------------------

// Column lookup in a header; a missing or repeated column is an error on the header line.
class Header {
 public:
  Header(std::vector<std::string> names, const std::string& file, std::size_t line)
      : names_(std::move(names)), file_(file), line_(line) {
    for (auto& name : names_)
      name = std::string(trim(name));
  }
  std::size_t operator()(const char* name) const {
    std::size_t found = names_.size();
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] != name) continue;
      if (found != names_.size()) throw TraceError(where(file_, line_) + "column '" + name + "' appears twice");
      found = i;
    }
    if (found == names_.size()) throw TraceError(where(file_, line_) + "missing column '" + name + "'");
    return found;
  }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  const std::string& file_;
  std::size_t line_;
};

// Turns one record's fields into a RawRow; built once per file from its header.
using RowMapper = std::function<void(const RowParser&, const std::vector<std::string>&, RawRow&)>;

// The Philly-derived and Tiresias schemas: id, GPUs, submit and duration columns, in seconds, and maybe a user.
struct SimpleColumns {
  const char* id;
  const char* user; // nullptr: the format has no user column, jobs get user ""
  const char* gpus;
  const char* submit;
  const char* duration;
};

RowMapper simple_mapper(const Header& h, const SimpleColumns& c) {
  const std::size_t id = h(c.id), gpus = h(c.gpus), submit = h(c.submit), duration = h(c.duration);
  const std::size_t user = c.user != nullptr ? h(c.user) : h.names().size();
  return [=, &h](const RowParser& p, const std::vector<std::string>& f, RawRow& r) {
    const auto& n = h.names();
    r.id = p.id(n[id], f[id]);
    r.id_column = n[id];
    r.gpus = p.gpus(n[gpus], f[gpus]);
    r.gpus_column = n[gpus];
    r.submit = p.non_negative(n[submit], f[submit]);
    r.duration = p.number(n[duration], f[duration], "expected a positive number");
    r.duration_column = n[duration];
    r.duration_text = f[duration];
    if (user < n.size()) r.user = f[user];
  };
}

// Helios (SenseTime, SC'21) cluster_log.csv: datetimes for submit, duration = end - start in seconds.
RowMapper helios_mapper(const Header& h) {
  const std::size_t id = h("job_id"), user = h("user"), gpus = h("gpu_num"), submit = h("submit_time"),
                    duration = h("duration");
  return [=, &h](const RowParser& p, const std::vector<std::string>& f, RawRow& r) {
    const auto& n = h.names();
    r.id = p.id(n[id], f[id]);
    r.id_column = n[id];
    r.user = f[user];
    r.gpus = p.gpus(n[gpus], f[gpus]);
    r.gpus_column = n[gpus];
    r.submit = p.datetime(n[submit], f[submit]);
    r.duration = p.non_negative(n[duration], f[duration]);
    r.duration_column = n[duration];
    r.duration_text = f[duration];
  };
}

// Alibaba cluster-trace-gpu-v2023 openb_pod_list_*.csv: a pod asks for num_gpu GPUs, each gpu_milli/1000 of one
// (GPU sharing). Runs from scheduled_time to deletion_time; a pod never scheduled never ran. Pods have names, not
// numbers: the id is the data row's ordinal (1 = the first pod).
RowMapper alibaba_v2023_mapper(const Header& h) {
  const std::size_t name = h("name"), gpus = h("num_gpu"), milli = h("gpu_milli"), created = h("creation_time"),
                    deleted = h("deletion_time"), scheduled = h("scheduled_time");
  auto ordinal = std::make_shared<std::int64_t>(0);
  return [=, &h](const RowParser& p, const std::vector<std::string>& f, RawRow& r) {
    const auto& n = h.names();
    r.id = ++*ordinal;
    r.id_column = n[name];
    if (trim(f[name]).empty()) p.fail(n[name], "expected a pod name", f[name]);
    const double count = p.gpus(n[gpus], f[gpus]);
    const double share = p.whole(n[milli], f[milli], 0, "expected a whole number of milli-GPUs in 0..1000");
    if (share > 1000) p.fail(n[milli], "expected a whole number of milli-GPUs in 0..1000", f[milli]);
    if (count > 0 && share == 0) p.fail(n[milli], "expected 1..1000 milli-GPUs for a pod with num_gpu > 0", f[milli]);
    r.gpus = count * share / 1000;
    r.gpus_column = n[gpus];
    r.submit = p.non_negative(n[created], f[created]);
    const double end = p.non_negative(n[deleted], f[deleted]);
    r.duration_column = n[deleted];
    if (trim(f[scheduled]).empty()) {
      r.not_run = "pod was never scheduled (" + n[scheduled] + " empty)";
      return;
    }
    const double start = p.non_negative(n[scheduled], f[scheduled]);
    r.duration = end - start;
    r.duration_text = std::string(trim(f[deleted])) + " - " + std::string(trim(f[scheduled]));
  };
}

std::vector<JobSpec> read_header_csv(const TraceSpec& spec, Collector& out,
                                     const std::function<RowMapper(const Header&)>& make_mapper, bool shift) {
  const std::string& file = spec.path;
  std::ifstream in = open_trace(file);
  CsvReader csv(in, file);
  std::vector<std::string> names;
  std::size_t line = 0;
  // A header is what tells a trace of this format apart from any other file, so a file without one is an error;
  // a header with no rows is a valid (empty) trace.
  if (!csv.next(names, line)) {
    if (csv.bad()) throw TraceError(file + ": read error");
    throw TraceError(file + ":1: empty file: expected a header line naming the columns");
  }
  const Header header(std::move(names), file, line);
  csv.set_names(&header.names());
  const RowMapper map = make_mapper(header);

  std::vector<std::string> fields;
  while (!out.full() && csv.next(fields, line)) {
    if (fields.size() != header.names().size())
      throw TraceError(where(file, line) + "expected " + std::to_string(header.names().size()) +
                       " fields as in the header, got " + std::to_string(fields.size()));
    // Every field is validated before any skip decision: a malformed row is an error even if it would be skipped.
    RawRow row;
    row.line = line;
    map(RowParser(file, line), fields, row);
    out.add(row);
  }
  if (csv.bad()) throw TraceError(where(file, line) + "read error");
  return out.finish(shift);
}

// ---- Standard Workload Format (Parallel Workloads Archive) -----------------------------------------------------

// The 18 SWF fields, in order (Feitelson et al., "Experience with using the Parallel Workloads Archive", 2014;
// https://www.cs.huji.ac.il/labs/parallel/workload/swf.html). -1 means unknown.
constexpr std::array<const char*, 18> kSwfFields{
    "job_number",     "submit_time", "wait_time", "run_time",  "allocated_processors", "average_cpu_time",
    "used_memory",    "requested_processors", "requested_time", "requested_memory", "status", "user_id",
    "group_id",       "executable",  "queue",     "partition", "preceding_job",        "think_time"};

std::vector<JobSpec> read_swf(const TraceSpec& spec, Collector& out) {
  if (spec.swf_processors_per_gpu < 1)
    throw std::invalid_argument("read_trace: swf_processors_per_gpu must be at least 1");
  const std::string& file = spec.path;
  std::ifstream in = open_trace(file);
  std::string text;
  std::size_t line = 0;
  std::vector<std::string_view> f;
  while (!out.full() && std::getline(in, text)) {
    ++line;
    strip_cr(text);
    const std::string_view t = trim(text);
    if (t.empty() || t.front() == ';') continue; // header comments and blank lines
    f.clear();
    for (std::size_t pos = 0; pos < t.size();) {
      const std::size_t begin = t.find_first_not_of(" \t", pos);
      if (begin == std::string_view::npos) break;
      const std::size_t end = std::min(t.find_first_of(" \t", begin), t.size());
      f.push_back(t.substr(begin, end - begin));
      pos = end;
    }
    if (f.size() != kSwfFields.size())
      throw TraceError(where(file, line) + "expected 18 whitespace-separated SWF fields, got " +
                       std::to_string(f.size()));
    const RowParser p(file, line);
    const auto whole_or_unknown = [&](int i) {
      return p.whole(kSwfFields[i], f[i], -1, "expected a whole number (-1 = unknown)");
    };
    RawRow r;
    r.line = line;
    r.id = p.id(kSwfFields[0], f[0]);
    r.id_column = kSwfFields[0];
    r.submit = p.non_negative(kSwfFields[1], f[1]);
    r.duration = p.number(kSwfFields[3], f[3], "expected a number of seconds (-1 = unknown)");
    r.duration_column = kSwfFields[3];
    r.duration_text = std::string(f[3]);
    const double allocated = whole_or_unknown(4), requested = whole_or_unknown(7);
    const double processors = allocated > 0 ? allocated : std::max(0.0, requested);
    r.gpus = std::ceil(processors / spec.swf_processors_per_gpu);
    r.gpus_column = allocated > 0 ? kSwfFields[4] : kSwfFields[7];
    const double user = whole_or_unknown(11);
    if (user >= 0) r.user = "u" + std::string(f[11]);
    out.add(r);
  }
  if (in.bad()) throw TraceError(where(file, line) + "read error");
  return out.finish(false);
}

// ---- Alibaba cluster-trace-gpu-v2020 (pai_job_table + pai_task_table) ------------------------------------------

// Neither file has a header; the columns are those of the trace's *.header files.
const std::vector<std::string> kPaiJobColumns{"job_name", "inst_id", "user", "status", "start_time", "end_time"};
const std::vector<std::string> kPaiTaskColumns{"job_name", "task_name", "inst_num", "status",   "start_time",
                                               "end_time", "plan_cpu",  "plan_mem", "plan_gpu", "gpu_type"};

// What the task table says about one job: the only state kept per job while the job table streams.
struct PaiTasks {
  double gpus = 0;          // sum over tasks of inst_num x plan_gpu / 100
  double first_start = -1;  // earliest task launch (-1 = none launched)
  double last_end = -1;     // latest task end
  bool unfinished = false;  // a task with no end time
  std::size_t job_line = 0; // the job table line that named it (duplicate detection)
};

// An empty field, or a number; the trace leaves times of never-started tasks empty.
std::optional<double> optional_time(const RowParser& p, const std::string& column, std::string_view text) {
  if (trim(text).empty()) return std::nullopt;
  return p.non_negative(column, text);
}

std::vector<JobSpec> read_alibaba_v2020(const TraceSpec& spec, Collector& out) {
  if (spec.task_path.empty())
    throw std::invalid_argument("read_trace: alibaba_v2020 needs task_path (pai_task_table.csv)");
  std::unordered_map<std::string, PaiTasks> tasks;
  {
    const std::string& file = spec.task_path;
    std::ifstream in = open_trace(file);
    CsvReader csv(in, file);
    csv.set_names(&kPaiTaskColumns);
    std::vector<std::string> f;
    std::size_t line = 0;
    while (csv.next(f, line)) {
      if (f.size() != kPaiTaskColumns.size())
        throw TraceError(where(file, line) + "expected 10 pai_task_table fields, got " + std::to_string(f.size()));
      const RowParser p(file, line);
      if (trim(f[0]).empty()) p.fail(kPaiTaskColumns[0], "expected a job name", f[0]);
      const double instances = p.non_negative(kPaiTaskColumns[2], f[2]);
      const double plan_gpu = trim(f[8]).empty() ? 0.0 : p.non_negative(kPaiTaskColumns[8], f[8]);
      const auto start = optional_time(p, kPaiTaskColumns[4], f[4]);
      const auto end = optional_time(p, kPaiTaskColumns[5], f[5]);
      PaiTasks& t = tasks[std::string(trim(f[0]))];
      t.gpus += instances * plan_gpu / 100;
      if (start) t.first_start = t.first_start < 0 ? *start : std::min(t.first_start, *start);
      if (end && *end > 0)
        t.last_end = std::max(t.last_end, *end);
      else
        t.unfinished = true;
    }
    if (csv.bad()) throw TraceError(where(file, line) + "read error");
  }

  const std::string& file = spec.path;
  std::ifstream in = open_trace(file);
  CsvReader csv(in, file);
  csv.set_names(&kPaiJobColumns);
  std::vector<std::string> f;
  std::size_t line = 0;
  std::int64_t ordinal = 0;
  while (!out.full() && csv.next(f, line)) {
    if (f.size() != kPaiJobColumns.size())
      throw TraceError(where(file, line) + "expected 6 pai_job_table fields, got " + std::to_string(f.size()));
    const RowParser p(file, line);
    const std::string name(trim(f[0]));
    if (name.empty()) p.fail(kPaiJobColumns[0], "expected a job name", f[0]);
    RawRow r;
    r.line = line;
    r.id = ++ordinal; // job names are hashes; the id is the data row's ordinal
    r.id_column = kPaiJobColumns[0];
    r.user = std::string(trim(f[2]));
    r.submit = p.non_negative(kPaiJobColumns[4], f[4]);
    optional_time(p, kPaiJobColumns[5], f[5]); // validated, not used: run time comes from the tasks
    r.gpus_column = "plan_gpu";
    r.duration_column = "end_time";
    const auto it = tasks.find(name);
    if (it == tasks.end()) {
      r.not_run = "job '" + shown(name) + "' has no row in " + spec.task_path;
    } else {
      PaiTasks& t = it->second;
      if (t.job_line != 0)
        p.fail(kPaiJobColumns[0], ("duplicate job name (first on line " + std::to_string(t.job_line) + ")").c_str(),
               f[0]);
      t.job_line = line;
      const std::string status(trim(f[3]));
      if (status != "Terminated" && status != "Failed")
        r.not_run = "status '" + shown(status) + "': the job did not finish within the trace";
      else if (t.first_start < 0 || t.unfinished)
        r.not_run = "a task of the job never started or never ended";
      r.gpus = t.gpus;
      r.duration = t.last_end - t.first_start;
      r.duration_text = std::to_string(t.last_end) + " - " + std::to_string(t.first_start);
    }
    out.add(r);
  }
  if (csv.bad()) throw TraceError(where(file, line) + "read error");
  return out.finish(true);
}

struct FormatEntry {
  TraceFormat format;
  const char* name;
};
constexpr std::array kFormatNames{
    FormatEntry{TraceFormat::chronus_philly, "chronus_philly"}, FormatEntry{TraceFormat::gavel_philly, "gavel_philly"},
    FormatEntry{TraceFormat::tiresias, "tiresias"},             FormatEntry{TraceFormat::helios, "helios"},
    FormatEntry{TraceFormat::alibaba_v2020, "alibaba_v2020"},   FormatEntry{TraceFormat::alibaba_v2023, "alibaba_v2023"},
    FormatEntry{TraceFormat::swf, "swf"},
};

} // namespace

const char* to_string(TraceFormat format) {
  for (const auto& f : kFormatNames)
    if (f.format == format) return f.name;
  return "unknown";
}

std::vector<std::pair<std::string, TraceFormat>> trace_format_names() {
  std::vector<std::pair<std::string, TraceFormat>> out;
  for (const auto& f : kFormatNames)
    out.emplace_back(f.name, f.format);
  return out;
}

const char* to_string(BadRowPolicy policy) {
  switch (policy) {
  case BadRowPolicy::skip:
    return "skip";
  case BadRowPolicy::clamp:
    return "clamp";
  case BadRowPolicy::error:
    return "error";
  }
  return "unknown";
}

std::vector<JobSpec> read_trace(const TraceSpec& spec, int max_gpus, TraceReport& report) {
  report = TraceReport{};
  if (max_gpus < 1)
    throw std::invalid_argument("read_trace: max_gpus must be at least 1, got " + std::to_string(max_gpus));
  if (spec.limit < 0) throw std::invalid_argument("read_trace: limit must be >= 0, got " + std::to_string(spec.limit));
  if (!std::isfinite(spec.time_scale) || spec.time_scale < 0)
    throw std::invalid_argument("read_trace: time_scale must be a finite number >= 0, got " +
                                std::to_string(spec.time_scale));

  Collector out(spec, max_gpus, report, spec.path);
  const auto simple = [&](SimpleColumns columns) {
    return read_header_csv(spec, out, [columns](const Header& h) { return simple_mapper(h, columns); }, false);
  };
  switch (spec.format) {
  case TraceFormat::chronus_philly:
    return simple({"job_id", "user", "num_gpu", "submit_time", "duration"});
  case TraceFormat::gavel_philly:
    return simple({"job_index", nullptr, "num_gpus", "arrival_time_s", "duration_s_est"});
  case TraceFormat::tiresias:
    return simple({"job_id", nullptr, "num_gpu", "submit_time", "duration"});
  case TraceFormat::helios:
    return read_header_csv(spec, out, helios_mapper, true);
  case TraceFormat::alibaba_v2023:
    return read_header_csv(spec, out, alibaba_v2023_mapper, true);
  case TraceFormat::alibaba_v2020:
    return read_alibaba_v2020(spec, out);
  case TraceFormat::swf:
    return read_swf(spec, out);
  }
  throw std::invalid_argument("read_trace: unknown trace format " + std::to_string(static_cast<int>(spec.format)));
}

} // namespace racksim::workloads
