// Results file writer/reader (HDF5 C API) and the summary metrics. docs/results-schema.md is the contract for
// every name, dtype and formula here; change both together.

#include "sim/results/results.hpp"

#include "workloads/hdf5_util.hpp"

#include <hdf5.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace racksim::sim {
namespace {

using Failure = hdf5::Error; // message without the path; the public functions prefix it (ResultsError)
using hdf5::check;
using hdf5::fail;
using hdf5::Handle;
using hdf5::make_plist;
using hdf5::make_scalar_space;
using hdf5::make_vlen_string_type;
using hdf5::create_group;

Handle make_space(hsize_t rows) {
  return {H5Screate_simple(1, &rows, nullptr), H5Sclose, "cannot create a dataspace"};
}

// Null-padded rather than null-terminated, so all job_string_bytes bytes are usable; h5py reads `|S16` bytes.
Handle make_fixed_string_type(std::size_t bytes) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create a string type");
  check(H5Tset_size(type.get(), bytes), "cannot size a string type");
  check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "cannot set string padding");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot set a string encoding");
  return type;
}

// ---- /jobs row layout ------------------------------------------------------------------------------------------

// In-memory row; the file type is the same fields packed (no padding bytes, so nothing uninitialised reaches
// the file and the layout does not depend on the compiler).
struct JobRow {
  std::int64_t id;
  char kind[job_string_bytes];
  double submit_s;
  double start_s;
  double end_s;
  std::int32_t gpus;
  char status[job_string_bytes];
  std::int32_t restarts;
  double queue_s;
  double compute_s;
  double comm_s;
  double checkpoint_s;
  double lost_gpu_s;
  double energy_j;
  std::int32_t nodes;
  std::int32_t racks;
  char timing[job_string_bytes];
  double mfu;
  double tokens_per_s;
};

enum class FieldKind { i32, i64, f64, str };

struct Field {
  const char* name;
  std::size_t offset;
  FieldKind kind;
};

// Header order of JobRecord; the file keeps this order so tools that list columns see the documented order.
const std::vector<Field>& job_fields() {
  static const std::vector<Field> fields = {
      {"id", offsetof(JobRow, id), FieldKind::i64},
      {"kind", offsetof(JobRow, kind), FieldKind::str},
      {"submit_s", offsetof(JobRow, submit_s), FieldKind::f64},
      {"start_s", offsetof(JobRow, start_s), FieldKind::f64},
      {"end_s", offsetof(JobRow, end_s), FieldKind::f64},
      {"gpus", offsetof(JobRow, gpus), FieldKind::i32},
      {"status", offsetof(JobRow, status), FieldKind::str},
      {"restarts", offsetof(JobRow, restarts), FieldKind::i32},
      {"queue_s", offsetof(JobRow, queue_s), FieldKind::f64},
      {"compute_s", offsetof(JobRow, compute_s), FieldKind::f64},
      {"comm_s", offsetof(JobRow, comm_s), FieldKind::f64},
      {"checkpoint_s", offsetof(JobRow, checkpoint_s), FieldKind::f64},
      {"lost_gpu_s", offsetof(JobRow, lost_gpu_s), FieldKind::f64},
      {"energy_j", offsetof(JobRow, energy_j), FieldKind::f64},
      {"nodes", offsetof(JobRow, nodes), FieldKind::i32},
      {"racks", offsetof(JobRow, racks), FieldKind::i32},
      {"timing", offsetof(JobRow, timing), FieldKind::str},
      {"mfu", offsetof(JobRow, mfu), FieldKind::f64},
      {"tokens_per_s", offsetof(JobRow, tokens_per_s), FieldKind::f64},
  };
  return fields;
}

// File types are little-endian standard types so files are identical whatever machine wrote them.
hid_t file_atomic_type(FieldKind kind) {
  switch (kind) {
  case FieldKind::i32:
    return H5T_STD_I32LE;
  case FieldKind::i64:
    return H5T_STD_I64LE;
  case FieldKind::f64:
    return H5T_IEEE_F64LE;
  case FieldKind::str:
    break;
  }
  return H5I_INVALID_HID;
}

