// Quantiles from the octave-binned response histogram.
#include "tiersim/stats/response_histogram.hpp"

#include <algorithm>
#include <limits>

namespace tiersim {

ResponseHistogram::ResponseHistogram()
    : hist_(boost::histogram::make_histogram_with(std::vector<std::uint64_t>(), OctaveAxis())) {}

void ResponseHistogram::merge(const ResponseHistogram& other) {
  hist_ += other.hist_;
  count_ += other.count_;
  tiny_ += other.tiny_;
  max_ = std::max(max_, other.max_);
}

void ResponseHistogram::reset() {
  hist_.reset();
  count_ = 0;
  tiny_ = 0;
  max_ = 0;
}

double ResponseHistogram::quantile(double p) const {
  constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
  if (count_ == 0) return kUnknown;
  const double target = p * static_cast<double>(count_);
  const auto& axis = hist_.axis();
  // Underflow: the zero times first (they read as exactly 0), then the tiny
  // positive ones, whose quantiles the axis cannot place.
  const auto under = static_cast<double>(hist_.at(-1));
  const double zeros = under - static_cast<double>(tiny_);
  if (zeros >= target && zeros > 0) return 0;
  if (under >= target && under > 0) return kUnknown;
  double cum = under;
  for (int i = 0; i < OctaveAxis::kBins; ++i) {
    const auto c = static_cast<double>(hist_.at(i));
    if (c > 0 && cum + c >= target) {
      double lo = axis.value(i), hi = axis.value(i + 1);
      return std::min(max_, lo + (hi - lo) * (target - cum) / c);
    }
    cum += c;
  }
  // The overflow bin spans [2^30, max]: known to within a bin only when the
  // maximum is that close to its lower edge.
  const double top = axis.value(OctaveAxis::kBins);
  const double width = top / (1 << OctaveAxis::kSubBits);
  return max_ <= top + width ? max_ : kUnknown;
}

}  // namespace tiersim
