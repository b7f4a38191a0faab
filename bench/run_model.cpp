// tiersim_run: runs a JSON model from C++ alone and prints the results JSON and
// the wall time, so a run started from Python can be compared with the same
// run without Python (bench/python_overhead.py).
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tiersim/model/model.hpp"
#include "tiersim/sim/experiment.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: tiersim_run MODEL.json [OVERRIDES_JSON]\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "tiersim_run: error: cannot read " << argv[1] << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    auto t0 = std::chrono::steady_clock::now();
    tiersim::ExperimentResult r = tiersim::run_json(text.str(), argc > 2 ? argv[2] : "{}");
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto doc = tiersim::to_json(r);
    doc["cpp_wall_seconds"] = wall;
    std::cout << doc.dump() << "\n";
  } catch (const tiersim::ModelError& e) {
    std::cerr << "tiersim_run: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
