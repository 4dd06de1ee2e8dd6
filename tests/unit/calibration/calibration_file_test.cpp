// Calibration files: write/load round trip, digests, the checked-in fixture, and every error path. Bad files are
// made by writing a good one and then damaging it with the HDF5 C API.

#include "workloads/calibration/calibration.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using namespace racksim::workloads;

namespace {

// sha256sum tests/data/calibration-fixture.h5 (update when the fixture is regenerated).
constexpr const char* kFixtureSha256 = "ba67f50359728d76e2217ac0a6c4712845c3f49c8ca247f770cb0b43971ca0e6";

// A fresh directory per test (each test runs in its own process, possibly in parallel).
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::path(::testing::TempDir()) /
            ("racksim-calib-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

CalibrationRow row(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch, std::string dtype,
                   double time_s) {
  CalibrationRow r;
  r.m = m;
  r.n = n;
  r.k = k;
  r.batch = batch;
  r.dtype = std::move(dtype);
  r.time_s = time_s;
  r.time_p10_s = 0.9 * time_s;
  r.time_p90_s = 1.1 * time_s;
  r.flops = 1.25e9 + static_cast<double>(m);
  r.bytes = 3.5e6 + static_cast<double>(n);
  r.achieved_flops = r.flops / time_s;
  r.achieved_Bps = r.bytes / time_s;
  r.repeats = 17;
  return r;
}

// Every field populated, with values that do not survive a float32 or int32 detour.
CalibrationTable full_table() {
  CalibrationTable t;
  t.device_text = {{"name", "Test GPU \xc3\xa9"}, {"compute_capability", "9.0"}, {"driver_version", "550.54.15"}};
  t.device_numbers = {{"sm_count", 132}, {"memory_bytes", 85520809984.0}, {"sm_clock_mhz", 1980.5}};
  t.provenance_text = {{"note", "unit test"}, {"command", "racksim calibrate -o x.h5"}, {"git_sha", "abc123"}};
  t.provenance_numbers = {{"quick", 1}, {"wall_seconds", 12.345678901234567}, {"repeats", 20}};
  t.ceilings = {{"copy_Bps", 2.9e12}, {"bf16_gemm_flops", 7.654321e14}};
  t.kernels["gemm"] = {row(4096, 4096, 4096, 0, "bf16", 1.8e-4), row(3000000000LL, 8, 8, 0, "fp8", 1e-3),
                       row(1, 1, 1, 0, "tf32", 0.1234567890123e-5)};
  t.kernels["attention_fwd"] = {row(2048, 2048, 128, 64, "fp16", 3.3e-3)};
  t.kernels["copy"] = {row(1 << 30, 0, 0, 0, "fp32", 7.4e-4)};
  t.kernels["a_future_kernel"] = {row(7, 0, 0, 0, "bf16", 1e-6)}; // unknown names pass through
  t.kernels["rmsnorm_fwd"] = {};                                  // an empty dataset is allowed
  return t;
}

void expect_same_rows(const std::vector<CalibrationRow>& a, const std::vector<CalibrationRow>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(a[i].m, b[i].m);
    EXPECT_EQ(a[i].n, b[i].n);
    EXPECT_EQ(a[i].k, b[i].k);
    EXPECT_EQ(a[i].batch, b[i].batch);
    EXPECT_EQ(a[i].dtype, b[i].dtype);
    EXPECT_EQ(a[i].time_s, b[i].time_s);
    EXPECT_EQ(a[i].time_p10_s, b[i].time_p10_s);
    EXPECT_EQ(a[i].time_p90_s, b[i].time_p90_s);
    EXPECT_EQ(a[i].flops, b[i].flops);
    EXPECT_EQ(a[i].bytes, b[i].bytes);
    EXPECT_EQ(a[i].achieved_flops, b[i].achieved_flops);
    EXPECT_EQ(a[i].achieved_Bps, b[i].achieved_Bps);
    EXPECT_EQ(a[i].repeats, b[i].repeats);
  }
}

// Expects load_calibration(path) to throw a CalibrationError whose message names the path and contains `what`.
void expect_load_error(const std::string& path, const std::string& what) {
  try {
    load_calibration(path);
    ADD_FAILURE() << "no error loading " << path;
  } catch (const CalibrationError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(what), std::string::npos) << message;
  }
}

