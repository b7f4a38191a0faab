// Same model and seed: bit-identical results on any number of threads.
#include "validation_support.hpp"

namespace tiersim::testing {
namespace {

json model(int threads) {
  return {{"run", {{"until", 2000}, {"replications", 6}, {"seed", 77}, {"threads", threads}}},
          {"stations", {{{"name", "cpu"}, {"discipline", "ps"}, {"servers", 2}}, {{"name", "disk"}}}},
          {"pools", {{{"name", "threads"}, {"capacity", 3}}}},
          {"classes",
           {{{"name", "web"},
             {"interarrival", exponential(0.6)},
             {"steps",
              {{{"acquire", "threads"}},
               {{"visit", "cpu"}, {"service", exponential(0.5)}},
               {{"visit", "disk"},
                {"service", exponential(0.3)},
                {"next", {{{"to", "cpu"}, {"p", 0.3}}, {{"to", "release threads"}, {"p", 0.7}}}}},
               {{"release", "threads"}}}}}}}};
}

std::string fingerprint(const ExperimentResult& r) {
  json j = to_json(r);
  j["run"].erase("wall_seconds");
  j["run"].erase("threads");
  return j.dump();
}

TEST(DeterminismTest, OneAndManyThreadsGiveIdenticalResults) {
  auto serial = run(model(1));
  auto parallel = run(model(2));
  auto again = run(model(2));
  EXPECT_EQ(fingerprint(serial), fingerprint(parallel));
  EXPECT_EQ(fingerprint(parallel), fingerprint(again));
  json other = model(1);
  other["run"]["seed"] = 78;
  EXPECT_NE(fingerprint(run(other)), fingerprint(serial));
}

TEST(SaturationTest, OverloadedOpenModelStopsAsSaturatedInBoundedMemory) {
  json m = {{"run", {{"until", 1e9}, {"max_in_system", 5000}, {"seed", 1}}},
            {"stations", {{{"name", "slow"}}}},
            {"classes",
             {{{"name", "c"},
               {"interarrival", exponential(1.0)},
               {"steps", {{{"visit", "slow"}, {"service", exponential(2.0)}}}}}}}};
  auto r = run(m);
  EXPECT_TRUE(r.saturation.saturated);
  EXPECT_EQ(r.saturation.station, "slow");
  EXPECT_LT(r.run.simulated_time, 1e6);  // stopped long before `until`
}

}  // namespace
}  // namespace tiersim::testing

namespace tiersim::testing {
namespace {

TEST(WarmupTest, Mser5ChoosesAWarmupAndKeepsTheTheory) {
  // An M/M/1 at rho = 0.8 starting empty: MSER-5 picks the cut from a pilot run.
  json m = {{"run", {{"until", 60000}, {"warmup", "mser5"}, {"replications", 10}, {"seed", 5}}},
            {"stations", {{{"name", "s"}}}},
            {"classes",
             {{{"name", "c"},
               {"interarrival", exponential(1 / 0.8)},
               {"steps", {{{"visit", "s"}, {"service", exponential(1.0)}}}}}}}};
  auto r = run(m);
  EXPECT_GE(r.run.warmup, 0.0);
  EXPECT_LE(r.run.warmup, 30000.0);
  EXPECT_NEAR(r.run.simulated_time, 60000.0 - r.run.warmup, 1e-6);
  EXPECT_TRUE(covers(klass(r, "c").response.mean, 5.0, 2, 0.05));
}

TEST(BatchMeansTest, OneLongReplicationGivesAnIntervalThatCoversTheory) {
  json m = {{"run", {{"until", 400000}, {"warmup", 1000}, {"replications", 1}, {"batches", 20}, {"seed", 6}}},
            {"stations", {{{"name", "s"}}}},
            {"classes",
             {{{"name", "c"},
               {"interarrival", exponential(1 / 0.7)},
               {"steps", {{{"visit", "s"}, {"service", exponential(1.0)}}}}}}}};
  auto r = run(m);
  EXPECT_TRUE(covers(klass(r, "c").response.mean, 1 / 0.3, 2, 0.05));
  EXPECT_GT(klass(r, "c").response.mean.half_width(), 0.0);
}

TEST(StopConditionTest, MaxCompletionsEndsTheRun) {
  json m = {{"run", {{"max_completions", 5000}, {"replications", 2}, {"seed", 7}}},
            {"stations", {{{"name", "s"}}}},
            {"classes",
             {{{"name", "c"},
               {"interarrival", exponential(2.0)},
               {"steps", {{{"visit", "s"}, {"service", exponential(1.0)}}}}}}}};
  auto r = run(m);
  EXPECT_DOUBLE_EQ(klass(r, "c").completions, 5000.0);
  EXPECT_NEAR(r.run.simulated_time, 10000.0, 1000.0);
}

}  // namespace
}  // namespace tiersim::testing
