// Quantiles from the log-binned response histogram.
#include "tiersim/stats/response_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace tiersim {

ResponseHistogram::ResponseHistogram()
    : hist_(boost::histogram::make_histogram(Axis(kBins, kLow, kHigh))) {}

void ResponseHistogram::merge(const ResponseHistogram& other) {
  hist_ += other.hist_;
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

void ResponseHistogram::reset() {
  hist_.reset();
  count_ = 0;
  max_ = 0;
}

double ResponseHistogram::quantile(double p) const {
  if (count_ == 0) return 0;
  const double target = p * static_cast<double>(count_);
  double cum = 0;
  const auto& axis = hist_.axis();
  // Underflow holds values below kLow (zero times): they read as 0.
  cum += hist_.at(-1);
  if (cum >= target && cum > 0) return 0;
  for (int i = 0; i < static_cast<int>(kBins); ++i) {
    double c = hist_.at(i);
    if (c > 0 && cum + c >= target) {
      double lo = axis.value(i), hi = axis.value(i + 1);
      double frac = (target - cum) / c;
      return std::min(max_, lo * std::pow(hi / lo, frac));
    }
    cum += c;
  }
  return max_;  // the overflow bin
}

}  // namespace tiersim