// ---- damaging a good file with the HDF5 C API ----

struct H5File {
  hid_t id;
  explicit H5File(const std::string& path) : id(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)) {}
  ~H5File() { H5Fclose(id); }
};

void set_root_string(const std::string& path, const char* name, const char* value) {
  H5File file(path);
  ASSERT_GE(file.id, 0);
  H5Adelete(file.id, name);
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(file.id, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(H5Awrite(attr, type, &value), 0);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

void set_root_int(const std::string& path, const char* name, long long value) {
  H5File file(path);
  ASSERT_GE(file.id, 0);
  H5Adelete(file.id, name);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(file.id, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(H5Awrite(attr, H5T_NATIVE_LLONG, &value), 0);
  H5Aclose(attr);
  H5Sclose(space);
}

void delete_link(const std::string& path, const char* name) {
  H5File file(path);
  ASSERT_GE(file.id, 0);
  ASSERT_GE(H5Ldelete(file.id, name, H5P_DEFAULT), 0);
}

// Replaces /kernels/gemm with a one-row compound dataset that has every field but `repeats`.
void write_gemm_without_repeats(const std::string& path) {
  H5File file(path);
  ASSERT_GE(file.id, 0);
  ASSERT_GE(H5Ldelete(file.id, "kernels/gemm", H5P_DEFAULT), 0);
  struct Partial {
    std::int64_t m, n, k, batch;
    char dtype[8];
    double time_s, time_p10_s, time_p90_s, flops, bytes, achieved_flops, achieved_Bps;
  } rec{8, 8, 8, 0, "bf16", 1e-5, 1e-5, 1e-5, 1024, 384, 1, 1};
  const hid_t str = H5Tcopy(H5T_C_S1);
  H5Tset_size(str, 8);
  H5Tset_strpad(str, H5T_STR_NULLPAD);
  const hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(Partial));
  H5Tinsert(type, "m", HOFFSET(Partial, m), H5T_NATIVE_INT64);
  H5Tinsert(type, "n", HOFFSET(Partial, n), H5T_NATIVE_INT64);
  H5Tinsert(type, "k", HOFFSET(Partial, k), H5T_NATIVE_INT64);
  H5Tinsert(type, "batch", HOFFSET(Partial, batch), H5T_NATIVE_INT64);
  H5Tinsert(type, "dtype", HOFFSET(Partial, dtype), str);
  H5Tinsert(type, "time_s", HOFFSET(Partial, time_s), H5T_NATIVE_DOUBLE);
  H5Tinsert(type, "time_p10_s", HOFFSET(Partial, time_p10_s), H5T_NATIVE_DOUBLE);
  H5Tinsert(type, "time_p90_s", HOFFSET(Partial, time_p90_s), H5T_NATIVE_DOUBLE);
  H5Tinsert(type, "flops", HOFFSET(Partial, flops), H5T_NATIVE_DOUBLE);
  H5Tinsert(type, "bytes", HOFFSET(Partial, bytes), H5T_NATIVE_DOUBLE);
  H5Tinsert(type, "achieved_flops", HOFFSET(Partial, achieved_flops), H5T_NATIVE_DOUBLE);
  H5Tinsert(type, "achieved_Bps", HOFFSET(Partial, achieved_Bps), H5T_NATIVE_DOUBLE);
  const hsize_t one = 1;
  const hid_t space = H5Screate_simple(1, &one, nullptr);
  const hid_t dataset = H5Dcreate2(file.id, "kernels/gemm", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(dataset, 0);
  ASSERT_GE(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &rec), 0);
  H5Dclose(dataset);
  H5Sclose(space);
  H5Tclose(type);
  H5Tclose(str);
}

// Overwrites time_s of every row of /kernels/<kernel> (a partial compound write: only that field).
void set_times(const std::string& path, const std::string& kernel, double time_s) {
  H5File file(path);
  ASSERT_GE(file.id, 0);
  const hid_t dataset = H5Dopen2(file.id, ("kernels/" + kernel).c_str(), H5P_DEFAULT);
  ASSERT_GE(dataset, 0);
  const hid_t space = H5Dget_space(dataset);
  hsize_t count = 0;
  H5Sget_simple_extent_dims(space, &count, nullptr);
  const hid_t type = H5Tcreate(H5T_COMPOUND, sizeof(double));
  H5Tinsert(type, "time_s", 0, H5T_NATIVE_DOUBLE);
  std::vector<double> times(count, time_s);
  ASSERT_GE(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, times.data()), 0);
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(dataset);
}

} // namespace

