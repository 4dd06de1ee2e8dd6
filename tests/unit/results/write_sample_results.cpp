// Writes the sample ResultSet to the path given on the command line, so the Python schema check
// (analysis/check_results.py) can be tested without running the simulator.

#include "sample_results.hpp"

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " OUT.h5\n";
    return 2;
  }
  try {
    racksim::sim::write_results(argv[1], racksim::sim::testing::sample_result_set());
  } catch (const racksim::sim::ResultsError& e) {
    std::cerr << e.what() << '\n';
    return 1;
  }
  return 0;
}
