#pragma once
// Strict quantities with units in the value: "400Gbps", "1.5us", "80GiB", "12h", "30d". A missing or unknown
// unit is an error; so is a unit of the wrong kind ("10GB" where a bandwidth is expected).

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace racksim::sim {

enum class Dimension {
  time,      // s, ms, us, ns, min, h, d            -> seconds
  size,      // B, KB, MB, GB, TB, KiB, MiB, GiB, TiB -> bytes
  bandwidth, // bps, Kbps, Mbps, Gbps, Tbps (bits/s); Bps, KBps, MBps, GBps, TBps, KiBps, MiBps, GiBps (bytes/s);
             // "GB/s" is read as GBps                -> bytes per second
  flops,     // FLOPS, KFLOPS, MFLOPS, GFLOPS, TFLOPS, PFLOPS (also "TFLOP/s")  -> FLOP per second
  power,     // W, kW, MW                             -> watts
  price      // $/kWh, $/MWh (energy price)           -> US dollars per kWh
};
const char* to_string(Dimension dim);

class UnitError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Throws UnitError with a message that lists the accepted units.
double parse_quantity(std::string_view text, Dimension dim);
// A readable value with a unit that parse_quantity reads back to the same double (used in resolved YAML).
std::string format_quantity(double value, Dimension dim);

// The accepted unit spellings of a dimension, comma-separated, as listed in error messages.
std::string accepted_units(Dimension dim);

// A plain decimal number as the scenario grammar allows it: [+-] digits [. digits] [(e|E) [+-] digits], the
// whole text, nothing else (no "inf", "nan", hex, "1_000"). Empty when the text is not such a number or overflows.
std::optional<double> parse_number(std::string_view text);
// A plain number or a percentage ("50%" -> 0.5, blanks around it ignored); empty as parse_number. `percent` (when
// given) says whether the text was a percentage.
std::optional<double> parse_number_or_percent(std::string_view text, bool* percent = nullptr);
// Shortest text that parse_number reads back to exactly the same double.
std::string format_number(double value);

} // namespace racksim::sim