TEST(CalibrationFile, RoundTripKeepsEveryField) {
  const TempDir dir;
  const std::string path = dir.file("calib.h5");
  const CalibrationTable written = full_table();
  write_calibration(path, written);
  const CalibrationTable read = load_calibration(path);
  EXPECT_EQ(read.device_text, written.device_text);
  EXPECT_EQ(read.device_numbers, written.device_numbers);
  EXPECT_EQ(read.provenance_text, written.provenance_text);
  EXPECT_EQ(read.provenance_numbers, written.provenance_numbers);
  EXPECT_EQ(read.ceilings, written.ceilings);
  ASSERT_EQ(read.kernels.size(), written.kernels.size());
  for (const auto& [name, rows] : written.kernels) {
    SCOPED_TRACE(name);
    ASSERT_EQ(read.kernels.count(name), 1u);
    expect_same_rows(read.kernels.at(name), rows);
  }
  EXPECT_EQ(read.source_path, path);
  EXPECT_EQ(read.digest, sha256_file_hex(path));
}

TEST(CalibrationFile, LayoutFollowsTheSchema) {
  const TempDir dir;
  const std::string path = dir.file("calib.h5");
  write_calibration(path, full_table());
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  // Root attributes: kind (variable-length string), schema_version (integer 1).
  const hid_t kind = H5Aopen(file, "kind", H5P_DEFAULT);
  const hid_t kind_type = H5Aget_type(kind);
  EXPECT_EQ(H5Tget_class(kind_type), H5T_STRING);
  EXPECT_GT(H5Tis_variable_str(kind_type), 0);
  H5Tclose(kind_type);
  H5Aclose(kind);
  const hid_t version = H5Aopen(file, "schema_version", H5P_DEFAULT);
  const hid_t version_type = H5Aget_type(version);
  EXPECT_EQ(H5Tget_class(version_type), H5T_INTEGER);
  long long value = 0;
  H5Aread(version, H5T_NATIVE_LLONG, &value);
  EXPECT_EQ(value, 1);
  H5Tclose(version_type);
  H5Aclose(version);
  // Numbers are float64 attributes.
  const hid_t device = H5Gopen2(file, "device", H5P_DEFAULT);
  const hid_t sm = H5Aopen(device, "sm_count", H5P_DEFAULT);
  const hid_t sm_type = H5Aget_type(sm);
  EXPECT_EQ(H5Tget_class(sm_type), H5T_FLOAT);
  EXPECT_EQ(H5Tget_size(sm_type), 8u);
  H5Tclose(sm_type);
  H5Aclose(sm);
  H5Gclose(device);
  // Exactly the schema's fields, with their types.
  const hid_t gemm = H5Dopen2(file, "kernels/gemm", H5P_DEFAULT);
  const hid_t type = H5Dget_type(gemm);
  const std::vector<std::pair<std::string, H5T_class_t>> fields = {{"m", H5T_INTEGER},
                                                                   {"n", H5T_INTEGER},
                                                                   {"k", H5T_INTEGER},
                                                                   {"batch", H5T_INTEGER},
                                                                   {"dtype", H5T_STRING},
                                                                   {"time_s", H5T_FLOAT},
                                                                   {"time_p10_s", H5T_FLOAT},
                                                                   {"time_p90_s", H5T_FLOAT},
                                                                   {"flops", H5T_FLOAT},
                                                                   {"bytes", H5T_FLOAT},
                                                                   {"achieved_flops", H5T_FLOAT},
                                                                   {"achieved_Bps", H5T_FLOAT},
                                                                   {"repeats", H5T_INTEGER}};
  ASSERT_EQ(H5Tget_nmembers(type), static_cast<int>(fields.size()));
  for (unsigned i = 0; i < fields.size(); ++i) {
    char* name = H5Tget_member_name(type, i);
    EXPECT_EQ(name, fields[i].first);
    H5free_memory(name);
    EXPECT_EQ(H5Tget_member_class(type, i), fields[i].second) << fields[i].first;
    const hid_t member = H5Tget_member_type(type, i);
    const std::size_t expected_size = fields[i].first == "repeats" ? 4u : 8u;
    EXPECT_EQ(H5Tget_size(member), expected_size) << fields[i].first;
    H5Tclose(member);
  }
  H5Tclose(type);
  H5Dclose(gemm);
  H5Fclose(file);
}

