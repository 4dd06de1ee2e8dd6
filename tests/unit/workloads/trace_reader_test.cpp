// Trace readers: the two real Philly-derived traces (counts checked against independent tools), and small
// fixtures for every kind of malformed row, quoting and line endings.

#include "workloads/traces/trace_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

namespace racksim::workloads {
namespace {

const std::string kChronus = RACKSIM_SHARED_DIR "/traces/chronus-philly/trace_job_Philly_MIX1.csv";
const std::string kGavel = RACKSIM_SHARED_DIR "/traces/gavel-philly/philly_vc2869ce_seed0.csv";

std::string fixture(const std::string& name) {
  return std::string(RACKSIM_WORKLOADS_TEST_DATA) + "/" + name;
}

TraceSpec spec_for(TraceFormat format, const std::string& path) {
  TraceSpec spec;
  spec.format = format;
  spec.path = path;
  return spec;
}

bool sorted_by_submit_then_id(const std::vector<JobSpec>& jobs) {
  return std::is_sorted(jobs.begin(), jobs.end(), [](const JobSpec& a, const JobSpec& b) {
    return a.submit_s != b.submit_s ? a.submit_s < b.submit_s : a.id < b.id;
  });
}

// ---- the real traces -------------------------------------------------------------------------------------------

TEST(WorkloadTraceChronus, RealTraceCountsFor2048Gpus) {
  TraceReport report;
  const auto jobs = read_trace(spec_for(TraceFormat::chronus_philly, kChronus), 2048, report);
  EXPECT_EQ(report.rows, 30940u);            // SOURCE.md
  EXPECT_EQ(report.skipped_zero_gpus, 184u); // SOURCE.md: "184 rows ask for 0 GPUs"
  EXPECT_EQ(report.skipped_too_large, 0u);   // the largest request is 32 GPUs
  // Counted independently: awk -F, 'NR>1 && $3>=1 && $3<=2048' trace_job_Philly_MIX1.csv | wc -l  => 30756
  EXPECT_EQ(jobs.size(), 30756u);
  EXPECT_EQ(report.jobs, jobs.size());
  ASSERT_TRUE(sorted_by_submit_then_id(jobs));
  // awk -F, 'NR>1 && $3>=1 && $4==1' | sort -n: the earliest is job 5620; the latest submit is 20151 s, where
  // job 23406 has the largest id.
  EXPECT_EQ(jobs.front().id, 5620);
  EXPECT_EQ(jobs.front().submit_s, 1.0);
  EXPECT_EQ(jobs.front().gpus, 1);
  EXPECT_EQ(jobs.front().duration_s, 196.0);
  EXPECT_EQ(jobs.front().user, "vc_6c71a0");
  EXPECT_EQ(jobs.front().kind, JobKind::training);
  EXPECT_EQ(jobs.back().id, 23406);
  EXPECT_EQ(jobs.back().submit_s, 20151.0);
  EXPECT_EQ(jobs.back().gpus, 4);
  // Notes: the first five skipped rows, by file line (awk -F, 'NR>1 && $3==0 {print NR}' | head -5).
  ASSERT_EQ(report.notes.size(), 5u);
  EXPECT_EQ(report.notes[0], kChronus + ":197: skipped: asks for 0 GPUs");
  EXPECT_EQ(report.notes[4], kChronus + ":898: skipped: asks for 0 GPUs");
}

TEST(WorkloadTraceChronus, RealTraceSkipsRowsLargerThanTheCluster) {
  TraceReport report;
  const auto jobs = read_trace(spec_for(TraceFormat::chronus_philly, kChronus), 8, report);
  // SOURCE.md histogram: 12 GPUs x2, 16 x124, 20 x1, 32 x14 => 141 rows above 8.
  EXPECT_EQ(report.skipped_too_large, 141u);
  EXPECT_EQ(report.skipped_zero_gpus, 184u);
  EXPECT_EQ(jobs.size(), 30940u - 184u - 141u);
  for (const auto& job : jobs)
    ASSERT_TRUE(job.gpus >= 1 && job.gpus <= 8) << job.id;
  // Notes keep the file order of skips, whichever the reason (first 0-GPU row is line 197, first >8 is line 133).
  ASSERT_EQ(report.notes.size(), 5u);
  EXPECT_EQ(report.notes[0], kChronus + ":133: skipped: asks for 32 GPUs, more than the cluster's 8");
  EXPECT_EQ(report.notes[1], kChronus + ":197: skipped: asks for 0 GPUs");
}

TEST(WorkloadTraceGavel, RealTraceMatchesSourceStatistics) {
  TraceReport report;
  const auto jobs = read_trace(spec_for(TraceFormat::gavel_philly, kGavel), 2048, report);
  EXPECT_EQ(report.rows, 533u);
  ASSERT_EQ(jobs.size(), 533u);
  EXPECT_EQ(report.skipped_zero_gpus, 0u);
  EXPECT_EQ(report.skipped_too_large, 0u);
  EXPECT_TRUE(report.notes.empty());
  std::map<int, int> histogram;
  double max_arrival = 0;
  for (const auto& job : jobs) {
    ++histogram[job.gpus];
    max_arrival = std::max(max_arrival, job.submit_s);
    EXPECT_EQ(job.user, "");
  }
  const std::map<int, int> expected{{1, 65}, {2, 6}, {4, 11}, {8, 379}, {16, 2}, {32, 70}}; // SOURCE.md
  EXPECT_EQ(histogram, expected);
  EXPECT_EQ(max_arrival, 8141054.0);
  EXPECT_TRUE(sorted_by_submit_then_id(jobs));
  // First line of the file: job 0 arrives at 0 s on 4 GPUs and runs 927,468 s.
  EXPECT_EQ(jobs.front().id, 0);
  EXPECT_EQ(jobs.front().submit_s, 0.0);
  EXPECT_EQ(jobs.front().gpus, 4);
  EXPECT_EQ(jobs.front().duration_s, 927468.0);
}

TEST(WorkloadTraceGavel, RealTraceSkipsRowsLargerThanTheCluster) {
  TraceReport report;
  const auto jobs = read_trace(spec_for(TraceFormat::gavel_philly, kGavel), 8, report);
  EXPECT_EQ(report.skipped_too_large, 72u); // 16 GPUs x2 + 32 GPUs x70 (SOURCE.md)
  EXPECT_EQ(jobs.size(), 461u);
  EXPECT_EQ(report.notes.size(), 5u);
}

// ---- small fixtures ---------------------------------------------------------------------------------------------

TEST(WorkloadTraceFixture, SortsSkipsAndKeepsFields) {
  TraceReport report;
  const auto path = fixture("chronus_small.csv");
  const auto jobs = read_trace(spec_for(TraceFormat::chronus_philly, path), 8, report);
  EXPECT_EQ(report.rows, 6u); // the trailing blank line is not a row
  EXPECT_EQ(report.skipped_zero_gpus, 1u);
  EXPECT_EQ(report.skipped_too_large, 1u);
  ASSERT_EQ(jobs.size(), 4u);
  // (submit, id): (0, 2), (10, 3), (30, 5), (30, 7) -- the tie at 30 s is broken by id.
  EXPECT_EQ(jobs[0].id, 2);
  EXPECT_EQ(jobs[1].id, 3);
  EXPECT_EQ(jobs[2].id, 5);
  EXPECT_EQ(jobs[3].id, 7);
  EXPECT_EQ(jobs[1].duration_s, 20.5);
  EXPECT_EQ(jobs[1].user, "vc_b");
  EXPECT_EQ(jobs[3].gpus, 2);
  ASSERT_EQ(report.notes.size(), 2u);
  EXPECT_EQ(report.notes[0], path + ":4: skipped: asks for 0 GPUs");
  EXPECT_EQ(report.notes[1], path + ":6: skipped: asks for 16 GPUs, more than the cluster's 8");
}

TEST(WorkloadTraceFixture, LimitCountsProducedJobsInFileOrder) {
  TraceReport report;
  auto spec = spec_for(TraceFormat::chronus_philly, fixture("chronus_small.csv"));
  spec.limit = 2;
  const auto jobs = read_trace(spec, 8, report);
  // Rows 7 (kept) and 3 (kept) come first in the file; then reading stops.
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].id, 3);
  EXPECT_EQ(jobs[1].id, 7);
  EXPECT_EQ(report.rows, 2u);
  EXPECT_EQ(report.jobs, 2u);

