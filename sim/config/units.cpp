#include "sim/config/units.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <span>
#include <system_error>
#include <tuple>
#include <vector>

namespace racksim::sim {
namespace {

struct Unit {
  std::string_view name;
  int pow10;         // one unit = multiplier x 10^pow10 base units (s, B, B/s, FLOP/s)
  double multiplier; // exact: 1, 1/8 (bits), 60, 3600, 86400, powers of 1024
  bool listed;       // shown in error messages and used by format_quantity; aliases ("GB/s") are not
};

// Decimal prefixes are applied to the decimal text, not as a multiplication by an inexact 1e-9, so "700ns" is
// the double nearest to 7e-7, exactly as the literal 700e-9 is. Table order is the order in error messages.
constexpr std::array time_units{
    Unit{"s", 0, 1, true},    Unit{"ms", -3, 1, true},  Unit{"us", -6, 1, true},   Unit{"ns", -9, 1, true},
    Unit{"min", 0, 60, true}, Unit{"h", 0, 3600, true}, Unit{"d", 0, 86400, true},
};

constexpr double kib = 1024.0;
constexpr double mib = kib * kib;
constexpr double gib = mib * kib;
constexpr double tib = gib * kib;
constexpr double pib = tib * kib;
constexpr std::array size_units{
    Unit{"B", 0, 1, true},     Unit{"KB", 3, 1, true},    Unit{"MB", 6, 1, true},    Unit{"GB", 9, 1, true},
    Unit{"TB", 12, 1, true},   Unit{"PB", 15, 1, true},   Unit{"KiB", 0, kib, true}, Unit{"MiB", 0, mib, true},
    Unit{"GiB", 0, gib, true}, Unit{"TiB", 0, tib, true}, Unit{"PiB", 0, pib, true},
};

// Bits per second: the decimal prefix, then a division by 8, which is exact in binary floating point.
constexpr double bit = 1.0 / 8;
constexpr std::array bandwidth_units{
    Unit{"bps", 0, bit, true},    Unit{"Kbps", 3, bit, true},   Unit{"Mbps", 6, bit, true},
    Unit{"Gbps", 9, bit, true},   Unit{"Tbps", 12, bit, true},  Unit{"Bps", 0, 1, true},
    Unit{"KBps", 3, 1, true},     Unit{"MBps", 6, 1, true},     Unit{"GBps", 9, 1, true},
    Unit{"TBps", 12, 1, true},    Unit{"KiBps", 0, kib, true},  Unit{"MiBps", 0, mib, true},
    Unit{"GiBps", 0, gib, true},  Unit{"TiBps", 0, tib, true},  Unit{"b/s", 0, bit, false},
    Unit{"Kb/s", 3, bit, false},  Unit{"Mb/s", 6, bit, false},  Unit{"Gb/s", 9, bit, false},
    Unit{"Tb/s", 12, bit, false}, Unit{"B/s", 0, 1, false},     Unit{"KB/s", 3, 1, false},
    Unit{"MB/s", 6, 1, false},    Unit{"GB/s", 9, 1, false},    Unit{"TB/s", 12, 1, false},
    Unit{"KiB/s", 0, kib, false}, Unit{"MiB/s", 0, mib, false}, Unit{"GiB/s", 0, gib, false},
    Unit{"TiB/s", 0, tib, false},
};

constexpr std::array flops_units{
    Unit{"FLOPS", 0, 1, true},     Unit{"KFLOPS", 3, 1, true},    Unit{"MFLOPS", 6, 1, true},
    Unit{"GFLOPS", 9, 1, true},    Unit{"TFLOPS", 12, 1, true},   Unit{"PFLOPS", 15, 1, true},
    Unit{"EFLOPS", 18, 1, true},   Unit{"FLOP/s", 0, 1, false},   Unit{"KFLOP/s", 3, 1, false},
    Unit{"MFLOP/s", 6, 1, false},  Unit{"GFLOP/s", 9, 1, false},  Unit{"TFLOP/s", 12, 1, false},
    Unit{"PFLOP/s", 15, 1, false}, Unit{"EFLOP/s", 18, 1, false},
};

constexpr std::array power_units{Unit{"W", 0, 1, true}, Unit{"kW", 3, 1, true}, Unit{"MW", 6, 1, true}};

// Energy prices, in US dollars per kWh ("$/MWh" is a thousandth of that).
constexpr std::array price_units{Unit{"$/kWh", 0, 1, true}, Unit{"$/MWh", -3, 1, false}};

constexpr std::array all_dimensions{Dimension::time,  Dimension::size,  Dimension::bandwidth,
                                    Dimension::flops, Dimension::power, Dimension::price};

std::span<const Unit> units_of(Dimension dim) {
  switch (dim) {
  case Dimension::time:
    return time_units;
  case Dimension::size:
    return size_units;
  case Dimension::bandwidth:
    return bandwidth_units;
  case Dimension::flops:
    return flops_units;
  case Dimension::power:
    return power_units;
  case Dimension::price:
    return price_units;
  }
  return {};
}

std::string expected(Dimension dim) {
  std::string out = std::string("expected a ") + to_string(dim) + ": " + accepted_units(dim);
  if (dim == Dimension::bandwidth) out += "; 'GB/s'-style spellings are accepted too";
  if (dim == Dimension::flops) out += "; 'TFLOP/s' is accepted too";
  if (dim == Dimension::price) out += "; '$/MWh' is accepted too";
  return out;
}

const Unit* find_unit(std::string_view name, Dimension dim) {
  for (const auto& u : units_of(dim))
    if (u.name == name) return &u;
  return nullptr;
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Length of the longest prefix of s that matches the number grammar; 0 when there is none.
std::size_t number_prefix(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < s.size() && is_digit(s[i]))
    ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i]))
      ++i, ++digits;
  }
  if (digits == 0) return 0;
  // An exponent only counts when digits follow, so "5e" is the number 5 followed by the (unknown) unit "e".
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (j < s.size() && is_digit(s[j])) {
      while (j < s.size() && is_digit(s[j]))
        ++j;
      i = j;
    }
  }
  return i;
}

