// Open networks against Jackson's theorem; Little's law on every station.
#include <Eigen/Dense>

#include "tiersim/analytic/network.hpp"
#include "validation_support.hpp"

namespace tiersim::testing {
namespace {

// Stations a (2 servers), b, c. From a: half to b, half to c; from b: 20% back to a.
json feedback_network() {
  return {{"name", "jackson"},
          {"run", {{"until", 30000}, {"warmup", 500}, {"replications", 10}, {"seed", 101}}},
          {"stations",
           {{{"name", "a"}, {"servers", 2}}, {{"name", "b"}}, {{"name", "c"}}}},
          {"classes",
           {{{"name", "jobs"},
             {"interarrival", exponential(1.0)},
             {"steps",
              {{{"visit", "a"},
                {"service", exponential(1 / 0.8)},
                {"next", {{{"to", "b"}, {"p", 0.5}}, {{"to", "c"}, {"p", 0.5}}}}},
               {{"visit", "b"},
                {"service", exponential(1.0)},
                {"next", {{{"to", "a"}, {"p", 0.2}}, {{"to", "exit"}, {"p", 0.8}}}}},
               {{"visit", "c"}, {"service", exponential(1 / 0.8)}, {"next", "exit"}}}}}}}};
}

TEST(JacksonVsTheory, FeedbackNetworkMatchesProductForm) {
  auto r = run(feedback_network());
  Eigen::MatrixXd p = Eigen::MatrixXd::Zero(3, 3);
  p(0, 1) = 0.5;
  p(0, 2) = 0.5;
  p(1, 0) = 0.2;
  Eigen::VectorXd gamma(3), mu(3);
  gamma << 1.0, 0, 0;
  mu << 0.8, 1.0, 0.8;
  auto th = analytic::open_jackson(p, gamma, mu, {2, 1, 1});
  const char* names[] = {"a", "b", "c"};
  for (int i = 0; i < 3; ++i) {
    const auto& s = station(r, names[i]);
    EXPECT_TRUE(covers(s.throughput, th.arrival_rate(i), 2, 0.02)) << names[i];
    EXPECT_TRUE(covers(s.utilization, th.utilization(i), 2, 0.02)) << names[i];
    EXPECT_TRUE(covers(s.mean_response, th.mean_response(i), 2, 0.05)) << names[i];
  }
  EXPECT_TRUE(covers(klass(r, "jobs").response.mean, th.end_to_end_response, 2, 0.05));
  // Visits per request reported by the step breakdown follow the traffic equations.
  const auto& steps = klass(r, "jobs").steps;
  EXPECT_TRUE(near_rel(steps[0].visits, th.visit_ratio(0), 0.01));
  EXPECT_TRUE(near_rel(steps[1].visits, th.visit_ratio(1), 0.01));
}

TEST(JacksonVsTheory, TandemResponseIsTheSumOfMM1Responses) {
  json model = {{"run", {{"until", 30000}, {"warmup", 500}, {"replications", 10}, {"seed", 102}}},
                {"stations", {{{"name", "s1"}}, {{"name", "s2"}}, {{"name", "s3"}}}},
                {"classes",
                 {{{"name", "jobs"},
                   {"interarrival", exponential(2.0)},
                   {"steps",
                    {{{"visit", "s1"}, {"service", exponential(1.0)}},
                     {{"visit", "s2"}, {"service", exponential(1.25)}},
                     {{"visit", "s3"}, {"service", exponential(1 / 0.7)}}}}}}}};
  auto r = run(model);
  const double lambda = 0.5;
  double expected = 1 / (1.0 - lambda) + 1 / (0.8 - lambda) + 1 / (0.7 - lambda);
  EXPECT_TRUE(covers(klass(r, "jobs").response.mean, expected, 2, 0.05));
  EXPECT_TRUE(covers(station(r, "s3").mean_response, 1 / (0.7 - lambda), 2, 0.06));
}

TEST(LittlesLaw, HoldsOnEveryStationAndPool) {
  json model = feedback_network();
  model["pools"] = {{{"name", "slots"}, {"capacity", 3}}};
  auto& steps = model["classes"][0]["steps"];
  // Guard station c by a pool so that pools are checked too.
  steps[2] = {{"id", "c"}, {"acquire", "slots"}};
  steps.push_back({{"id", "c_work"}, {"visit", "c"}, {"service", exponential(1 / 0.8)}});
  steps.push_back({{"release", "slots"}, {"next", "exit"}});
  auto r = run(model);
  for (const auto& s : r.stations) {
    double little = s.throughput.mean * s.mean_response.mean;
    EXPECT_TRUE(near_rel(s.mean_in_system.mean, little, 0.01)) << s.name;
    double lq = s.throughput.mean * s.mean_wait.mean;
    EXPECT_NEAR(s.mean_queue_length.mean, lq, 0.01 * s.mean_in_system.mean) << s.name;
  }
  const auto& pool = r.pools.at(0);
  EXPECT_NEAR(pool.mean_queue_length.mean, pool.throughput.mean * pool.mean_wait.mean,
              0.01 * pool.capacity);
  EXPECT_LE(pool.utilization.mean, 1.0);
}

}  // namespace
}  // namespace tiersim::testing
