// Calibration files (docs/calibration-schema.md), work counts, and the two KernelTimers. The roofline's efficiency
// numbers are assumptions taken from published measurements (docs/calibration.md); a calibration file replaces them.

#include "workloads/calibration/calibration.hpp"
#include "workloads/hdf5_util.hpp"

#include <hdf5.h>
#include <openssl/evp.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

namespace racksim::workloads {
namespace {

// ---- kernels: work counts (docs/calibration-schema.md, "Kernels and their shapes") -----------------------------

struct KernelWork {
  const char* name;
  bool compute_bound; // size axis: FLOPs (true) or bytes
  double (*flops)(double m, double n, double k, double batch);
  double (*bytes)(double m, double n, double k, double batch, double b); // b = dtype bytes
};

// One row per kernel of the schema's table, in its order; the CUDA kernels implement the same formulas.
constexpr KernelWork kKernels[] = {
    {"gemm", true, [](double m, double n, double k, double) { return 2 * m * n * k; },
     [](double m, double n, double k, double, double b) { return b * (m * k + k * n + m * n); }},
    {"gemm_tiled", true, [](double m, double n, double k, double) { return 2 * m * n * k; },
     [](double m, double n, double k, double, double b) { return b * (m * k + k * n + m * n); }},
    {"attention_fwd", true, [](double m, double n, double k, double bt) { return 2 * bt * m * n * k; },
     [](double m, double n, double k, double bt, double b) { return b * bt * (2 * m * k + 2 * n * k) + 4 * bt * m; }},
    {"attention_bwd", true, [](double m, double n, double k, double bt) { return 5 * bt * m * n * k; },
     [](double m, double n, double k, double bt, double b) { return b * bt * (4 * m * k + 4 * n * k) + 4 * bt * m; }},
    {"layernorm_fwd", false, [](double m, double n, double, double) { return 8 * m * n; },
     [](double m, double n, double, double, double b) { return b * 2 * m * n + 4 * 2 * n + 8 * m; }},
    {"rmsnorm_fwd", false, [](double m, double n, double, double) { return 5 * m * n; },
     [](double m, double n, double, double, double b) { return b * 2 * m * n + 4 * n + 4 * m; }},
    {"layernorm_bwd", false, [](double m, double n, double, double) { return 12 * m * n; },
     [](double m, double n, double, double, double b) { return b * 3 * m * n + 4 * 3 * n + 8 * m; }},
    {"rmsnorm_bwd", false, [](double m, double n, double, double) { return 8 * m * n; },
     [](double m, double n, double, double, double b) { return b * 3 * m * n + 4 * 2 * n + 4 * m; }},
    {"softmax_fwd", false, [](double m, double n, double, double) { return 5 * m * n; },
     [](double m, double n, double, double, double b) { return b * 2 * m * n; }},
    {"gelu_fwd", false, [](double m, double, double, double) { return 15 * m; },
     [](double m, double, double, double, double b) { return b * 2 * m; }},
    {"gelu_bwd", false, [](double m, double, double, double) { return 25 * m; },
     [](double m, double, double, double, double b) { return b * 3 * m; }},
    {"swiglu_fwd", false, [](double m, double, double, double) { return 8 * m; },
     [](double m, double, double, double, double b) { return b * 3 * m; }},
    {"swiglu_bwd", false, [](double m, double, double, double) { return 16 * m; },
     [](double m, double, double, double, double b) { return b * 5 * m; }},
    {"adamw", false, [](double m, double, double, double) { return 16 * m; },
     [](double m, double, double, double, double b) { return 24 * m + b * m; }},
    {"embedding_fwd", false, [](double, double, double, double) { return 0.0; },
     [](double m, double n, double, double, double b) { return 8 * m + 2 * b * m * n; }},
    {"embedding_bwd", false, [](double m, double n, double, double) { return m * n; },
     [](double m, double n, double, double, double b) { return 8 * m + b * m * n + 4 * m * n; }},
    {"cross_entropy", false, [](double m, double n, double, double) { return 6 * m * n; },
     [](double m, double n, double, double, double b) { return b * 2 * m * n + 12 * m; }},
    {"copy", false, [](double, double, double, double) { return 0.0; },
     [](double m, double, double, double, double) { return 2 * m; }},
};

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names)
    out += (out.empty() ? "" : ", ") + name;
  return out;
}

const KernelWork* lookup_kernel(const std::string& name) {
  for (const auto& kernel : kKernels)
    if (name == kernel.name) return &kernel;
  return nullptr;
}

const KernelWork& find_kernel_work(const std::string& name) {
  if (const KernelWork* kernel = lookup_kernel(name)) return *kernel;
  throw std::invalid_argument("unknown kernel '" + name + "' (known: " + join(kernel_names()) + ")");
}