  spec.limit = 3; // the 0-GPU row does not count against the limit
  const auto three = read_trace(spec, 8, report);
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(report.rows, 4u);
  EXPECT_EQ(report.skipped_zero_gpus, 1u);

  TraceReport real;
  auto chronus = spec_for(TraceFormat::chronus_philly, kChronus);
  chronus.limit = 1000;
  EXPECT_EQ(read_trace(chronus, 2048, real).size(), 1000u);
}

TEST(WorkloadTraceFixture, TimeScaleMultipliesSubmitTimesOnly) {
  TraceReport report;
  auto spec = spec_for(TraceFormat::chronus_philly, fixture("chronus_small.csv"));
  spec.time_scale = 0.5;
  const auto jobs = read_trace(spec, 8, report);
  ASSERT_EQ(jobs.size(), 4u);
  EXPECT_EQ(jobs[1].submit_s, 5.0);
  EXPECT_EQ(jobs[3].submit_s, 15.0);
  EXPECT_EQ(jobs[3].duration_s, 50.0); // durations are not scaled

  TraceReport real;
  auto gavel = spec_for(TraceFormat::gavel_philly, kGavel);
  gavel.time_scale = 0.25;
  const auto scaled = read_trace(gavel, 2048, real);
  EXPECT_EQ(scaled.back().submit_s, 8141054.0 * 0.25);
}

