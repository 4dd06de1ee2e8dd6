#pragma once
// Internal to sim/results (include only from .cpp files that link HDF5): the row layout of the compound tables of a
// results file (/jobs, /collectives, /requests, /events), built from one list of columns per table. A column is a
// name and a record member; the member's type gives the HDF5 type. Rows are packed (no padding bytes, so nothing
// uninitialised reaches the file and the layout does not depend on the compiler) in the file and in memory.

#include "sim/results/metrics.hpp"
#include "sim/results/results.hpp"
#include "workloads/hdf5_util.hpp"

#include <hdf5.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace racksim::sim::rows {

// Fixed-length string fields hold job_string_bytes (16) bytes.
template <class Record>
using Member = std::variant<std::int64_t Record::*, std::int32_t Record::*, double Record::*, std::string Record::*>;

template <class Record>
struct Column {
  std::string_view name;
  Member<Record> member;
};

// Null-padded rather than null-terminated, so all job_string_bytes bytes are usable; h5py reads `|S16` bytes.
inline hdf5::Handle make_fixed_string_type(std::size_t bytes) {
  hdf5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create a string type");
  hdf5::check(H5Tset_size(type.get(), bytes), "cannot size a string type");
  hdf5::check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "cannot set string padding");
  hdf5::check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot set a string encoding");
  return type;
}

// The member's size in a packed row.
template <class Record>
std::size_t field_size(const Member<Record>& member) {
  static constexpr std::size_t sizes[] = {8, 4, 8, job_string_bytes};
  return sizes[member.index()];
}

template <class Record>
std::size_t row_size(const std::vector<Column<Record>>& columns) {
  std::size_t size = 0;
  for (const auto& c : columns)
    size += field_size<Record>(c.member);
  return size;
}

// The packed compound row type. The file layout uses little-endian standard types, so files are identical whatever
// machine wrote them; the memory layout native ones at the same offsets.
template <class Record>
hdf5::Handle make_row_type(const std::vector<Column<Record>>& columns, bool file_layout, const std::string& table) {
  const hdf5::Handle str = make_fixed_string_type(job_string_bytes);
  hdf5::Handle type(H5Tcreate(H5T_COMPOUND, row_size(columns)), H5Tclose, "cannot create the " + table + " row type");
  std::size_t offset = 0;
  for (const auto& c : columns) {
    const hid_t file_types[] = {H5T_STD_I64LE, H5T_STD_I32LE, H5T_IEEE_F64LE, str.get()};
    const hid_t memory_types[] = {H5T_NATIVE_INT64, H5T_NATIVE_INT32, H5T_NATIVE_DOUBLE, str.get()};
    const hid_t member = (file_layout ? file_types : memory_types)[c.member.index()];
    const std::string name(c.name);
    hdf5::check(H5Tinsert(type.get(), name.c_str(), offset, member),
                "cannot add field " + name + " to the " + table + " row type");
    offset += field_size<Record>(c.member);
  }
  return type;
}

// Records to packed rows in the memory layout. A string longer than its field is an error, never truncated.
template <class Record>
std::vector<unsigned char> pack(const std::vector<Record>& records, const std::vector<Column<Record>>& columns,
                                const std::string& table) {
  const std::size_t size = row_size(columns);
  std::vector<unsigned char> bytes(records.size() * size, 0);
  for (std::size_t i = 0; i < records.size(); ++i) {
    unsigned char* at = bytes.data() + i * size;
    for (const auto& c : columns) {
      std::visit(
          [&](auto member) {
            const auto& value = records[i].*member;
            if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) {
              if (value.size() > job_string_bytes) {
                throw hdf5::Error(table + " row " + std::to_string(i) + ": " + std::string(c.name) + " '" + value +
                                  "' is longer than " + std::to_string(job_string_bytes) + " bytes");
              }
              std::memcpy(at, value.data(), value.size()); // the rest stays 0: null padding
            } else {
              std::memcpy(at, &value, sizeof value);
            }
          },
          c.member);
      at += field_size<Record>(c.member);
    }
  }
  return bytes;
}

// Packed rows in the memory layout back to records.
template <class Record>
std::vector<Record> unpack(const std::vector<unsigned char>& bytes, std::size_t count,
                           const std::vector<Column<Record>>& columns) {
  const std::size_t size = row_size(columns);
  std::vector<Record> records(count);
  for (std::size_t i = 0; i < count; ++i) {
    const unsigned char* at = bytes.data() + i * size;
    for (const auto& c : columns) {
      std::visit(
          [&](auto member) {
            auto& value = records[i].*member;
            if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) {
              const char* text = reinterpret_cast<const char*>(at);
              value.assign(text, strnlen(text, job_string_bytes));
            } else {
              std::memcpy(&value, at, sizeof value);
            }
          },
          c.member);
      at += field_size<Record>(c.member);
    }
  }
  return records;
}

// The columns of each table, in file order (docs/results-schema.md): /jobs from the metric table (metrics.cpp),
// the others here.
inline const std::vector<Column<JobRecord>>& job_table() {
  static const std::vector<Column<JobRecord>> columns = [] {
    std::vector<Column<JobRecord>> out;
    for (const auto& c : metrics::job_columns())
      out.push_back({c.metric.name, c.member});
    return out;
  }();
  return columns;
}

inline const std::vector<Column<CollectiveRecord>>& collective_table() {
  using C = CollectiveRecord;
  static const std::vector<Column<C>> columns = {
      {"job", &C::job},
      {"op", &C::op},
      {"algorithm", &C::algorithm},
      {"bytes", &C::bytes},
      {"ranks", &C::ranks},
      {"start_s", &C::start_s},
      {"time_s", &C::time_s},
      {"algbw_Bps", &C::algbw_Bps},
      {"busbw_Bps", &C::busbw_Bps},
      {"ideal_s", &C::ideal_s},
      {"nodes", &C::nodes},
      {"racks", &C::racks},
  };
  return columns;
}

inline const std::vector<Column<RequestRecord>>& request_table() {
  using R = RequestRecord;
  static const std::vector<Column<R>> columns = {
      {"id", &R::id},
      {"service", &R::service},
      {"replica", &R::replica},
      {"arrival_s", &R::arrival_s},
      {"start_s", &R::start_s},
      {"first_token_s", &R::first_token_s},
      {"finish_s", &R::finish_s},
      {"status", &R::status},
      {"prompt_tokens", &R::prompt_tokens},
      {"output_tokens", &R::output_tokens},
  };
  return columns;
}

inline const std::vector<Column<EventRecord>>& event_table() {
  using E = EventRecord;
  static const std::vector<Column<E>> columns = {
      {"time_s", &E::time_s}, {"kind", &E::kind},   {"component", &E::component},
      {"job", &E::job},       {"value", &E::value}, {"cause", &E::cause},
  };
  return columns;
}

} // namespace racksim::sim::rows
