// Asymptotic bottleneck bounds for tiersim::analytic.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tiersim/analytic/bounds.hpp"

namespace tiersim::analytic {
namespace {

template <typename T>
[[noreturn]] void fail(const std::string& fn, const std::string& name, T value,
                       const char* expected) {
  std::ostringstream os;
  os << fn << ": " << name << " = " << value << " is invalid; expected " << expected;
  throw std::invalid_argument(os.str());
}

struct Bottleneck {
  double total = 0.0;  // sum of D_k
  double max = 0.0;    // max of D_k / c_k
  int index = 0;
};

// Validates demands and servers and finds the per-server bottleneck.
Bottleneck find_bottleneck(const std::string& fn, const std::vector<double>& demands,
                           const std::vector<int>& servers) {
  if (servers.size() != demands.size()) {
    std::ostringstream os;
    os << fn << ": servers has " << servers.size() << " entries; expected " << demands.size()
       << " (one per station in demands)";
    throw std::invalid_argument(os.str());
  }
  Bottleneck b;
  for (std::size_t k = 0; k < demands.size(); ++k) {
    const std::string i = "[" + std::to_string(k) + "]";
    if (!std::isfinite(demands[k]) || demands[k] < 0.0) {
      fail(fn, "demands" + i, demands[k], "a finite time >= 0 s");
    }
    if (servers[k] < 1) fail(fn, "servers" + i, servers[k], "an integer >= 1");
    b.total += demands[k];
    const double per_server = demands[k] / servers[k];
    if (per_server > b.max) {
      b.max = per_server;
      b.index = static_cast<int>(k);
    }
  }
  if (!(b.max > 0.0)) {
    throw std::invalid_argument(fn +
                                ": every demand is 0, so there is no bottleneck; expected "
                                "at least one station with positive demand");
  }
  return b;
}

}  // namespace

Bounds asymptotic_bounds(const std::vector<double>& demands, const std::vector<int>& servers,
                         double think, int population) {
  const std::string fn = "asymptotic_bounds";
  const Bottleneck b = find_bottleneck(fn, demands, servers);
  if (!std::isfinite(think) || think < 0.0) fail(fn, "think", think, "a finite time >= 0 s");
  if (population < 1) fail(fn, "population", population, "an integer >= 1");
  const double n = population;
  Bounds r;
  r.total_demand = b.total;
  r.max_demand = b.max;
  r.bottleneck = b.index;
  r.saturation_throughput = 1.0 / b.max;
  r.n_star = (b.total + think) / b.max;
  r.throughput_upper = std::min(n / (b.total + think), r.saturation_throughput);
  r.throughput_lower = n / (n * b.total + think);
  r.response_lower = std::max(b.total, n * b.max - think);
  r.response_upper = n * b.total;
  return r;
}

double open_saturation_rate(const std::vector<double>& demands, const std::vector<int>& servers) {
  return 1.0 / find_bottleneck("open_saturation_rate", demands, servers).max;
}

}  // namespace tiersim::analytic
