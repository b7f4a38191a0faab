// Single stations against closed-form queueing results (fixed seeds).
#include <cmath>

#include "tiersim/analytic/single_station.hpp"
#include "validation_support.hpp"

namespace tiersim::testing {
namespace {

json single_station(const json& station, const json& service, double lambda, double until,
                    int reps, std::uint64_t seed) {
  json st = station;
  st["name"] = "s";
  return {{"name", "single"},
          {"run", {{"until", until}, {"warmup", until / 50}, {"replications", reps}, {"seed", seed}}},
          {"stations", {st}},
          {"classes",
           {{{"name", "c"},
             {"interarrival", exponential(1 / lambda)},
             {"steps", {{{"visit", "s"}, {"service", service}}}}}}}};
}

TEST(MM1VsTheory, MeansUtilizationAndPercentilesMatch) {
  const double lambda = 0.8, mu = 1.0;
  auto r = run(single_station({}, exponential(1 / mu), lambda, 40000, 10, 11));
  auto th = analytic::mm1(lambda, mu);
  const auto& s = station(r, "s");
  EXPECT_TRUE(covers(s.utilization, th.utilization, 2, 0.02));
  EXPECT_TRUE(covers(s.throughput, lambda, 2, 0.02));
  EXPECT_TRUE(covers(s.mean_response, th.mean_response));
  EXPECT_TRUE(covers(s.mean_wait, th.mean_wait, 2, 0.06));
  EXPECT_TRUE(covers(s.mean_in_system, th.mean_in_system));
  EXPECT_TRUE(covers(s.mean_queue_length, th.mean_queue_length, 2, 0.06));
  const auto& c = klass(r, "c");
  EXPECT_TRUE(covers(c.response.mean, th.mean_response));
  // Response is exponential with rate mu - lambda: quantile -ln(1-p)/(mu-lambda).
  EXPECT_TRUE(near_rel(c.response.p50, analytic::mm1_response_quantile(lambda, mu, 0.50), 0.04));
  EXPECT_TRUE(near_rel(c.response.p95, analytic::mm1_response_quantile(lambda, mu, 0.95), 0.04));
  EXPECT_TRUE(near_rel(c.response.p99, analytic::mm1_response_quantile(lambda, mu, 0.99), 0.05));
}

TEST(MMcVsTheory, ErlangCWaitMatches) {
  const double lambda = 3.2, mu = 1.0;
  const int c = 4;
  auto r = run(single_station({{"servers", c}}, exponential(1 / mu), lambda, 20000, 10, 12));
  auto th = analytic::mmc(lambda, mu, c);
  const auto& s = station(r, "s");
  EXPECT_TRUE(covers(s.utilization, th.utilization, 2, 0.02));
  EXPECT_TRUE(covers(s.mean_wait, th.mean_wait, 2, 0.08));
  EXPECT_TRUE(covers(s.mean_response, th.mean_response));
  EXPECT_TRUE(covers(s.mean_queue_length, th.mean_queue_length, 2, 0.08));
}

TEST(MD1VsTheory, PollaczekKhinchineWaitMatches) {
  const double lambda = 0.8;
  auto r = run(single_station({}, 1.0, lambda, 40000, 10, 13));
  auto th = analytic::mg1(lambda, 1.0, 0.0);  // W = 2.0
  EXPECT_TRUE(covers(station(r, "s").mean_wait, th.mean_wait, 2, 0.06));
}

TEST(MG1VsTheory, HighVariabilityServiceWaitsAsPollaczekKhinchinePredicts) {
  const double lambda = 0.6;
  json h2 = {{"dist", "hyperexponential"}, {"mean", 1.0}, {"scv", 4.0}};
  auto r = run(single_station({}, h2, lambda, 100000, 12, 14));
  auto th = analytic::mg1(lambda, 1.0, 4.0);  // W = 3.75
  EXPECT_TRUE(covers(station(r, "s").mean_wait, th.mean_wait, 2, 0.08));
}

TEST(PsVsTheory, ResponseIsInsensitiveToTheServiceDistribution) {
  const double lambda = 0.7;
  const double expected = analytic::mg1_ps(lambda, 1.0).mean_response;  // 1/(1-0.7)
  json services[] = {exponential(1.0), json(1.0),
                     json{{"dist", "hyperexponential"}, {"mean", 1.0}, {"scv", 4.0}},
                     json{{"dist", "erlang"}, {"k", 4}, {"mean", 1.0}}};
  std::uint64_t seed = 20;
  for (const auto& svc : services) {
    auto r = run(single_station({{"discipline", "ps"}}, svc, lambda, 60000, 10, seed++));
    EXPECT_TRUE(covers(station(r, "s").mean_response, expected, 2, 0.05)) << svc.dump();
  }
}

TEST(PsVsTheory, TwoCorePsWithDeterministicWorkMatchesMM2) {
  // Multi-server PS is a symmetric queue: its mean response depends on the
  // service distribution only through its mean, so it equals M/M/2's.
  const double lambda = 1.6;
  auto r = run(single_station({{"discipline", "ps"}, {"servers", 2}}, 1.0, lambda, 40000, 10, 30));
  auto th = analytic::mmc(lambda, 1.0, 2);
  EXPECT_TRUE(covers(station(r, "s").mean_response, th.mean_response));
}

TEST(PriorityVsTheory, NonPreemptiveClassesWaitAsCobhamPredicts) {
  json model = {
      {"run", {{"until", 60000}, {"warmup", 1000}, {"replications", 10}, {"seed", 40}}},
      {"stations", {{{"name", "s"}, {"discipline", "priority"}}}},
      {"classes",
       {{{"name", "gold"},
         {"priority", 0},
         {"interarrival", exponential(1 / 0.3)},
         {"steps", {{{"visit", "s"}, {"service", exponential(1.0)}}}}},
        {{"name", "bronze"},
         {"priority", 1},
         {"interarrival", exponential(1 / 0.4)},
         {"steps", {{{"visit", "s"}, {"service", exponential(1.0)}}}}}}}};
  auto r = run(model);
  auto th = analytic::priority_mg1({{0.3, 1.0, 2.0}, {0.4, 1.0, 2.0}});
  EXPECT_TRUE(covers(klass(r, "gold").response.mean, th.mean_response[0]));
  EXPECT_TRUE(covers(klass(r, "bronze").response.mean, th.mean_response[1], 2, 0.06));
}

TEST(LossVsTheory, FiniteBufferLosesWhatMM1KPredicts) {
  const double lambda = 0.9, mu = 1.0;
  const int k = 5;
  auto r = run(single_station({{"capacity", k}}, exponential(1 / mu), lambda, 40000, 10, 50));
  auto th = analytic::mm1k(lambda, mu, k);
  EXPECT_TRUE(near_rel(klass(r, "c").loss_probability, th.loss_probability, 0.04));
  EXPECT_TRUE(covers(station(r, "s").throughput, th.throughput, 2, 0.02));
  EXPECT_TRUE(covers(station(r, "s").mean_in_system, th.mean_in_system, 2, 0.03));
}

TEST(LossVsTheory, ErlangBLossSystemBlocksAsPredicted) {
  const double lambda = 3.0, mu = 1.0;
  auto r = run(single_station({{"servers", 5}, {"capacity", 5}}, exponential(1 / mu), lambda,
                              20000, 10, 51));
  double b = analytic::erlang_b(5, lambda / mu);  // 0.1101
  EXPECT_TRUE(near_rel(klass(r, "c").loss_probability, b, 0.04));
  // Losses are counted, never silently dropped: arrivals = completions + losses.
  const auto& c = klass(r, "c");
  EXPECT_NEAR(c.arrivals, c.completions + c.losses, 0.002 * c.arrivals);
}

TEST(DelayStationVsTheory, InfiniteServerHoldsLambdaTimesMean) {
  auto r = run(single_station({{"discipline", "delay"}}, json{{"dist", "lognormal"}, {"mean", 2.0}, {"cv", 1.5}},
                              5.0, 20000, 10, 60));
  const auto& s = station(r, "s");
  EXPECT_TRUE(covers(s.mean_in_system, 10.0, 2, 0.03));
  EXPECT_TRUE(covers(s.mean_wait, 0.0, 2, 1.0) || std::abs(s.mean_wait.mean) < 1e-9);
}

}  // namespace
}  // namespace tiersim::testing
