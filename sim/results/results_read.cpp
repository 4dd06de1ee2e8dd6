// Reading a results file back (HDF5 C API): what write_results wrote, and files from older versions (tables added
// later read as empty; extra fields, attributes and datasets are ignored). docs/results-schema.md.

#include "sim/results/hdf5_rows.hpp"
#include "sim/results/results.hpp"

#include "workloads/hdf5_util.hpp"

#include <hdf5.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace racksim::sim {
namespace {

using Failure = hdf5::Error; // message without the path; read_results prefixes it (ResultsError)
using hdf5::check;
using hdf5::fail;
using hdf5::Handle;
using hdf5::make_vlen_string_type;

Handle open_attribute(hid_t obj, const std::string& where, const std::string& name) {
  const htri_t exists = H5Aexists(obj, name.c_str());
  if (exists < 0) fail("cannot look up attribute " + where + "@" + name);
  if (exists == 0) throw Failure("missing attribute " + where + "@" + name);
  return {H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, "cannot open attribute " + where + "@" + name};
}

// Reads a variable-length or fixed-length string attribute (other writers may use either).
std::string read_string_attribute(hid_t obj, const std::string& where, const std::string& name) {
  const Handle attr = open_attribute(obj, where, name);
  const std::string what = "cannot read attribute " + where + "@" + name;
  const Handle type(H5Aget_type(attr.get()), H5Tclose, what);
  if (H5Tget_class(type.get()) != H5T_STRING) throw Failure("attribute " + where + "@" + name + " is not a string");
  const htri_t variable = check(H5Tis_variable_str(type.get()), what);
  if (variable > 0) {
    const Handle memory_type = make_vlen_string_type();
    char* data = nullptr;
    check(H5Aread(attr.get(), memory_type.get(), &data), what);
    std::string value = data != nullptr ? data : "";
    H5free_memory(data);
    return value;
  }
  const std::size_t size = H5Tget_size(type.get());
  const Handle memory_type(H5Tcopy(type.get()), H5Tclose, what);
  std::string buffer(size, '\0');
  check(H5Aread(attr.get(), memory_type.get(), buffer.data()), what);
  std::size_t length = buffer.find('\0');
  if (length == std::string::npos) length = size;
  if (H5Tget_strpad(type.get()) == H5T_STR_SPACEPAD) {
    while (length > 0 && buffer[length - 1] == ' ')
      --length;
  }
  buffer.resize(length);
  return buffer;
}

template <typename T>
T read_scalar_attribute(hid_t obj, const std::string& where, const std::string& name, hid_t memory_type) {
  const Handle attr = open_attribute(obj, where, name);
  const std::string what = "cannot read attribute " + where + "@" + name;
  const Handle type(H5Aget_type(attr.get()), H5Tclose, what);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) throw Failure("attribute " + where + "@" + name + " is not numeric");
  const Handle space(H5Aget_space(attr.get()), H5Sclose, what);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw Failure("attribute " + where + "@" + name + " is not a single value");
  }
  T value{};
  check(H5Aread(attr.get(), memory_type, &value), what);
  return value;
}

bool link_exists(hid_t parent, const char* name) {
  const htri_t exists = H5Lexists(parent, name, H5P_DEFAULT);
  if (exists < 0) fail(std::string("cannot look up ") + name);
  return exists > 0;
}

// Attribute names of an object, in creation order when the writer tracked it (ours does), else by name.
std::vector<std::string> attribute_names(hid_t obj, hid_t create_plist) {
  unsigned flags = 0;
  check(H5Pget_attr_creation_order(create_plist, &flags), "cannot query attribute order");
  const H5_index_t index = (flags & H5P_CRT_ORDER_TRACKED) != 0 ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
    try {
      static_cast<std::vector<std::string>*>(out)->emplace_back(name);
      return 0;
    } catch (...) {
      return -1; // must not unwind through HDF5's C frames
    }
  };
  check(H5Aiterate2(obj, index, H5_ITER_INC, nullptr, collect, &names), "cannot list attributes");
  return names;
}

// Checks that a dataset is a 1-D compound holding every field the reader needs (extra fields are fine: files
// from newer versions stay readable) and returns its row count.
template <class Name>
hsize_t check_table(hid_t dataset, const std::string& where, const std::vector<Name>& required) {
  const Handle type(H5Dget_type(dataset), H5Tclose, "cannot read the type of " + where);
  if (H5Tget_class(type.get()) != H5T_COMPOUND) throw Failure(where + " is not a compound (table) dataset");
  for (const auto& field : required) {
    const std::string name(field);
    if (H5Tget_member_index(type.get(), name.c_str()) < 0) {
      H5Eclear2(H5E_DEFAULT);
      throw Failure(where + " lacks field '" + name + "'");
    }
  }
  const Handle space(H5Dget_space(dataset), H5Sclose, "cannot read the shape of " + where);
  if (H5Sget_simple_extent_ndims(space.get()) != 1) throw Failure(where + " is not one-dimensional");
  hsize_t rows = 0;
  check(H5Sget_simple_extent_dims(space.get(), &rows, nullptr), "cannot read the shape of " + where);
  return rows;
}

