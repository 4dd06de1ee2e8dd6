// The merged sweep file (docs/sweeps.md, "Merged file"): /sweep attributes, the /sweep/index table, and one
// /runs/<name> group per run holding a copy (H5Ocopy) of every root object of that run's results file.

#include "sim/results/results.hpp"
#include "sim/tools/sweep.hpp"

#include "workloads/hdf5_util.hpp"

#include <hdf5.h>

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <set>

namespace racksim::sim::sweep {
namespace {

using hdf5::check;
using hdf5::create_group;
using hdf5::Handle;
using hdf5::link_names;
using hdf5::make_plist;

void write_string_attr(hid_t obj, const char* name, const std::string& value) {
  const Handle type = hdf5::make_vlen_string_type();
  const Handle space = hdf5::make_scalar_space();
  const Handle attr(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                    std::string("cannot create attribute /sweep@") + name);
  const char* p = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &p), std::string("cannot write attribute /sweep@") + name);
}

void write_int_attr(hid_t obj, const char* name, std::int64_t value) {
  const Handle space = hdf5::make_scalar_space();
  const Handle attr(H5Acreate2(obj, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                    std::string("cannot create attribute /sweep@") + name);
  check(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), std::string("cannot write attribute /sweep@") + name);
}

std::string read_string_attr(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) throw hdf5::Error(std::string("/sweep lacks attribute ") + name);
  const Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, std::string("cannot open /sweep@") + name);
  const Handle type = hdf5::make_vlen_string_type();
  char* p = nullptr;
  check(H5Aread(attr.get(), type.get(), &p), std::string("cannot read /sweep@") + name);
  std::string out = p != nullptr ? p : "";
  H5free_memory(p);
  return out;
}

std::int64_t read_int_attr(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) throw hdf5::Error(std::string("/sweep lacks attribute ") + name);
  const Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, std::string("cannot open /sweep@") + name);
  std::int64_t v = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_INT64, &v), std::string("cannot read /sweep@") + name);
  return v;
}

Handle fixed_string(std::size_t bytes) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "cannot create a string type");
  check(H5Tset_size(type.get(), std::max<std::size_t>(bytes, 1)), "cannot size a string type");
  check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "cannot set string padding");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot set a string encoding");
  return type;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v)
    out += (out.empty() ? "" : ",") + s;
  return out;
}

// Attributes are copied by hand, in creation order: H5Ocopy of an object whose attributes are stored densely and
// include variable-length strings crashes HDF5 1.10 (H5A__dense_post_copy_file_all), and /meta is such an object.
void copy_attributes(hid_t src, hid_t dst, const std::string& where) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
    try {
      static_cast<std::vector<std::string>*>(out)->emplace_back(name);
      return 0;
    } catch (...) {
      return -1;
    }
  };
  if (H5Aiterate2(src, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect, &names) < 0) {
    H5Eclear2(H5E_DEFAULT);
    names.clear();
    check(H5Aiterate2(src, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names), "cannot list attributes of " + where);
  }
  for (const auto& n : names) {
    const std::string what = where + "@" + n;
    const Handle a(H5Aopen(src, n.c_str(), H5P_DEFAULT), H5Aclose, "cannot open " + what);
    const Handle type(H5Aget_type(a.get()), H5Tclose, "cannot read the type of " + what);
    const Handle space(H5Aget_space(a.get()), H5Sclose, "cannot read the shape of " + what);
    const hssize_t points = H5Sget_simple_extent_npoints(space.get());
    std::vector<unsigned char> buffer(static_cast<std::size_t>(std::max<hssize_t>(points, 1)) *
                                      H5Tget_size(type.get()));
    check(H5Aread(a.get(), type.get(), buffer.data()), "cannot read " + what);
    const bool vlen = H5Tis_variable_str(type.get()) > 0 || H5Tdetect_class(type.get(), H5T_VLEN) > 0;
    const Handle out(H5Acreate2(dst, n.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                     "cannot create " + what);
    const herr_t written = H5Awrite(out.get(), type.get(), buffer.data());
    if (vlen) H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, buffer.data());
    check(written, "cannot write " + what);
  }
}