void check_dimensions(const KernelCall& call) {
  if (call.m < 0 || call.n < 0 || call.k < 0 || call.batch < 0)
    throw std::invalid_argument("kernel call '" + call.kernel + "': negative dimension");
}

// The call a calibration row measured.
KernelCall row_call(const std::string& kernel, const CalibrationRow& row) {
  KernelCall call;
  call.kernel = kernel;
  call.m = row.m;
  call.n = row.n;
  call.k = row.k;
  call.batch = row.batch;
  call.dtype = row.dtype;
  return call;
}

// Work on the kernel's size axis (FLOPs for compute-bound kernels, bytes otherwise).
double axis_work(const KernelCall& call) {
  return compute_bound_kernel(call.kernel) ? call_flops(call) : call_bytes(call);
}

// ---- roofline assumptions ----------------------------------------------------------------------------------------
// ASSUMPTIONS, to be replaced by a calibration file measured on the GPU (racksim calibrate). Sources
// (docs/calibration.md, "Roofline"):
//  - gemm: S. Bekman, "Machine Learning Engineering", Maximum Achievable Matmul FLOPS table: cuBLAS bf16 on
//    H100 SXM reaches 792 of 989 TFLOPS (80.1%) at its best shape; A100 SXM 85.9%. We take eff_max = 0.78 (real
//    training shapes are not the best shape) and half of it at 2 GFLOP (a ~1000^3 GEMM fills 132 SMs only partly).
//  - attention: T. Dao, "FlashAttention-2" (arXiv:2307.08691): forward 50-73% of A100 peak, backward lower. Our
//    fused kernel is simpler than FlashAttention-2, so we take the low end: 0.5 forward, 0.4 backward, half of it
//    at 10 GFLOP (FlashAttention-2's throughput at sequence 512 is well below its long-sequence value).
//  - gemm_tiled (own shared-memory kernel, no cuBLAS): 0.3 of the tensor peak — a guess, to be measured.
//  - memory-bound kernels: large streaming kernels reach 80-90% of HBM peak (NVIDIA H100 whitepaper quotes
//    3.35 TB/s; nvbandwidth / STREAM-style device copies measure ~0.85-0.9 of it). eff_max = 0.85, half of it
//    at 4 MB (below that the ramp-up and tail of one wave dominate). Their FLOPs run on the FP32 CUDA cores at
//    up to half of the FP32 peak (they are memory-bound by orders of magnitude, so this rarely matters).
//  - launch overhead 4 us (kernel_launch_overhead_s): NVIDIA, "Getting Started with CUDA Graphs" (developer
//    blog, 2019) shows a few microseconds of launch overhead per short kernel.
const RooflineClass kGemmClass{"gemm", {0.78, 2e9}, {0.85, 4e6}, true};
const RooflineClass kGemmTiledClass{"gemm_tiled", {0.30, 2e9}, {0.85, 4e6}, true};
const RooflineClass kAttentionFwdClass{"attention_fwd", {0.50, 1e10}, {0.85, 4e6}, true};
const RooflineClass kAttentionBwdClass{"attention_bwd", {0.40, 1e10}, {0.85, 4e6}, true};
const RooflineClass kMemoryBoundClass{"memory_bound", {0.50, 1e8}, {0.85, 4e6}, false};

// ---- HDF5 plumbing -----------------------------------------------------------------------------------------------

using Failure = hdf5::Error; // message without the path; converted to CalibrationError("path: ...") at the API
using hdf5::check;
using hdf5::fail;
using hdf5::Handle;
using hdf5::make_plist;
using hdf5::make_scalar_space;
using hdf5::make_vlen_string_type;

constexpr std::size_t kDtypeChars = 8; // S8 in the schema

Handle make_dtype_string_type(H5T_cset_t cset) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create a string type");
  check(H5Tset_size(type.get(), kDtypeChars), "cannot size a string type");
  check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "cannot set string padding");
  check(H5Tset_cset(type.get(), cset), "cannot set a string encoding");
  return type;
}

// A row as it sits in memory for H5Dread/H5Dwrite; the file type is packed little-endian with the same names.
struct RowRecord {
  std::int64_t m, n, k, batch;
  char dtype[kDtypeChars];
  double time_s, time_p10_s, time_p90_s, flops, bytes, achieved_flops, achieved_Bps;
  std::int32_t repeats;
};

struct Field {
  const char* name;
  std::size_t offset;
  hid_t memory_type; // H5T_NATIVE_* (0 for the string field)
  hid_t file_type;   // H5T_STD_* / H5T_IEEE_* (0 for the string field)
  std::size_t file_size;
};