TEST(CalibrationFile, WriteIsAtomicAndLeavesNoTemporaryFile) {
  const TempDir dir;
  const std::string path = dir.file("calib.h5");
  write_calibration(path, full_table());
  write_calibration(path, full_table()); // overwrite in place
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"calib.h5"});
}

TEST(CalibrationFile, WriteErrorsNameThePathAndLeaveNothing) {
  const TempDir dir;
  const std::string path = dir.file("calib.h5");

  CalibrationTable bad_time = full_table();
  bad_time.kernels["gemm"][1].time_s = 0;
  try {
    write_calibration(path, bad_time);
    FAIL() << "no error";
  } catch (const CalibrationError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": /kernels/gemm row 1: non-positive time_s"), std::string::npos)
        << e.what();
  }
  CalibrationTable bad_dtype = full_table();
  bad_dtype.kernels["copy"][0].dtype = "bfloat16x";
  EXPECT_THROW(write_calibration(path, bad_dtype), CalibrationError);
  CalibrationTable unknown_dtype = full_table();
  unknown_dtype.kernels["copy"][0].dtype = "int4";
  EXPECT_THROW(write_calibration(path, unknown_dtype), CalibrationError);
  CalibrationTable clash = full_table();
  clash.device_numbers["name"] = 1;
  EXPECT_THROW(write_calibration(path, clash), CalibrationError);
  EXPECT_TRUE(fs::is_empty(dir.path()));

  const std::string nowhere = dir.file("no/such/dir/calib.h5");
  try {
    write_calibration(nowhere, full_table());
    FAIL() << "no error";
  } catch (const CalibrationError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(nowhere + ": ", 0), 0u) << e.what();
  }
}

TEST(CalibrationFile, MissingFile) {
  expect_load_error("/nonexistent/racksim/calib.h5", "no such file");
}

TEST(CalibrationFile, NotAnHdf5File) {
  const TempDir dir;
  const std::string path = dir.file("calib.h5");
  std::ofstream(path) << "m,n,k,time_s\n1,2,3,4\n";
  expect_load_error(path, "not an HDF5 file");
  expect_load_error(dir.path().string(), "not a regular file");
}

TEST(CalibrationFile, WrongKind) {
  const TempDir dir;
  const std::string path = dir.file("calib.h5");
  write_calibration(path, full_table());
  set_root_string(path, "kind", "racksim-results");
  expect_load_error(path, "wrong kind 'racksim-results'");
}

TEST(CalibrationFile, NoKindAttribute) {
  const TempDir dir;
  const std::string path = dir.file("calib.h5");
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  H5Fclose(file);
  expect_load_error(path, "not a racksim calibration file");
}