// Copies the objects below `src` into `dst` (created by the caller): groups are recreated with their creation
// properties, datasets copied with H5Ocopy (without attributes), attributes by copy_attributes.
void copy_tree(hid_t src, hid_t dst, const std::string& where) {
  copy_attributes(src, dst, where);
  for (const auto& n : link_names(src, where)) {
    const std::string path = where + "/" + n;
    H5O_info_t info;
    check(H5Oget_info_by_name(src, n.c_str(), &info, H5P_DEFAULT), "cannot inspect " + path);
    if (info.type == H5O_TYPE_GROUP) {
      const Handle sg(H5Gopen2(src, n.c_str(), H5P_DEFAULT), H5Gclose, "cannot open " + path);
      const Handle gcpl(H5Gget_create_plist(sg.get()), H5Pclose, "cannot read the properties of " + path);
      const Handle dg(H5Gcreate2(dst, n.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                      "cannot create " + path);
      copy_tree(sg.get(), dg.get(), path);
    } else {
      const Handle ocpypl = make_plist(H5P_OBJECT_COPY);
      check(H5Pset_copy_object(ocpypl.get(), H5O_COPY_WITHOUT_ATTR_FLAG), "cannot set copy options");
      check(H5Ocopy(src, n.c_str(), dst, n.c_str(), ocpypl.get(), H5P_DEFAULT), "cannot copy " + path);
      const Handle so(H5Oopen(src, n.c_str(), H5P_DEFAULT), H5Oclose, "cannot open " + path);
      const Handle d(H5Oopen(dst, n.c_str(), H5P_DEFAULT), H5Oclose, "cannot open the copy of " + path);
      copy_attributes(so.get(), d.get(), path);
    }
  }
}

// Copies every root object of `src_group` in `src_file` into the new group `dst_name` of `dst`.
void copy_run(hid_t dst_runs, const std::string& dst_name, const std::string& src_file, const std::string& src_group) {
  const Handle file(H5Fopen(src_file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open " + src_file);
  const Handle src(H5Gopen2(file.get(), src_group.c_str(), H5P_DEFAULT), H5Gclose,
                   "cannot open " + src_file + ":" + src_group);
  const Handle dst = create_group(dst_runs, dst_name);
  copy_tree(src.get(), dst.get(), src_file + ":" + (src_group == "/" ? "" : src_group));
}

void write_file(const std::string& path, const MergeHeader& header, const std::vector<MergeEntry>& entries) {
  // The summary of each run, for the index's float members (union over runs in first-seen order).
  std::vector<std::vector<std::pair<std::string, double>>> summaries;
  std::vector<std::string> metrics;
  std::set<std::string> known;
  for (const auto& e : entries) {
    summaries.push_back(read_results(e.file, e.group).summary);
    for (const auto& [k, v] : summaries.back())
      if (known.insert(k).second) metrics.push_back(k);
  }

  const Handle fcpl = make_plist(H5P_FILE_CREATE);
  check(H5Pset_obj_track_times(fcpl.get(), false), "cannot disable object timestamps");
  const Handle fapl = make_plist(H5P_FILE_ACCESS);
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), "cannot set the file close degree");
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose, "cannot create " + path);
  {
    const Handle sweep = create_group(file.get(), "sweep");
    write_string_attr(sweep.get(), "name", header.name);
    write_string_attr(sweep.get(), "sweep_yaml", header.sweep_yaml);
    write_string_attr(sweep.get(), "digest", header.digest);
    write_int_attr(sweep.get(), "runs", static_cast<std::int64_t>(entries.size()));
    write_int_attr(sweep.get(), "runs_total", header.runs_total);
    write_string_attr(sweep.get(), "parameters", join(header.parameters));
    write_string_attr(sweep.get(), "shard", header.shard);

    // The index: packed compound, little-endian standard types (the same bytes on every machine).
    std::size_t name_w = 1, status_w = 1;
    std::vector<std::size_t> param_w(header.parameters.size(), 1);
    for (const auto& e : entries) {
      name_w = std::max(name_w, e.name.size());
      status_w = std::max(status_w, e.status.size());
      for (std::size_t i = 0; i < param_w.size() && i < e.parameters.size(); ++i)
        param_w[i] = std::max(param_w[i], e.parameters[i].size());
    }
    std::size_t row = 8 + name_w + 8 + status_w;
    for (auto w : param_w)
      row += w;
    row += 8 * metrics.size();
    const Handle type(H5Tcreate(H5T_COMPOUND, row), H5Tclose, "cannot create the index type");
    std::vector<Handle> strings;
    std::size_t off = 0;
    auto add = [&](const std::string& member, hid_t t, std::size_t size) {
      check(H5Tinsert(type.get(), member.c_str(), off, t), "cannot add index member " + member);
      off += size;
    };
    add("run", H5T_STD_I64LE, 8);
    strings.push_back(fixed_string(name_w));
    add("name", strings.back().get(), name_w);
    add("seed", H5T_STD_I64LE, 8);
    strings.push_back(fixed_string(status_w));
    add("status", strings.back().get(), status_w);
    for (std::size_t i = 0; i < param_w.size(); ++i) {
      strings.push_back(fixed_string(param_w[i]));
      add(header.parameters[i], strings.back().get(), param_w[i]);
    }
    for (const auto& m : metrics)
      add(m, H5T_IEEE_F64LE, 8);

    std::vector<unsigned char> buffer(row * entries.size(), 0);
    for (std::size_t r = 0; r < entries.size(); ++r) {
      unsigned char* p = buffer.data() + r * row;
      const auto& e = entries[r];
      auto put_i64 = [&](std::int64_t v) { // the host is little-endian (checked below); HDF5 converts otherwise
        std::memcpy(p, &v, 8);
        p += 8;
      };
      auto put_str = [&](const std::string& s, std::size_t w) {
        std::memcpy(p, s.data(), std::min(s.size(), w));
        p += w;
      };
      put_i64(e.index);
      put_str(e.name, name_w);
      put_i64(e.seed);
      put_str(e.status, status_w);
      for (std::size_t i = 0; i < param_w.size(); ++i)
        put_str(i < e.parameters.size() ? e.parameters[i] : "", param_w[i]);
      for (const auto& m : metrics) {
        double v = std::numeric_limits<double>::quiet_NaN();
        for (const auto& [k, x] : summaries[r])
          if (k == m) v = x;
        std::memcpy(p, &v, 8);
        p += 8;
      }
    }
    static_assert(std::endian::native == std::endian::little, "the index is written as little-endian bytes");
    const hsize_t n = entries.size();
    const Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose, "cannot create a dataspace");
    const Handle dcpl = make_plist(H5P_DATASET_CREATE);
    check(H5Pset_obj_track_times(dcpl.get(), false), "cannot disable object timestamps");
    const Handle ds(H5Dcreate2(sweep.get(), "index", type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                    H5Dclose, "cannot create /sweep/index");
    if (n > 0)
      check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), "cannot write /sweep/index");
  }
  {
    const Handle runs = create_group(file.get(), "runs");
    for (const auto& e : entries)
      copy_run(runs.get(), e.name, e.file, e.group);
  }
  file.close("cannot close " + path);
}