hid_t memory_atomic_type(FieldKind kind) {
  switch (kind) {
  case FieldKind::i32:
    return H5T_NATIVE_INT32;
  case FieldKind::i64:
    return H5T_NATIVE_INT64;
  case FieldKind::f64:
    return H5T_NATIVE_DOUBLE;
  case FieldKind::str:
    break;
  }
  return H5I_INVALID_HID;
}

// A table's compound row type: packed in the file (no padding bytes reach it), native layout in memory.
Handle make_row_type(const std::vector<Field>& fields, std::size_t row_size, bool packed_file_layout,
                     const std::string& table) {
  const Handle str = make_fixed_string_type(job_string_bytes);
  std::size_t packed_size = 0;
  for (const Field& f : fields)
    packed_size += f.kind == FieldKind::str ? job_string_bytes : H5Tget_size(file_atomic_type(f.kind));
  Handle type(H5Tcreate(H5T_COMPOUND, packed_file_layout ? packed_size : row_size), H5Tclose,
              "cannot create the " + table + " row type");
  std::size_t packed_offset = 0;
  for (const Field& f : fields) {
    const hid_t member = f.kind == FieldKind::str ? str.get()
                         : packed_file_layout     ? file_atomic_type(f.kind)
                                                  : memory_atomic_type(f.kind);
    check(H5Tinsert(type.get(), f.name, packed_file_layout ? packed_offset : f.offset, member),
          std::string("cannot add field ") + f.name + " to the " + table + " row type");
    packed_offset += H5Tget_size(member);
  }
  return type;
}

Handle make_job_type(bool packed_file_layout) {
  return make_row_type(job_fields(), sizeof(JobRow), packed_file_layout, "/jobs");
}

void copy_fixed(char (&dst)[job_string_bytes], const std::string& src, std::int64_t job_id, const char* field) {
  if (src.size() > job_string_bytes) {
    throw Failure("job " + std::to_string(job_id) + ": " + field + " '" + src + "' is longer than " +
                  std::to_string(job_string_bytes) + " bytes");
  }
  std::memset(dst, 0, job_string_bytes);
  std::memcpy(dst, src.data(), src.size());
}

std::string from_fixed(const char (&src)[job_string_bytes]) {
  return {src, strnlen(src, job_string_bytes)};
}

// ---- /timeseries row layout --------------------------------------------------------------------------------------

struct SampleRow {
  double time_s;
  double value;
};

Handle make_sample_type(bool file_layout) {
  Handle type(H5Tcreate(H5T_COMPOUND, sizeof(SampleRow)), H5Tclose, "cannot create the time series row type");
  const hid_t f64 = file_layout ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE;
  check(H5Tinsert(type.get(), "time_s", offsetof(SampleRow, time_s), f64), "cannot add field time_s");
  check(H5Tinsert(type.get(), "value", offsetof(SampleRow, value), f64), "cannot add field value");
  return type;
}

// ---- writing -------------------------------------------------------------------------------------------------------

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

