// Trace readers: the two real Philly-derived traces (counts checked against independent tools), and small
// fixtures for every kind of malformed row, quoting and line endings.

#include "workloads/traces/trace_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
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
  EXPECT_STREQ(to_string(TraceFormat::tiresias), "tiresias");
  EXPECT_STREQ(to_string(TraceFormat::helios), "helios");
  EXPECT_STREQ(to_string(TraceFormat::alibaba_v2020), "alibaba_v2020");
  EXPECT_STREQ(to_string(TraceFormat::alibaba_v2023), "alibaba_v2023");
  EXPECT_STREQ(to_string(TraceFormat::swf), "swf");
  EXPECT_STREQ(to_string(BadRowPolicy::clamp), "clamp");
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
    auto spec = spec_for(c.format, path);
    spec.bad_rows = BadRowPolicy::error; // malformed rows are errors under every policy; unrunnable ones under this
    read_trace(spec, 8, report);
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
                  "3: field 'duration': expected a positive number, got '0' (workload.trace.bad_rows: error)"},
        ErrorCase{"bad_duration_inf.csv", TraceFormat::chronus_philly,
                  "3: field 'duration': expected a positive number, got 'inf'"},
        ErrorCase{"chronus_small.csv", TraceFormat::chronus_philly,
                  "4: field 'num_gpu': asks for 0 GPUs (workload.trace.bad_rows: error)"},
        ErrorCase{"tiresias_small.csv", TraceFormat::tiresias,
                  "4: field 'num_gpu': asks for 0 GPUs (workload.trace.bad_rows: error)"},
        ErrorCase{"helios_bad_datetime.csv", TraceFormat::helios,
                  "3: field 'submit_time': expected a date and time such as 2020-06-09 18:41:01, got "
                  "'2020-13-09 18:41:01'"},
        ErrorCase{"alibaba_v2023_bad_milli.csv", TraceFormat::alibaba_v2023,
                  "3: field 'gpu_milli': expected a whole number of milli-GPUs in 0..1000, got '1500'"},
        ErrorCase{"alibaba_v2023_small.csv", TraceFormat::alibaba_v2023,
                  "2: field 'num_gpu': asks for 0 GPUs (workload.trace.bad_rows: error)"},
        ErrorCase{"swf_bad_fields.swf", TraceFormat::swf, "3: expected 18 whitespace-separated SWF fields, got 13"},
        ErrorCase{"swf_small.swf", TraceFormat::swf,
                  "7: field 'allocated_processors': asks for 16 GPUs, more than the cluster's 8 "
                  "(workload.trace.bad_rows: error)"},
        ErrorCase{"helios_small.csv", TraceFormat::helios,
                  "5: field 'gpu_num': asks for 0 GPUs (workload.trace.bad_rows: error)"},
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

// ---- the other formats, from fixtures written to their published schemas (docs/workload-model.md) -------------

TEST(WorkloadTraceTiresias, ReadsTheTiresiasSchema) {
  TraceReport report;
  const auto jobs = read_trace(spec_for(TraceFormat::tiresias, fixture("tiresias_small.csv")), 8, report);
  EXPECT_EQ(report.rows, 4u);
  EXPECT_EQ(report.skipped_zero_gpus, 1u);
  EXPECT_EQ(report.skipped_too_large, 1u);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].id, 1);
  EXPECT_EQ(jobs[0].submit_s, 0.0);
  EXPECT_EQ(jobs[0].duration_s, 120.5);
  EXPECT_EQ(jobs[0].user, "");
  EXPECT_EQ(jobs[1].id, 4);
  EXPECT_EQ(jobs[1].gpus, 2);
  EXPECT_EQ(jobs[1].submit_s, 30.0);
}

TEST(WorkloadTraceHelios, DatetimesAreShiftedToTheFirstJob) {
  TraceReport report;
  const auto path = fixture("helios_small.csv");
  const auto jobs = read_trace(spec_for(TraceFormat::helios, path), 8, report);
  EXPECT_EQ(report.rows, 6u);
  EXPECT_EQ(report.skipped_zero_gpus, 1u);    // 1425514, a CPU-only job
  EXPECT_EQ(report.skipped_too_large, 1u);    // 1425515, 16 GPUs
  EXPECT_EQ(report.skipped_bad_duration, 1u); // 1425516, duration 0 (shorter than the trace's 1 s clock)
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].id, 1425511);
  EXPECT_EQ(jobs[0].submit_s, 0.0);
  EXPECT_EQ(jobs[0].duration_s, 36848.0);
  EXPECT_EQ(jobs[0].user, "uXBbc");
  EXPECT_EQ(jobs[1].id, 1425512);
  EXPECT_EQ(jobs[1].submit_s, 26.0);
  EXPECT_EQ(jobs[1].gpus, 4);
  EXPECT_EQ(jobs[2].submit_s, 27.0);
  EXPECT_EQ(report.notes.back(), path + ":7: skipped: field 'duration': expected a positive number, got '0'");
}