// Exactly the schema's fields, in its order. (hid_t constants are run-time values, hence a function.)
std::vector<Field> row_fields() {
  return {
      {"m", offsetof(RowRecord, m), H5T_NATIVE_INT64, H5T_STD_I64LE, 8},
      {"n", offsetof(RowRecord, n), H5T_NATIVE_INT64, H5T_STD_I64LE, 8},
      {"k", offsetof(RowRecord, k), H5T_NATIVE_INT64, H5T_STD_I64LE, 8},
      {"batch", offsetof(RowRecord, batch), H5T_NATIVE_INT64, H5T_STD_I64LE, 8},
      {"dtype", offsetof(RowRecord, dtype), 0, 0, kDtypeChars},
      {"time_s", offsetof(RowRecord, time_s), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 8},
      {"time_p10_s", offsetof(RowRecord, time_p10_s), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 8},
      {"time_p90_s", offsetof(RowRecord, time_p90_s), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 8},
      {"flops", offsetof(RowRecord, flops), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 8},
      {"bytes", offsetof(RowRecord, bytes), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 8},
      {"achieved_flops", offsetof(RowRecord, achieved_flops), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 8},
      {"achieved_Bps", offsetof(RowRecord, achieved_Bps), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 8},
      {"repeats", offsetof(RowRecord, repeats), H5T_NATIVE_INT32, H5T_STD_I32LE, 4},
  };
}

// `dtype_cset`: the dtype field's character set (ASCII when we write; a reader matches the file, because HDF5 does
// not convert between character sets).
Handle make_row_type(bool in_file, H5T_cset_t dtype_cset = H5T_CSET_ASCII) {
  const std::vector<Field> fields = row_fields();
  std::size_t size = sizeof(RowRecord);
  if (in_file) {
    size = 0;
    for (const auto& field : fields)
      size += field.file_size;
  }
  Handle type(H5Tcreate(H5T_COMPOUND, size), H5Tclose, "cannot create the row type");
  const Handle dtype_type = make_dtype_string_type(dtype_cset);
  std::size_t file_offset = 0;
  for (const auto& field : fields) {
    const hid_t member = field.memory_type == 0 ? dtype_type.get() : (in_file ? field.file_type : field.memory_type);
    check(H5Tinsert(type.get(), field.name, in_file ? file_offset : field.offset, member),
          std::string("cannot add field ") + field.name);
    file_offset += field.file_size;
  }
  return type;
}

// ---- writing -----------------------------------------------------------------------------------------------------

void write_text_attribute(hid_t obj, const std::string& name, const std::string& value) {
  const Handle type = make_vlen_string_type();
  const Handle space = make_scalar_space();
  const Handle attr(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                    "cannot create attribute " + name);
  const char* data = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &data), "cannot write attribute " + name);
}

void write_number_attribute(hid_t obj, const std::string& name, double value) {
  const Handle space = make_scalar_space();
  const Handle attr(H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                    "cannot create attribute " + name);
  check(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value), "cannot write attribute " + name);
}

void write_int_attribute(hid_t obj, const std::string& name, std::int64_t value) {
  const Handle space = make_scalar_space();
  const Handle attr(H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                    "cannot create attribute " + name);
  check(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), "cannot write attribute " + name);
}

Handle create_group(hid_t parent, const std::string& name) {
  const Handle gcpl = make_plist(H5P_GROUP_CREATE);
  check(H5Pset_obj_track_times(gcpl.get(), false), "cannot disable object timestamps");
  return {H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
          "cannot create group /" + name};
}

void write_attribute_group(hid_t file, const std::string& name, const std::map<std::string, std::string>& text,
                           const std::map<std::string, double>& numbers) {
  const Handle group = create_group(file, name);
  for (const auto& [key, value] : text)
    write_text_attribute(group.get(), key, value);
  for (const auto& [key, value] : numbers)
    write_number_attribute(group.get(), key, value);
}

