// Each distribution's sample moments agree with the moments it reports.
#include "tiersim/random/distribution.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace tiersim {
namespace {

struct Moments {
  double mean, var;
};

Moments sample_moments(const Distribution& d, int n, std::uint64_t seed) {
  RandomEngine eng = make_stream(seed, 0, 0);
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    double x = d.sample(eng);
    EXPECT_GE(x, 0.0);
    s += x;
    s2 += x * x;
  }
  double m = s / n;
  return {m, s2 / n - m * m};
}

void expect_moments(const Distribution& d, double mean, double var, double var_tol = 0.04) {
  EXPECT_NEAR(d.mean(), mean, 1e-12 * std::max(1.0, mean)) << d.describe();
  EXPECT_NEAR(d.variance(), var, 1e-9 * std::max(1.0, var)) << d.describe();
  const int n = 400000;
  Moments m = sample_moments(d, n, 99);
  // Mean within 4 standard errors; variance within a relative tolerance.
  double se = std::sqrt(var / n);
  EXPECT_NEAR(m.mean, mean, 4 * se + 1e-12) << d.describe();
  EXPECT_NEAR(m.var, var, var_tol * var + 1e-12) << d.describe();
}

TEST(DistributionTest, DeterministicIsConstant) { expect_moments(Distribution::deterministic(2.5), 2.5, 0); }
TEST(DistributionTest, ExponentialHasScvOne) {
  auto d = Distribution::exponential(2.0);
  expect_moments(d, 2.0, 4.0);
  EXPECT_DOUBLE_EQ(d.scv(), 1.0);
}
TEST(DistributionTest, UniformMoments) { expect_moments(Distribution::uniform(1, 3), 2.0, 4.0 / 12); }
// low == high is allowed; Boost's uniform would assert, or loop forever without assertions.
TEST(DistributionTest, UniformWithEqualBoundsIsThatConstant) {
  expect_moments(Distribution::uniform(0.25, 0.25), 0.25, 0);
  expect_moments(Distribution::uniform(0.25, 0.25).scaled(2), 0.5, 0);
}
TEST(DistributionTest, ErlangHasScvOneOverK) {
  auto d = Distribution::erlang(4, 2.0);
  expect_moments(d, 2.0, 1.0);
  EXPECT_DOUBLE_EQ(d.scv(), 0.25);
}
TEST(DistributionTest, HyperexponentialFitsMeanAndScv) {
  auto d = Distribution::hyperexponential(1.0, 4.0);
  EXPECT_NEAR(d.scv(), 4.0, 1e-12);
  expect_moments(d, 1.0, 4.0, 0.06);
}
TEST(DistributionTest, LognormalFitsMeanAndCv) {
  auto d = Distribution::lognormal(2.0, 0.5);
  expect_moments(d, 2.0, 1.0);
}
TEST(DistributionTest, ParetoWithFiniteVariance) {
  auto d = Distribution::pareto(4.5, 1.0);
  // Heavy tail: the sample variance converges slowly, so allow more.
  expect_moments(d, 1.0, d.variance(), 0.15);
  EXPECT_TRUE(std::isinf(Distribution::pareto(1.5, 1.0).variance()));
}
TEST(DistributionTest, EmpiricalSamplesReproduceTheTrace) {
  auto d = Distribution::empirical_samples({1, 2, 3, 10});
  expect_moments(d, 4.0, (1 + 4 + 9 + 100) / 4.0 - 16);
}
TEST(DistributionTest, EmpiricalCdfIsPiecewiseUniform) {
  auto d = Distribution::empirical_cdf({0, 1, 3}, {0, 0.5, 1});
  // Half uniform on [0,1], half on [1,3]: mean 0.25 + 1 = 1.25, E[X^2] = 1/6 + 13/6.
  expect_moments(d, 1.25, 14.0 / 6 - 1.25 * 1.25);
}
TEST(DistributionTest, ScaledMultipliesEveryMoment) {
  auto d = Distribution::lognormal(2.0, 0.5).scaled(0.5);
  expect_moments(d, 1.0, 0.25);
  expect_moments(Distribution::exponential(1).scaled(3), 3, 9);
}
TEST(DistributionTest, BadParametersNameTheParameter) {
  EXPECT_THROW(Distribution::exponential(-1), std::invalid_argument);
  EXPECT_THROW(Distribution::erlang(0, 1), std::invalid_argument);
  EXPECT_THROW(Distribution::hyperexponential(1, 0.5), std::invalid_argument);
  EXPECT_THROW(Distribution::pareto(1.0, 1), std::invalid_argument);
  EXPECT_THROW(Distribution::empirical_cdf({0, 1}, {0, 0.9}), std::invalid_argument);
  try {
    Distribution::exponential(std::nan(""));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("mean"), std::string::npos) << e.what();
  }
}

TEST(RandomStreamTest, StreamsAreReproducibleAndDistinct) {
  auto a = make_stream(1, 0, 0), b = make_stream(1, 0, 0), c = make_stream(1, 0, 1),
       d = make_stream(1, 1, 0);
  auto x = a();
  EXPECT_EQ(x, b());
  EXPECT_NE(x, c());
  EXPECT_NE(x, d());
}

}  // namespace
}  // namespace tiersim