TEST(WorkloadTraceFixture, QuotedFieldsWithCommasQuotesNewlinesAndCrlf) {
  TraceReport report;
  const auto jobs = read_trace(spec_for(TraceFormat::gavel_philly, fixture("gavel_quoted.csv")), 8, report);
  EXPECT_EQ(report.rows, 3u); // the quoted line break does not start a new row
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].id, 1); // arrival 0
  EXPECT_EQ(jobs[0].gpus, 1);
  EXPECT_EQ(jobs[0].duration_s, 1800.0);
  EXPECT_EQ(jobs[1].id, 2);
  EXPECT_EQ(jobs[1].submit_s, 60.5);
  EXPECT_EQ(jobs[2].id, 0);
  EXPECT_EQ(jobs[2].submit_s, 120.0);
  EXPECT_EQ(jobs[2].gpus, 8);
  EXPECT_EQ(jobs[2].duration_s, 3600.0); // the CR of the CRLF ending is not part of the last field
}

TEST(WorkloadTraceFixture, HeaderOnlyIsAnEmptyTrace) {
  TraceReport report;
  const auto jobs = read_trace(spec_for(TraceFormat::chronus_philly, fixture("header_only.csv")), 8, report);
  EXPECT_TRUE(jobs.empty());
  EXPECT_EQ(report.rows, 0u);
}

TEST(WorkloadTraceFixture, FormatNames) {
  EXPECT_STREQ(to_string(TraceFormat::chronus_philly), "chronus_philly");
  EXPECT_STREQ(to_string(TraceFormat::gavel_philly), "gavel_philly");
  EXPECT_STREQ(to_string(JobKind::training), "training");
}

// ---- errors: each names file, line and (where there is one) field ----------------------------------------------

struct ErrorCase {
  const char* file;
  TraceFormat format;
  const char* message; // after "<path>:"
};