TEST(WorkloadTraceHelios, ClampKeepsRowsTheClusterCannotRunAsIs) {
  TraceReport report;
  auto spec = spec_for(TraceFormat::helios, fixture("helios_small.csv"));
  spec.bad_rows = BadRowPolicy::clamp;
  const auto jobs = read_trace(spec, 8, report);
  EXPECT_EQ(report.skipped_zero_gpus, 1u); // a CPU-only job has no GPU count to clamp to
  EXPECT_EQ(report.clamped_too_large, 1u);
  EXPECT_EQ(report.clamped_duration, 1u);
  ASSERT_EQ(jobs.size(), 5u);
  const auto by_id = [&](std::int64_t id) { return *std::find_if(jobs.begin(), jobs.end(), [&](auto& j) { return j.id == id; }); };
  EXPECT_EQ(by_id(1425515).gpus, 8);
  EXPECT_EQ(by_id(1425515).submit_s, 129.0);
  EXPECT_EQ(by_id(1425516).duration_s, kMinClampedDuration_s);
  // Across midnight: 2020-06-10 00:00:00 - 2020-06-09 18:41:01 = 5 h 18 min 59 s.
  EXPECT_EQ(by_id(1425516).submit_s, 5 * 3600 + 18 * 60 + 59.0);
}

TEST(WorkloadTraceAlibaba2023, FractionalGpusRoundUpAndPendingPodsNeverRan) {
  TraceReport report;
  const auto jobs = read_trace(spec_for(TraceFormat::alibaba_v2023, fixture("alibaba_v2023_small.csv")), 8, report);
  EXPECT_EQ(report.rows, 6u);
  EXPECT_EQ(report.skipped_zero_gpus, 1u); // a CPU pod
  EXPECT_EQ(report.skipped_not_run, 1u);   // pending: no scheduled_time
  EXPECT_EQ(report.fractional_rounded_up, 2u);
  ASSERT_EQ(jobs.size(), 4u);
  // Ids are data-row ordinals; times are shifted to the earliest kept creation_time (9565025).
  EXPECT_EQ(jobs[0].id, 2);
  EXPECT_EQ(jobs[0].submit_s, 0.0);
  EXPECT_EQ(jobs[0].gpus, 1);
  EXPECT_EQ(jobs[0].gpus_requested, 0.5);
  EXPECT_EQ(jobs[0].duration_s, 9586760.0 - 9565030.0); // deletion - scheduled
  EXPECT_EQ(jobs[1].id, 6);
  EXPECT_EQ(jobs[1].gpus_requested, 0.25);
  EXPECT_EQ(jobs[2].id, 3);
  EXPECT_EQ(jobs[2].gpus, 2);
  EXPECT_EQ(jobs[2].gpus_requested, 0.0); // whole GPUs
  EXPECT_EQ(jobs[2].submit_s, 75.0);
  EXPECT_EQ(jobs[3].id, 5);
  EXPECT_EQ(jobs[3].gpus, 8);
  EXPECT_EQ(jobs[3].duration_s, 99900.0);
}

TraceSpec pai_spec(const std::string& tasks = "pai_task_table_small.csv") {
  auto spec = spec_for(TraceFormat::alibaba_v2020, fixture("pai_job_table_small.csv"));
  spec.task_path = fixture(tasks);
  return spec;
}

TEST(WorkloadTraceAlibaba2020, JoinsJobsWithTheirTasks) {
  TraceReport report;
  const auto jobs = read_trace(pai_spec(), 8, report);
  EXPECT_EQ(report.rows, 8u);
  EXPECT_EQ(report.skipped_not_run, 2u);   // job_d still running; job_f has no task rows
  EXPECT_EQ(report.skipped_zero_gpus, 1u); // job_e: no plan_gpu
  EXPECT_EQ(report.skipped_too_large, 1u); // job_h: 16 x 100%
  EXPECT_EQ(report.fractional_rounded_up, 1u);
  ASSERT_EQ(jobs.size(), 4u);
  EXPECT_EQ(jobs[0].id, 1); // job_a
  EXPECT_EQ(jobs[0].submit_s, 0.0);
  EXPECT_EQ(jobs[0].duration_s, 1600.0 - 1005.0); // last task end - first task start
  EXPECT_EQ(jobs[0].user, "user1");
  EXPECT_EQ(jobs[1].id, 2);                        // job_b: ps (0%) + 2 workers x 50% = one whole GPU
  EXPECT_EQ(jobs[1].gpus, 1);
  EXPECT_EQ(jobs[1].gpus_requested, 0.0);
  EXPECT_EQ(jobs[1].duration_s, 2100.0 - 1012.0);
  EXPECT_EQ(jobs[2].id, 3); // job_c: 25% of a GPU, a failed job that ran
  EXPECT_EQ(jobs[2].gpus_requested, 0.25);
  EXPECT_EQ(jobs[2].submit_s, 20.0);
  EXPECT_EQ(jobs[3].id, 7); // job_g
  EXPECT_EQ(jobs[3].gpus, 8);
}