// A merged file's header and index rows.
struct Input {
  MergeHeader header;
  std::int64_t runs = 0;
  std::vector<MergeEntry> entries;
};

std::string from_fixed(const unsigned char* p, std::size_t n) {
  std::size_t len = 0;
  while (len < n && p[len] != 0)
    ++len;
  return {reinterpret_cast<const char*>(p), len};
}

Input read_input(const std::string& path) {
  Input in;
  if (H5Fis_hdf5(path.c_str()) <= 0) throw hdf5::Error("not an HDF5 file");
  const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open");
  if (H5Lexists(file.get(), "sweep", H5P_DEFAULT) <= 0)
    throw hdf5::Error("not a merged sweep file (no /sweep; `racksim merge` joins the outputs of `racksim sweep`)");
  const Handle g(H5Gopen2(file.get(), "sweep", H5P_DEFAULT), H5Gclose, "cannot open /sweep");
  in.header.name = read_string_attr(g.get(), "name");
  in.header.sweep_yaml = read_string_attr(g.get(), "sweep_yaml");
  in.header.digest = read_string_attr(g.get(), "digest");
  in.header.runs_total = read_int_attr(g.get(), "runs_total");
  in.header.shard = read_string_attr(g.get(), "shard");
  in.runs = read_int_attr(g.get(), "runs");
  const std::string params = read_string_attr(g.get(), "parameters");
  for (std::size_t start = 0; !params.empty() && start <= params.size();) {
    const auto comma = params.find(',', start);
    const auto end = comma == std::string::npos ? params.size() : comma;
    in.header.parameters.push_back(params.substr(start, end - start));
    start = end + 1;
  }
  const Handle ds(H5Dopen2(g.get(), "index", H5P_DEFAULT), H5Dclose, "cannot open /sweep/index");
  const Handle ftype(H5Dget_type(ds.get()), H5Tclose, "cannot read the type of /sweep/index");
  const Handle type(H5Tget_native_type(ftype.get(), H5T_DIR_ASCEND), H5Tclose, "cannot read /sweep/index type");
  const Handle space(H5Dget_space(ds.get()), H5Sclose, "cannot read the shape of /sweep/index");
  hsize_t n = 0;
  check(H5Sget_simple_extent_dims(space.get(), &n, nullptr), "cannot read the shape of /sweep/index");
  const std::size_t row = H5Tget_size(type.get());
  std::vector<unsigned char> buffer(row * n);
  if (n > 0) check(H5Dread(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), "cannot read index");
  auto member = [&](const std::string& m) -> std::pair<std::size_t, std::size_t> {
    const int i = H5Tget_member_index(type.get(), m.c_str());
    if (i < 0) throw hdf5::Error("/sweep/index lacks member " + m);
    const Handle mt(H5Tget_member_type(type.get(), static_cast<unsigned>(i)), H5Tclose, "member type");
    return {H5Tget_member_offset(type.get(), static_cast<unsigned>(i)), H5Tget_size(mt.get())};
  };
  const auto run_m = member("run"), name_m = member("name"), seed_m = member("seed"), status_m = member("status");
  std::vector<std::pair<std::size_t, std::size_t>> param_m;
  for (const auto& p : in.header.parameters)
    param_m.push_back(member(p));
  for (hsize_t r = 0; r < n; ++r) {
    const unsigned char* base = buffer.data() + r * row;
    MergeEntry e;
    std::memcpy(&e.index, base + run_m.first, 8);
    e.name = from_fixed(base + name_m.first, name_m.second);
    std::memcpy(&e.seed, base + seed_m.first, 8);
    e.status = from_fixed(base + status_m.first, status_m.second);
    for (const auto& pm : param_m)
      e.parameters.push_back(from_fixed(base + pm.first, pm.second));
    e.file = path;
    e.group = "/runs/" + e.name;
    in.entries.push_back(std::move(e));
  }
  return in;
}

} // namespace