class WorkloadTraceError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(WorkloadTraceError, NamesFileLineAndField) {
  const auto& c = GetParam();
  const auto path = fixture(c.file);
  TraceReport report;
  try {
    read_trace(spec_for(c.format, path), 8, report);
    FAIL() << "no error for " << c.file;
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":" + c.message);
  }
}

INSTANTIATE_TEST_SUITE_P(
    WorkloadFixtures, WorkloadTraceError,
    ::testing::Values(
        ErrorCase{"bad_duration_text.csv", TraceFormat::chronus_philly,
                  "3: field 'duration': expected a positive number, got 'abc'"},
        ErrorCase{"bad_duration_zero.csv", TraceFormat::chronus_philly,
                  "3: field 'duration': expected a positive number, got '0'"},
        ErrorCase{"bad_duration_inf.csv", TraceFormat::chronus_philly,
                  "3: field 'duration': expected a positive number, got 'inf'"},
        ErrorCase{"bad_submit_negative.csv", TraceFormat::chronus_philly,
                  "3: field 'submit_time': expected a non-negative number, got '-2'"},
        ErrorCase{"bad_submit_empty.csv", TraceFormat::chronus_philly,
                  "3: field 'submit_time': expected a non-negative number, got ''"},
        ErrorCase{"bad_gpus_fraction.csv", TraceFormat::chronus_philly,
                  "3: field 'num_gpu': expected a non-negative whole number of GPUs, got '1.5'"},
        ErrorCase{"bad_gpus_negative.csv", TraceFormat::chronus_philly,
                  "3: field 'num_gpu': expected a non-negative whole number of GPUs, got '-1'"},
        ErrorCase{"bad_id.csv", TraceFormat::chronus_philly,
                  "3: field 'job_id': expected a non-negative integer id, got 'x7'"},
        ErrorCase{"bad_field_count.csv", TraceFormat::chronus_philly, "3: expected 12 fields as in the header, got 11"},
        ErrorCase{"duplicate_id.csv", TraceFormat::chronus_philly,
                  "3: field 'job_id': duplicate job id 0 (first on line 2)"},
        ErrorCase{"missing_column.csv", TraceFormat::chronus_philly, "1: missing column 'num_gpu'"},
        ErrorCase{"empty.csv", TraceFormat::chronus_philly, "1: empty file: expected a header line naming the columns"},
        ErrorCase{"chronus_small.csv", TraceFormat::gavel_philly, "1: missing column 'job_index'"},
        ErrorCase{"bad_unterminated_quote.csv", TraceFormat::gavel_philly,
                  "2: field 'command': quoted field is never closed"},
        ErrorCase{"bad_stray_quote.csv", TraceFormat::gavel_philly,
                  "2: field 'command': quote character inside a field (quote the whole field and double the quote)"},
        ErrorCase{"bad_after_quote.csv", TraceFormat::gavel_philly,
                  "2: field 'command': unexpected character after the closing quote"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) {
      std::string name = info.param.file;
      name = name.substr(0, name.find('.'));
      return name + "_" + to_string(info.param.format);
    });

TEST(WorkloadTraceErrors, MissingFileAndBadArguments) {
  TraceReport report;
  try {
    read_trace(spec_for(TraceFormat::chronus_philly, fixture("no_such_file.csv")), 8, report);
    FAIL() << "no error for a missing file";
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              fixture("no_such_file.csv") + ": cannot open trace file (No such file or directory)");
  }
  auto spec = spec_for(TraceFormat::chronus_philly, fixture("chronus_small.csv"));
  EXPECT_THROW(read_trace(spec, 0, report), std::invalid_argument);
  spec.limit = -1;
  EXPECT_THROW(read_trace(spec, 8, report), std::invalid_argument);
  spec.limit = 0;
  spec.time_scale = -1;
  EXPECT_THROW(read_trace(spec, 8, report), std::invalid_argument);
}

} // namespace
} // namespace racksim::workloads
