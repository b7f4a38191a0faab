// Histogram quantiles, Student-t intervals and MSER truncation.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/random/exponential_distribution.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "tiersim/random/stream.hpp"
#include "tiersim/stats/confidence.hpp"
#include "tiersim/stats/response_histogram.hpp"

namespace tiersim {
namespace {

TEST(ResponseHistogramTest, QuantilesHaveBoundedRelativeError) {
  ResponseHistogram h;
  // 1..100000 exactly: the p-quantile is p * 100000.
  for (int i = 1; i <= 100000; ++i) h.add(i * 1e-3);
  for (double p : {0.5, 0.9, 0.99, 0.999}) {
    double q = h.quantile(p);
    EXPECT_NEAR(q, p * 100.0, 0.006 * p * 100.0) << p;
  }
  EXPECT_DOUBLE_EQ(h.max(), 100.0);
  EXPECT_EQ(h.count(), 100000u);
}

TEST(ResponseHistogramTest, EveryValueFallsInItsBinOfAtMostOneIn128) {
  OctaveAxis axis;
  RandomEngine eng(11);
  boost::random::exponential_distribution<double> e(1.0);
  for (int i = 0; i < 100000; ++i) {
    // log-uniform over the whole range, plus the exact octave edges
    double x = i % 100 == 0 ? std::ldexp(1.0, i % 60 - 30) : std::exp(e(eng) * 6.0 - 18.0);
    if (x >= 0x1p30) continue;
    auto idx = axis.index(x);
    ASSERT_GE(idx, 0) << x;
    ASSERT_LT(idx, axis.size()) << x;
    double lo = axis.value(idx), hi = axis.value(idx + 1);
    ASSERT_LE(lo, x);
    ASSERT_LT(x, hi);
    ASSERT_LE((hi - lo) / lo, 1.0 / 128 + 1e-15) << x;
  }
  EXPECT_EQ(axis.index(0.0), -1);
  EXPECT_EQ(axis.index(0x1p-31), -1);
  EXPECT_EQ(axis.index(0x1p-30), 0);
  EXPECT_EQ(axis.index(0x1p30), axis.size());
  EXPECT_EQ(axis.index(std::nan("")), -1);
  // Edges outside the bins and bin centres, which Boost may ask for.
  EXPECT_EQ(axis.value(-1), 0.0);
  EXPECT_EQ(axis.value(axis.size() + 1), std::numeric_limits<double>::infinity());
  EXPECT_EQ(axis.value(0), 0x1p-30);
  EXPECT_DOUBLE_EQ(axis.value(0.5), 0x1p-30 * (1 + 0.5 / 128));
  EXPECT_EQ(axis.value(axis.size()), 0x1p30);
}

TEST(ResponseHistogramTest, QuantilesOfASkewedSampleAgreeWithSorting) {
  ResponseHistogram h;
  std::vector<double> xs;
  RandomEngine eng(5);
  boost::random::exponential_distribution<double> e(1.0);
  for (int i = 0; i < 200000; ++i) {
    double x = std::exp(3.0 * e(eng)) * 1e-3;  // Pareto-like tail over several decades
    xs.push_back(x);
    h.add(x);
  }
  std::sort(xs.begin(), xs.end());
  for (double p : {0.1, 0.5, 0.9, 0.99, 0.999}) {
    double exact = xs[static_cast<std::size_t>(p * static_cast<double>(xs.size())) - 1];
    EXPECT_NEAR(h.quantile(p), exact, exact / 128) << p;
  }
}

TEST(ResponseHistogramTest, MergingEqualsAddingEverything) {
  ResponseHistogram a, b, all;
  RandomEngine eng(3);
  boost::random::exponential_distribution<double> e(1.0);
  for (int i = 0; i < 1000; ++i) {
    double x = e(eng), y = e(eng);
    a.add(x);
    b.add(y);
    all.add(x);
    all.add(y);
  }
  a.merge(b);
  EXPECT_DOUBLE_EQ(a.quantile(0.95), all.quantile(0.95));
  EXPECT_EQ(a.count(), all.count());
}

TEST(ResponseHistogramTest, ZeroTimesReadAsZero) {
  ResponseHistogram h;
  for (int i = 0; i < 10; ++i) h.add(0.0);
  h.add(5.0);
  EXPECT_DOUBLE_EQ(h.quantile(0.5), 0.0);
  EXPECT_NEAR(h.quantile(0.99), 5.0, 0.06);
}

TEST(ConfidenceTest, StudentTIntervalMatchesHandComputation) {
  // mean 3, s = sqrt(2.5), n = 5, t_{4,0.975} = 2.7764451
  Estimate e = estimate({1, 2, 3, 4, 5});
  EXPECT_DOUBLE_EQ(e.mean, 3.0);
  EXPECT_NEAR(e.half_width(), 2.7764451 * std::sqrt(2.5) / std::sqrt(5.0), 1e-6);
}

TEST(ConfidenceTest, SkipsNaNAndDegeneratesGracefully) {
  Estimate e = estimate({std::nan(""), 4.0});
  EXPECT_DOUBLE_EQ(e.mean, 4.0);
  EXPECT_DOUBLE_EQ(e.half_width(), 0.0);
  EXPECT_TRUE(std::isnan(estimate({}).mean));
}

TEST(MserTest, CutsAnInitialTransient) {
  std::vector<double> x;
  for (int i = 0; i < 40; ++i) x.push_back(10.0 - i * 0.25);  // decaying bias
  RandomEngine eng(9);
  boost::random::exponential_distribution<double> e(1.0);
  for (int i = 0; i < 400; ++i) x.push_back(e(eng));
  std::size_t d = mser_truncation(x);
  EXPECT_GE(d, 25u);
  EXPECT_LE(d, 60u);
}

TEST(MserTest, KeepsAStationarySeries) {
  std::vector<double> x;
  RandomEngine eng(10);
  boost::random::exponential_distribution<double> e(1.0);
  for (int i = 0; i < 1000; ++i) x.push_back(e(eng));
  EXPECT_LT(mser_truncation(x), 100u);
}

}  // namespace
}  // namespace tiersim
