// Response-time histogram with bounded relative error: log-spaced bins from
// Boost.Histogram, constant memory whatever the run length.
#pragma once

#include <boost/histogram.hpp>
#include <cstdint>

namespace tiersim {

class ResponseHistogram {
 public:
  /// Bins cover [kLow, kHigh) time units; each bin spans a factor of about 1.0116,
  /// so a quantile is off by at most ~0.6% (relative) of its true value.
  static constexpr double kLow = 1e-9;
  static constexpr double kHigh = 1e9;
  static constexpr unsigned kBins = 3600;

  ResponseHistogram();

  void add(double x) {
    hist_(x);
    ++count_;
    if (x > max_) max_ = x;
  }
  void merge(const ResponseHistogram& other);
  void reset();

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] double max() const noexcept { return max_; }
  /// The p-quantile (0 < p < 1), interpolated geometrically inside its bin; 0 when empty.
  [[nodiscard]] double quantile(double p) const;

 private:
  using Axis = boost::histogram::axis::regular<double, boost::histogram::axis::transform::log>;
  using Hist = decltype(boost::histogram::make_histogram(std::declval<Axis>()));
  Hist hist_;
  std::uint64_t count_ = 0;
  double max_ = 0;
};

}  // namespace tiersim
