// Intervals everywhere a run reports a figure: per time window (across
// replications), on percentiles (sectioning), and runs that add replications
// until a stated precision is met (run.precision). The coverage tests over
// many seeds are in tests/python/test_precision.py; these are the contracts.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "tiersim/analytic/single_station.hpp"
#include "validation_support.hpp"

namespace tiersim::testing {
namespace {

// M/M/1 at rho = 0.5 (lambda 0.5, mu 1): R = 2, U = 0.5.
json mm1(json run) {
  return {{"run", run},
          {"stations", {{{"name", "cpu"}}}},
          {"classes",
           {{{"name", "jobs"},
             {"interarrival", exponential(2.0)},
             {"steps", {{{"visit", "cpu"}, {"service", exponential(1.0)}}}}}}}};
}

TEST(WindowIntervals, EachWindowCarriesAnIntervalThatCoversTheoryMostOfTheTime) {
  auto r = run(mm1(
      {{"until", 21000}, {"warmup", 1000}, {"window", 1000}, {"replications", 10}, {"seed", 701}}));
  const WindowSeries* util = nullptr;
  for (const auto& s : r.windows.series)
    if (s.name == "cpu" && s.metric == "utilization") util = &s;
  ASSERT_NE(util, nullptr);
  ASSERT_EQ(util->values.size(), 20u);
  ASSERT_EQ(util->lo.size(), 20u);
  ASSERT_EQ(util->hi.size(), 20u);
  int covered = 0;
  for (std::size_t w = 0; w < util->values.size(); ++w) {
    EXPECT_LT(util->lo[w], util->values[w]);
    EXPECT_GT(util->hi[w], util->values[w]);
    covered += util->lo[w] <= 0.5 && 0.5 <= util->hi[w] ? 1 : 0;
  }
  // Nominal 95%: 20 windows, at least 16 (P(fewer) < 2% for a true 95%).
  EXPECT_GE(covered, 16);
}

TEST(WindowIntervals, OneReplicationGivesPointIntervals) {
  auto r = run(mm1({{"until", 3000}, {"window", 1000}, {"replications", 1}, {"seed", 702}}));
  for (const auto& s : r.windows.series)
    for (std::size_t w = 0; w < s.values.size(); ++w)
      if (std::isfinite(s.values[w])) {
        EXPECT_EQ(s.lo[w], s.values[w]);
        EXPECT_EQ(s.hi[w], s.values[w]);
      }
}

TEST(PercentileIntervals, ArePooledPercentilesWithTheSpreadOfTheReplications) {
  auto r = run(mm1({{"until", 20000}, {"warmup", 500}, {"replications", 10}, {"seed", 703}}));
  const auto& resp = klass(r, "jobs").response;
  // M/M/1 FCFS response is exponential with rate mu - lambda = 0.5.
  const double p95 = analytic::mm1_response_quantile(0.5, 1.0, 0.95);
  const double p99 = analytic::mm1_response_quantile(0.5, 1.0, 0.99);
  EXPECT_EQ(resp.p95_ci.mean, resp.p95);
  EXPECT_LT(resp.p95_ci.lo, resp.p95);
  EXPECT_GT(resp.p99_ci.hi, resp.p99);
  EXPECT_TRUE(covers(resp.p95_ci, p95, 2, 0.05));
  EXPECT_TRUE(covers(resp.p99_ci, p99, 2, 0.08));
}

json precise_mm1(json precision, int threads = 1) {
  return mm1({{"until", 5000},
              {"warmup", 200},
              {"replications", 2},
              {"seed", 704},
              {"threads", threads},
              {"precision", precision}});
}

TEST(Precision, AddsReplicationsUntilTheTargetIsMet) {
  auto r = run(precise_mm1({{"relative", 0.02}}));
  const auto& p = r.precision;
  ASSERT_TRUE(p.requested);
  EXPECT_TRUE(p.met) << p.reason;
  EXPECT_GT(p.replications, 10);  // the first 10 replications of 5000 s give ~3%
  EXPECT_EQ(r.run.replications, p.replications);
  ASSERT_EQ(p.targets.size(), 1u);
  EXPECT_EQ(p.targets[0].metric, "classes.jobs.response.mean");
  EXPECT_LE(p.targets[0].relative, 0.02);
  EXPECT_TRUE(covers(klass(r, "jobs").response.mean, 2.0, 2, 0.02));
  EXPECT_NE(p.reason.find("every target met"), std::string::npos) << p.reason;
}

TEST(Precision, IsTheSameOnAnyNumberOfThreads) {
  auto one = run(precise_mm1({{"relative", 0.02}}, 1));
  auto two = run(precise_mm1({{"relative", 0.02}}, 2));
  EXPECT_EQ(one.precision.replications, two.precision.replications);
  EXPECT_EQ(klass(one, "jobs").response.mean.mean, klass(two, "jobs").response.mean.mean);
  EXPECT_EQ(klass(one, "jobs").response.p99, klass(two, "jobs").response.p99);
}

TEST(Precision, StopsAtTheBudgetAndSaysSo) {
  auto r = run(precise_mm1({{"relative", 0.001}, {"max_replications", 8}}));
  EXPECT_FALSE(r.precision.met);
  EXPECT_EQ(r.precision.replications, 8);
  EXPECT_FALSE(r.precision.targets[0].met);
  EXPECT_NE(r.precision.reason.find("budget of 8 replications"), std::string::npos)
      << r.precision.reason;
}

TEST(Precision, NamedMetricsAndAStricterConfidenceNeedMoreReplications) {
  // Ten replications and no more: what the 95% interval of p95 reaches decides the targets.
  json spec = {{"relative", 1e-6},
               {"max_replications", 10},
               {"metrics", {"classes.jobs.response.p95", "stations.cpu.utilization"}}};
  auto probe = run(precise_mm1(spec));
  ASSERT_EQ(probe.precision.targets.size(), 2u);
  EXPECT_EQ(probe.precision.targets[0].metric, "classes.jobs.response.p95");
  const double rel95 = probe.precision.targets[0].relative;
  ASSERT_GT(rel95, 0);
  // A target 15% looser than that is met at 95%; at 99% the half-width is
  // t(0.995, 9) / t(0.975, 9) = 3.250 / 2.262 = 1.44 times wider, so it is not.
  spec["relative"] = 1.15 * rel95;
  spec["metrics"] = {"classes.jobs.response.p95"};
  auto at95 = run(precise_mm1(spec));
  spec["confidence"] = 0.99;
  auto at99 = run(precise_mm1(spec));
  EXPECT_TRUE(at95.precision.met);
  EXPECT_FALSE(at99.precision.met);
  EXPECT_EQ(at99.precision.replications, 10);
  EXPECT_NEAR(at99.precision.targets[0].relative / rel95, 3.2498 / 2.2622, 1e-3);
}

TEST(Precision, UnknownMetricsAreModelErrorsAtTheField) {
  auto error = [](json precision) -> std::string {
    try {
      run(precise_mm1(precision));
    } catch (const ModelError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(error({{"relative", 0.05}, {"metrics", {"classes.jbos.response.mean"}}})
                .find("run.precision.metrics[0]: no class named 'jbos'; did you mean 'jobs'?"),
            std::string::npos);
  EXPECT_NE(
      error({{"relative", 0.05}, {"metrics", {"stations.cpu.speed"}}}).find("is not a metric"),
      std::string::npos);
  EXPECT_NE(error(1.5).find("run.precision: a relative half-width must be in [0, 1)"),
            std::string::npos);
}

}  // namespace
}  // namespace tiersim::testing
