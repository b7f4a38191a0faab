// Rate schedules: a non-homogeneous Poisson process must deliver the
// scheduled mass of arrivals whatever the cycle length. Short cycles used to
// stick at a rounding fixed point of the arrival search (a 0.7 s cycle gave a
// few thousand arrivals in 70 s instead of 130,000), so the counts here are
// checked against the schedule's mass, cycle by cycle and within the cycle.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "validation_support.hpp"

namespace tiersim::testing {
namespace {

using Pieces = std::vector<std::pair<double, double>>;  // (from, rate)

json scheduled_model(const Pieces& pieces, double cycle, double until, double window,
                     std::uint64_t seed) {
  json sched = json::array();
  for (auto [from, rate] : pieces) sched.push_back({{"from", from}, {"rate", rate}});
  json run = {{"until", until}, {"warmup", 0}, {"replications", 4}, {"seed", seed}};
  if (window > 0) run["window"] = window;
  return {{"run", run},
          {"stations", {{{"name", "s"}, {"discipline", "delay"}}}},
          {"classes",
           {{{"name", "c"},
             {"schedule", sched},
             {"cycle", cycle},
             {"steps", {{{"visit", "s"}, {"service", exponential(cycle / 100)}}}}}}}};
}

// Expected arrivals in [0, until) for a cyclic schedule.
double mass(const Pieces& pieces, double cycle, double until) {
  double total = 0;
  for (double base = 0; base < until; base += cycle)
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      double from = base + pieces[i].first;
      double end = base + (i + 1 < pieces.size() ? pieces[i + 1].first : cycle);
      end = std::min(end, until);
      if (end > from) total += pieces[i].second * (end - from);
    }
  return total;
}

// Arrivals per replication are a Poisson count (4 replications averaged):
// within 4 standard deviations of the schedule's mass.
void expect_arrivals(const Pieces& pieces, double cycle, double until, std::uint64_t seed) {
  auto r = run(scheduled_model(pieces, cycle, until, 0, seed));
  double expected = mass(pieces, cycle, until);
  double sd = std::sqrt(expected / 4);
  EXPECT_NEAR(klass(r, "c").arrivals, expected, 4 * sd) << "cycle " << cycle;
}

TEST(ScheduleArrivals, ShortCycleOf0_7sDeliversItsMass) {
  expect_arrivals({{0, 1000}, {0.5, 4000}}, 0.7, 70, 601);  // 130,000 expected
}

TEST(ScheduleArrivals, ShortCycleOf0_3sWithAnIdlePieceDeliversItsMass) {
  expect_arrivals({{0, 500}, {0.1, 0}, {0.2, 2000}}, 0.3, 30, 602);  // 25,000 expected
}

TEST(ScheduleArrivals, DayCycleDeliversItsMass) {
  expect_arrivals({{0, 2}, {28800, 6}, {50400, 15}, {61200, 6}, {72000, 2}}, 86400, 2 * 86400,
                  603);  // 885,600 expected
}

TEST(ScheduleArrivals, ManyCyclesWithinOneInterarrivalAreSkippedByTheirMass) {
  // 0.001 arrivals per 1 ms cycle: most gaps jump over hundreds of cycles.
  expect_arrivals({{0, 0}, {0.0005, 2}}, 0.001, 20000, 604);  // 20 expected
}

TEST(ScheduleArrivals, ShortCycleKeepsItsShapeInsideTheCycle) {
  // Windows of half a cycle: the first half sees 1000/s, the second
  // (0.15 s at 1000/s and 0.2 s at 4000/s) 950 / 0.35 = 2714/s.
  const Pieces pieces = {{0, 1000}, {0.5, 4000}};
  auto r = run(scheduled_model(pieces, 0.7, 70, 0.35, 605));
  const WindowSeries* rate = nullptr;
  for (const auto& s : r.windows.series)
    if (s.name == "c" && s.metric == "arrival_rate") rate = &s;
  ASSERT_NE(rate, nullptr);
  ASSERT_GE(rate->values.size(), 190u);
  double first = 0, second = 0;
  const double half = static_cast<double>(rate->values.size() / 2);
  for (std::size_t w = 0; w + 1 < rate->values.size(); w += 2) {
    first += rate->values[w] / half;
    second += rate->values[w + 1] / half;
  }
  // ~35,000 and ~95,000 arrivals over 4 replications: 1% is over 4 standard deviations.
  EXPECT_NEAR(first, 1000, 10);
  EXPECT_NEAR(second, 950 / 0.35, 27);
}

}  // namespace
}  // namespace tiersim::testing
