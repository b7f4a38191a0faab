// Quantiles from the octave-binned response histogram.
#include "tiersim/stats/response_histogram.hpp"

#include <algorithm>

namespace tiersim {

ResponseHistogram::ResponseHistogram()
    : hist_(boost::histogram::make_histogram_with(std::vector<std::uint64_t>(), OctaveAxis())) {}

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
  const auto& axis = hist_.axis();
  // Underflow holds values below 2^-30 (zero times): they read as 0.
  double cum = static_cast<double>(hist_.at(-1));
  if (cum >= target && cum > 0) return 0;
  for (int i = 0; i < OctaveAxis::kBins; ++i) {
    const auto c = static_cast<double>(hist_.at(i));
    if (c > 0 && cum + c >= target) {
      double lo = axis.value(i), hi = axis.value(i + 1);
      return std::min(max_, lo + (hi - lo) * (target - cum) / c);
    }
    cum += c;
  }
  return max_;  // the overflow bin
}

}  // namespace tiersim
