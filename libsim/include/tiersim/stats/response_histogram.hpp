// Response-time histogram with bounded relative error: Boost.Histogram over
// an axis of octaves cut into equal sub-bins, constant memory whatever the
// run length.
#pragma once

#include <bit>
#include <boost/histogram.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace tiersim {

/// Bins a positive time by its binary exponent and the top mantissa bits:
/// each octave [2^e, 2^(e+1)) is cut into 2^kSubBits equal bins. The index is
/// a shift of the value's bit pattern, so filling costs no logarithm (a `log`
/// per completion was the dearest statistic on the engine's path).
class OctaveAxis {
 public:
  static constexpr int kSubBits = 7;        ///< 128 bins per octave: width <= 1/128 of the value
  static constexpr int kMinExponent = -30;  ///< lowest edge 2^-30 ~ 0.93e-9
  static constexpr int kMaxExponent = 30;   ///< highest edge 2^30 ~ 1.07e9
  static constexpr int kBins = (kMaxExponent - kMinExponent) << kSubBits;

  /// Values below 2^-30 (zero times) go to underflow, from 2^30 to overflow.
  static constexpr unsigned options() noexcept {
    return boost::histogram::axis::option::underflow_t::value |
           boost::histogram::axis::option::overflow_t::value;
  }

  [[nodiscard]] boost::histogram::axis::index_type index(double x) const noexcept {
    if (!(x >= kLowest)) return -1;  // also NaN
    if (x >= kHighest) return kBins;
    return static_cast<boost::histogram::axis::index_type>(
        (std::bit_cast<std::uint64_t>(x) >> kShift) - kFirst);
  }
  [[nodiscard]] boost::histogram::axis::index_type size() const noexcept { return kBins; }
  /// The value at real bin position `i`: bin k spans [value(k), value(k + 1)),
  /// linear inside (Boost asks for centres at k + 0.5). Below bin 0 is the
  /// underflow of times under 2^-30, from 0; past the last edge, infinity.
  [[nodiscard]] double value(double i) const noexcept {
    if (!(i >= 0)) return 0.0;
    if (i > kBins) return std::numeric_limits<double>::infinity();
    const double k = std::floor(i);
    const double lo = edge(static_cast<std::uint64_t>(k));
    return i == k ? lo : lo + (edge(static_cast<std::uint64_t>(k) + 1) - lo) * (i - k);
  }
  bool operator==(const OctaveAxis&) const noexcept { return true; }
  bool operator!=(const OctaveAxis&) const noexcept { return false; }

 private:
  [[nodiscard]] static double edge(std::uint64_t k) noexcept {
    return std::bit_cast<double>((k + kFirst) << kShift);
  }

  static constexpr int kShift = 52 - kSubBits;
  static constexpr std::uint64_t kFirst = static_cast<std::uint64_t>(1023 + kMinExponent)
                                          << kSubBits;
  static constexpr double kLowest = 0x1p-30;
  static constexpr double kHighest = 0x1p30;
};

class ResponseHistogram {
 public:
  ResponseHistogram();

  void add(double x) {
    hist_(x);
    ++count_;
    if (x > max_) max_ = x;
    // Positive but below the axis: counted apart from zero times (zero
    // responses are common; a quantile among these tiny ones is not known).
    if (x > 0 && x < 0x1p-30) [[unlikely]]
      ++tiny_;
  }
  void merge(const ResponseHistogram& other);
  void reset();

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  /// The largest value added; NaN (reported as null) when empty.
  [[nodiscard]] double max() const noexcept {
    return count_ > 0 ? max_ : std::numeric_limits<double>::quiet_NaN();
  }
  /// The p-quantile (0 < p < 1), interpolated linearly inside its bin (bins
  /// are at most 1/128 of their value wide). NaN (reported as null) when
  /// empty, or when it falls outside the axis where the error bound cannot
  /// be kept: among positive values below 2^-30, or above 2^30 unless the
  /// maximum is within one bin of 2^30. Exactly 0 when it falls among zeros.
  [[nodiscard]] double quantile(double p) const;

 private:
  using Hist =
      decltype(boost::histogram::make_histogram_with(std::vector<std::uint64_t>(), OctaveAxis()));
  Hist hist_;
  std::uint64_t count_ = 0;
  std::uint64_t tiny_ = 0;  // values in (0, 2^-30): in the underflow bin with the zeros
  double max_ = 0;
};

}  // namespace tiersim