void write_kernel(hid_t kernels, const std::string& name, const std::vector<CalibrationRow>& rows) {
  std::vector<RowRecord> records(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const CalibrationRow& row = rows[i];
    RowRecord& rec = records[i];
    std::memset(&rec, 0, sizeof rec); // padding and unused dtype bytes are deterministic
    rec.m = row.m;
    rec.n = row.n;
    rec.k = row.k;
    rec.batch = row.batch;
    std::memcpy(rec.dtype, row.dtype.data(), row.dtype.size());
    rec.time_s = row.time_s;
    rec.time_p10_s = row.time_p10_s;
    rec.time_p90_s = row.time_p90_s;
    rec.flops = row.flops;
    rec.bytes = row.bytes;
    rec.achieved_flops = row.achieved_flops;
    rec.achieved_Bps = row.achieved_Bps;
    rec.repeats = row.repeats;
  }
  const hsize_t count = records.size();
  const Handle space(H5Screate_simple(1, &count, nullptr), H5Sclose, "cannot create a dataspace");
  const Handle dcpl = make_plist(H5P_DATASET_CREATE);
  check(H5Pset_obj_track_times(dcpl.get(), false), "cannot disable object timestamps");
  const Handle file_type = make_row_type(true);
  const Handle memory_type = make_row_type(false);
  const Handle dataset(
      H5Dcreate2(kernels, name.c_str(), file_type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose,
      "cannot create /kernels/" + name);
  if (!records.empty())
    check(H5Dwrite(dataset.get(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, records.data()),
          "cannot write /kernels/" + name);
}

void write_file(const std::string& file_name, const CalibrationTable& table) {
  const Handle fcpl = make_plist(H5P_FILE_CREATE);
  check(H5Pset_obj_track_times(fcpl.get(), false), "cannot disable object timestamps"); // the root group
  const Handle fapl = make_plist(H5P_FILE_ACCESS);
  // SEMI: closing fails if an object is still open, so a leaked handle cannot leave data unflushed.
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), "cannot set the file close degree");
  Handle file(H5Fcreate(file_name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose, "cannot create the file");
  write_text_attribute(file.get(), "kind", "racksim-calibration");
  write_int_attribute(file.get(), "schema_version", 1);
  write_attribute_group(file.get(), "device", table.device_text, table.device_numbers);
  write_attribute_group(file.get(), "provenance", table.provenance_text, table.provenance_numbers);
  write_attribute_group(file.get(), "ceilings", {}, table.ceilings);
  {
    const Handle kernels = create_group(file.get(), "kernels");
    for (const auto& [name, rows] : table.kernels)
      write_kernel(kernels.get(), name, rows);
  }
  file.close("cannot close the file");
}

// The rename must not reach the disk before the data does.
void sync_file(const std::string& file_name) {
  const int fd = ::open(file_name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Failure("cannot reopen " + file_name + ": " + std::strerror(errno));
  const int status = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (status != 0) throw Failure("cannot sync " + file_name + ": " + std::strerror(err));
}

// ---- validation (shared by write, load and CalibratedTimer) ------------------------------------------------------

void validate_attribute_names(const std::string& group, const std::map<std::string, std::string>& text,
                              const std::map<std::string, double>& numbers) {
  for (const auto& [key, value] : text) {
    if (key.empty()) throw Failure("/" + group + ": an attribute has an empty name");
    if (numbers.count(key) != 0) throw Failure("/" + group + "@" + key + " is both text and a number");
  }
  for (const auto& [key, value] : numbers)
    if (key.empty()) throw Failure("/" + group + ": an attribute has an empty name");
}

void validate_rows(const std::string& name, const std::vector<CalibrationRow>& rows) {
  const KernelWork* known = lookup_kernel(name);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const CalibrationRow& row = rows[i];
    const std::string where = "/kernels/" + name + " row " + std::to_string(i) + ": ";
    if (row.dtype.empty() || row.dtype.size() > kDtypeChars)
      throw Failure(where + "dtype '" + row.dtype + "' must be 1 to 8 characters");
    if (row.dtype.find('\0') != std::string::npos) throw Failure(where + "dtype contains a NUL byte");
    if (!(row.time_s > 0) || !std::isfinite(row.time_s))
      throw Failure(where + "non-positive time_s (" + std::to_string(row.time_s) + "); times must be positive");
    if (row.m < 0 || row.n < 0 || row.k < 0 || row.batch < 0) throw Failure(where + "negative dimension");
    if (known != nullptr) {
      double work = 0;
      try {
        dtype_bytes(row.dtype); // known dtype
        work = axis_work(row_call(name, row));
      } catch (const std::invalid_argument& e) {
        throw Failure(where + e.what());
      }
      if (!(work > 0))
        throw Failure(where + "no work on the size axis (" + (known->compute_bound ? "flops" : "bytes") +
                      " = 0 for this shape)");
    }
  }
}

void validate_table(const CalibrationTable& table) {
  validate_attribute_names("device", table.device_text, table.device_numbers);
  validate_attribute_names("provenance", table.provenance_text, table.provenance_numbers);
  validate_attribute_names("ceilings", {}, table.ceilings);
  for (const auto& [name, rows] : table.kernels) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
      throw Failure("invalid kernel name '" + name + "'");
    validate_rows(name, rows);
  }
}

// ---- reading -----------------------------------------------------------------------------------------------------

bool has_link(hid_t parent, const std::string& name) {
  const htri_t exists = H5Lexists(parent, name.c_str(), H5P_DEFAULT);
  if (exists < 0) fail("cannot look up " + name);
  return exists > 0;
}