// Reads the 1-D compound dataset /name into records; a table absent from an older file reads as empty when
// `optional`.
template <class Record>
std::vector<Record> read_table(hid_t file, const std::string& name, const std::vector<rows::Column<Record>>& columns,
                               bool optional) {
  if (optional && !link_exists(file, name.c_str())) return {};
  const std::string where = "/" + name;
  const Handle dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open " + where);
  std::vector<std::string_view> required;
  for (const auto& c : columns)
    required.push_back(c.name);
  const hsize_t n = check_table(dataset.get(), where, required);
  std::vector<unsigned char> bytes(n * rows::row_size(columns));
  if (n > 0) {
    const Handle memory_type = rows::make_row_type(columns, false, where);
    check(H5Dread(dataset.get(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()),
          "cannot read " + where);
  }
  return rows::unpack(bytes, n, columns);
}

Meta read_meta(hid_t file) {
  if (!link_exists(file, "meta")) throw Failure("not a racksim results file (no /meta)");
  const Handle group(H5Gopen2(file, "meta", H5P_DEFAULT), H5Gclose, "cannot open /meta");
  const hid_t g = group.get();
  Meta meta;
  meta.racksim_version = read_string_attribute(g, "/meta", "racksim_version");
  meta.git_sha = read_string_attribute(g, "/meta", "git_sha");
  meta.simgrid_version = read_string_attribute(g, "/meta", "simgrid_version");
  meta.seed = read_scalar_attribute<std::uint64_t>(g, "/meta", "seed", H5T_NATIVE_UINT64);
  meta.scenario_yaml = read_string_attribute(g, "/meta", "scenario_yaml");
  meta.calibration = read_string_attribute(g, "/meta", "calibration");
  meta.started_utc = read_string_attribute(g, "/meta", "started_utc");
  meta.wall_seconds = read_scalar_attribute<double>(g, "/meta", "wall_seconds", H5T_NATIVE_DOUBLE);
  return meta;
}

std::vector<TimeSeries> read_timeseries(hid_t file) {
  struct SampleRow {
    double time_s;
    double value;
  };
  std::vector<TimeSeries> all;
  if (!link_exists(file, "timeseries")) return all;
  const Handle group(H5Gopen2(file, "timeseries", H5P_DEFAULT), H5Gclose, "cannot open /timeseries");
  const Handle memory_type(H5Tcreate(H5T_COMPOUND, sizeof(SampleRow)), H5Tclose, "cannot create the sample type");
  check(H5Tinsert(memory_type.get(), "time_s", offsetof(SampleRow, time_s), H5T_NATIVE_DOUBLE), "cannot add time_s");
  check(H5Tinsert(memory_type.get(), "value", offsetof(SampleRow, value), H5T_NATIVE_DOUBLE), "cannot add value");
  for (const std::string& name : hdf5::link_names(group.get(), "/timeseries")) {
    const std::string where = "/timeseries/" + name;
    const Handle dataset(H5Dopen2(group.get(), name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open " + where);
    const hsize_t n = check_table(dataset.get(), where, std::vector<std::string>{"time_s", "value"});
    std::vector<SampleRow> rows(n);
    if (n > 0) {
      check(H5Dread(dataset.get(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()),
            "cannot read " + where);
    }
    TimeSeries ts;
    ts.name = name;
    ts.unit = read_string_attribute(dataset.get(), where, "unit");
    ts.interval_s = read_scalar_attribute<double>(dataset.get(), where, "interval_s", H5T_NATIVE_DOUBLE);
    ts.time_s.reserve(n);
    ts.value.reserve(n);
    for (const SampleRow& r : rows) {
      ts.time_s.push_back(r.time_s);
      ts.value.push_back(r.value);
    }
    all.push_back(std::move(ts));
  }
  return all;
}

std::vector<std::pair<std::string, double>> read_summary(hid_t file) {
  std::vector<std::pair<std::string, double>> summary;
  if (!link_exists(file, "summary")) return summary;
  const Handle group(H5Gopen2(file, "summary", H5P_DEFAULT), H5Gclose, "cannot open /summary");
  const Handle gcpl(H5Gget_create_plist(group.get()), H5Pclose, "cannot read /summary properties");
  for (const std::string& name : attribute_names(group.get(), gcpl.get())) {
    summary.emplace_back(name, read_scalar_attribute<double>(group.get(), "/summary", name, H5T_NATIVE_DOUBLE));
  }
  return summary;
}

// `group` is "/" for a results file, or e.g. "/runs/r0000" for one run of a merged sweep file (docs/sweeps.md);
// every name below is relative to it. /collectives, /requests and /events are absent from files written before
// they existed: then empty.
ResultSet read_file(const std::string& path, const std::string& group) {
  const Handle h5file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open as HDF5");
  if (group != "/" && !link_exists(h5file.get(), group.c_str())) throw Failure("no group " + group);
  const Handle file(H5Gopen2(h5file.get(), group.c_str(), H5P_DEFAULT), H5Gclose, "cannot open " + group);
  if (!link_exists(file.get(), "jobs")) throw Failure("not a racksim results file (no /jobs)");
  ResultSet results;
  results.meta = read_meta(file.get());
  results.jobs = read_table(file.get(), "jobs", rows::job_table(), false);
  results.timeseries = read_timeseries(file.get());
  results.summary = read_summary(file.get());
  results.collectives = read_table(file.get(), "collectives", rows::collective_table(), true);
  results.requests = read_table(file.get(), "requests", rows::request_table(), true);
  results.events = read_table(file.get(), "events", rows::event_table(), true);
  return results;
}

} // namespace

ResultSet read_results(const std::string& path) {
  return read_results(path, "/");
}

ResultSet read_results(const std::string& path, const std::string& group) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw ResultsError(path + ": no such file");
  if (!fs::is_regular_file(path, ec)) throw ResultsError(path + ": not a regular file");
  const hdf5::QuietErrors quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw ResultsError(path + ": not an HDF5 file");
  }
  try {
    return read_file(path, group);
  } catch (const std::exception& e) {
    throw ResultsError(path + ": " + e.what());
  }
}

} // namespace racksim::sim
