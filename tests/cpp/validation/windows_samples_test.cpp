// Time-series windows and response samples: consistent with the totals, and
// asking for them never changes what is simulated.
#include <algorithm>

#include "validation_support.hpp"

namespace tiersim::testing {
namespace {

json mm1(const json& extra_run) {
  json run_section = {{"until", 20000}, {"warmup", 1000}, {"replications", 4}, {"seed", 9}};
  for (auto& [k, v] : extra_run.items()) run_section[k] = v;
  return {{"run", run_section},
          {"stations", {{{"name", "s"}}}},
          {"classes",
           {{{"name", "c"},
             {"interarrival", exponential(1 / 0.7)},
             {"steps", {{{"visit", "s"}, {"service", exponential(1.0)}}}}}}}};
}

const WindowSeries& series(const ExperimentResult& r, const std::string& name,
                           const std::string& metric) {
  for (const auto& s : r.windows.series)
    if (s.name == name && s.metric == metric) return s;
  throw std::out_of_range(name + "." + metric);
}

TEST(WindowsTest, CutTheMeasuredPeriodIntoEqualWindowsThatAverageToTheTotals) {
  auto r = run(mm1({{"window", 1900}}));
  ASSERT_EQ(r.windows.start.size(), 10u);
  EXPECT_DOUBLE_EQ(r.windows.start.front(), 1000.0);
  EXPECT_DOUBLE_EQ(r.windows.end.back(), 20000.0);
  const auto& u = series(r, "s", "utilization").values;
  double mean_u = 0;
  for (double v : u) mean_u += v / static_cast<double>(u.size());
  EXPECT_NEAR(mean_u, station(r, "s").utilization.mean, 1e-9);  // equal windows: exact
  for (double rate : series(r, "c", "arrival_rate").values) EXPECT_NEAR(rate, 0.7, 0.07);
}

TEST(WindowsTest, TooManyWindowsIsAModelError) {
  EXPECT_THROW(run(mm1({{"window", 0.5}})), ModelError);
}

TEST(SamplesTest, ReservoirFollowsTheResponseLawAndLeavesTheRunUnchanged) {
  auto with = run(mm1({{"samples", 4000}}));
  auto without = run(mm1({}));
  // Sampling has its own stream: the simulated trajectory is identical.
  EXPECT_EQ(with.classes[0].response.mean.mean, without.classes[0].response.mean.mean);
  EXPECT_EQ(with.run.events, without.run.events);
  ASSERT_EQ(with.samples.size(), 1u);
  std::vector<double> x = with.samples[0];
  ASSERT_EQ(x.size(), 4u * 4000u);
  std::sort(x.begin(), x.end());
  // A uniform sample of the measured responses: its quantiles and mean agree
  // with the full histogram and mean of the same run.
  const auto& resp = with.classes[0].response;
  double mean = 0;
  for (double v : x) mean += v / static_cast<double>(x.size());
  EXPECT_TRUE(near_rel(x[x.size() / 2], resp.p50, 0.04));
  EXPECT_TRUE(near_rel(x[x.size() * 9 / 10], resp.p90, 0.04));
  EXPECT_TRUE(near_rel(mean, resp.mean.mean, 0.04));
}

}  // namespace
}  // namespace tiersim::testing
