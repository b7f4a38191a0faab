// Tests of the traffic equations and open Jackson networks.
#include "tiersim/analytic/network.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "tiersim/analytic/single_station.hpp"

namespace tiersim::analytic {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Eigen::MatrixXd matrix(Eigen::Index n, std::initializer_list<double> values) {
  Eigen::MatrixXd m(n, n);
  Eigen::Index i = 0;
  for (double v : values) {
    m(i / n, i % n) = v;
    ++i;
  }
  return m;
}

// Web -> app (0.8, else exit); app -> db 0.5, -> web 0.3 (else exit); db -> app.
// lambda_app = 0.8 lambda_web + lambda_db, lambda_db = 0.5 lambda_app => lambda_app =
// 1.6 lambda_web; lambda_web = 1 + 0.3 * 1.6 lambda_web => lambda_web = 1/0.52.
Eigen::MatrixXd three_tier() {
  return matrix(3, {0.0, 0.8, 0.0,  //
                    0.3, 0.0, 0.5,  //
                    0.0, 1.0, 0.0});
}

TEST(TrafficTest, TandemPassesTheArrivalRateThrough) {
  const Eigen::VectorXd lambda = solve_traffic(matrix(2, {0, 1, 0, 0}), Eigen::Vector2d(1.5, 0));
  EXPECT_NEAR(lambda(0), 1.5, 1e-15);
  EXPECT_NEAR(lambda(1), 1.5, 1e-15);
}

TEST(TrafficTest, FeedbackMultipliesVisits) {
  // Returning with probability 0.75 means 4 visits per job.
  const Eigen::VectorXd lambda = solve_traffic(matrix(1, {0.75}), Eigen::VectorXd::Constant(1, 2));
  EXPECT_NEAR(lambda(0), 8.0, 1e-14);
}

TEST(TrafficTest, ThreeTierNetworkMatchesHandSolution) {
  const Eigen::VectorXd lambda = solve_traffic(three_tier(), Eigen::Vector3d(1, 0, 0));
  EXPECT_NEAR(lambda(0), 1.0 / 0.52, 1e-13);
  EXPECT_NEAR(lambda(1), 1.6 / 0.52, 1e-13);
  EXPECT_NEAR(lambda(2), 0.8 / 0.52, 1e-13);
}

TEST(TrafficTest, UnvisitedStationGetsZeroRate) {
  const Eigen::VectorXd lambda = solve_traffic(matrix(2, {0, 0, 1, 0}), Eigen::Vector2d(1, 0));
  EXPECT_NEAR(lambda(0), 1.0, 1e-15);
  EXPECT_EQ(lambda(1), 0.0);
}

TEST(TrafficTest, ClosedRoutingLoopIsRejected) {
  try {
    solve_traffic(matrix(3, {0, 0.5, 0, 0, 0, 1, 0, 1, 0}), Eigen::Vector3d(1, 0, 0));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("station(s) 1, 2 can never leave"), std::string::npos)
        << e.what();
  }
}

TEST(TrafficTest, RejectsBadShapesAndEntries) {
  EXPECT_THROW(solve_traffic(Eigen::MatrixXd::Zero(2, 3), Eigen::Vector2d(1, 0)),
               std::invalid_argument);
  EXPECT_THROW(solve_traffic(matrix(2, {0, 1, 0, 0}), Eigen::Vector3d(1, 0, 0)),
               std::invalid_argument);
  EXPECT_THROW(solve_traffic(matrix(2, {0, -0.1, 0, 0}), Eigen::Vector2d(1, 0)),
               std::invalid_argument);
  EXPECT_THROW(solve_traffic(matrix(2, {0.6, 0.6, 0, 0}), Eigen::Vector2d(1, 0)),
               std::invalid_argument);
  EXPECT_THROW(solve_traffic(matrix(2, {0, 1, 0, 0}), Eigen::Vector2d(-1, 0)),
               std::invalid_argument);
  EXPECT_THROW(solve_traffic(matrix(2, {0, std::numeric_limits<double>::quiet_NaN(), 0, 0}),
                             Eigen::Vector2d(1, 0)),
               std::invalid_argument);
}

