// Shared helpers for the simulation-vs-theory tests: build models as JSON and
// compare estimates with theory inside their confidence intervals.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "tiersim/sim/experiment.hpp"

namespace tiersim::testing {

using nlohmann::json;

inline json exponential(double mean) { return {{"dist", "exponential"}, {"mean", mean}}; }

inline const ClassResult& klass(const ExperimentResult& r, const std::string& name) {
  for (const auto& c : r.classes)
    if (c.name == name) return c;
  throw std::out_of_range("no class " + name);
}
inline const StationResult& station(const ExperimentResult& r, const std::string& name) {
  for (const auto& s : r.stations)
    if (s.name == name) return s;
  throw std::out_of_range("no station " + name);
}

inline ExperimentResult run(const json& model) { return run_json(model.dump()); }

/// Theory must lie within `k` half-widths of the estimate (k = 2 makes a
/// roughly 99.99% interval, so a suite of many checks stays meaningful), and
/// the interval must be narrow (half-width <= max_rel of theory) so a test
/// cannot pass by being vague.
inline ::testing::AssertionResult covers(const Estimate& e, double theory, double k = 2.0,
                                         double max_rel = 0.05) {
  double hw = e.half_width();
  if (!(std::abs(e.mean - theory) <= k * hw))
    return ::testing::AssertionFailure()
           << "estimate " << e.mean << " [" << e.lo << ", " << e.hi << "] misses theory "
           << theory << " (allowed " << k << " half-widths = " << k * hw << ")";
  if (!(hw <= max_rel * std::abs(theory)))
    return ::testing::AssertionFailure() << "interval too wide: half-width " << hw << " > "
                                         << max_rel << " x theory " << theory;
  return ::testing::AssertionSuccess();
}

/// Relative closeness, for quantities without an interval (pooled percentiles).
inline ::testing::AssertionResult near_rel(double value, double theory, double rel) {
  if (std::abs(value - theory) <= rel * std::abs(theory)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << value << " is not within " << rel * 100 << "% of "
                                       << theory;
}

}  // namespace tiersim::testing
