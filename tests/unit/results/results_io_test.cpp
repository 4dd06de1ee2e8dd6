// HDF5 results file: round trip of every field, atomic replacement, determinism, empty inputs and the errors a
// user sees for bad paths and foreign files.

#include "sample_results.hpp"
#include "sim/results/results.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using racksim::sim::CollectiveRecord;
using racksim::sim::JobRecord;
using racksim::sim::read_results;
using racksim::sim::ResultsError;
using racksim::sim::ResultSet;
using racksim::sim::TimeSeries;
using racksim::sim::write_results;
using racksim::sim::testing::sample_result_set;

// Each test gets its own directory (tests run one per process, so the pid keeps parallel runs apart).
class ResultsIo : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ =
        fs::temp_directory_path() / ("racksim-results-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void expect_same_job(const JobRecord& a, const JobRecord& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.submit_s, b.submit_s);
  EXPECT_EQ(a.start_s, b.start_s);
  EXPECT_EQ(a.end_s, b.end_s);
  EXPECT_EQ(a.gpus, b.gpus);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.restarts, b.restarts);
  EXPECT_EQ(a.queue_s, b.queue_s);
  EXPECT_EQ(a.compute_s, b.compute_s);
  EXPECT_EQ(a.comm_s, b.comm_s);
  EXPECT_EQ(a.checkpoint_s, b.checkpoint_s);
  EXPECT_EQ(a.lost_gpu_s, b.lost_gpu_s);
  EXPECT_EQ(a.energy_j, b.energy_j);
  EXPECT_EQ(a.nodes, b.nodes);
  EXPECT_EQ(a.racks, b.racks);
  EXPECT_EQ(a.timing, b.timing);
  EXPECT_EQ(a.mfu, b.mfu);
  EXPECT_EQ(a.tokens_per_s, b.tokens_per_s);
}

void expect_same(const ResultSet& a, const ResultSet& b) {
  EXPECT_EQ(a.meta.racksim_version, b.meta.racksim_version);
  EXPECT_EQ(a.meta.git_sha, b.meta.git_sha);
  EXPECT_EQ(a.meta.simgrid_version, b.meta.simgrid_version);
  EXPECT_EQ(a.meta.seed, b.meta.seed);
  EXPECT_EQ(a.meta.scenario_yaml, b.meta.scenario_yaml);
  EXPECT_EQ(a.meta.calibration, b.meta.calibration);
  EXPECT_EQ(a.meta.started_utc, b.meta.started_utc);
  EXPECT_EQ(a.meta.wall_seconds, b.meta.wall_seconds);
  ASSERT_EQ(a.jobs.size(), b.jobs.size());
  for (std::size_t i = 0; i < a.jobs.size(); ++i) {
    SCOPED_TRACE("job row " + std::to_string(i));
    expect_same_job(a.jobs[i], b.jobs[i]);
  }
  ASSERT_EQ(a.timeseries.size(), b.timeseries.size());
  for (std::size_t i = 0; i < a.timeseries.size(); ++i) {
    EXPECT_EQ(a.timeseries[i].name, b.timeseries[i].name);
    EXPECT_EQ(a.timeseries[i].unit, b.timeseries[i].unit);
    EXPECT_EQ(a.timeseries[i].interval_s, b.timeseries[i].interval_s);
    EXPECT_EQ(a.timeseries[i].time_s, b.timeseries[i].time_s);
    EXPECT_EQ(a.timeseries[i].value, b.timeseries[i].value);
  }
  EXPECT_EQ(a.summary, b.summary); // names, values and order
}

TEST_F(ResultsIo, RoundTripsEveryField) {
  ResultSet r = sample_result_set();
  r.jobs[0].kind = "sixteen_bytes_ok"; // exactly the fixed width: no terminator needed
  r.jobs[1].status = "completed";
  r.jobs[4].id = -7;
  r.jobs[4].energy_j = -0.0;
  // A long scenario must not hit HDF5's 64 KiB attribute limit; non-ASCII text must survive.
  r.meta.scenario_yaml.clear();
  for (int i = 0; i < 5000; ++i)
    r.meta.scenario_yaml += "key_" + std::to_string(i) + ": 1.5µs\n";
  ASSERT_GT(r.meta.scenario_yaml.size(), 64u * 1024);
  // Names out of alphabetical order, and more than HDF5 keeps in compact storage: order must still round trip.
  r.summary.emplace_back("total_gpus", 1e300);
  r.summary.emplace_back("availability", -2.5e-300);
  r.summary.emplace_back("alert.q-1.seconds", 12.5); // a declared pattern
  r.timeseries.push_back(TimeSeries{"power_w", "W", {}, {}, 60});

  write_results(path("run.h5"), r);
  const ResultSet back = read_results(path("run.h5"));
  expect_same(r, back);
  EXPECT_EQ(listing(), std::vector<std::string>{"run.h5"});
}

