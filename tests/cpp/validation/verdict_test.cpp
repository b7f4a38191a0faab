// The bottleneck verdict (verdict.cpp): lock tables judged per key, ceilings from
// a resource's own work, and pools that only wait downstream reported as symptoms.
#include "validation_support.hpp"

namespace tiersim::testing {
namespace {

const ResourceVerdict& find(const ExperimentResult& r, const std::string& name) {
  for (const auto& v : r.resources)
    if (v.name == name) return v;
  throw std::runtime_error("no resource " + name);
}

json locked(double rate, int keys, double hot_fraction) {
  json acquire = {{"acquire", "rows"}};
  if (hot_fraction > 0) acquire["key"] = {{"hot_fraction", hot_fraction}, {"hot_keys", 1}};
  return {{"run", {{"until", 400}, {"warmup", 40}, {"replications", 2}, {"seed", 3}}},
          {"stations", {{{"name", "cpu"}, {"servers", 16}}}},
          {"pools", {{{"name", "rows"}, {"capacity", 1}, {"keys", keys}}}},
          {"classes",
           {{{"name", "c"},
             {"interarrival", exponential(1 / rate)},
             {"steps",
              {acquire,
               {{"visit", "cpu"}, {"service", exponential(0.003)}},
               {{"release", "rows"}}}}}}}};
}

TEST(VerdictTest, AHotRowIsTheCauseWithTheCeilingOfItsHoldingTime) {
  // One row held 3 ms per request at 280/s: rho = 0.84, ceiling 1/3 ms = 333/s;
  // the 16-core cpu is 5% busy. No threshold: the row is named for its ceiling.
  auto r = run(locked(280, 1000, 1.0));
  EXPECT_EQ(r.bottleneck.kind, "lock");
  EXPECT_EQ(r.bottleneck.station, "rows");
  EXPECT_NEAR(r.bottleneck.saturation_throughput, 1 / 0.003, 0.05 / 0.003);
  EXPECT_NEAR(find(r, "rows").key_share, 1.0, 1e-12);
  EXPECT_NEAR(r.pools[0].utilization.mean, 0.84, 0.03);  // the hottest key's, not the sum
}

TEST(VerdictTest, AColdTableIsJudgedPerKey) {
  // 300/s over 1000 uniform keys: each key is 0.09% busy; summed they would read 90%.
  auto r = run(locked(300, 1000, 0));
  const auto& rows = find(r, "rows");
  EXPECT_NEAR(rows.key_share, 0.001, 1e-12);
  EXPECT_LT(r.pools[0].utilization.mean, 0.01);
  EXPECT_GT(rows.ceiling, 100000.0);
  EXPECT_EQ(r.bottleneck.station, "cpu");
}

TEST(VerdictTest, APoolFullOfHoldersWaitingForASaturatedStationIsItsSymptom) {
  // 10 threads around an M/M/1 cpu at rho = 0.95: the threads fill, waiting for the cpu.
  json m = {{"run", {{"until", 600}, {"warmup", 60}, {"replications", 2}, {"seed", 4}}},
            {"stations", {{{"name", "cpu"}}}},
            {"pools", {{{"name", "threads"}, {"capacity", 10}}}},
            {"classes",
             {{{"name", "c"},
               {"interarrival", exponential(1 / 95.0)},
               {"steps",
                {{{"acquire", "threads"}},
                 {{"visit", "cpu"}, {"service", exponential(0.01)}},
                 {{"release", "threads"}}}}}}}};
  auto r = run(m);
  EXPECT_EQ(r.bottleneck.station, "cpu");
  const auto& threads = find(r, "threads");
  EXPECT_EQ(threads.role, "symptom");
  EXPECT_EQ(threads.points_to, "station 'cpu'");
  EXPECT_GT(threads.waiting_share, 0.5);
  EXPECT_NEAR(threads.demand_utilization, 95 * 0.01 / 10, 0.01);
  ASSERT_EQ(r.bottleneck.symptoms.size(), 1u);
}

}  // namespace
}  // namespace tiersim::testing
