// The metric table (sim/results/metrics.hpp) and what is built from it: the writer refuses undeclared summary
// attributes and series, /meta describes /summary (units, directions), and the /jobs compound type keeps the layout
// of schema version 1 byte for byte.

#include "sample_results.hpp"
#include "sim/results/metrics.hpp"
#include "sim/results/results.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace racksim::sim;
using racksim::sim::testing::sample_result_set;

std::string temp_file(const std::string& name) {
  return (fs::temp_directory_path() / ("racksim-metrics-" + std::to_string(::getpid()) + "-" + name)).string();
}

// The message of the ResultsError writing `rs` throws ("" when it writes), and that no file was left behind.
std::string write_error(const ResultSet& rs) {
  const std::string path = temp_file("bad.h5");
  try {
    write_results(path, rs);
  } catch (const ResultsError& e) {
    EXPECT_FALSE(fs::exists(path));
    return e.what();
  }
  fs::remove(path);
  return "";
}

std::string string_attribute(hid_t obj, const char* name) {
  const hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
  if (attr < 0) return "<absent>";
  const hid_t type = H5Aget_type(attr);
  char* data = nullptr;
  H5Aread(attr, type, &data);
  std::string value = data != nullptr ? data : "";
  H5free_memory(data);
  H5Tclose(type);
  H5Aclose(attr);
  return value;
}

} // namespace

TEST(MetricTable, NamesAreUniquePerSectionAndPatternsWellFormed) {
  std::set<std::pair<int, std::string>> seen;
  for (const auto& m : metrics::metric_table()) {
    EXPECT_TRUE(seen.insert({static_cast<int>(m.section), std::string(m.name)}).second) << m.name;
    EXPECT_FALSE(m.definition.empty()) << m.name;
    EXPECT_NE(m.kinds, 0u) << m.name;
    if (m.is_pattern()) {
      const auto open = m.name.find('<'), close = m.name.find('>');
      EXPECT_TRUE(close != std::string_view::npos && close > open + 1 && m.name.find('<', open + 1) == m.name.npos)
          << m.name;
    }
    if (!m.inference_unit.empty()) {
      EXPECT_EQ(m.section, metrics::Section::series) << m.name;
    }
  }
}

TEST(MetricTable, LookupFindsExactNamesAndPatterns) {
  using metrics::Section;
  ASSERT_NE(metrics::find_metric(Section::summary, "co2_kg"), nullptr);
  EXPECT_EQ(metrics::find_metric(Section::summary, "co2_kg")->direction, metrics::Direction::lower_is_better);
  EXPECT_EQ(metrics::find_metric(Section::summary, "jobs_total")->direction, metrics::Direction::descriptive);
  EXPECT_EQ(metrics::find_metric(Section::summary, "goodput")->unit, "fraction");
  const auto* raised = metrics::find_metric(Section::summary, "alert.queue_high.raised");
  ASSERT_NE(raised, nullptr);
  EXPECT_EQ(raised->name, "alert.<name>.raised");
  EXPECT_EQ(metrics::find_metric(Section::summary, "alert..raised"), nullptr); // the placeholder is not empty
  EXPECT_EQ(metrics::find_metric(Section::summary, "power_w"), nullptr);       // a series, not a summary attribute
  EXPECT_NE(metrics::find_metric(Section::series, "power_w"), nullptr);
  EXPECT_EQ(metrics::find_metric(Section::jobs, "energy_j")->unit, "J");
  // inference_replicas is both: a summary attribute and a series.
  EXPECT_NE(metrics::find_metric(Section::summary, "inference_replicas"), nullptr);
  EXPECT_NE(metrics::find_metric(Section::series, "inference_replicas"), nullptr);
}

