// Writing the results file (HDF5 C API). docs/results-schema.md is the contract for every name, dtype and layout
// here; the names of summary attributes and series must be declared in the metric table (metrics.cpp).

#include "sim/results/hdf5_rows.hpp"
#include "sim/results/metrics.hpp"
#include "sim/results/results.hpp"

#include "workloads/hdf5_util.hpp"

#include <hdf5.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace racksim::sim {
namespace {

using Failure = hdf5::Error; // message without the path; write_results prefixes it (ResultsError)
using hdf5::check;
using hdf5::create_group;
using hdf5::Handle;
using hdf5::make_plist;
using hdf5::make_scalar_space;
using hdf5::make_vlen_string_type;

Handle make_space(hsize_t rows) {
  return {H5Screate_simple(1, &rows, nullptr), H5Sclose, "cannot create a dataspace"};
}

// Chunk rows are capped so a chunk stays well inside HDF5's default 1 MiB chunk cache.
Handle make_dataset_plist(hsize_t rows, hsize_t max_chunk_rows) {
  Handle dcpl = make_plist(H5P_DATASET_CREATE);
  check(H5Pset_obj_track_times(dcpl.get(), false), "cannot disable object timestamps");
  check(H5Pset_attr_creation_order(dcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "cannot track attribute order");
  if (rows > 0) {
    const hsize_t chunk = std::min(rows, max_chunk_rows);
    check(H5Pset_chunk(dcpl.get(), 1, &chunk), "cannot set chunking");
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0) throw Failure("this HDF5 library has no deflate filter");
    check(H5Pset_deflate(dcpl.get(), 4), "cannot enable deflate compression");
  }
  return dcpl;
}

// `where` is the object's path, so an error reads "cannot create attribute /summary@p99_jct_s (...)".
void write_string_attribute(hid_t obj, const std::string& where, const char* name, const std::string& value) {
  const std::string attr_path = where + "@" + name;
  if (value.find('\0') != std::string::npos) throw Failure("attribute " + attr_path + " contains a NUL byte");
  const Handle type = make_vlen_string_type();
  const Handle space = make_scalar_space();
  const Handle attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                    "cannot create attribute " + attr_path);
  const char* data = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &data), "cannot write attribute " + attr_path);
}

