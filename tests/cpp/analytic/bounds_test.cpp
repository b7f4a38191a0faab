// Tests of the asymptotic bottleneck bounds.
#include "tiersim/analytic/bounds.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <stdexcept>
#include <vector>

#include "tiersim/analytic/mva.hpp"

namespace tiersim::analytic {
namespace {

TEST(BoundsTest, MultiServerStationCountsItsDemandPerServer) {
  // D = 1.0; per-server demands (0.2, 0.25, 0.3): D_max = 0.3 at station 2.
  // N* = (1 + 1)/0.3; X <= min(10/2, 1/0.3); R >= max(1, 10*0.3 - 1) = 2.
  const Bounds b = asymptotic_bounds({0.2, 0.5, 0.3}, {1, 2, 1}, 1.0, 10);
  EXPECT_EQ(b.bottleneck, 2);
  EXPECT_NEAR(b.total_demand, 1.0, 1e-15);
  EXPECT_NEAR(b.max_demand, 0.3, 1e-15);
  EXPECT_NEAR(b.n_star, 2.0 / 0.3, 1e-13);
  EXPECT_NEAR(b.throughput_upper, 1.0 / 0.3, 1e-13);
  EXPECT_NEAR(b.saturation_throughput, 1.0 / 0.3, 1e-13);
  EXPECT_NEAR(b.response_lower, 2.0, 1e-14);
  EXPECT_NEAR(b.throughput_lower, 10.0 / 11.0, 1e-14);
  EXPECT_NEAR(b.response_upper, 10.0, 1e-14);
}

TEST(BoundsTest, LightLoadBoundIsTheThinkLimitedRate) {
  const Bounds b = asymptotic_bounds({0.2, 0.5, 0.3}, {1, 2, 1}, 1.0, 3);
  EXPECT_NEAR(b.throughput_upper, 1.5, 1e-15);  // N/(D+Z) below N*
  EXPECT_NEAR(b.response_lower, 1.0, 1e-15);    // D
}

TEST(BoundsTest, ExactMvaLiesWithinTheBoundsAtEveryPopulation) {
  const std::vector<double> d{0.2, 0.35, 0.1};
  const MvaResult r = exact_mva(d, {false, false, false}, 1.5, 40);
  for (int n = 1; n <= 40; ++n) {
    const Bounds b = asymptotic_bounds(d, {1, 1, 1}, 1.5, n);
    const auto i = static_cast<std::size_t>(n);
    EXPECT_LE(r.throughput[i], b.throughput_upper * (1 + 1e-12)) << n;
    EXPECT_GE(r.throughput[i], b.throughput_lower * (1 - 1e-12)) << n;
    EXPECT_GE(r.response[i], b.response_lower * (1 - 1e-12)) << n;
    EXPECT_LE(r.response[i], b.response_upper * (1 + 1e-12)) << n;
  }
}

TEST(BoundsTest, MultiServerExactSolutionRespectsPerServerBottleneck) {
  const std::vector<double> d{0.6, 0.2};
  const std::vector<int> c{4, 1};
  const MvaResult r = exact_mva_ld(d, c, {false, false}, 0.5, 60);
  const Bounds b = asymptotic_bounds(d, c, 0.5, 60);
  EXPECT_EQ(b.bottleneck, 1);  // 0.6/4 = 0.15 < 0.2
  EXPECT_LE(r.throughput.back(), b.throughput_upper * (1 + 1e-12));
  EXPECT_NEAR(r.throughput.back(), b.throughput_upper, 0.01 * b.throughput_upper);
}

TEST(BoundsTest, OpenSaturationRateIsOneOverLargestPerServerDemand) {
  EXPECT_NEAR(open_saturation_rate({0.2, 0.5, 0.3}, {1, 2, 1}), 1.0 / 0.3, 1e-13);
  EXPECT_NEAR(open_saturation_rate({0.8}, {4}), 5.0, 1e-14);
}

TEST(BoundsTest, RejectsMissingBottleneckAndBadInput) {
  EXPECT_THROW(asymptotic_bounds({0.0, 0.0}, {1, 1}, 1.0, 5), std::invalid_argument);
  EXPECT_THROW(asymptotic_bounds({0.1}, {1, 1}, 1.0, 5), std::invalid_argument);
  EXPECT_THROW(asymptotic_bounds({0.1}, {0}, 1.0, 5), std::invalid_argument);
  EXPECT_THROW(asymptotic_bounds({0.1}, {1}, -1.0, 5), std::invalid_argument);
  EXPECT_THROW(asymptotic_bounds({0.1}, {1}, 1.0, 0), std::invalid_argument);
  EXPECT_THROW(open_saturation_rate({}, {}), std::invalid_argument);
  try {
    asymptotic_bounds({0.1, -2.0}, {1, 1}, 1.0, 5);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "asymptotic_bounds: demands[1] = -2 is invalid; expected a finite time >= 0 s");
  }
}

}  // namespace
}  // namespace tiersim::analytic