Handle open_group(hid_t file, const std::string& name) {
  if (!has_link(file, name)) throw Failure("missing group /" + name);
  return {H5Gopen2(file, name.c_str(), H5P_DEFAULT), H5Gclose, "/" + name + " is not a group"};
}

std::string read_string_attribute(hid_t attr, hid_t type, const std::string& where) {
  const std::string what = "cannot read attribute " + where;
  const htri_t variable = check(H5Tis_variable_str(type), what);
  // The memory type takes the file's character set: HDF5 does not convert between ASCII and UTF-8.
  const H5T_cset_t cset = H5Tget_cset(type);
  if (cset < 0) fail(what);
  if (variable > 0) {
    const Handle memory_type(H5Tcopy(H5T_C_S1), H5Tclose, what);
    check(H5Tset_size(memory_type.get(), H5T_VARIABLE), what);
    check(H5Tset_cset(memory_type.get(), cset), what);
    char* data = nullptr;
    check(H5Aread(attr, memory_type.get(), &data), what);
    std::string value = data != nullptr ? data : "";
    H5free_memory(data);
    return value;
  }
  const std::size_t size = H5Tget_size(type);
  if (size == 0) fail(what);
  const Handle memory_type(H5Tcopy(H5T_C_S1), H5Tclose, what);
  check(H5Tset_size(memory_type.get(), size + 1), what);
  check(H5Tset_strpad(memory_type.get(), H5T_STR_NULLTERM), what);
  check(H5Tset_cset(memory_type.get(), cset), what);
  std::string buffer(size + 1, '\0');
  check(H5Aread(attr, memory_type.get(), buffer.data()), what);
  return buffer.c_str();
}

struct AttributeValue {
  bool is_text = false;
  std::string text;
  double number = 0;
};

AttributeValue read_attribute(hid_t obj, const std::string& group, const std::string& name) {
  const std::string where = group + "@" + name;
  const Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, "cannot open attribute " + where);
  const Handle space(H5Aget_space(attr.get()), H5Sclose, "cannot read attribute " + where);
  if (H5Sget_simple_extent_type(space.get()) != H5S_SCALAR) throw Failure("attribute " + where + " is not a scalar");
  const Handle type(H5Aget_type(attr.get()), H5Tclose, "cannot read attribute " + where);
  AttributeValue value;
  switch (H5Tget_class(type.get())) {
  case H5T_STRING:
    value.is_text = true;
    value.text = read_string_attribute(attr.get(), type.get(), where);
    break;
  case H5T_INTEGER:
  case H5T_FLOAT:
    check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value.number), "cannot read attribute " + where);
    break;
  default:
    throw Failure("attribute " + where + " is neither text nor a number");
  }
  return value;
}

std::vector<std::string> attribute_names(hid_t obj, const std::string& where) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
  };
  hsize_t index = 0;
  check(H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names),
        "cannot list the attributes of " + where);
  return names;
}

void read_attribute_group(hid_t file, const std::string& name, std::map<std::string, std::string>* text,
                          std::map<std::string, double>* numbers) {
  const Handle group = open_group(file, name);
  const std::string where = "/" + name;
  for (const auto& key : attribute_names(group.get(), where)) {
    AttributeValue value = read_attribute(group.get(), where, key);
    if (value.is_text) {
      if (text == nullptr) throw Failure("attribute " + where + "@" + key + " must be a number");
      (*text)[key] = std::move(value.text);
    } else {
      (*numbers)[key] = value.number;
    }
  }
}