// The number written in text (which matches the grammar) times 10^shift, correctly rounded: the shift is added
// to the decimal exponent before conversion.
std::optional<double> shifted_decimal(std::string_view text, int shift) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  std::string_view significand = text;
  long exponent = 0;
  if (const auto e = text.find_first_of("eE"); e != std::string_view::npos) {
    significand = text.substr(0, e);
    std::string_view exp_text = text.substr(e + 1);
    if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
    const auto [end, ec] = std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
    if (ec != std::errc{} || end != exp_text.data() + exp_text.size()) return std::nullopt;
  }
  const std::string composed = std::string(significand) + "e" + std::to_string(exponent + shift);
  double value = 0;
  const auto [end, ec] = std::from_chars(composed.data(), composed.data() + composed.size(), value);
  if (ec != std::errc{} || end != composed.data() + composed.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

} // namespace

const char* to_string(Dimension dim) {
  switch (dim) {
  case Dimension::time:
    return "time";
  case Dimension::size:
    return "size";
  case Dimension::bandwidth:
    return "bandwidth";
  case Dimension::flops:
    return "compute rate";
  case Dimension::power:
    return "power";
  case Dimension::price:
    return "price";
  }
  return "?";
}

std::string accepted_units(Dimension dim) {
  std::string out;
  for (const auto& u : units_of(dim))
    if (u.listed) out += (out.empty() ? "" : ", ") + std::string(u.name);
  return out;
}