TEST(MetricTable, WritingAnUndeclaredSummaryAttributeIsAnError) {
  ResultSet rs = sample_result_set();
  rs.summary.emplace_back("made_up_metric", 1);
  const std::string message = write_error(rs);
  EXPECT_NE(message.find("/summary@made_up_metric: summary attribute 'made_up_metric' is not declared"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("sim/results/metrics.cpp"), std::string::npos) << message;
}

TEST(MetricTable, WritingAnUndeclaredSeriesOrAnotherUnitIsAnError) {
  ResultSet rs = sample_result_set();
  rs.timeseries[0].name = "gpus_busy";
  std::string message = write_error(rs);
  EXPECT_NE(message.find("/timeseries/gpus_busy: series 'gpus_busy' is not declared"), std::string::npos) << message;

  rs = sample_result_set();
  rs.timeseries[0].unit = "gpus";
  message = write_error(rs);
  EXPECT_NE(message.find("/timeseries/gpus_allocated: unit 'gpus' differs from the declared unit 'GPUs'"),
            std::string::npos)
      << message;

  rs = sample_result_set();
  rs.timeseries[1].unit = "requests"; // queue_length in an inference run
  EXPECT_EQ(write_error(rs), "");
  rs.timeseries[1].unit = "GPUs";
  EXPECT_NE(write_error(rs).find("('requests' in inference runs)"), std::string::npos);
}

TEST(MetricTable, MetaDescribesTheSummaryInItsOrder) {
  ResultSet rs;
  rs.summary = {{"co2_kg", 1.5}, {"jobs_total", 3}, {"gpu_utilization", 0.5}, {"alert.q.seconds", 20}};
  const std::string path = temp_file("meta.h5");
  write_results(path, rs);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t meta = H5Gopen2(file, "/meta", H5P_DEFAULT);
  EXPECT_EQ(string_attribute(meta, "summary_units"),
            R"({"co2_kg": "kg", "jobs_total": "jobs", "gpu_utilization": "fraction", "alert.q.seconds": "s"})");
  EXPECT_EQ(string_attribute(meta, "summary_directions"),
            R"({"co2_kg": "lower_is_better", "jobs_total": "descriptive", "gpu_utilization": "higher_is_better", )"
            R"("alert.q.seconds": "lower_is_better"})");
  H5Gclose(meta);
  H5Fclose(file);
  EXPECT_EQ(read_results(path).summary, rs.summary); // /summary itself holds the metrics only
  fs::remove(path);
}

// Schema version 1's /jobs row, byte for byte: the compound type built from job_columns() must not move a field.
TEST(MetricTable, JobsLayoutIsSchemaVersionOne) {
  struct Field {
    const char* name;
    std::size_t offset;
    H5T_class_t cls;
    std::size_t size;
  };
  const std::vector<Field> expected = {
      {"id", 0, H5T_INTEGER, 8},           {"kind", 8, H5T_STRING, 16},      {"submit_s", 24, H5T_FLOAT, 8},
      {"start_s", 32, H5T_FLOAT, 8},       {"end_s", 40, H5T_FLOAT, 8},      {"gpus", 48, H5T_INTEGER, 4},
      {"status", 52, H5T_STRING, 16},      {"restarts", 68, H5T_INTEGER, 4}, {"queue_s", 72, H5T_FLOAT, 8},
      {"compute_s", 80, H5T_FLOAT, 8},     {"comm_s", 88, H5T_FLOAT, 8},     {"checkpoint_s", 96, H5T_FLOAT, 8},
      {"lost_gpu_s", 104, H5T_FLOAT, 8},   {"energy_j", 112, H5T_FLOAT, 8},  {"nodes", 120, H5T_INTEGER, 4},
      {"racks", 124, H5T_INTEGER, 4},      {"timing", 128, H5T_STRING, 16},  {"mfu", 144, H5T_FLOAT, 8},
      {"tokens_per_s", 152, H5T_FLOAT, 8},
  };
  const std::string path = temp_file("jobs.h5");
  write_results(path, sample_result_set());
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t dataset = H5Dopen2(file, "/jobs", H5P_DEFAULT);
  const hid_t type = H5Dget_type(dataset);
  EXPECT_EQ(H5Tget_size(type), 160u);
  ASSERT_EQ(H5Tget_nmembers(type), static_cast<int>(expected.size()));
  for (unsigned i = 0; i < expected.size(); ++i) {
    char* name = H5Tget_member_name(type, i);
    EXPECT_EQ(std::string(name), expected[i].name);
    H5free_memory(name);
    EXPECT_EQ(H5Tget_member_offset(type, i), expected[i].offset) << expected[i].name;
    const hid_t member = H5Tget_member_type(type, i);
    EXPECT_EQ(H5Tget_class(member), expected[i].cls) << expected[i].name;
    EXPECT_EQ(H5Tget_size(member), expected[i].size) << expected[i].name;
    EXPECT_EQ(H5Tget_order(member), expected[i].cls == H5T_STRING ? H5T_ORDER_NONE : H5T_ORDER_LE);
    if (expected[i].cls == H5T_STRING) {
      EXPECT_EQ(H5Tget_strpad(member), H5T_STR_NULLPAD) << expected[i].name;
    }
    if (expected[i].cls == H5T_INTEGER) {
      EXPECT_EQ(H5Tget_sign(member), H5T_SGN_2) << expected[i].name;
    }
    H5Tclose(member);
  }
  H5Tclose(type);
  H5Dclose(dataset);
  H5Fclose(file);
  fs::remove(path);
}