TEST_F(ResultsIo, RoundTripsEveryCollectiveField) {
  ResultSet r = sample_result_set();
  CollectiveRecord c;
  c.job = 3;
  c.op = "reducescatter";
  c.algorithm = "hierarchical";
  c.bytes = std::int64_t{1} << 40;
  c.ranks = 16384;
  c.start_s = 0.25;
  c.time_s = 1.5e-3;
  c.algbw_Bps = 7.33e11;
  c.busbw_Bps = 7.32e11;
  c.ideal_s = 1.4e-3;
  c.nodes = 2048;
  c.racks = 64;
  r.collectives = {c, c};
  r.collectives[1].op = "broadcast";
  r.collectives[1].algorithm = "sixteen_bytes_ok";
  write_results(path("coll.h5"), r);
  const ResultSet back = read_results(path("coll.h5"));
  ASSERT_EQ(back.collectives.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto &x = r.collectives[i], &y = back.collectives[i];
    EXPECT_TRUE(x.job == y.job && x.op == y.op && x.algorithm == y.algorithm && x.bytes == y.bytes &&
                x.ranks == y.ranks && x.start_s == y.start_s && x.time_s == y.time_s && x.algbw_Bps == y.algbw_Bps &&
                x.busbw_Bps == y.busbw_Bps && x.ideal_s == y.ideal_s && x.nodes == y.nodes && x.racks == y.racks)
        << "row " << i;
  }
  r.collectives[0].op = "seventeen_bytes_x";
  EXPECT_THROW(write_results(path("long.h5"), r), ResultsError);
}

TEST_F(ResultsIo, EmptyJobListStillHasJobsDataset) {
  ResultSet r;
  r.meta.seed = 1;
  r.summary = racksim::sim::compute_summary({}, 0, 0, 0);
  write_results(path("empty.h5"), r);
  const ResultSet back = read_results(path("empty.h5"));
  EXPECT_TRUE(back.jobs.empty());
  EXPECT_TRUE(back.timeseries.empty());
  EXPECT_EQ(back.summary, r.summary);
}

TEST_F(ResultsIo, IntervalIsDerivedFromTimesWhenUnset) {
  ResultSet r;
  r.timeseries.push_back(TimeSeries{"power_w", "W", {0, 15, 30}, {100, 200, 150}, 0});
  write_results(path("series.h5"), r);
  const ResultSet back = read_results(path("series.h5"));
  ASSERT_EQ(back.timeseries.size(), 1u);
  EXPECT_EQ(back.timeseries[0].interval_s, 15);
}

TEST_F(ResultsIo, WritingTwiceGivesIdenticalFiles) {
  const ResultSet r = sample_result_set();
  write_results(path("a.h5"), r);
  write_results(path("b.h5"), r);
  // Stronger than equal datasets: the whole files match, so no timestamp or uninitialised byte slips in.
  const std::string a = file_bytes(path("a.h5"));
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == file_bytes(path("b.h5")));
}