template <typename T>
void write_scalar_attribute(hid_t obj, const std::string& where, const std::string& name, hid_t file_type,
                            hid_t memory_type, T value) {
  const std::string attr_path = where + "@" + name;
  const Handle space = make_scalar_space();
  const Handle attr(H5Acreate2(obj, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                    "cannot create attribute " + attr_path);
  check(H5Awrite(attr.get(), memory_type, &value), "cannot write attribute " + attr_path);
}

// Writes the records as the 1-D compound dataset /name (0 rows is fine: then contiguous and uncompressed).
template <class Record>
void write_table(hid_t file, const std::string& name, const std::vector<rows::Column<Record>>& columns,
                 const std::vector<Record>& records) {
  const std::string where = "/" + name;
  const auto bytes = rows::pack(records, columns, where);
  const Handle file_type = rows::make_row_type(columns, true, where);
  const Handle memory_type = rows::make_row_type(columns, false, where);
  const Handle space = make_space(records.size());
  const Handle dcpl = make_dataset_plist(records.size(), 4096);
  const Handle dataset(
      H5Dcreate2(file, name.c_str(), file_type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose,
      "cannot create dataset " + where);
  if (!records.empty())
    check(H5Dwrite(dataset.get(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()),
          "cannot write dataset " + where);
}

// The last two attributes describe /summary (units and directions from the metric table, for readers such as
// analysis/report.py); they are JSON objects in /summary order.
void write_meta(hid_t file, const Meta& meta, const std::vector<std::pair<std::string, double>>& summary) {
  const Handle group = create_group(file, "/meta");
  const hid_t g = group.get();
  write_scalar_attribute(g, "/meta", "schema_version", H5T_STD_U32LE, H5T_NATIVE_UINT32, results_schema_version);
  write_string_attribute(g, "/meta", "racksim_version", meta.racksim_version);
  write_string_attribute(g, "/meta", "git_sha", meta.git_sha);
  write_string_attribute(g, "/meta", "simgrid_version", meta.simgrid_version);
  write_scalar_attribute(g, "/meta", "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, meta.seed);
  write_string_attribute(g, "/meta", "scenario_yaml", meta.scenario_yaml);
  write_string_attribute(g, "/meta", "calibration", meta.calibration);
  write_string_attribute(g, "/meta", "started_utc", meta.started_utc);
  write_scalar_attribute(g, "/meta", "wall_seconds", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, meta.wall_seconds);
  write_string_attribute(g, "/meta", "summary_units", metrics::summary_units_json(summary));
  write_string_attribute(g, "/meta", "summary_directions", metrics::summary_directions_json(summary));
}

const std::string table_hint = " (every summary attribute and series is declared in sim/results/metrics.cpp and "
                               "documented in docs/results-schema.md)";

// A series must be declared (so its name is a valid HDF5 link name too), with the unit it is written in.
void check_declared_series(const TimeSeries& ts) {
  const std::string where = "/timeseries/" + ts.name;
  const metrics::Metric* m = metrics::find_metric(metrics::Section::series, ts.name);
  if (m == nullptr) throw Failure(where + ": series '" + ts.name + "' is not declared" + table_hint);
  if (ts.unit != m->unit && (m->inference_unit.empty() || ts.unit != m->inference_unit)) {
    throw Failure(where + ": unit '" + ts.unit + "' differs from the declared unit '" + std::string(m->unit) + "'" +
                  (m->inference_unit.empty() ? "" : " ('" + std::string(m->inference_unit) + "' in inference runs)") +
                  table_hint);
  }
}

void write_timeseries(hid_t file, const std::vector<TimeSeries>& all) {
  struct SampleRow {
    double time_s;
    double value;
  };
  const auto sample_type = [](bool file_layout) {
    Handle type(H5Tcreate(H5T_COMPOUND, sizeof(SampleRow)), H5Tclose, "cannot create the time series row type");
    const hid_t f64 = file_layout ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE;
    check(H5Tinsert(type.get(), "time_s", offsetof(SampleRow, time_s), f64), "cannot add field time_s");
    check(H5Tinsert(type.get(), "value", offsetof(SampleRow, value), f64), "cannot add field value");
    return type;
  };
  const Handle group = create_group(file, "/timeseries");
  const Handle file_type = sample_type(true);
  const Handle memory_type = sample_type(false);
  for (const TimeSeries& ts : all) {
    const std::string where = "/timeseries/" + ts.name;
    if (ts.time_s.size() != ts.value.size()) {
      throw Failure(where + ": " + std::to_string(ts.time_s.size()) + " times but " + std::to_string(ts.value.size()) +
                    " values");
    }
    std::vector<SampleRow> rows(ts.time_s.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
      rows[i] = {ts.time_s[i], ts.value[i]};
    const Handle space = make_space(rows.size());
    const Handle dcpl = make_dataset_plist(rows.size(), 16384);
    const Handle dataset(
        H5Dcreate2(group.get(), ts.name.c_str(), file_type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
        H5Dclose, "cannot create dataset " + where);
    if (!rows.empty()) {
      check(H5Dwrite(dataset.get(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()),
            "cannot write dataset " + where);
    }
    double interval = ts.interval_s;
    if (interval == 0 && ts.time_s.size() >= 2) interval = ts.time_s[1] - ts.time_s[0];
    write_string_attribute(dataset.get(), where, "unit", ts.unit);
    write_scalar_attribute(dataset.get(), where, "interval_s", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, interval);
  }
}

void write_summary(hid_t file, const std::vector<std::pair<std::string, double>>& summary) {
  const Handle group = create_group(file, "/summary");
  for (const auto& [name, value] : summary)
    write_scalar_attribute(group.get(), "/summary", name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, value);
}

// Every name is checked before anything is written, so an undeclared one fails without a partial file.
void check_declared(const ResultSet& results) {
  for (const auto& [name, value] : results.summary) {
    if (name.empty()) throw Failure("a summary entry has an empty name");
    if (metrics::find_metric(metrics::Section::summary, name) == nullptr)
      throw Failure("/summary@" + name + ": summary attribute '" + name + "' is not declared" + table_hint);
  }
  for (const TimeSeries& ts : results.timeseries)
    check_declared_series(ts);
}

void write_file(const std::string& file_name, const ResultSet& results) {
  check_declared(results);
  const Handle fcpl = make_plist(H5P_FILE_CREATE);
  // The root group is created with the file; its timestamps come from the file creation list.
  check(H5Pset_obj_track_times(fcpl.get(), false), "cannot disable object timestamps");
  const Handle fapl = make_plist(H5P_FILE_ACCESS);
  // SEMI: closing the file fails if any object is still open, so a leaked handle cannot leave data unflushed.
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), "cannot set the file close degree");
  Handle file(H5Fcreate(file_name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose,
              "cannot create " + file_name);
  write_meta(file.get(), results.meta, results.summary);
  write_table(file.get(), "jobs", rows::job_table(), results.jobs);
  write_timeseries(file.get(), results.timeseries);
  write_summary(file.get(), results.summary);
  // Always written (0 rows for a run without them), like /jobs.
  write_table(file.get(), "collectives", rows::collective_table(), results.collectives);
  write_table(file.get(), "requests", rows::request_table(), results.requests);
  write_table(file.get(), "events", rows::event_table(), results.events);
  file.close("cannot close " + file_name);
}

// The rename must not reach the disk before the data does, or a power cut could leave an empty final file.
void sync_file(const std::string& file_name) {
  const int fd = ::open(file_name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Failure("cannot reopen " + file_name + ": " + std::strerror(errno));
  const int status = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (status != 0) throw Failure("cannot sync " + file_name + ": " + std::strerror(err));
}

} // namespace

void write_results(const std::string& path, const ResultSet& results) {
  namespace fs = std::filesystem;
  if (path.empty()) throw ResultsError("results path is empty");
  const fs::path final_path(path);
  const fs::path dir = final_path.has_parent_path() ? final_path.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw ResultsError(path + ": cannot write results: directory '" + dir.string() + "' does not exist");
  }
  if (fs::is_directory(final_path, ec)) throw ResultsError(path + ": cannot write results: path is a directory");

  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const hdf5::QuietErrors quiet;
  try {
    write_file(tmp, results); // every HDF5 handle is closed when this returns or throws
    sync_file(tmp);
  } catch (const std::exception& e) {
    fs::remove(tmp, ec);
    throw ResultsError(path + ": cannot write results: " + e.what());
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    fs::remove(tmp, ec);
    throw ResultsError(path + ": cannot rename " + tmp + " into place: " + std::strerror(err));
  }
}

} // namespace racksim::sim