TEST(CalibrationFile, UnsupportedSchemaVersion) {
  const TempDir dir;
  const std::string path = dir.file("calib.h5");
  write_calibration(path, full_table());
  set_root_int(path, "schema_version", 2);
  expect_load_error(path, "unsupported schema_version 2");
}

TEST(CalibrationFile, MissingGroup) {
  const TempDir dir;
  const std::string path = dir.file("calib.h5");
  write_calibration(path, full_table());
  delete_link(path, "ceilings");
  expect_load_error(path, "missing group /ceilings");
}

TEST(CalibrationFile, MissingField) {
  const TempDir dir;
  const std::string path = dir.file("calib.h5");
  write_calibration(path, full_table());
  write_gemm_without_repeats(path);
  expect_load_error(path, "/kernels/gemm: missing field 'repeats'");
}

TEST(CalibrationFile, NonPositiveTime) {
  const TempDir dir;
  const std::string path = dir.file("calib.h5");
  write_calibration(path, full_table());
  set_times(path, "attention_fwd", 0.0);
  expect_load_error(path, "/kernels/attention_fwd row 0: non-positive time_s");
  set_times(path, "attention_fwd", -1e-3);
  expect_load_error(path, "non-positive time_s");
}

TEST(CalibrationDigest, KnownVector) {
  const TempDir dir;
  const std::string path = dir.file("abc.txt");
  std::ofstream(path, std::ios::binary) << "abc";
  // FIPS 180-2, appendix B.1.
  EXPECT_EQ(sha256_file_hex(path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::ofstream(path, std::ios::binary | std::ios::trunc).flush();
  EXPECT_EQ(sha256_file_hex(path), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_THROW(sha256_file_hex(dir.file("missing")), CalibrationError);
}

TEST(CalibrationDigest, SameTableSameBytes) {
  const TempDir dir;
  write_calibration(dir.file("a.h5"), full_table());
  write_calibration(dir.file("b.h5"), full_table());
  EXPECT_EQ(sha256_file_hex(dir.file("a.h5")), sha256_file_hex(dir.file("b.h5")));
  CalibrationTable other = full_table();
  other.kernels["gemm"][0].time_s *= 1.0000001;
  write_calibration(dir.file("c.h5"), other);
  EXPECT_NE(sha256_file_hex(dir.file("a.h5")), sha256_file_hex(dir.file("c.h5")));
}

TEST(CalibrationFixture, LoadsWithKnownDigest) {
  const CalibrationTable table = load_calibration(RACKSIM_CALIBRATION_FIXTURE);
  EXPECT_EQ(table.digest, kFixtureSha256);
  EXPECT_EQ(table.digest, sha256_file_hex(RACKSIM_CALIBRATION_FIXTURE));
  EXPECT_EQ(table.provenance_text.at("note"), "synthetic fixture for tests, not a measurement");
  EXPECT_EQ(table.device_numbers.at("sm_count"), 132);
  EXPECT_LE(fs::file_size(RACKSIM_CALIBRATION_FIXTURE), 200u * 1024u);
  ASSERT_TRUE(table.kernels.count("gemm"));
  // The stored work columns follow the schema's formulas.
  for (const auto& [name, rows] : table.kernels) {
    for (const auto& r : rows) {
      const KernelCall call{name, r.m, r.n, r.k, r.batch, r.dtype, 1, ""};
      EXPECT_DOUBLE_EQ(r.flops, call_flops(call)) << name;
      EXPECT_DOUBLE_EQ(r.bytes, call_bytes(call)) << name;
      EXPECT_LE(r.time_p10_s, r.time_s);
      EXPECT_GE(r.time_p90_s, r.time_s);
    }
  }
  const CalibratedTimer timer(table, RooflineTimer({"H100-SXM5-80GB", 989.4e12, 989.4e12, 67e12, 0, 0, 3.35e12}));
  EXPECT_EQ(timer.source(),
            std::string("calibration:calibration-fixture.h5:sha256:") + std::string(kFixtureSha256).substr(0, 16));
}