std::optional<double> parse_number(std::string_view text) {
  const std::size_t n = number_prefix(text);
  if (n == 0 || n != text.size()) return std::nullopt;
  // from_chars rejects a leading '+'; the grammar allows it.
  std::string_view digits = text.front() == '+' ? text.substr(1) : text;
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<double> parse_number_or_percent(std::string_view text, bool* percent) {
  const auto blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && blank(text.back()))
    text.remove_suffix(1);
  const bool pct = !text.empty() && text.back() == '%';
  if (percent) *percent = pct;
  if (pct) text.remove_suffix(1);
  while (!text.empty() && blank(text.back())) // "50 %"
    text.remove_suffix(1);
  const auto number = parse_number(text);
  if (!number) return std::nullopt;
  return pct ? *number / 100 : *number;
}

std::string format_number(double value) {
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  if (ec != std::errc{}) return "nan";
  return std::string(buf.data(), end);
}

double parse_quantity(std::string_view text, Dimension dim) {
  const std::string quoted = "'" + std::string(text) + "'";
  const std::string_view s = trim(text);
  if (s.empty()) throw UnitError("empty quantity (" + expected(dim) + ")");
  const std::size_t n = number_prefix(s);
  if (n == 0) throw UnitError(quoted + " does not start with a number (" + expected(dim) + ")");
  const std::string_view unit_text = trim(s.substr(n));
  if (unit_text.empty()) throw UnitError("missing unit in " + quoted + " (" + expected(dim) + ")");
  const auto number = parse_number(s.substr(0, n));
  if (!number) throw UnitError("number out of range in " + quoted);

  if (const Unit* unit = find_unit(unit_text, dim)) {
    const auto scaled = shifted_decimal(s.substr(0, n), unit->pow10);
    const double value = scaled ? *scaled * unit->multiplier : 0;
    if (!scaled || !std::isfinite(value)) throw UnitError("value out of range in " + quoted);
    return value;
  }
  for (const Dimension other : all_dimensions)
    if (other != dim && find_unit(unit_text, other))
      throw UnitError(quoted + " is a " + std::string(to_string(other)) + ", expected a " + to_string(dim) + " (" +
                      accepted_units(dim) + ")");

  // Units are case-sensitive on purpose (Gbps and GBps differ by 8x), so a case slip gets a hint, not a guess.
  std::string hint;
  for (const auto& u : units_of(dim))
    if (u.listed && lower(u.name) == lower(unit_text))
      hint += (hint.empty() ? "'" : " or '") + std::string(u.name) + "'";
  if (!hint.empty()) hint = "; did you mean " + hint + "? units are case-sensitive";
  throw UnitError("unknown unit '" + std::string(unit_text) + "' in " + quoted + " (" + expected(dim) + hint + ")");
}

std::string format_quantity(double value, Dimension dim) {
  const auto units = units_of(dim);
  const auto base =
      std::find_if(units.begin(), units.end(), [](const Unit& u) { return u.pow10 == 0 && u.multiplier == 1; });
  const std::string fallback = format_number(value) + std::string(base->name);
  if (!std::isfinite(value) || value == 0) return fallback;
  // Readable first: the shortest number ("10min" over "600s"), then a plain integer ("500ns" over "0.5us"), then
  // the larger unit ("50GBps" over "400Gbps"). Only spellings that read back to exactly `value` compete.
  std::string best = fallback;
  std::size_t best_len = format_number(value).size();
  bool best_plain = best.find_first_of(".e") == std::string::npos;
  double best_factor = 1;
  for (const auto& u : units) {
    if (!u.listed) continue;
    const auto shifted = shifted_decimal(format_number(value), -u.pow10);
    if (!shifted) continue;
    const std::string number = format_number(*shifted / u.multiplier);
    const std::string candidate = number + std::string(u.name);
    double back = 0;
    try {
      back = parse_quantity(candidate, dim);
    } catch (const UnitError&) {
      continue;
    }
    if (back != value) continue;
    const bool plain = number.find_first_of(".e") == std::string::npos;
    const double factor = u.multiplier * std::pow(10.0, u.pow10);
    if (std::tuple(number.size(), !plain, -factor) < std::tuple(best_len, !best_plain, -best_factor)) {
      best = candidate;
      best_len = number.size();
      best_plain = plain;
      best_factor = factor;
    }
  }
  return best;
}

} // namespace racksim::sim