TEST(JacksonTest, TandemOfMM1QueuesAddsResponses) {
  // R = 1/(2 - 1) + 1/(3 - 1) = 1.5.
  const JacksonResult r =
      open_jackson(matrix(2, {0, 1, 0, 0}), Eigen::Vector2d(1, 0), Eigen::Vector2d(2, 3), {1, 1});
  EXPECT_TRUE(r.stable);
  EXPECT_NEAR(r.end_to_end_response, 1.5, 1e-14);
  EXPECT_NEAR(r.utilization(0), 0.5, 1e-15);
  EXPECT_NEAR(r.utilization(1), 1.0 / 3.0, 1e-15);
  EXPECT_NEAR(r.mean_in_network, 1.5, 1e-14);  // Little: gamma R
}

TEST(JacksonTest, ThreeTierUsesMMcPerStationAndVisitRatios) {
  const Eigen::Vector3d mu(4.0, 2.0, 3.0);
  const std::vector<int> servers{1, 3, 1};
  const JacksonResult r = open_jackson(three_tier(), Eigen::Vector3d(1, 0, 0), mu, servers);
  ASSERT_TRUE(r.stable);
  EXPECT_NEAR(r.total_arrival_rate, 1.0, 1e-15);
  EXPECT_NEAR(r.visit_ratio(1), 1.6 / 0.52, 1e-13);
  double expected = 0.0;
  for (int i = 0; i < 3; ++i) {
    const QueueMetrics m = mmc(r.arrival_rate(i), mu(i), servers[static_cast<std::size_t>(i)]);
    EXPECT_NEAR(r.mean_response(i), m.mean_response, 1e-14);
    EXPECT_NEAR(r.utilization(i), m.utilization, 1e-14);
    expected += r.visit_ratio(i) * m.mean_response;
  }
  EXPECT_NEAR(r.end_to_end_response, expected, 1e-13);
  EXPECT_NEAR(r.mean_in_network, r.total_arrival_rate * r.end_to_end_response, 1e-12);
}

TEST(JacksonTest, SaturatedStationMakesNetworkUnstable) {
  const JacksonResult r =
      open_jackson(matrix(2, {0, 1, 0, 0}), Eigen::Vector2d(2, 0), Eigen::Vector2d(3, 1.5), {1, 1});
  EXPECT_FALSE(r.stable);
  EXPECT_TRUE(std::isfinite(r.mean_response(0)));
  EXPECT_EQ(r.mean_response(1), kInf);
  EXPECT_EQ(r.end_to_end_response, kInf);
}

TEST(JacksonTest, UnvisitedStationDoesNotPoisonTheTotal) {
  const JacksonResult r =
      open_jackson(matrix(2, {0, 0, 1, 0}), Eigen::Vector2d(1, 0), Eigen::Vector2d(2, 1), {1, 1});
  EXPECT_TRUE(r.stable);
  EXPECT_NEAR(r.end_to_end_response, 1.0, 1e-15);
  EXPECT_EQ(r.visit_ratio(1), 0.0);
}

TEST(JacksonTest, RejectsBadStationParameters) {
  const Eigen::MatrixXd p = matrix(2, {0, 1, 0, 0});
  EXPECT_THROW(open_jackson(p, Eigen::Vector2d(1, 0), Eigen::Vector3d(1, 1, 1), {1, 1}),
               std::invalid_argument);
  EXPECT_THROW(open_jackson(p, Eigen::Vector2d(1, 0), Eigen::Vector2d(1, 1), {1}),
               std::invalid_argument);
  EXPECT_THROW(open_jackson(p, Eigen::Vector2d(1, 0), Eigen::Vector2d(1, 0), {1, 1}),
               std::invalid_argument);
  EXPECT_THROW(open_jackson(p, Eigen::Vector2d(0, 0), Eigen::Vector2d(1, 1), {1, 1}),
               std::invalid_argument);
  try {
    open_jackson(p, Eigen::Vector2d(1, 0), Eigen::Vector2d(1, 1), {1, 0});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "open_jackson: servers[1] = 0 is invalid; expected an integer >= 1");
  }
}

}  // namespace
}  // namespace tiersim::analytic