TEST(WorkloadTraceAlibaba2020, ErrorsNameTheTableLineAndField) {
  TraceReport report;
  try {
    read_trace(pai_spec("pai_task_table_bad.csv"), 8, report);
    FAIL() << "no error";
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              fixture("pai_task_table_bad.csv") + ":2: field 'inst_num': expected a non-negative number, got 'two'");
  }
  auto spec = pai_spec();
  spec.bad_rows = BadRowPolicy::error;
  try {
    read_trace(spec, 8, report);
    FAIL() << "no error";
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()), fixture("pai_job_table_small.csv") +
                                         ":4: status 'Running': the job did not finish within the trace "
                                         "(workload.trace.bad_rows: error)");
  }
  spec.task_path.clear();
  EXPECT_THROW(read_trace(spec, 8, report), std::invalid_argument);
}

TEST(WorkloadTraceSwf, ReadsStandardWorkloadFormat) {
  TraceReport report;
  auto spec = spec_for(TraceFormat::swf, fixture("swf_small.swf"));
  const auto jobs = read_trace(spec, 64, report);
  EXPECT_EQ(report.rows, 5u); // comment lines are not rows
  EXPECT_EQ(report.skipped_bad_duration, 1u); // job 3: run time -1 (unknown)
  EXPECT_EQ(report.skipped_too_large, 1u);    // job 5: 128 processors
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].id, 1);
  EXPECT_EQ(jobs[0].gpus, 8);
  EXPECT_EQ(jobs[0].duration_s, 3600.0);
  EXPECT_EQ(jobs[0].user, "u3");
  EXPECT_EQ(jobs[1].gpus, 4); // allocated unknown: the requested processors
  EXPECT_EQ(jobs[1].submit_s, 60.0);
  EXPECT_EQ(jobs[2].id, 4);
  EXPECT_EQ(jobs[2].user, ""); // user -1 = unknown

  spec.swf_processors_per_gpu = 8; // 8 cores make a GPU: ceil(processors / 8)
  const auto coarse = read_trace(spec, 64, report);
  ASSERT_EQ(coarse.size(), 4u);
  EXPECT_EQ(coarse[0].gpus, 1);
  EXPECT_EQ(coarse[1].gpus, 1); // 4 processors
  EXPECT_EQ(coarse[3].gpus, 16);
}

TEST(WorkloadTracePolicy, ClampAndSkipOnThePhillyFixture) {
  TraceReport report;
  const auto path = fixture("chronus_small.csv");
  auto spec = spec_for(TraceFormat::chronus_philly, path);
  spec.bad_rows = BadRowPolicy::clamp;
  const auto jobs = read_trace(spec, 8, report);
  EXPECT_EQ(report.skipped_too_large, 0u);
  EXPECT_EQ(report.clamped_too_large, 1u);
  ASSERT_EQ(jobs.size(), 5u);
  EXPECT_EQ(jobs[1].id, 1);
  EXPECT_EQ(jobs[1].gpus, 8);
  EXPECT_EQ(report.notes[1], path + ":6: clamped: asks for 16 GPUs, more than the cluster's 8; given 8");

  spec = spec_for(TraceFormat::chronus_philly, fixture("bad_duration_zero.csv"));
  const auto skipped = read_trace(spec, 8, report); // default: skip
  EXPECT_EQ(report.skipped_bad_duration, 1u);
  EXPECT_EQ(skipped.size(), report.rows - 1);
}

// A 10^6-row file streams through the reader: only the kept jobs are held, never the text. (Its peak memory is
// measured in docs/performance.md, "Trace readers".)
TEST(WorkloadTraceScale, MillionRowFile) {
  const std::string path = ::testing::TempDir() + "/racksim-million-rows.csv";
  {
    std::ofstream out(path);
    out << "job_id,num_gpu,submit_time,iterations,model_name,duration,interval\n";
    for (int i = 0; i < 1'000'000; ++i)
      out << i << ',' << (i % 10 == 0 ? 0 : 1 + i % 8) << ',' << i / 4 << ",100,resnet50," << 60 + i % 100 << ",1\n";
  }
  TraceReport report;
  const auto jobs = read_trace(spec_for(TraceFormat::tiresias, path), 8, report);
  std::remove(path.c_str());
  EXPECT_EQ(report.rows, 1'000'000u);
  EXPECT_EQ(report.skipped_zero_gpus, 100'000u);
  EXPECT_EQ(jobs.size(), 900'000u);
  EXPECT_EQ(jobs.back().submit_s, 999'999 / 4);
}

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