std::vector<CalibrationRow> read_kernel(hid_t kernels, const std::string& name) {
  const std::string where = "/kernels/" + name;
  const Handle object(H5Oopen(kernels, name.c_str(), H5P_DEFAULT), H5Oclose, "cannot open " + where);
  if (H5Iget_type(object.get()) != H5I_DATASET) throw Failure(where + " is not a dataset");
  const Handle dataset(H5Dopen2(kernels, name.c_str(), H5P_DEFAULT), H5Dclose, "cannot open " + where);
  const Handle file_type(H5Dget_type(dataset.get()), H5Tclose, "cannot read the type of " + where);
  if (H5Tget_class(file_type.get()) != H5T_COMPOUND) throw Failure(where + " is not a compound dataset");
  H5T_cset_t dtype_cset = H5T_CSET_ASCII;
  for (const auto& field : row_fields()) {
    const int index = H5Tget_member_index(file_type.get(), field.name);
    if (index < 0) {
      H5Eclear2(H5E_DEFAULT);
      throw Failure(where + ": missing field '" + field.name + "'");
    }
    const Handle member(H5Tget_member_type(file_type.get(), static_cast<unsigned>(index)), H5Tclose,
                        "cannot read the type of " + where + "." + field.name);
    const H5T_class_t cls = H5Tget_class(member.get());
    const bool want_string = field.memory_type == 0;
    if (want_string && (cls != H5T_STRING || H5Tis_variable_str(member.get()) > 0))
      throw Failure(where + ": field '" + field.name + "' must be a fixed-length string (S8)");
    if (want_string) dtype_cset = H5Tget_cset(member.get());
    if (!want_string && cls != H5T_INTEGER && cls != H5T_FLOAT)
      throw Failure(where + ": field '" + field.name + "' must be numeric");
  }
  const Handle space(H5Dget_space(dataset.get()), H5Sclose, "cannot read the shape of " + where);
  if (H5Sget_simple_extent_ndims(space.get()) != 1) throw Failure(where + " is not one-dimensional");
  hsize_t count = 0;
  check(H5Sget_simple_extent_dims(space.get(), &count, nullptr), "cannot read the shape of " + where);
  std::vector<RowRecord> records(count);
  if (dtype_cset < 0) fail("cannot read the type of " + where + ".dtype");
  const Handle memory_type = make_row_type(false, dtype_cset);
  if (count > 0)
    check(H5Dread(dataset.get(), memory_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, records.data()),
          "cannot read " + where);
  std::vector<CalibrationRow> rows(count);
  for (std::size_t i = 0; i < count; ++i) {
    const RowRecord& rec = records[i];
    CalibrationRow& row = rows[i];
    row.m = rec.m;
    row.n = rec.n;
    row.k = rec.k;
    row.batch = rec.batch;
    row.dtype.assign(rec.dtype, strnlen(rec.dtype, kDtypeChars));
    row.time_s = rec.time_s;
    row.time_p10_s = rec.time_p10_s;
    row.time_p90_s = rec.time_p90_s;
    row.flops = rec.flops;
    row.bytes = rec.bytes;
    row.achieved_flops = rec.achieved_flops;
    row.achieved_Bps = rec.achieved_Bps;
    row.repeats = rec.repeats;
  }
  return rows;
}

std::vector<std::string> link_names(hid_t group, const std::string& where) {
  H5G_info_t info;
  check(H5Gget_info(group, &info), "cannot list " + where);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t size = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (size < 0) fail("cannot list " + where);
    std::string name(static_cast<std::size_t>(size) + 1, '\0');
    check(H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT),
          "cannot list " + where);
    name.resize(static_cast<std::size_t>(size));
    names.push_back(std::move(name));
  }
  return names;
}

void check_root(hid_t file) {
  if (H5Aexists(file, "kind") <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw Failure("not a racksim calibration file (no root attribute 'kind')");
  }
  const AttributeValue kind = read_attribute(file, "", "kind");
  if (!kind.is_text || kind.text != "racksim-calibration")
    throw Failure("wrong kind '" + (kind.is_text ? kind.text : std::string("<number>")) +
                  "' (expected 'racksim-calibration')");
  if (H5Aexists(file, "schema_version") <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw Failure("missing root attribute 'schema_version'");
  }
  const AttributeValue version = read_attribute(file, "", "schema_version");
  if (version.is_text) throw Failure("root attribute 'schema_version' is not a number");
  if (version.number != 1) {
    std::ostringstream text;
    text << "unsupported schema_version " << version.number << " (this racksim reads 1)";
    throw Failure(text.str());
  }
}

CalibrationTable read_file(const std::string& path) {
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 <= 0) {
    H5Eclear2(H5E_DEFAULT);
    throw Failure("not an HDF5 file");
  }
  const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open as HDF5");
  check_root(file.get());
  CalibrationTable table;
  read_attribute_group(file.get(), "device", &table.device_text, &table.device_numbers);
  read_attribute_group(file.get(), "provenance", &table.provenance_text, &table.provenance_numbers);
  read_attribute_group(file.get(), "ceilings", nullptr, &table.ceilings);
  const Handle kernels = open_group(file.get(), "kernels");
  for (const auto& name : link_names(kernels.get(), "/kernels"))
    table.kernels[name] = read_kernel(kernels.get(), name);
  validate_table(table);
  return table;
}

// ---- interpolation -----------------------------------------------------------------------------------------------

// Measured achieved rate at one work value (rows of equal work averaged).
struct RatePoint {
  double work, rate;
};

} // namespace

// ---- public: work counts -----------------------------------------------------------------------------------------

std::vector<std::string> kernel_names() {
  std::vector<std::string> names;
  for (const auto& kernel : kKernels)
    names.emplace_back(kernel.name);
  return names;
}

double dtype_bytes(const std::string& dtype) {
  if (dtype == "bf16" || dtype == "fp16") return 2;
  if (dtype == "fp32" || dtype == "tf32") return 4;
  if (dtype == "fp8") return 1;
  throw std::invalid_argument("unknown dtype '" + dtype + "' (known: bf16, fp16, fp32, tf32, fp8)");
}

