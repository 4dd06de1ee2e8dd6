#include "workloads/traces/trace_reader.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <istream>
#include <string_view>
#include <unordered_map>

namespace racksim::workloads {
namespace {

// The header columns each format uses. One table row per format, so adding a format is one line here and
// nothing else in the reader changes.
struct FormatColumns {
  TraceFormat format;
  const char* name;
  const char* id;
  const char* user; // nullptr: the format has no user column, jobs get user ""
  const char* gpus;
  const char* submit;
  const char* duration;
};

constexpr std::array kFormats{
    FormatColumns{TraceFormat::chronus_philly, "chronus_philly", "job_id", "user", "num_gpu", "submit_time",
                  "duration"},
    FormatColumns{TraceFormat::gavel_philly, "gavel_philly", "job_index", nullptr, "num_gpus", "arrival_time_s",
                  "duration_s_est"},
};

const FormatColumns& columns_of(TraceFormat format) {
  for (const auto& f : kFormats)
    if (f.format == format) return f;
  throw std::invalid_argument("read_trace: unknown trace format " + std::to_string(static_cast<int>(format)));
}

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

  std::int64_t id(const std::string& column, std::string_view text) const {
    const std::string_view t = trim(text);
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || value < 0)
      fail(column, "expected a non-negative integer id", text);
    return value;
  }

  int gpus(const std::string& column, std::string_view text) const {
    double value = 0;
    // Accept "8" and "8.0" alike; reject fractions and values beyond int.
    if (!parse_double(text, value) || value < 0 || value != std::floor(value) || value > INT_MAX)
      fail(column, "expected a non-negative whole number of GPUs", text);
    return static_cast<int>(value);
  }

  double non_negative(const std::string& column, std::string_view text) const {
    double value = 0;
    if (!parse_double(text, value) || value < 0) fail(column, "expected a non-negative number", text);
    return value;
  }

  double positive(const std::string& column, std::string_view text) const {
    double value = 0;
    if (!parse_double(text, value) || value <= 0) fail(column, "expected a positive number", text);
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& column, const char* what, std::string_view text) const {
    throw TraceError(where(file_, line_) + "field '" + column + "': " + what + ", got '" + shown(text) + "'");
  }

  const std::string& file_;
  std::size_t line_;
};

} // namespace

const char* to_string(TraceFormat format) {
  for (const auto& f : kFormats)
    if (f.format == format) return f.name;
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

  const FormatColumns& format = columns_of(spec.format);
  const std::string& file = spec.path;
  std::ifstream in(file);
  if (!in) throw TraceError(file + ": cannot open trace file (" + std::strerror(errno) + ")");

  CsvReader csv(in, file);
  std::vector<std::string> header;
  std::size_t line = 0;
  // A header is what tells a trace of this format apart from any other file, so a file without one is an error;
  // a header with no rows is a valid (empty) trace.
  if (!csv.next(header, line)) {
    if (csv.bad()) throw TraceError(file + ": read error");
    throw TraceError(file + ":1: empty file: expected a header line naming the columns");
  }
  for (auto& name : header)
    name = std::string(trim(name));
  csv.set_names(&header);

  const auto column = [&](const char* name) -> std::size_t {
    std::size_t found = header.size();
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] != name) continue;
      if (found != header.size()) throw TraceError(where(file, line) + "column '" + name + "' appears twice");
      found = i;
    }
    if (found == header.size()) throw TraceError(where(file, line) + "missing column '" + name + "'");
    return found;
  };
  const std::size_t col_id = column(format.id);
  const std::size_t col_gpus = column(format.gpus);
  const std::size_t col_submit = column(format.submit);
  const std::size_t col_duration = column(format.duration);
  const std::size_t col_user = format.user != nullptr ? column(format.user) : header.size();

  std::vector<JobSpec> jobs;
  std::unordered_map<std::int64_t, std::size_t> first_line_of_id; // duplicate detection, skipped rows included
  std::vector<std::string> fields;
  const auto note = [&](std::size_t at, const std::string& why) {
    if (report.notes.size() < kMaxNotes) report.notes.push_back(where(file, at) + "skipped: " + why);
  };

  while ((spec.limit == 0 || static_cast<long>(jobs.size()) < spec.limit) && csv.next(fields, line)) {
    ++report.rows;
    if (fields.size() != header.size())
      throw TraceError(where(file, line) + "expected " + std::to_string(header.size()) +
                       " fields as in the header, got " + std::to_string(fields.size()));

    // Every field is validated before any skip decision: a malformed row is an error even if it would be skipped.
    const RowParser row(file, line);
    JobSpec job;
    job.id = row.id(header[col_id], fields[col_id]);
    job.gpus = row.gpus(header[col_gpus], fields[col_gpus]);
    job.submit_s = row.non_negative(header[col_submit], fields[col_submit]) * spec.time_scale;
    job.duration_s = row.positive(header[col_duration], fields[col_duration]);
    if (col_user < header.size()) job.user = fields[col_user];

    const auto [it, inserted] = first_line_of_id.emplace(job.id, line);
    if (!inserted)
      throw TraceError(where(file, line) + "field '" + header[col_id] + "': duplicate job id " +
                       std::to_string(job.id) + " (first on line " + std::to_string(it->second) + ")");

    if (job.gpus == 0) {
      ++report.skipped_zero_gpus;
      note(line, "asks for 0 GPUs");
      continue;
    }
    if (job.gpus > max_gpus) {
      ++report.skipped_too_large;
      note(line, "asks for " + std::to_string(job.gpus) + " GPUs, more than the cluster's " + std::to_string(max_gpus));
      continue;
    }
    jobs.push_back(std::move(job));
  }
  if (csv.bad()) throw TraceError(where(file, line) + "read error");

  // Ids are unique, so (submit_s, id) is a total order; stable_sort keeps the guarantee explicit anyway.
  std::stable_sort(jobs.begin(), jobs.end(), [](const JobSpec& a, const JobSpec& b) {
    return a.submit_s != b.submit_s ? a.submit_s < b.submit_s : a.id < b.id;
  });
  report.jobs = jobs.size();
  return jobs;
}

} // namespace racksim::workloads