TEST_F(ResultsIo, ObjectTimestampsAreOff) {
  write_results(path("run.h5"), sample_result_set());
  const hid_t file = H5Fopen(path("run.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  for (const char* object : {"/", "/meta", "/jobs", "/timeseries", "/timeseries/gpus_allocated", "/summary"}) {
    H5O_info_t info;
    ASSERT_GE(H5Oget_info_by_name2(file, object, &info, H5O_INFO_TIME, H5P_DEFAULT), 0) << object;
    EXPECT_EQ(info.ctime, 0) << object;
    EXPECT_EQ(info.mtime, 0) << object;
  }
  H5Fclose(file);
}

TEST_F(ResultsIo, JobsAreChunkedAndCompressed) {
  write_results(path("run.h5"), sample_result_set());
  const hid_t file = H5Fopen(path("run.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t dataset = H5Dopen2(file, "/jobs", H5P_DEFAULT);
  const hid_t dcpl = H5Dget_create_plist(dataset);
  EXPECT_EQ(H5Pget_layout(dcpl), H5D_CHUNKED);
  unsigned flags = 0;
  std::size_t n_values = 1;
  unsigned level = 0;
  EXPECT_GE(H5Pget_filter_by_id2(dcpl, H5Z_FILTER_DEFLATE, &flags, &n_values, &level, 0, nullptr, nullptr), 0);
  EXPECT_EQ(level, 4u);
  // Field names and order as in JobRecord.
  const hid_t type = H5Dget_type(dataset);
  const std::vector<std::string> expected = {"id",     "kind",         "submit_s",   "start_s",     "end_s",
                                             "gpus",   "status",       "restarts",   "queue_s",     "compute_s",
                                             "comm_s", "checkpoint_s", "lost_gpu_s", "energy_j",    "nodes",
                                             "racks",  "timing",       "mfu",        "tokens_per_s"};
  ASSERT_EQ(H5Tget_nmembers(type), static_cast<int>(expected.size()));
  for (unsigned i = 0; i < expected.size(); ++i) {
    char* name = H5Tget_member_name(type, i);
    EXPECT_EQ(std::string(name), expected[i]);
    H5free_memory(name);
  }
  H5Tclose(type);
  H5Pclose(dcpl);
  H5Dclose(dataset);
  H5Fclose(file);
}

TEST_F(ResultsIo, SuccessfulWriteReplacesExistingFile) {
  ResultSet first = sample_result_set();
  first.meta.seed = 1;
  write_results(path("run.h5"), first);
  ResultSet second = sample_result_set();
  second.meta.seed = 2;
  second.jobs.pop_back();
  write_results(path("run.h5"), second);
  const ResultSet back = read_results(path("run.h5"));
  EXPECT_EQ(back.meta.seed, 2u);
  EXPECT_EQ(back.jobs.size(), second.jobs.size());
  EXPECT_EQ(listing(), std::vector<std::string>{"run.h5"});
}

TEST_F(ResultsIo, FailedWriteKeepsOldFileAndLeavesNoTemporary) {
  const ResultSet good = sample_result_set();
  write_results(path("run.h5"), good);
  const std::string before = file_bytes(path("run.h5"));

  // Fails inside HDF5 after the temporary file exists (the second dataset of that name).
  ResultSet duplicate = sample_result_set();
  duplicate.timeseries.push_back(duplicate.timeseries[0]);
  try {
    write_results(path("run.h5"), duplicate);
    FAIL() << "expected ResultsError";
  } catch (const ResultsError& e) {
    EXPECT_NE(std::string(e.what()).find(path("run.h5")), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("gpus_allocated"), std::string::npos) << e.what();
  }
  // Fails in our own validation: half way through the file, or before it exists (names not in the metric table).
  ResultSet long_kind = sample_result_set();
  long_kind.jobs[3].kind = "a_kind_longer_than_16_bytes";
  EXPECT_THROW(write_results(path("run.h5"), long_kind), ResultsError);
  ResultSet ragged = sample_result_set();
  ragged.timeseries[1].value.pop_back();
  EXPECT_THROW(write_results(path("run.h5"), ragged), ResultsError);
  ResultSet bad_name = sample_result_set();
  bad_name.timeseries[1].name = "a/b";
  EXPECT_THROW(write_results(path("run.h5"), bad_name), ResultsError);

  EXPECT_EQ(listing(), std::vector<std::string>{"run.h5"});
  EXPECT_TRUE(file_bytes(path("run.h5")) == before);
  expect_same(read_results(path("run.h5")), good);
}

TEST_F(ResultsIo, MissingDirectoryIsAClearError) {
  const std::string target = path("no/such/dir/run.h5");
  try {
    write_results(target, sample_result_set());
    FAIL() << "expected ResultsError";
  } catch (const ResultsError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(target + ":", 0), 0u) << message;
    EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
  }
  EXPECT_TRUE(listing().empty());
}

TEST_F(ResultsIo, ReadingForeignFilesFailsClearly) {
  auto message_of = [](const std::string& p) -> std::string {
    try {
      read_results(p);
    } catch (const ResultsError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message_of(path("absent.h5")), path("absent.h5") + ": no such file");

  std::ofstream(path("text.h5")) << "not hdf5\n";
  EXPECT_EQ(message_of(path("text.h5")), path("text.h5") + ": not an HDF5 file");

  const hid_t file = H5Fcreate(path("other.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  H5Fclose(file);
  EXPECT_EQ(message_of(path("other.h5")), path("other.h5") + ": not a racksim results file (no /jobs)");
}

} // namespace