bool compute_bound_kernel(const std::string& kernel) {
  const KernelWork* work = lookup_kernel(kernel);
  return work != nullptr && work->compute_bound;
}

double call_flops(const KernelCall& call) {
  const KernelWork& kernel = find_kernel_work(call.kernel);
  check_dimensions(call);
  return kernel.flops(static_cast<double>(call.m), static_cast<double>(call.n), static_cast<double>(call.k),
                      static_cast<double>(call.batch));
}

double call_bytes(const KernelCall& call) {
  const KernelWork& kernel = find_kernel_work(call.kernel);
  check_dimensions(call);
  const double bytes =
      kernel.bytes(static_cast<double>(call.m), static_cast<double>(call.n), static_cast<double>(call.k),
                   static_cast<double>(call.batch), dtype_bytes(call.dtype));
  // fp8 GEMMs read 1-byte operands but write a bf16 C: one more byte per output element.
  if (call.kernel == "gemm" && call.dtype == "fp8") return bytes + static_cast<double>(call.m) * call.n;
  return bytes;
}

// ---- public: files -----------------------------------------------------------------------------------------------

std::string sha256_file_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CalibrationError(path + ": cannot open for hashing: " + std::strerror(errno));
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw CalibrationError(path + ": cannot initialise SHA-256");
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize got = in.gcount();
    if (got > 0 && EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(got)) != 1)
      throw CalibrationError(path + ": SHA-256 update failed");
  }
  if (in.bad()) throw CalibrationError(path + ": read error while hashing");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) throw CalibrationError(path + ": SHA-256 final failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

void write_calibration(const std::string& path, const CalibrationTable& table) {
  namespace fs = std::filesystem;
  try {
    validate_table(table);
  } catch (const Failure& e) {
    throw CalibrationError(path + ": " + e.what());
  }
  const fs::path final_path(path);
  if (final_path.filename().empty()) throw CalibrationError(path + ": not a file name");
  // Same directory, so the rename is atomic; the pid keeps concurrent writers apart.
  const fs::path temp_path =
      final_path.parent_path() / ("." + final_path.filename().string() + ".tmp-" + std::to_string(::getpid()));
  const std::string temp = temp_path.string();
  try {
    const hdf5::QuietErrors quiet;
    write_file(temp, table);
    sync_file(temp);
    std::error_code ec;
    fs::rename(temp_path, final_path, ec);
    if (ec) throw Failure("cannot rename " + temp + " to " + path + ": " + ec.message());
  } catch (const Failure& e) {
    std::error_code ignored;
    fs::remove(temp_path, ignored);
    throw CalibrationError(path + ": " + e.what());
  }
}

CalibrationTable load_calibration(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) throw CalibrationError(path + ": no such file");
  if (!fs::is_regular_file(status)) throw CalibrationError(path + ": not a regular file");
  // Hash first: the digest names the bytes that were then read.
  std::string digest = sha256_file_hex(path);
  CalibrationTable table;
  try {
    const hdf5::QuietErrors quiet;
    table = read_file(path);
  } catch (const Failure& e) {
    throw CalibrationError(path + ": " + e.what());
  }
  table.source_path = path;
  table.digest = std::move(digest);
  return table;
}

// ---- public: roofline --------------------------------------------------------------------------------------------

double EfficiencyCurve::at(double work) const {
  if (!(work > 0)) return 0;
  return eff_max * work / (work + half_work);
}

const RooflineClass& roofline_class(const std::string& kernel) {
  find_kernel_work(kernel); // throws for unknown names
  if (kernel == "gemm") return kGemmClass;
  if (kernel == "gemm_tiled") return kGemmTiledClass;
  if (kernel == "attention_fwd") return kAttentionFwdClass;
  if (kernel == "attention_bwd") return kAttentionBwdClass;
  return kMemoryBoundClass;
}

double tensor_peak_flops(const GpuPeaks& peaks, const std::string& dtype) {
  double peak = 0;
  const double fp16 = peaks.fp16_flops > 0 ? peaks.fp16_flops : peaks.bf16_flops;
  if (dtype == "bf16") {
    peak = peaks.bf16_flops;
  } else if (dtype == "fp16") {
    peak = fp16;
  } else if (dtype == "fp32") {
    peak = peaks.fp32_flops;
  } else if (dtype == "tf32") {
    peak = peaks.tf32_flops > 0 ? peaks.tf32_flops : fp16 / 2;
  } else if (dtype == "fp8") {
    peak = peaks.fp8_flops > 0 ? peaks.fp8_flops : 2 * peaks.bf16_flops;
  } else {
    dtype_bytes(dtype); // throws, listing the known dtypes
  }
  if (!(peak > 0)) throw std::invalid_argument("GPU '" + peaks.name + "': no " + dtype + " peak FLOP rate");
  return peak;
}