// Writes rows (0 rows is fine) as the 1-D compound dataset /name.
template <class Row>
void write_table(hid_t file, const std::string& name, const Handle& file_type, const Handle& memory_type,
                 const std::vector<Row>& rows) {
  const Handle space = make_space(rows.size());
  const Handle dcpl = make_dataset_plist(rows.size(), 4096);
  const Handle dataset(H5Dcreate2(file, name.c_str(), file_type.get(), space.get(), H5P_DEFAULT, dcpl.get(),
                                  H5P_DEFAULT),
                       H5Dclose, "cannot create dataset /" + name);
  if (!rows.empty())
    check(H5Dwrite(dataset.get(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()),
          "cannot write dataset /" + name);
}

void write_meta(hid_t file, const Meta& meta) {
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
}

void write_jobs(hid_t file, const std::vector<JobRecord>& jobs) {
  std::vector<JobRow> rows(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const JobRecord& j = jobs[i];
    JobRow& r = rows[i];
    r = JobRow{};
    r.id = j.id;
    copy_fixed(r.kind, j.kind, j.id, "kind");
    r.submit_s = j.submit_s;
    r.start_s = j.start_s;
    r.end_s = j.end_s;
    r.gpus = j.gpus;
    copy_fixed(r.status, j.status, j.id, "status");
    r.restarts = j.restarts;
    r.queue_s = j.queue_s;
    r.compute_s = j.compute_s;
    r.comm_s = j.comm_s;
    r.checkpoint_s = j.checkpoint_s;
    r.lost_gpu_s = j.lost_gpu_s;
    r.energy_j = j.energy_j;
    r.nodes = j.nodes;
    r.racks = j.racks;
    copy_fixed(r.timing, j.timing, j.id, "timing");
    r.mfu = j.mfu;
    r.tokens_per_s = j.tokens_per_s;
  }
  write_table(file, "jobs", make_job_type(true), make_job_type(false), rows);
}

// HDF5 link names may not contain '/', and "." names the group itself.
bool valid_link_name(const std::string& name) {
  return !name.empty() && name != "." && name.find('/') == std::string::npos && name.find('\0') == std::string::npos;
}

void write_timeseries(hid_t file, const std::vector<TimeSeries>& all) {
  const Handle group = create_group(file, "/timeseries");
  const Handle file_type = make_sample_type(true);
  const Handle memory_type = make_sample_type(false);
  for (const TimeSeries& ts : all) {
    const std::string where = "/timeseries/" + ts.name;
    if (!valid_link_name(ts.name)) throw Failure("time series name '" + ts.name + "' is not a valid HDF5 name");
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
  for (const auto& [name, value] : summary) {
    if (name.empty()) throw Failure("a summary entry has an empty name");
    write_scalar_attribute(group.get(), "/summary", name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, value);
  }
}

// ---- /collectives row layout --------------------------------------------------------------------------------------

struct CollectiveRow {
  std::int64_t job;
  char op[job_string_bytes];
  char algorithm[job_string_bytes];
  std::int64_t bytes;
  std::int32_t ranks;
  double start_s;
  double time_s;
  double algbw_Bps;
  double busbw_Bps;
  double ideal_s;
  std::int32_t nodes;
  std::int32_t racks;
};

const std::vector<Field>& collective_fields() {
  static const std::vector<Field> fields = {
      {"job", offsetof(CollectiveRow, job), FieldKind::i64},
      {"op", offsetof(CollectiveRow, op), FieldKind::str},
      {"algorithm", offsetof(CollectiveRow, algorithm), FieldKind::str},
      {"bytes", offsetof(CollectiveRow, bytes), FieldKind::i64},
      {"ranks", offsetof(CollectiveRow, ranks), FieldKind::i32},
      {"start_s", offsetof(CollectiveRow, start_s), FieldKind::f64},
      {"time_s", offsetof(CollectiveRow, time_s), FieldKind::f64},
      {"algbw_Bps", offsetof(CollectiveRow, algbw_Bps), FieldKind::f64},
      {"busbw_Bps", offsetof(CollectiveRow, busbw_Bps), FieldKind::f64},
      {"ideal_s", offsetof(CollectiveRow, ideal_s), FieldKind::f64},
      {"nodes", offsetof(CollectiveRow, nodes), FieldKind::i32},
      {"racks", offsetof(CollectiveRow, racks), FieldKind::i32},
  };
  return fields;
}

Handle make_collective_type(bool packed_file_layout) {
  return make_row_type(collective_fields(), sizeof(CollectiveRow), packed_file_layout, "/collectives");
}

// Always written (0 rows for a run without collectives), like /jobs.
void write_collectives(hid_t file, const std::vector<CollectiveRecord>& records) {
  std::vector<CollectiveRow> rows(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const CollectiveRecord& c = records[i];
    CollectiveRow& r = rows[i];
    r = CollectiveRow{};
    r.job = c.job;
    copy_fixed(r.op, c.op, c.job, "collective op");
    copy_fixed(r.algorithm, c.algorithm, c.job, "collective algorithm");
    r.bytes = c.bytes;
    r.ranks = c.ranks;
    r.start_s = c.start_s;
    r.time_s = c.time_s;
    r.algbw_Bps = c.algbw_Bps;
    r.busbw_Bps = c.busbw_Bps;
    r.ideal_s = c.ideal_s;
    r.nodes = c.nodes;
    r.racks = c.racks;
  }
  write_table(file, "collectives", make_collective_type(true), make_collective_type(false), rows);
}


// ---- /requests row layout -----------------------------------------------------------------------------------------

struct RequestRow {
  std::int64_t id;
  char service[job_string_bytes];
  std::int32_t replica;
  double arrival_s;
  double start_s;
  double first_token_s;
  double finish_s;
  char status[job_string_bytes];
  std::int32_t prompt_tokens;
  std::int32_t output_tokens;
};

const std::vector<Field>& request_fields() {
  static const std::vector<Field> fields = {
      {"id", offsetof(RequestRow, id), FieldKind::i64},
      {"service", offsetof(RequestRow, service), FieldKind::str},
      {"replica", offsetof(RequestRow, replica), FieldKind::i32},
      {"arrival_s", offsetof(RequestRow, arrival_s), FieldKind::f64},
      {"start_s", offsetof(RequestRow, start_s), FieldKind::f64},
      {"first_token_s", offsetof(RequestRow, first_token_s), FieldKind::f64},
      {"finish_s", offsetof(RequestRow, finish_s), FieldKind::f64},
      {"status", offsetof(RequestRow, status), FieldKind::str},
      {"prompt_tokens", offsetof(RequestRow, prompt_tokens), FieldKind::i32},
      {"output_tokens", offsetof(RequestRow, output_tokens), FieldKind::i32},
  };
  return fields;
}

Handle make_request_type(bool packed_file_layout) {
  return make_row_type(request_fields(), sizeof(RequestRow), packed_file_layout, "/requests");
}

// Always written (0 rows for a run without an inference service), like /jobs.
void write_requests(hid_t file, const std::vector<RequestRecord>& records) {
  std::vector<RequestRow> rows(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const RequestRecord& q = records[i];
    RequestRow& r = rows[i];
    r = RequestRow{};
    r.id = q.id;
    copy_fixed(r.service, q.service, q.id, "request service");
    r.replica = q.replica;
    r.arrival_s = q.arrival_s;
    r.start_s = q.start_s;
    r.first_token_s = q.first_token_s;
    r.finish_s = q.finish_s;
    copy_fixed(r.status, q.status, q.id, "request status");
    r.prompt_tokens = q.prompt_tokens;
    r.output_tokens = q.output_tokens;
  }
  write_table(file, "requests", make_request_type(true), make_request_type(false), rows);
}

// ---- /events row layout -------------------------------------------------------------------------------------------

struct EventRow {
  double time_s;
  char kind[job_string_bytes];
  char component[job_string_bytes];
  std::int64_t job;
  double value;
  char cause[job_string_bytes];
};

const std::vector<Field>& event_fields() {
  static const std::vector<Field> fields = {
      {"time_s", offsetof(EventRow, time_s), FieldKind::f64},
      {"kind", offsetof(EventRow, kind), FieldKind::str},
      {"component", offsetof(EventRow, component), FieldKind::str},
      {"job", offsetof(EventRow, job), FieldKind::i64},
      {"value", offsetof(EventRow, value), FieldKind::f64},
      {"cause", offsetof(EventRow, cause), FieldKind::str},
  };
  return fields;
}

Handle make_event_type(bool packed_file_layout) {
  return make_row_type(event_fields(), sizeof(EventRow), packed_file_layout, "/events");
}

// Always written (0 rows without failures or preemptions), like /jobs.
void write_events(hid_t file, const std::vector<EventRecord>& records) {
  std::vector<EventRow> rows(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const EventRecord& e = records[i];
    EventRow& r = rows[i];
    r = EventRow{};
    r.time_s = e.time_s;
    copy_fixed(r.kind, e.kind, e.job, "event kind");
    copy_fixed(r.component, e.component, e.job, "event component");
    r.job = e.job;
    r.value = e.value;
    copy_fixed(r.cause, e.cause, e.job, "event cause");
  }
  write_table(file, "events", make_event_type(true), make_event_type(false), rows);
}

void write_file(const std::string& file_name, const ResultSet& results) {
  const Handle fcpl = make_plist(H5P_FILE_CREATE);
  // The root group is created with the file; its timestamps come from the file creation list.
  check(H5Pset_obj_track_times(fcpl.get(), false), "cannot disable object timestamps");
  const Handle fapl = make_plist(H5P_FILE_ACCESS);
  // SEMI: closing the file fails if any object is still open, so a leaked handle cannot leave data unflushed.
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), "cannot set the file close degree");
  Handle file(H5Fcreate(file_name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose,
              "cannot create " + file_name);
  write_meta(file.get(), results.meta);
  write_jobs(file.get(), results.jobs);
  write_timeseries(file.get(), results.timeseries);
  write_summary(file.get(), results.summary);
  write_collectives(file.get(), results.collectives);
  write_requests(file.get(), results.requests);
  write_events(file.get(), results.events);
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

// ---- reading -------------------------------------------------------------------------------------------------------

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
hsize_t check_table(hid_t dataset, const std::string& where, const std::vector<const char*>& required) {
  const Handle type(H5Dget_type(dataset), H5Tclose, "cannot read the type of " + where);
  if (H5Tget_class(type.get()) != H5T_COMPOUND) throw Failure(where + " is not a compound (table) dataset");
  for (const char* field : required) {
    if (H5Tget_member_index(type.get(), field) < 0) {
      H5Eclear2(H5E_DEFAULT);
      throw Failure(where + " lacks field '" + field + "'");
    }
  }
  const Handle space(H5Dget_space(dataset), H5Sclose, "cannot read the shape of " + where);
  if (H5Sget_simple_extent_ndims(space.get()) != 1) throw Failure(where + " is not one-dimensional");
  hsize_t rows = 0;
  check(H5Sget_simple_extent_dims(space.get(), &rows, nullptr), "cannot read the shape of " + where);
  return rows;
}

// Reads the 1-D compound dataset /name into rows of the memory layout; a table absent from an older file reads as
// empty when `optional`.
template <class Row>
std::vector<Row> read_table(hid_t file, const std::string& name, const std::vector<Field>& fields,
                            const Handle& memory_type, bool optional) {
  if (optional && !link_exists(file, name.c_str())) return {};
  const Handle dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open /" + name);
  std::vector<const char*> required;
  for (const Field& f : fields)
    required.push_back(f.name);
  const hsize_t n = check_table(dataset.get(), "/" + name, required);
  std::vector<Row> rows(n);
  if (n > 0)
    check(H5Dread(dataset.get(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()),
          "cannot read /" + name);
  return rows;
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

std::vector<JobRecord> read_jobs(hid_t file) {
  const auto rows = read_table<JobRow>(file, "jobs", job_fields(), make_job_type(false), false);
  const std::size_t n = rows.size();
  std::vector<JobRecord> jobs(n);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const JobRow& r = rows[i];
    JobRecord& j = jobs[i];
    j.id = r.id;
    j.kind = from_fixed(r.kind);
    j.submit_s = r.submit_s;
    j.start_s = r.start_s;
    j.end_s = r.end_s;
    j.gpus = r.gpus;
    j.status = from_fixed(r.status);
    j.restarts = r.restarts;
    j.queue_s = r.queue_s;
    j.compute_s = r.compute_s;
    j.comm_s = r.comm_s;
    j.checkpoint_s = r.checkpoint_s;
    j.lost_gpu_s = r.lost_gpu_s;
    j.energy_j = r.energy_j;
    j.nodes = r.nodes;
    j.timing = from_fixed(r.timing);
    j.racks = r.racks;
    j.mfu = r.mfu;
    j.tokens_per_s = r.tokens_per_s;
  }
  return jobs;
}

std::vector<TimeSeries> read_timeseries(hid_t file) {
  std::vector<TimeSeries> all;
  if (!link_exists(file, "timeseries")) return all;
  const Handle group(H5Gopen2(file, "timeseries", H5P_DEFAULT), H5Gclose, "cannot open /timeseries");
  const Handle memory_type = make_sample_type(false);
  for (const std::string& name : hdf5::link_names(group.get(), "/timeseries")) {
    const std::string where = "/timeseries/" + name;
    const Handle dataset(H5Dopen2(group.get(), name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open " + where);
    const hsize_t n = check_table(dataset.get(), where, {"time_s", "value"});
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

// Absent in files written before /collectives existed: then empty.
std::vector<CollectiveRecord> read_collectives(hid_t file) {
  std::vector<CollectiveRecord> records;
  const auto rows = read_table<CollectiveRow>(file, "collectives", collective_fields(), make_collective_type(false), true);
  for (const CollectiveRow& r : rows) {
    CollectiveRecord c;
    c.job = r.job;
    c.op = from_fixed(r.op);
    c.algorithm = from_fixed(r.algorithm);
    c.bytes = r.bytes;
    c.ranks = r.ranks;
    c.start_s = r.start_s;
    c.time_s = r.time_s;
    c.algbw_Bps = r.algbw_Bps;
    c.busbw_Bps = r.busbw_Bps;
    c.ideal_s = r.ideal_s;
    c.nodes = r.nodes;
    c.racks = r.racks;
    records.push_back(std::move(c));
  }
  return records;
}

// Absent in files written before /requests existed: then empty.
std::vector<RequestRecord> read_requests(hid_t file) {
  std::vector<RequestRecord> records;
  const auto rows = read_table<RequestRow>(file, "requests", request_fields(), make_request_type(false), true);
  records.reserve(rows.size());
  for (const RequestRow& r : rows) {
    RequestRecord q;
    q.id = r.id;
    q.service = from_fixed(r.service);
    q.replica = r.replica;
    q.arrival_s = r.arrival_s;
    q.start_s = r.start_s;
    q.first_token_s = r.first_token_s;
    q.finish_s = r.finish_s;
    q.status = from_fixed(r.status);
    q.prompt_tokens = r.prompt_tokens;
    q.output_tokens = r.output_tokens;
    records.push_back(std::move(q));
  }
  return records;
}

// Absent in files written before /events existed: then empty.
std::vector<EventRecord> read_events(hid_t file) {
  std::vector<EventRecord> records;
  for (const EventRow& r : read_table<EventRow>(file, "events", event_fields(), make_event_type(false), true)) {
    EventRecord e;
    e.time_s = r.time_s;
    e.kind = from_fixed(r.kind);
    e.component = from_fixed(r.component);
    e.job = r.job;
    e.value = r.value;
    e.cause = from_fixed(r.cause);
    records.push_back(std::move(e));
  }
  return records;
}

// `group` is "/" for a results file, or e.g. "/runs/r0000" for one run of a merged sweep file (docs/sweeps.md);
// every name below is relative to it.
ResultSet read_file(const std::string& path, const std::string& group) {
  const Handle h5file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open as HDF5");
  if (group != "/" && !link_exists(h5file.get(), group.c_str())) throw Failure("no group " + group);
  const Handle file(H5Gopen2(h5file.get(), group.c_str(), H5P_DEFAULT), H5Gclose, "cannot open " + group);
  if (!link_exists(file.get(), "jobs")) throw Failure("not a racksim results file (no /jobs)");
  ResultSet results;
  results.meta = read_meta(file.get());
  results.jobs = read_jobs(file.get());
  results.timeseries = read_timeseries(file.get());
  results.summary = read_summary(file.get());
  results.collectives = read_collectives(file.get());
  results.requests = read_requests(file.get());
  results.events = read_events(file.get());
  return results;
}

// ---- statistics ----------------------------------------------------------------------------------------------------

double mean(const std::vector<double>& values) {
  if (values.empty()) return 0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// Summary statistics of an empty set are reported as 0 (not NaN) so that files compare equal across runs and
// tools need no NaN handling; jobs_completed tells a reader whether the value means anything.
double percentile_or_zero(const std::vector<double>& values, double p) {
  return values.empty() ? 0.0 : percentile(values, p);
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

ResultSet read_results(const std::string& path) { return read_results(path, "/"); }

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

TimeSeries StepSeries::sample(const std::string& name, const std::string& unit, double interval, double end) const {
  if (!(interval > 0) || !std::isfinite(interval))
    throw std::invalid_argument("StepSeries::sample: interval must be > 0");
  if (!(end >= 0) || !std::isfinite(end)) throw std::invalid_argument("StepSeries::sample: end must be >= 0");
  // Tolerates end being a multiple of interval up to rounding (e.g. end = 1.0, interval = 0.1).
  const auto count = static_cast<std::size_t>(std::floor(end / interval * (1 + 1e-12))) + 1;

  // Events at equal times keep their order (the last one is the state that holds); out-of-order input is sorted
  // rather than rejected because the result is well defined either way.
  std::vector<std::pair<double, double>> sorted = points;
  auto by_time = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!std::is_sorted(sorted.begin(), sorted.end(), by_time)) std::stable_sort(sorted.begin(), sorted.end(), by_time);

  TimeSeries ts;
  ts.name = name;
  ts.unit = unit;
  ts.interval_s = interval;
  ts.time_s.reserve(count);
  ts.value.reserve(count);
  double current = 0; // the value before the first event
  std::size_t next = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const double t = static_cast<double>(k) * interval;
    while (next < sorted.size() && sorted[next].first <= t)
      current = sorted[next++].second;
    ts.time_s.push_back(t);
    ts.value.push_back(current);
  }
  return ts;
}

double StepSeries::integral(double end) const {
  std::vector<std::pair<double, double>> sorted = points;
  auto by_time = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!std::is_sorted(sorted.begin(), sorted.end(), by_time)) std::stable_sort(sorted.begin(), sorted.end(), by_time);
  double total = 0;
  double current = 0; // value before the first event
  double since = 0;
  for (const auto& [t, v] : sorted) {
    if (t >= end) break;
    const double from = std::max(t, 0.0);
    total += current * (from - since);
    since = std::max(since, from);
    current = v;
  }
  if (end > since) total += current * (end - since);
  return total;
}

double percentile(std::vector<double> values, double p) {
  if (!(p >= 0 && p <= 100)) throw std::invalid_argument("percentile: p must be in [0, 100]");
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  if (std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); })) {
    return std::numeric_limits<double>::quiet_NaN(); // as numpy does
  }
  std::sort(values.begin(), values.end());
  // numpy's "linear" method, term by term (including its two-sided lerp) so results agree to the last bit.
  const double q = p / 100;
  const double virtual_index = static_cast<double>(values.size() - 1) * q;
  const double below = std::floor(virtual_index);
  const auto lo = static_cast<std::size_t>(below);
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  const double gamma = virtual_index - below;
  const double a = values[lo];
  const double b = values[hi];
  const double diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

std::vector<std::pair<std::string, double>>
compute_summary(const std::vector<JobRecord>& jobs, double allocated_gpu_seconds, int total_gpus, double end_s) {
  std::vector<double> jct;
  std::vector<double> queue;
  std::vector<double> compute;
  std::vector<double> comm;
  std::vector<double> checkpoint;
  double first_submit = std::numeric_limits<double>::infinity();
  double last_end = -std::numeric_limits<double>::infinity();
  for (const JobRecord& j : jobs) {
    first_submit = std::min(first_submit, j.submit_s);
    if (j.start_s >= 0) queue.push_back(j.queue_s);
    if (j.status != "completed") continue;
    last_end = std::max(last_end, j.end_s);
    jct.push_back(j.end_s - j.submit_s);
    compute.push_back(j.compute_s);
    comm.push_back(j.comm_s);
    checkpoint.push_back(j.checkpoint_s);
  }
  const double completed = static_cast<double>(jct.size());
  const double busy = std::accumulate(compute.begin(), compute.end(), 0.0) +
                      std::accumulate(comm.begin(), comm.end(), 0.0) +
                      std::accumulate(checkpoint.begin(), checkpoint.end(), 0.0);
  const double capacity_gpu_s = static_cast<double>(total_gpus) * end_s;

  return {
      {"jobs_total", static_cast<double>(jobs.size())},
      {"jobs_completed", completed},
      {"jobs_unfinished", static_cast<double>(jobs.size()) - completed},
      {"makespan_s", jct.empty() ? 0.0 : last_end - first_submit},
      {"mean_jct_s", mean(jct)},
      {"p50_jct_s", percentile_or_zero(jct, 50)},
      {"p90_jct_s", percentile_or_zero(jct, 90)},
      {"p99_jct_s", percentile_or_zero(jct, 99)},
      {"mean_queue_s", mean(queue)},
      {"p50_queue_s", percentile_or_zero(queue, 50)},
      {"p99_queue_s", percentile_or_zero(queue, 99)},
      {"gpu_utilization", capacity_gpu_s > 0 ? allocated_gpu_seconds / capacity_gpu_s : 0.0},
      {"gpu_hours_allocated", allocated_gpu_seconds / 3600},
      {"mean_compute_s", mean(compute)},
      {"mean_comm_s", mean(comm)},
      {"mean_checkpoint_s", mean(checkpoint)},
      {"comm_fraction", busy > 0 ? std::accumulate(comm.begin(), comm.end(), 0.0) / busy : 0.0},
  };
}

} // namespace racksim::sim
