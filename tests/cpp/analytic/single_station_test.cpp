// Tests of the single-station formulas against hand-computed textbook values.
#include "tiersim/analytic/single_station.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "error_of.hpp"

namespace tiersim::analytic {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using test_support::error_of;

TEST(ErlangTest, BMatchesTableForFiveServers) {
  // B(5, 3) = 81/736 exactly (recursion in rationals: 3/4, 9/17, 9/26, 27/131, 81/736).
  EXPECT_NEAR(erlang_b(5, 3.0), 81.0 / 736.0, 1e-15);
  EXPECT_NEAR(erlang_b(5, 3.0), 0.1101, 1e-4);
}

TEST(ErlangTest, BIsOneWithNoServersAndZeroWithNoTraffic) {
  EXPECT_DOUBLE_EQ(erlang_b(0, 2.5), 1.0);
  EXPECT_DOUBLE_EQ(erlang_b(4, 0.0), 0.0);
}

TEST(ErlangTest, BStaysAccurateForThousandsOfServers) {
  // Offered load well below capacity blocks almost nothing, with no overflow on the way.
  const double b = erlang_b(5000, 4000.0);
  EXPECT_TRUE(std::isfinite(b));
  EXPECT_GT(b, 0.0);
  EXPECT_LT(b, 1e-10);
}

TEST(ErlangTest, CMatchesClosedFormValues) {
  EXPECT_NEAR(erlang_c(1, 0.7), 0.7, 1e-15);        // M/M/1: P(wait) = rho
  EXPECT_NEAR(erlang_c(2, 1.0), 1.0 / 3.0, 1e-15);  // a^2/2 * 2 / (1 + 1 + 1) = 1/3
  EXPECT_NEAR(erlang_c(3, 2.0), 4.0 / 9.0, 1e-15);
  // Direct sum of the formula on the theory sheet, evaluated in exact rationals.
  EXPECT_NEAR(erlang_c(10, 8.0), 0.40918015079644354, 1e-14);
  EXPECT_NEAR(erlang_c(5, 3.0), 0.23615160349854228, 1e-14);
}

TEST(ErlangTest, CIsOneWhenOverloaded) {
  EXPECT_DOUBLE_EQ(erlang_c(3, 3.0), 1.0);
  EXPECT_DOUBLE_EQ(erlang_c(3, 7.5), 1.0);
}

TEST(MM1Test, ResponseIsFiveAtEightyPercentLoad) {
  const QueueMetrics m = mm1(0.8, 1.0);
  EXPECT_TRUE(m.stable);
  EXPECT_NEAR(m.utilization, 0.8, 1e-15);
  EXPECT_NEAR(m.throughput, 0.8, 1e-15);
  EXPECT_NEAR(m.mean_response, 5.0, 1e-12);
  EXPECT_NEAR(m.mean_wait, 4.0, 1e-12);
  EXPECT_NEAR(m.mean_in_system, 4.0, 1e-12);
  EXPECT_NEAR(m.mean_queue_length, 3.2, 1e-12);
  EXPECT_NEAR(m.prob_wait, 0.8, 1e-15);
  EXPECT_EQ(m.loss_probability, 0.0);
}

TEST(MM1Test, SaturatedQueueReportsInfinityInsteadOfThrowing) {
  for (double lambda : {1.0, 1.5}) {
    const QueueMetrics m = mm1(lambda, 1.0);
    EXPECT_FALSE(m.stable);
    EXPECT_EQ(m.mean_response, kInf);
    EXPECT_EQ(m.mean_wait, kInf);
    EXPECT_EQ(m.mean_in_system, kInf);
    EXPECT_EQ(m.mean_queue_length, kInf);
    EXPECT_DOUBLE_EQ(m.utilization, 1.0);
    EXPECT_DOUBLE_EQ(m.throughput, 1.0);
  }
}

TEST(MM1Test, IdleQueueRespondsInOneServiceTime) {
  const QueueMetrics m = mm1(0.0, 4.0);
  EXPECT_TRUE(m.stable);
  EXPECT_DOUBLE_EQ(m.mean_response, 0.25);
  EXPECT_DOUBLE_EQ(m.mean_in_system, 0.0);
}

TEST(MM1Test, NinetyNinthPercentileIsLn100OverSpareRate) {
  EXPECT_NEAR(mm1_response_quantile(0.8, 1.0, 0.99), 23.025850929940454, 1e-9);
  EXPECT_NEAR(mm1_response_quantile(0.8, 1.0, 0.5), std::log(2.0) / 0.2, 1e-12);
  EXPECT_DOUBLE_EQ(mm1_response_quantile(0.8, 1.0, 0.0), 0.0);
  EXPECT_EQ(mm1_response_quantile(1.0, 1.0, 0.9), kInf);
}

TEST(MMcTest, ThreeServersAtTwoErlangsMatchHandComputation) {
  // a = 2, C(3, 2) = 4/9, W = C/(c mu - lambda) = 4/9, R = 13/9.
  const QueueMetrics m = mmc(2.0, 1.0, 3);
  EXPECT_TRUE(m.stable);
  EXPECT_NEAR(m.utilization, 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(m.prob_wait, 4.0 / 9.0, 1e-14);
  EXPECT_NEAR(m.mean_wait, 4.0 / 9.0, 1e-14);
  EXPECT_NEAR(m.mean_response, 13.0 / 9.0, 1e-14);
  EXPECT_NEAR(m.mean_queue_length, 8.0 / 9.0, 1e-14);
  EXPECT_NEAR(m.mean_in_system, 26.0 / 9.0, 1e-14);
}

TEST(MMcTest, OneServerEqualsMM1) {
  const QueueMetrics a = mmc(0.6, 1.5, 1);
  const QueueMetrics b = mm1(0.6, 1.5);
  EXPECT_DOUBLE_EQ(a.mean_response, b.mean_response);
  EXPECT_DOUBLE_EQ(a.mean_queue_length, b.mean_queue_length);
}

TEST(MMcTest, OverloadedReportsSaturation) {
  const QueueMetrics m = mmc(7.0, 2.0, 3);
  EXPECT_FALSE(m.stable);
  EXPECT_EQ(m.mean_response, kInf);
  EXPECT_DOUBLE_EQ(m.throughput, 6.0);
  EXPECT_DOUBLE_EQ(m.utilization, 1.0);
}

TEST(MM1KTest, TwoPlacesAtHalfLoadMatchBirthDeath) {
  // rho = 1/2: p = (4/7, 2/7, 1/7).
  const QueueMetrics m = mm1k(1.0, 2.0, 2);
  EXPECT_TRUE(m.stable);
  EXPECT_NEAR(m.loss_probability, 1.0 / 7.0, 1e-15);
  EXPECT_NEAR(m.throughput, 6.0 / 7.0, 1e-15);
  EXPECT_NEAR(m.utilization, 3.0 / 7.0, 1e-15);
  EXPECT_NEAR(m.mean_in_system, 4.0 / 7.0, 1e-15);
  EXPECT_NEAR(m.mean_queue_length, 1.0 / 7.0, 1e-15);
  EXPECT_NEAR(m.mean_response, 2.0 / 3.0, 1e-15);
  EXPECT_NEAR(m.mean_wait, 1.0 / 6.0, 1e-15);
  EXPECT_NEAR(m.prob_wait, 1.0 / 3.0, 1e-15);
}

TEST(MM1KTest, LossMatchesTheoryFormula) {
  // P_K = (1 - rho) rho^K / (1 - rho^(K+1)).
  const double rho = 0.9;
  const int k = 10;
  const double pk = (1 - rho) * std::pow(rho, k) / (1 - std::pow(rho, k + 1));
  EXPECT_NEAR(mm1k(0.9, 1.0, k).loss_probability, pk, 1e-14);
}

TEST(MM1KTest, CriticalLoadSpreadsStatesUniformly) {
  const QueueMetrics m = mm1k(3.0, 3.0, 4);
  EXPECT_NEAR(m.loss_probability, 0.2, 1e-15);
  EXPECT_NEAR(m.mean_in_system, 2.0, 1e-14);
}

TEST(MM1KTest, HugeBufferUnderOverloadNeitherOverflowsNorLosesAccuracy) {
  // rho = 2: blocking tends to 1 - 1/rho and throughput to mu.
  const QueueMetrics m = mm1k(2.0, 1.0, 5000);
  EXPECT_NEAR(m.loss_probability, 0.5, 1e-12);
  EXPECT_NEAR(m.throughput, 1.0, 1e-12);
  EXPECT_NEAR(m.mean_in_system, 4999.0, 1e-6);  // K - 1/(rho - 1) in the limit
}

TEST(MM1KTest, HugeBufferUnderLightLoadApproachesMM1) {
  const QueueMetrics a = mm1k(0.5, 1.0, 2000);
  const QueueMetrics b = mm1(0.5, 1.0);
  EXPECT_NEAR(a.mean_response, b.mean_response, 1e-12);
  EXPECT_LT(a.loss_probability, 1e-300);
}

TEST(MMcKTest, LossSystemUsesErlangB) {
  const QueueMetrics m = mmck_loss(3.0, 1.0, 5);
  EXPECT_NEAR(m.loss_probability, 81.0 / 736.0, 1e-15);
  EXPECT_NEAR(m.throughput, 3.0 * (1 - 81.0 / 736.0), 1e-14);
  EXPECT_NEAR(m.mean_in_system, 3.0 * (1 - 81.0 / 736.0), 1e-14);
  EXPECT_DOUBLE_EQ(m.mean_response, 1.0);
  EXPECT_DOUBLE_EQ(m.mean_wait, 0.0);
}

TEST(MMcKTest, NoWaitingRoomEqualsLossSystem) {
  const QueueMetrics a = mmck(3.0, 1.0, 5, 5);
  const QueueMetrics b = mmck_loss(3.0, 1.0, 5);
  EXPECT_NEAR(a.loss_probability, b.loss_probability, 1e-15);
  EXPECT_NEAR(a.mean_in_system, b.mean_in_system, 1e-14);
  EXPECT_NEAR(a.mean_response, 1.0, 1e-14);
  EXPECT_NEAR(a.mean_wait, 0.0, 1e-15);
}

TEST(MMcKTest, LargeBufferApproachesMMc) {
  const QueueMetrics a = mmck(2.0, 1.0, 3, 400);
  const QueueMetrics b = mmc(2.0, 1.0, 3);
  EXPECT_NEAR(a.mean_response, b.mean_response, 1e-12);
  EXPECT_NEAR(a.prob_wait, b.prob_wait, 1e-12);
  EXPECT_NEAR(a.utilization, b.utilization, 1e-12);
}

TEST(MMcKTest, OneServerEqualsMM1K) {
  const QueueMetrics a = mmck(1.3, 1.0, 1, 7);
  const QueueMetrics b = mm1k(1.3, 1.0, 7);
  EXPECT_DOUBLE_EQ(a.loss_probability, b.loss_probability);
  EXPECT_DOUBLE_EQ(a.mean_response, b.mean_response);
}

TEST(MG1Test, ExponentialServiceEqualsMM1) {
  const QueueMetrics a = mg1(0.8, 1.0, 1.0);
  EXPECT_NEAR(a.mean_response, 5.0, 1e-12);
  EXPECT_NEAR(a.mean_wait, 4.0, 1e-12);
}

TEST(MG1Test, DeterministicServiceHalvesTheWait) {
  // M/D/1: W = rho / (2 mu (1 - rho)) = 0.8 / 0.4 = 2.
  const QueueMetrics m = mg1(0.8, 1.0, 0.0);
  EXPECT_NEAR(m.mean_wait, 2.0, 1e-12);
  EXPECT_NEAR(m.mean_response, 3.0, 1e-12);
  EXPECT_NEAR(m.mean_in_system, 2.4, 1e-12);
}

TEST(MG1Test, OverloadedReportsSaturation) {
  const QueueMetrics m = mg1(2.0, 0.5, 4.0);
  EXPECT_FALSE(m.stable);
  EXPECT_EQ(m.mean_wait, kInf);
  EXPECT_DOUBLE_EQ(m.throughput, 2.0);
}

TEST(MG1PSTest, ResponseIsInsensitiveToServiceVariability) {
  const QueueMetrics m = mg1_ps(0.5, 1.0);
  EXPECT_NEAR(m.mean_response, 2.0, 1e-15);
  EXPECT_NEAR(m.mean_in_system, 1.0, 1e-15);
  EXPECT_NEAR(m.mean_wait, 1.0, 1e-15);
  EXPECT_FALSE(mg1_ps(1.0, 1.0).stable);
}

TEST(PriorityTest, OneClassEqualsPollaczekKhinchine) {
  const PriorityResult r = priority_mg1({{0.7, 1.0, 2.5}});
  // E[S^2] = 2.5 means SCV = 1.5.
  EXPECT_NEAR(r.mean_wait[0], mg1(0.7, 1.0, 1.5).mean_wait, 1e-12);
  EXPECT_TRUE(r.stable);
}

TEST(PriorityTest, TwoExponentialClassesMatchCobham) {
  // lambda = 0.3 each, E[S] = 1, E[S^2] = 2: W0 = 0.6, W1 = 0.6/0.7, W2 = 0.6/(0.7*0.4).
  const PriorityResult r = priority_mg1({{0.3, 1.0, 2.0}, {0.3, 1.0, 2.0}});
  EXPECT_NEAR(r.mean_wait[0], 0.6 / 0.7, 1e-14);
  EXPECT_NEAR(r.mean_wait[1], 0.6 / 0.28, 1e-14);
  EXPECT_NEAR(r.mean_response[1], 0.6 / 0.28 + 1.0, 1e-14);
  EXPECT_NEAR(r.total_utilization, 0.6, 1e-15);
  // Conservation: equal service times, so the average wait equals FCFS M/G/1's 1.5.
  EXPECT_NEAR((r.mean_wait[0] + r.mean_wait[1]) / 2, 1.5, 1e-14);
}

TEST(PriorityTest, HighClassKeepsFiniteWaitWhenLowClassSaturates) {
  // Server always busy; class 0 sees residual 1 (exponential) plus its own queue:
  // W = 1 + 0.5 W, so W = 2.
  const PriorityResult r = priority_mg1({{0.5, 1.0, 2.0}, {0.8, 1.0, 2.0}});
  EXPECT_FALSE(r.stable);
  EXPECT_NEAR(r.mean_wait[0], 2.0, 1e-14);
  EXPECT_EQ(r.mean_wait[1], kInf);
  EXPECT_EQ(r.mean_response[1], kInf);
}

TEST(KingmanTest, PoissonExponentialCaseEqualsMM1Wait) {
  EXPECT_NEAR(kingman(0.8, 1.0, 1.0, 1.0), 4.0, 1e-12);
  EXPECT_NEAR(kingman(0.8, 1.0, 0.0, 1.0), 2.0, 1e-12);  // M/D/1 is exact too
  EXPECT_EQ(kingman(1.0, 1.0, 1.0, 1.0), kInf);
}

TEST(SingleStationErrorsTest, NamesTheParameterAndValue) {
  EXPECT_EQ(error_of([] { mmc(1.0, 2.0, 0); }), "mmc: c = 0 is invalid; expected an integer >= 1");
  EXPECT_EQ(error_of([] { mm1(-1.0, 2.0); }),
            "mm1: lambda = -1 is invalid; expected a finite number >= 0");
  EXPECT_EQ(error_of([] { mm1(1.0, 0.0); }),
            "mm1: mu = 0 is invalid; expected a finite number > 0");
  EXPECT_EQ(error_of([] { mmck(1.0, 1.0, 3, 2); }),
            "mmck: K = 2 is invalid; expected an integer >= c = 3");
  EXPECT_EQ(error_of([] { mm1k(1.0, 1.0, 0); }),
            "mm1k: K = 0 is invalid; expected an integer >= 1");
  EXPECT_EQ(error_of([] { mm1_response_quantile(0.5, 1.0, 1.0); }),
            "mm1_response_quantile: p = 1 is invalid; expected a number in [0, 1)");
}

TEST(SingleStationErrorsTest, RejectsNaNAndInfinity) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(mm1(nan, 1.0), std::invalid_argument);
  EXPECT_THROW(mmc(1.0, kInf, 2), std::invalid_argument);
  EXPECT_THROW(mg1(0.5, 1.0, nan), std::invalid_argument);
  EXPECT_THROW(mg1_ps(0.5, -1.0), std::invalid_argument);
  EXPECT_THROW(erlang_b(-1, 1.0), std::invalid_argument);
  EXPECT_THROW(erlang_c(0, 1.0), std::invalid_argument);
  EXPECT_THROW(kingman(0.5, -1.0, 1.0, 1.0), std::invalid_argument);
  EXPECT_THROW(mm1_response_quantile(0.5, 1.0, nan), std::invalid_argument);
}

TEST(SingleStationErrorsTest, PriorityRejectsImpossibleMomentsAndNoClasses) {
  EXPECT_THROW(priority_mg1({}), std::invalid_argument);
  EXPECT_EQ(error_of([] {
              priority_mg1({{0.1, 1.0, 2.0}, {0.1, 2.0, 3.0}});
            }),
            "priority_mg1: classes[1].second_moment = 3 is invalid; expected a finite number "
            ">= mean^2");
  // Deterministic service (E[S^2] = E[S]^2) is allowed.
  EXPECT_NO_THROW(priority_mg1({{0.1, 0.3, 0.3 * 0.3}}));
}

}  // namespace
}  // namespace tiersim::analytic
