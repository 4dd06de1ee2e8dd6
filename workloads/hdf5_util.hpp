#pragma once
// Shared HDF5 plumbing (C API) for racksim's files: the results file (sim/results/results_write.cpp and
// results_read.cpp) and calibration files (workloads/calibration/calibration.cpp). Header-only; include it only
// from .cpp files that link HDF5.
// Errors are thrown as hdf5::Error with a message that lacks the file's path: callers catch it at their API
// boundary and rethrow their own error type with the path in front, so every message names the file once.

#include <hdf5.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace racksim::hdf5 {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// HDF5 prints its whole error stack to stderr by default; racksim reports one line per problem through
// exceptions instead, so printing is off while the guard lives and restored afterwards.
class QuietErrors {
 public:
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// The innermost HDF5 error description (e.g. "name already exists"), which is what a user can act on; the
// error stack is cleared.
inline std::string reason() {
  std::string text;
  auto walk = [](unsigned n, const H5E_error2_t* err, void* out) -> herr_t {
    if (n == 0 && err->desc != nullptr) *static_cast<std::string*>(out) = err->desc;
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk, &text);
  H5Eclear2(H5E_DEFAULT);
  return text;
}

[[noreturn]] inline void fail(const std::string& what) {
  const std::string why = reason();
  throw Error(why.empty() ? what : what + " (" + why + ")");
}

template <typename T>
T check(T status, const std::string& what) {
  if (status < 0) fail(what);
  return status;
}

// Owns one HDF5 identifier and closes it with the matching H5?close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer, const std::string& what) : id_(id), closer_(closer) {
    if (id_ < 0) fail(what);
  }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  // Closes now and reports failure: closing a file is where buffered data reaches the disk.
  void close(const std::string& what) {
    const herr_t status = closer_(std::exchange(id_, H5I_INVALID_HID));
    if (status < 0) fail(what);
  }

 private:
  void reset() {
    if (id_ >= 0) closer_(std::exchange(id_, H5I_INVALID_HID));
  }
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

inline Handle make_plist(hid_t cls) {
  return {H5Pcreate(cls), H5Pclose, "cannot create a property list"};
}
inline Handle make_scalar_space() {
  return {H5Screate(H5S_SCALAR), H5Sclose, "cannot create a dataspace"};
}

// Variable-length UTF-8: h5py reads such attributes as Python str, and long texts live in the global heap
// instead of the 64 KiB attribute header.
inline Handle make_vlen_string_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create a string type");
  check(H5Tset_size(type.get(), H5T_VARIABLE), "cannot size a string type");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot set a string encoding");
  return type;
}

// Object timestamps off and creation order tracked: a file depends only on what is written, and attributes and
// links read back (and list in h5py) in the order they were written.
inline Handle make_group_plist() {
  Handle gcpl = make_plist(H5P_GROUP_CREATE);
  check(H5Pset_obj_track_times(gcpl.get(), false), "cannot disable object timestamps");
  check(H5Pset_attr_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "cannot track attribute order");
  check(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "cannot track link order");
  return gcpl;
}

inline Handle create_group(hid_t parent, const std::string& name) {
  const Handle gcpl = make_group_plist();
  return {H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
          "cannot create group " + name};
}

// The names of a group's links, in creation order when the group tracks it (racksim's files do), else by name.
inline std::vector<std::string> link_names(hid_t group, const std::string& where) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    try {
      static_cast<std::vector<std::string>*>(out)->emplace_back(name);
      return 0;
    } catch (...) {
      return -1;
    }
  };
  if (H5Literate(group, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect, &names) < 0) { // order not tracked
    H5Eclear2(H5E_DEFAULT);
    names.clear();
    check(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names), "cannot list " + where);
  }
  return names;
}

} // namespace racksim::hdf5
