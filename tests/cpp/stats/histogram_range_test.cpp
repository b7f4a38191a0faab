// Issue 18: quantiles the histogram cannot place are unknown (NaN, reported
// as null), never a wrong number; with no values there is no quantile and no
// maximum.
#include <gtest/gtest.h>

#include <cmath>

#include "tiersim/stats/response_histogram.hpp"

namespace tiersim {
namespace {

TEST(HistogramRange, EmptyHasNoQuantileAndNoMaximum) {
  ResponseHistogram h;
  EXPECT_TRUE(std::isnan(h.quantile(0.5)));
  EXPECT_TRUE(std::isnan(h.max()));
}

TEST(HistogramRange, ZeroTimesReadAsZeroButTinyOnesAreUnknown) {
  ResponseHistogram h;
  for (int i = 0; i < 60; ++i) h.add(0.0);
  for (int i = 0; i < 40; ++i) h.add(5e-10);  // below 2^-30: was read as 0
  EXPECT_EQ(h.quantile(0.5), 0.0);
  EXPECT_TRUE(std::isnan(h.quantile(0.9)));
  ResponseHistogram tiny;
  for (int i = 0; i < 100; ++i) tiny.add(5e-10);
  EXPECT_TRUE(std::isnan(tiny.quantile(0.5)));
  EXPECT_DOUBLE_EQ(tiny.max(), 5e-10);
}

TEST(HistogramRange, AboveTheAxisIsUnknownUnlessTheMaximumPinsIt) {
  ResponseHistogram h;
  for (int i = 0; i < 100; ++i) h.add(5.01e9);  // above 2^30: p50 came out 7.99e9
  EXPECT_TRUE(std::isnan(h.quantile(0.5)));
  EXPECT_DOUBLE_EQ(h.max(), 5.01e9);
  ResponseHistogram edge;
  for (int i = 0; i < 100; ++i) edge.add(0x1p30);  // the overflow bin's lower edge itself
  EXPECT_DOUBLE_EQ(edge.quantile(0.5), 0x1p30);
}

TEST(HistogramRange, QuantilesInsideTheAxisAreUnchangedAndMergeKeepsTheTinyCount) {
  ResponseHistogram a, b;
  for (int i = 1; i <= 100; ++i) a.add(i * 0.01);
  for (int i = 0; i < 100; ++i) b.add(1e-12);
  EXPECT_NEAR(a.quantile(0.5), 0.5, 0.5 / 128);
  a.merge(b);
  EXPECT_TRUE(std::isnan(a.quantile(0.25)));  // among the tiny ones
  EXPECT_NEAR(a.quantile(0.75), 0.5, 0.5 / 128);
  a.reset();
  EXPECT_TRUE(std::isnan(a.quantile(0.5)));
}

}  // namespace
}  // namespace tiersim