RooflineTimer::RooflineTimer(GpuPeaks peaks) : peaks_(std::move(peaks)) {
  if (!(peaks_.hbm_Bps > 0)) throw std::invalid_argument("GPU '" + peaks_.name + "': hbm_Bps must be positive");
  if (!(peaks_.bf16_flops > 0)) throw std::invalid_argument("GPU '" + peaks_.name + "': bf16_flops must be positive");
}

double RooflineTimer::time_s(const KernelCall& call) const {
  const RooflineClass& cls = roofline_class(call.kernel);
  const double flops = call_flops(call);
  const double bytes = call_bytes(call);
  double compute_s = 0;
  if (flops > 0) {
    // Memory-bound kernels compute on the FP32 CUDA cores; without that figure their compute term is dropped.
    const double peak = cls.tensor_cores ? tensor_peak_flops(peaks_, call.dtype) : peaks_.fp32_flops;
    if (peak > 0) compute_s = flops / (peak * cls.compute.at(flops));
  }
  const double memory_s = bytes > 0 ? bytes / (peaks_.hbm_Bps * cls.memory.at(bytes)) : 0;
  return kernel_launch_overhead_s + std::max(compute_s, memory_s);
}

std::string RooflineTimer::source() const {
  return "roofline:" + peaks_.name;
}

// ---- public: calibrated timer ------------------------------------------------------------------------------------

CalibratedTimer::CalibratedTimer(CalibrationTable table, RooflineTimer fallback)
    : table_(std::move(table)), fallback_(std::move(fallback)) {
  try {
    validate_table(table_);
  } catch (const Failure& e) {
    throw CalibrationError((table_.source_path.empty() ? std::string("calibration table") : table_.source_path) + ": " +
                           e.what());
  }
}

double CalibratedTimer::time_s(const KernelCall& call) const {
  const double work = axis_work(call); // validates the kernel, dtype and dimensions
  const auto found = table_.kernels.find(call.kernel);
  std::vector<const CalibrationRow*> rows;
  if (found != table_.kernels.end())
    for (const auto& row : found->second)
      if (row.dtype == call.dtype) rows.push_back(&row);
  if (rows.empty()) {
    ++fallbacks_;
    return fallback_.time_s(call);
  }
  if (!(work > 0)) return 0; // nothing to do; a measured kernel's time is proportional to its work

  // Exact shape: the measured median (several rows of one shape: their mean).
  double exact_sum = 0;
  int exact_count = 0;
  for (const CalibrationRow* row : rows) {
    if (row->m == call.m && row->n == call.n && row->k == call.k && row->batch == call.batch) {
      exact_sum += row->time_s;
      ++exact_count;
    }
  }
  if (exact_count > 0) return exact_sum / exact_count;

  // Achieved rate per distinct work value (ties averaged), sorted by work.
  std::vector<RatePoint> points;
  for (const CalibrationRow* row : rows) {
    const double row_work = axis_work(row_call(call.kernel, *row));
    points.push_back({row_work, row_work / row->time_s});
  }
  std::sort(points.begin(), points.end(), [](const RatePoint& a, const RatePoint& b) { return a.work < b.work; });
  std::vector<RatePoint> merged;
  for (std::size_t i = 0; i < points.size();) {
    std::size_t j = i;
    double rate_sum = 0;
    while (j < points.size() && points[j].work == points[i].work)
      rate_sum += points[j++].rate;
    merged.push_back({points[i].work, rate_sum / static_cast<double>(j - i)});
    i = j;
  }

  double rate = 0;
  if (work <= merged.front().work) {
    rate = merged.front().rate;
  } else if (work >= merged.back().work) {
    rate = merged.back().rate;
  } else {
    const auto hi =
        std::upper_bound(merged.begin(), merged.end(), work, [](double w, const RatePoint& p) { return w < p.work; });
    const auto lo = hi - 1;
    const double t = (std::log(work) - std::log(lo->work)) / (std::log(hi->work) - std::log(lo->work));
    rate = lo->rate + t * (hi->rate - lo->rate);
  }
  return work / rate;
}

std::string CalibratedTimer::source() const {
  const std::string name = table_.source_path.empty() ? std::string("in-memory")
                                                      : std::filesystem::path(table_.source_path).filename().string();
  const std::string digest = table_.digest.empty() ? std::string("none") : table_.digest.substr(0, 16);
  return "calibration:" + name + ":sha256:" + digest;
}

} // namespace racksim::workloads