void write_merged(const std::string& output, const MergeHeader& header, std::vector<MergeEntry> entries) {
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  const std::string tmp = output + ".tmp." + std::to_string(::getpid());
  const hdf5::QuietErrors quiet;
  std::error_code ec;
  try {
    write_file(tmp, header, entries);
  } catch (const std::exception& e) {
    std::filesystem::remove(tmp, ec);
    throw SweepError(output + ": cannot write the merged file: " + e.what());
  }
  if (std::rename(tmp.c_str(), output.c_str()) != 0) {
    std::filesystem::remove(tmp, ec);
    throw SweepError(output + ": cannot rename " + tmp + " into place: " + std::strerror(errno));
  }
}

std::optional<std::vector<MergeEntry>> read_merged_runs(const std::string& path) {
  const hdf5::QuietErrors q;
  try {
    {
      if (H5Fis_hdf5(path.c_str()) <= 0) throw hdf5::Error("not an HDF5 file");
      const Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open");
      if (H5Lexists(file.get(), "sweep", H5P_DEFAULT) <= 0) return std::nullopt;
    }
    return read_input(path).entries;
  } catch (const std::exception& e) {
    throw SweepError(path + ": " + e.what());
  }
}

void merge_files(const std::string& output, const std::vector<std::string>& inputs, bool allow_partial, bool quiet) {
  if (inputs.empty()) throw SweepError("merge: no input files");
  std::vector<Input> all;
  {
    const hdf5::QuietErrors q;
    for (const auto& path : inputs) {
      try {
        all.push_back(read_input(path));
      } catch (const std::exception& e) {
        throw SweepError(path + ": " + e.what());
      }
    }
  }
  const MergeHeader& first = all.front().header;
  std::map<std::int64_t, std::string> seen; // index -> file
  std::vector<MergeEntry> entries;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& h = all[i].header;
    if (h.digest != first.digest || h.runs_total != first.runs_total || h.parameters != first.parameters)
      throw SweepError(inputs[i] + ": from a different sweep than " + inputs[0] + " (digest " + h.digest.substr(0, 12) +
                       " vs " + first.digest.substr(0, 12) + ")");
    for (auto& e : all[i].entries) {
      if (e.index < 0 || e.index >= first.runs_total)
        throw SweepError(inputs[i] + ": run " + e.name + " is outside the sweep's " + std::to_string(first.runs_total) +
                         " runs");
      const auto [it, fresh] = seen.emplace(e.index, inputs[i]);
      if (!fresh) throw SweepError("run " + e.name + " is in both " + it->second + " and " + inputs[i]);
      entries.push_back(std::move(e));
    }
  }
  std::vector<std::string> missing;
  for (std::int64_t r = 0; r < first.runs_total; ++r)
    if (seen.count(r) == 0) missing.push_back(std::to_string(r));
  if (!missing.empty()) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 10; ++i)
      list += (i ? ", " : "") + missing[i];
    if (missing.size() > 10) list += ", ...";
    const std::string what = std::to_string(missing.size()) + " of " + std::to_string(first.runs_total) +
                             " runs missing (indices " + list + ")";
    if (!allow_partial) throw SweepError("merge: " + what + "; merge every shard, or pass --allow-partial");
    if (!quiet) std::cerr << "racksim: warning: merge: " << what << "\n";
  }
  MergeHeader header = first;
  header.shard = "";
  write_merged(output, header, std::move(entries));
  if (!quiet)
    std::cerr << "merge: " << seen.size() << " of " << first.runs_total << " runs from " << inputs.size()
              << " files -> " << output << "\n";
}

} // namespace racksim::sim::sweep
