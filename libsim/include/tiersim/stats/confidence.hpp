// Output analysis: Student-t confidence intervals over independent
// observations (replications or batch means) and MSER-5 warm-up detection.
#pragma once

#include <cstddef>
#include <vector>

#include "tiersim/report/results.hpp"

namespace tiersim {

/// Mean and 95% Student-t interval of the finite values in `obs`; NaN values
/// (a metric with nothing to measure in some observation) are skipped.
Estimate estimate(const std::vector<double>& obs, double level = 0.95);

/// MSER-5 truncation: the number of leading values of `series` (already
/// averaged in blocks of 5) to delete, searched over the first half only.
std::size_t mser_truncation(const std::vector<double>& series);

}  // namespace tiersim
