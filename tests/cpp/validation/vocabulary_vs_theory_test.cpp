// The building blocks of the 3-tier vocabulary against theory: balancers,
// admission limits, lock tables and hot rows, fork/join, memory paging,
// batch makespans and time-varying arrivals.
#include <cmath>

#include "tiersim/analytic/single_station.hpp"
#include "validation_support.hpp"

namespace tiersim::testing {
namespace {

json run_section(double until, int reps, std::uint64_t seed, double warmup = -1) {
  return {{"until", until}, {"warmup", warmup < 0 ? until / 40 : warmup},
          {"replications", reps}, {"seed", seed}};
}

json two_servers_behind(const std::string& policy) {
  json choose = {{"id", "lb"}, {"choose", policy}, {"to", {"a", "b"}}};
  if (policy == "shortest_queue") choose["by"] = {"s1", "s2"};
  return {{"run", run_section(40000, 10, 400)},
          {"stations", {{{"name", "s1"}}, {{"name", "s2"}}}},
          {"classes",
           {{{"name", "c"},
             {"interarrival", exponential(1 / 1.6)},
             {"steps",
              {choose,
               {{"id", "a"}, {"visit", "s1"}, {"service", exponential(1.0)}, {"next", "exit"}},
               {{"id", "b"}, {"visit", "s2"}, {"service", exponential(1.0)}, {"next", "exit"}}}}}}}};
}

TEST(BalancerVsTheory, RandomSplittingMakesEachServerAnMM1) {
  auto r = run(two_servers_behind("random"));
  // Poisson splitting: each server sees Poisson(0.8) arrivals.
  EXPECT_TRUE(covers(station(r, "s1").mean_response, analytic::mm1(0.8, 1.0).mean_response, 2, 0.05));
  EXPECT_TRUE(covers(station(r, "s2").throughput, 0.8, 2, 0.02));
}

TEST(BalancerVsTheory, RoundRobinAndShortestQueueBeatRandomAndShortestQueueBeatsRoundRobin) {
  auto random = run(two_servers_behind("random"));
  auto rr = run(two_servers_behind("round_robin"));
  auto jsq = run(two_servers_behind("shortest_queue"));
  // Round robin gives each server Erlang-2 interarrivals (less variable than
  // Poisson), JSQ uses the queue state: both must wait less, JSQ least, and
  // JSQ can do no better than one M/M/2 queue (the pooled ideal).
  double r_random = klass(random, "c").response.mean.mean;
  double r_rr = klass(rr, "c").response.mean.mean;
  double r_jsq = klass(jsq, "c").response.mean.mean;
  EXPECT_LT(r_rr, 0.85 * r_random);
  EXPECT_LT(r_jsq, r_rr);
  EXPECT_GT(r_jsq, analytic::mmc(1.6, 1.0, 2).mean_response * 0.98);
  EXPECT_NEAR(station(rr, "s1").throughput.mean, 0.8, 0.01);
}

TEST(AdmissionVsTheory, ARejectingLimitLosesWhatMMcKPredicts) {
  // At most K = 6 requests inside (the limit's tokens), 2 servers: M/M/2/6.
  json m = {{"run", run_section(40000, 10, 401)},
            {"stations", {{{"name", "app"}, {"servers", 2}}}},
            {"pools", {{{"name", "limit"}, {"capacity", 6}, {"on_full", "reject"}}}},
            {"classes",
             {{{"name", "c"},
               {"interarrival", exponential(1 / 2.2)},
               {"steps",
                {{{"acquire", "limit"}},
                 {{"visit", "app"}, {"service", exponential(1.0)}},
                 {{"release", "limit"}}}}}}}};
  auto r = run(m);
  auto th = analytic::mmck(2.2, 1.0, 2, 6);
  EXPECT_TRUE(near_rel(klass(r, "c").loss_probability, th.loss_probability, 0.04));
  EXPECT_NEAR(r.pools[0].rejections, klass(r, "c").losses, 1e-9);
  EXPECT_TRUE(covers(station(r, "app").mean_in_system, th.mean_in_system, 2, 0.03));
}

json hot_row_model(int hot_keys, std::uint64_t seed) {
  // Every order locks one stock row; 40% hit the hot row(s). The lock is held
  // for an exponential 0.1 s of work at an infinite-server station, so each
  // row is a FCFS single server: an M/M/1 queue for the lock.
  return {{"run", run_section(20000, 10, seed)},
          {"stations", {{{"name", "work"}, {"discipline", "delay"}}}},
          {"pools", {{{"name", "stock"}, {"capacity", 1}, {"keys", 1000}}}},
          {"classes",
           {{{"name", "orders"},
             {"interarrival", exponential(1 / 15.0)},
             {"steps",
              {{{"acquire", "stock"}, {"key", {{"hot_fraction", 0.4}, {"hot_keys", hot_keys}}}},
               {{"visit", "work"}, {"service", exponential(0.1)}},
               {{"release", "stock"}}}}}}}};
}

TEST(LockTableVsTheory, AHotRowWaitsLikeAnMM1AndSplittingItCutsTheWaitAsTheoryPredicts) {
  auto one = run(hot_row_model(1, 402));
  auto four = run(hot_row_model(4, 403));
  // Hot row: lambda = 15 x 0.4 = 6/s, mu = 10/s -> W = rho/(mu - lambda) = 0.15 s.
  ASSERT_FALSE(one.pools[0].hot_keys.empty());
  EXPECT_EQ(one.pools[0].hot_keys[0].key, 0u);
  EXPECT_TRUE(near_rel(one.pools[0].hot_keys[0].mean_wait, analytic::mm1(6.0, 10.0).mean_wait, 0.06));
  // Split into 4 rows: each sees 1.5/s -> W = 0.15/8.5 = 0.0176 s.
  double split = analytic::mm1(1.5, 10.0).mean_wait;
  for (const auto& k : four.pools[0].hot_keys)
    if (k.key < 4) {
      EXPECT_TRUE(near_rel(k.mean_wait, split, 0.12)) << "key " << k.key;
    }
  EXPECT_LT(four.pools[0].mean_wait.mean, one.pools[0].mean_wait.mean / 5);
}

TEST(ForkJoinVsTheory, ParallelBranchesTakeTheMaximumOfTheirTimes) {
  // Two branches of exp(1) each on an infinite-server station: E[max] = 1.5.
  json m = {{"run", run_section(20000, 10, 404)},
            {"stations", {{{"name", "cores"}, {"discipline", "delay"}}}},
            {"classes",
             {{{"name", "c"},
               {"interarrival", exponential(1.0)},
               {"steps",
                {{{"id", "split"}, {"fork", {"left", "right"}}},
                 {{"id", "left"}, {"visit", "cores"}, {"service", exponential(1.0)}, {"next", "merge"}},
                 {{"id", "right"}, {"visit", "cores"}, {"service", exponential(1.0)}, {"next", "merge"}},
                 {{"id", "merge"}, {"join", "split"}}}}}}}};
  auto r = run(m);
  EXPECT_TRUE(covers(klass(r, "c").response.mean, 1.5, 2, 0.03));
  // Each request visits the station twice, once per branch.
  EXPECT_TRUE(covers(station(r, "cores").throughput, 2.0, 2, 0.02));
}

TEST(MemoryVsTheory, OvercommittedMemoryPagesInProportionToTheOverflow) {
  // 5 requests always in service, each with a 30-unit working set in 100
  // units of memory: 150 held, so a third of the accesses miss and page.
  json m = {{"run", run_section(5000, 4, 405)},
            {"stations", {{{"name", "cpu"}, {"discipline", "delay"}}, {{"name", "disk"}, {"discipline", "delay"}}}},
            {"pools", {{{"name", "memory"}, {"capacity", 100}, {"on_full", "overcommit"}}}},
            {"classes",
             {{{"name", "c"},
               {"type", "closed"},
               {"population", 5},
               {"think", 0},
               {"steps",
                {{{"acquire", "memory"}, {"tokens", 30}},
                 {{"id", "access"}, {"branch", "memory"}, {"over", "page_in"}, {"under", "compute"}},
                 {{"id", "page_in"}, {"visit", "disk"}, {"service", exponential(0.01)}},
                 {{"id", "compute"}, {"visit", "cpu"}, {"service", exponential(0.1)}},
                 {{"release", "memory"}, {"tokens", 30}}}}}}}};
  auto r = run(m);
  const auto& steps = klass(r, "c").steps;
  EXPECT_TRUE(near_rel(steps[2].visits, 1.0 / 3, 0.03)) << steps[2].visits;
  EXPECT_GT(r.pools[0].utilization.mean, 1.0);  // overcommitted
}

TEST(BatchVsTheory, MakespanOfDeterministicJobsIsExact) {
  // 10 jobs of 1 s on 4 servers: ceil(10/4) = 3 rounds.
  json m = {{"run", {{"replications", 2}, {"seed", 406}}},
            {"stations", {{{"name", "s"}, {"servers", 4}}}},
            {"classes", {{{"name", "night"}, {"type", "batch"}, {"jobs", 10},
                          {"steps", {{{"visit", "s"}, {"service", 1.0}}}}}}}};
  auto r = run(m);
  EXPECT_DOUBLE_EQ(klass(r, "night").makespan.mean, 3.0);
  EXPECT_DOUBLE_EQ(klass(r, "night").completions, 10.0);
}

TEST(BatchVsTheory, MakespanOfExponentialJobsOnOneServerIsTheirTotalWork) {
  // N jobs of exp(S) back to back: E[makespan] = N S.
  json m = {{"run", {{"replications", 200}, {"seed", 407}}},
            {"stations", {{{"name", "s"}}}},
            {"classes", {{{"name", "night"}, {"type", "batch"}, {"jobs", 50},
                          {"steps", {{{"visit", "s"}, {"service", exponential(2.0)}}}}}}}};
  auto r = run(m);
  EXPECT_TRUE(covers(klass(r, "night").makespan, 100.0, 2, 0.05));
}

TEST(ScheduleVsTheory, ArrivalsFollowAPiecewiseRateThroughTheDay) {
  // A quiet morning at 2/s and an afternoon peak at 8/s, repeating daily (100 s).
  json m = {{"run", {{"until", 10000}, {"window", 50}, {"replications", 4}, {"seed", 408}}},
            {"stations", {{{"name", "s"}, {"discipline", "delay"}}}},
            {"classes",
             {{{"name", "c"},
               {"schedule", {{{"from", 0}, {"rate", 2}}, {{"from", 50}, {"rate", 8}}}},
               {"cycle", 100},
               {"steps", {{{"visit", "s"}, {"service", exponential(0.1)}}}}}}}};
  auto r = run(m);
  const WindowSeries* rate = nullptr;
  for (const auto& s : r.windows.series)
    if (s.name == "c" && s.metric == "arrival_rate") rate = &s;
  ASSERT_NE(rate, nullptr);
  double morning = 0, afternoon = 0;
  const double half = static_cast<double>(rate->values.size()) / 2.0;
  for (std::size_t w = 0; w < rate->values.size(); ++w)
    (w % 2 == 0 ? morning : afternoon) += rate->values[w] / half;
  EXPECT_NEAR(morning, 2.0, 0.1);
  EXPECT_NEAR(afternoon, 8.0, 0.2);
  EXPECT_TRUE(covers(klass(r, "c").throughput, 5.0, 2, 0.02));
}

TEST(SpeedVsTheory, DoublingTheClockHalvesTheCpuDemand) {
  auto model = [](double speed) {
    return json{{"run", run_section(20000, 10, 409)},
                {"stations", {{{"name", "cpu"}, {"speed", speed}}}},
                {"classes",
                 {{{"name", "c"},
                   {"interarrival", exponential(1.0)},
                   {"steps", {{{"visit", "cpu"}, {"service", exponential(0.8)}}}}}}}};
  };
  auto slow = run(model(1.0)), fast = run(model(2.0));
  EXPECT_TRUE(covers(station(slow, "cpu").mean_service, 0.8, 2, 0.02));
  EXPECT_TRUE(covers(station(fast, "cpu").mean_service, 0.4, 2, 0.02));
  EXPECT_TRUE(covers(station(fast, "cpu").mean_response, analytic::mm1(1.0, 2.5).mean_response, 2, 0.04));
}

}  // namespace
}  // namespace tiersim::testing
