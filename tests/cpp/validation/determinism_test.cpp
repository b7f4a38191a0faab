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
