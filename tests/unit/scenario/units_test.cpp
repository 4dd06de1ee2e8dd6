// sim/units: every unit, the number grammar, every error message, and exact round-trips of format_quantity.

#include "sim/config/units.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace racksim::sim {
namespace {

std::string unit_error(std::string_view text, Dimension dim) {
  try {
    const double v = parse_quantity(text, dim);
    ADD_FAILURE() << "'" << text << "' parsed as " << v << ", expected a UnitError";
  } catch (const UnitError& e) {
    return e.what();
  }
  return "";
}

struct Case {
  const char* text;
  double value;
};

void expect_all(Dimension dim, const std::vector<Case>& cases) {
  for (const auto& c : cases)
    EXPECT_DOUBLE_EQ(parse_quantity(c.text, dim), c.value) << c.text;
}

TEST(ScenarioUnits, TimeUnits) {
  expect_all(Dimension::time, {{"1ns", 1e-9},
                               {"1us", 1e-6},
                               {"1ms", 1e-3},
                               {"1s", 1},
                               {"1min", 60},
                               {"1h", 3600},
                               {"1d", 86400},
                               {"1.5us", 1.5e-6},
                               {"30d", 30 * 86400.0},
                               {"2.5min", 150}});
  // Exact, not just close: these are the values scenarios compare against.
  EXPECT_EQ(parse_quantity("1us", Dimension::time), 1e-6);
  EXPECT_EQ(parse_quantity("12h", Dimension::time), 43200.0);
}

TEST(ScenarioUnits, SizeUnits) {
  expect_all(Dimension::size, {{"1B", 1},
                               {"1KB", 1e3},
                               {"1MB", 1e6},
                               {"1GB", 1e9},
                               {"1TB", 1e12},
                               {"1PB", 1e15},
                               {"1KiB", 1024},
                               {"1MiB", 1048576},
                               {"1GiB", 1073741824},
                               {"1TiB", 1099511627776.0},
                               {"1PiB", 1125899906842624.0},
                               {"80GiB", 80 * 1073741824.0}});
}

TEST(ScenarioUnits, BandwidthUnitsBitsAreDividedByEight) {
  expect_all(Dimension::bandwidth, {{"8bps", 1},
                                    {"1Kbps", 125},
                                    {"1Mbps", 125e3},
                                    {"1Gbps", 125e6},
                                    {"1Tbps", 125e9},
                                    {"400Gbps", 50e9},
                                    {"1Bps", 1},
                                    {"1KBps", 1e3},
                                    {"1MBps", 1e6},
                                    {"1GBps", 1e9},
                                    {"1TBps", 1e12},
                                    {"1KiBps", 1024},
                                    {"1MiBps", 1048576},
                                    {"1GiBps", 1073741824},
                                    {"1TiBps", 1099511627776.0}});
  EXPECT_EQ(parse_quantity("400Gbps", Dimension::bandwidth), 400e9 / 8);
}

TEST(ScenarioUnits, BandwidthSlashSpellings) {
  expect_all(Dimension::bandwidth, {{"25GB/s", 25e9},
                                    {"100Gb/s", 12.5e9},
                                    {"8b/s", 1},
                                    {"1Kb/s", 125},
                                    {"1Mb/s", 125e3},
                                    {"1Tb/s", 125e9},
                                    {"3B/s", 3},
                                    {"1KB/s", 1e3},
                                    {"1MB/s", 1e6},
                                    {"1TB/s", 1e12},
                                    {"1KiB/s", 1024},
                                    {"1MiB/s", 1048576},
                                    {"2GiB/s", 2147483648.0},
                                    {"1TiB/s", 1099511627776.0}});
}

TEST(ScenarioUnits, FlopsUnits) {
  expect_all(Dimension::flops, {{"1FLOPS", 1},
                                {"1KFLOPS", 1e3},
                                {"1MFLOPS", 1e6},
                                {"1GFLOPS", 1e9},
                                {"1TFLOPS", 1e12},
                                {"1PFLOPS", 1e15},
                                {"1EFLOPS", 1e18},
                                {"989TFLOP/s", 989e12},
                                {"1FLOP/s", 1},
                                {"1KFLOP/s", 1e3},
                                {"1MFLOP/s", 1e6},
                                {"1GFLOP/s", 1e9},
                                {"1PFLOP/s", 1e15},
                                {"1EFLOP/s", 1e18}});
}

TEST(ScenarioUnits, NumberForms) {
  expect_all(Dimension::time, {{"5s", 5},
                               {"5 s", 5},
                               {"5  s", 5},
                               {" 5s ", 5},
                               {"+5s", 5},
                               {"-5s", -5},
                               {"0.5s", 0.5},
                               {".5s", 0.5},
                               {"1e3ms", 1},
                               {"1E3ms", 1},
                               {"1e+3ms", 1},
                               {"2.5e-3s", 2.5e-3},
                               {"0s", 0}});
}

TEST(ScenarioUnits, MissingUnitListsTheAcceptedUnits) {
  const std::string e = unit_error("400", Dimension::bandwidth);
  EXPECT_NE(e.find("missing unit in '400'"), std::string::npos) << e;
  EXPECT_NE(e.find("expected a bandwidth: "), std::string::npos) << e;
  for (const char* u : {"bps", "Kbps", "Gbps", "GBps", "GiBps", "TiBps"})
    EXPECT_NE(e.find(u), std::string::npos) << u;
  EXPECT_NE(e.find("GB/s"), std::string::npos) << "the slash spelling is mentioned: " << e;

  const std::string t = unit_error("0", Dimension::time);
  EXPECT_NE(t.find("missing unit in '0' (expected a time: s, ms, us, ns, min, h, d)"), std::string::npos) << t;
  const std::string s = unit_error("80", Dimension::size);
  EXPECT_NE(s.find("expected a size: B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB, PiB"), std::string::npos) << s;
  const std::string f = unit_error("1", Dimension::flops);
  EXPECT_NE(f.find("FLOPS, KFLOPS"), std::string::npos) << f;
  EXPECT_NE(f.find("TFLOP/s"), std::string::npos) << f;
}

TEST(ScenarioUnits, UnknownUnit) {
  const std::string e = unit_error("400Gbs", Dimension::bandwidth);
  EXPECT_NE(e.find("unknown unit 'Gbs' in '400Gbs'"), std::string::npos) << e;
  EXPECT_NE(e.find("expected a bandwidth: bps"), std::string::npos) << e;
  EXPECT_EQ(e.find("did you mean"), std::string::npos) << e;

  const std::string sec = unit_error("3sec", Dimension::time);
  EXPECT_NE(sec.find("unknown unit 'sec'"), std::string::npos) << sec;
  const std::string hex = unit_error("0x10s", Dimension::time);
  EXPECT_NE(hex.find("unknown unit 'x10s'"), std::string::npos) << hex;
  const std::string comma = unit_error("1,5s", Dimension::time);
  EXPECT_NE(comma.find("unknown unit ',5s'"), std::string::npos) << comma;
  // "5e" is 5 with the unit "e" (an exponent needs digits).
  const std::string e_unit = unit_error("5e", Dimension::time);
  EXPECT_NE(e_unit.find("unknown unit 'e'"), std::string::npos) << e_unit;
}

TEST(ScenarioUnits, CaseSlipGetsAHintNotAGuess) {
  const std::string e = unit_error("400gbps", Dimension::bandwidth);
  EXPECT_NE(e.find("unknown unit 'gbps'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'Gbps' or 'GBps'?"), std::string::npos) << e;
  EXPECT_NE(e.find("case-sensitive"), std::string::npos) << e;
  const std::string g = unit_error("80gib", Dimension::size);
  EXPECT_NE(g.find("did you mean 'GiB'?"), std::string::npos) << g;
  const std::string ms = unit_error("5MS", Dimension::time);
  EXPECT_NE(ms.find("did you mean 'ms'?"), std::string::npos) << ms;
}

TEST(ScenarioUnits, WrongDimensionNamesBoth) {
  EXPECT_NE(unit_error("10GB", Dimension::bandwidth).find("'10GB' is a size, expected a bandwidth"), std::string::npos);
  EXPECT_NE(unit_error("400Gbps", Dimension::size).find("'400Gbps' is a bandwidth, expected a size"),
            std::string::npos);
  EXPECT_NE(unit_error("5s", Dimension::size).find("'5s' is a time, expected a size (B, KB"), std::string::npos);
  EXPECT_NE(unit_error("1TFLOPS", Dimension::time).find("'1TFLOPS' is a compute rate, expected a time"),
            std::string::npos);
  EXPECT_NE(unit_error("1GB/s", Dimension::time).find("is a bandwidth, expected a time"), std::string::npos);
}

TEST(ScenarioUnits, MalformedNumbers) {
  EXPECT_NE(unit_error("", Dimension::time).find("empty quantity (expected a time"), std::string::npos);
  EXPECT_NE(unit_error("   ", Dimension::time).find("empty quantity"), std::string::npos);
  for (const char* text : {"abc", "s", "inf s", "nans", ".s", "-s", "--5s", "e5s"})
    EXPECT_NE(unit_error(text, Dimension::time).find("does not start with a number"), std::string::npos) << text;
  EXPECT_NE(unit_error("1e999s", Dimension::time).find("number out of range in '1e999s'"), std::string::npos);
  EXPECT_NE(unit_error("1e308d", Dimension::time).find("value out of range in '1e308d'"), std::string::npos);
}

TEST(ScenarioUnits, ParseNumberIsStrict) {
  EXPECT_EQ(parse_number("1"), 1.0);
  EXPECT_EQ(parse_number("-1.5e3"), -1500.0);
  EXPECT_EQ(parse_number("+2"), 2.0);
  EXPECT_EQ(parse_number("0.4"), 0.4);
  EXPECT_EQ(parse_number(".5"), 0.5);
  for (const char* text : {"", " 1", "1 ", "inf", "-inf", "nan", ".inf", "0x1", "1_000", "1e", "1s", "e1", "1e999"})
    EXPECT_FALSE(parse_number(text).has_value()) << "'" << text << "'";
}

TEST(ScenarioUnits, FormatPicksAReadableUnit) {
  EXPECT_EQ(format_quantity(400e9 / 8, Dimension::bandwidth), "50GBps");
  EXPECT_EQ(format_quantity(1e-6, Dimension::time), "1us");
  EXPECT_EQ(format_quantity(0.5e-6, Dimension::time), "500ns");
  EXPECT_EQ(format_quantity(3600, Dimension::time), "1h");
  EXPECT_EQ(format_quantity(7 * 86400.0, Dimension::time), "7d");
  EXPECT_EQ(format_quantity(600, Dimension::time), "10min");
  EXPECT_EQ(format_quantity(90, Dimension::time), "90s");
  EXPECT_EQ(format_quantity(0, Dimension::time), "0s");
  EXPECT_EQ(format_quantity(0, Dimension::size), "0B");
  EXPECT_EQ(format_quantity(0, Dimension::bandwidth), "0Bps");
  EXPECT_EQ(format_quantity(2.0 * 1024 * 1024 * 1024, Dimension::size), "2GiB");
  EXPECT_EQ(format_quantity(20e9, Dimension::size), "20GB");
  EXPECT_EQ(format_quantity(989e12, Dimension::flops), "989TFLOPS");
  EXPECT_EQ(format_quantity(-1e-6, Dimension::time), "-1us");
}

TEST(ScenarioUnits, FormatRoundTripsExactly) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> mantissa(-10, 10);
  std::uniform_int_distribution<int> exponent(-12, 18);
  for (const Dimension dim : {Dimension::time, Dimension::size, Dimension::bandwidth, Dimension::flops}) {
    std::vector<double> values{0, 1, 1e-9, 1.5e-6, 0.1, 1.0 / 3, 400e9 / 8, 1e300, -7.25, 5e-324, 123456789.123};
    for (int i = 0; i < 2000; ++i)
      values.push_back(mantissa(rng) * std::pow(10.0, exponent(rng)));
    for (const double v : values) {
      const std::string text = format_quantity(v, dim);
      EXPECT_EQ(parse_quantity(text, dim), v) << text << " in " << to_string(dim);
    }
  }
}

TEST(ScenarioUnits, FormatNumberIsShortestExact) {
  EXPECT_EQ(format_number(0.4), "0.4");
  EXPECT_EQ(format_number(1), "1");
  EXPECT_EQ(format_number(1e-6), "1e-06");
  EXPECT_EQ(parse_number(format_number(1.0 / 3)), 1.0 / 3);
}

TEST(ScenarioUnits, DimensionNamesAndUnitLists) {
  EXPECT_STREQ(to_string(Dimension::time), "time");
  EXPECT_STREQ(to_string(Dimension::size), "size");
  EXPECT_STREQ(to_string(Dimension::bandwidth), "bandwidth");
  EXPECT_STREQ(to_string(Dimension::flops), "compute rate");
  EXPECT_EQ(accepted_units(Dimension::time), "s, ms, us, ns, min, h, d");
}

} // namespace
} // namespace racksim::sim
