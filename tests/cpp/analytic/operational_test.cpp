// Operational analysis of whole models against hand-computed demands and bounds.
#include "tiersim/analytic/operational.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tiersim/model/loader.hpp"

namespace tiersim::analytic {
namespace {

using nlohmann::json;

json exp_mean(double m) { return {{"dist", "exponential"}, {"mean", m}}; }

// The 3-tier model of examples/models/three_tier.yaml, as JSON (C++ reads no
// YAML; tests/python/test_io.py keeps the two files equal).
json three_tier() {
  std::ifstream in(std::string(TIERSIM_SOURCE_DIR) + "/tests/data/three_tier.json");
  return json::parse(in);
}

OperationalAnalysis analyse(const json& m) { return analyze(compile(model_from_json(m))); }

TEST(OperationalAnalysisTest, ThreeTierDemandsAndBoundsMatchTheHandComputation) {
  auto a = analyse(three_tier());
  const auto& c = a.classes.at(0);
  EXPECT_NEAR(c.total_demand, 0.038, 1e-12);  // 2 + 10 + 2x5 + 2x8 ms
  EXPECT_NEAR(c.max_demand, 0.016, 1e-12);    // the disk, visited twice
  EXPECT_EQ(c.bottleneck, "db_disk");
  EXPECT_EQ(a.bottleneck, "db_disk");
  EXPECT_NEAR(c.throughput_upper, 62.5, 1e-9);  // min(100/1.038, 1/0.016)
  EXPECT_NEAR(c.n_star, 1.038 / 0.016, 1e-9);   // 64.9 users
  EXPECT_NEAR(c.response_lower, 100 * 0.016 - 1.0, 1e-9);
  EXPECT_NEAR(c.demands[2].visits, 2.0, 1e-12);
  EXPECT_NEAR(c.demands[2].demand_per_server, 0.005, 1e-12);
  // Pools make it a layered model: the analysis says so.
  ASSERT_FALSE(a.caveats.empty());
  EXPECT_NE(a.caveats[0].find("pools"), std::string::npos);
  ASSERT_TRUE(a.mva_applied);
  EXPECT_EQ(a.mva_method, "exact (load-dependent)");
  EXPECT_LE(a.mva_throughput[0], c.throughput_upper + 1e-9);
}

TEST(OperationalAnalysisTest, OpenModelPredictsUtilizationAndSaturationRate) {
  json m = {{"stations", {{{"name", "cpu"}, {"servers", 2}}, {{"name", "disk"}}}},
            {"classes",
             {{{"name", "web"},
               {"interarrival", exp_mean(0.1)},
               {"steps",
                {{{"visit", "cpu"}, {"service", exp_mean(0.08)}},
                 {{"visit", "disk"},
                  {"service", 0.02},
                  {"next", {{{"to", "cpu"}, {"p", 0.5}}, {{"to", "exit"}, {"p", 0.5}}}}}}}}}}};
  auto a = analyse(m);
  // Visits 2 each: cpu 0.16 s over 2 servers, disk 0.04 s. lambda = 10/s.
  EXPECT_NEAR(a.stations[0].open_utilization, 0.8, 1e-9);
  EXPECT_NEAR(a.stations[1].open_utilization, 0.4, 1e-9);
  EXPECT_EQ(a.bottleneck, "cpu");
  EXPECT_NEAR(a.classes[0].throughput_upper, 12.5, 1e-9);
  EXPECT_FALSE(a.mva_applied);
  // The deterministic disk at a FCFS station is flagged as not product form.
  bool flagged = false;
  for (const auto& c : a.caveats)
    flagged = flagged || c.find("'disk' is FCFS") != std::string::npos;
  EXPECT_TRUE(flagged);
}

TEST(OperationalAnalysisTest, ProductFormClosedModelHasNoCaveatsAndExactMva) {
  json m = {{"stations", {{{"name", "cpu"}}, {{"name", "think"}, {"discipline", "delay"}}}},
            {"classes",
             {{{"name", "u"},
               {"type", "closed"},
               {"population", 5},
               {"think", exp_mean(1.0)},
               {"steps",
                {{{"visit", "cpu"}, {"service", exp_mean(0.2)}},
                 {{"visit", "think"}, {"service", exp_mean(0.5)}}}}}}}};
  auto a = analyse(m);
  EXPECT_TRUE(a.caveats.empty());
  EXPECT_NEAR(a.classes[0].think, 1.5, 1e-12);  // think time plus the delay station
  ASSERT_TRUE(a.mva_applied);
  EXPECT_EQ(a.mva_method, "exact");
  // One queue, N = 5, D = 0.2, Z = 1.5: exact MVA by hand.
  double q = 0, x = 0;
  for (int n = 1; n <= 5; ++n) {
    double r = 0.2 * (1 + q);
    x = n / (1.5 + r);
    q = x * r;
  }
  EXPECT_NEAR(a.mva_throughput[0], x, 1e-12);
}

TEST(OperationalAnalysisTest, TwoClassesUseMultiClassMva) {
  json m = {{"stations",
             {{{"name", "cpu"}, {"discipline", "ps"}}, {{"name", "disk"}, {"discipline", "ps"}}}},
            {"classes",
             {{{"name", "a"},
               {"type", "closed"},
               {"population", 3},
               {"think", exp_mean(1.0)},
               {"steps",
                {{{"visit", "cpu"}, {"service", exp_mean(0.1)}},
                 {{"visit", "disk"}, {"service", exp_mean(0.3)}}}}},
              {{"name", "b"},
               {"type", "closed"},
               {"population", 2},
               {"think", exp_mean(2.0)},
               {"steps", {{{"visit", "cpu"}, {"service", exp_mean(0.4)}}}}}}}};
  auto a = analyse(m);
  ASSERT_TRUE(a.mva_applied);
  EXPECT_EQ(a.mva_method, "exact");
  ASSERT_EQ(a.mva_throughput.size(), 2u);
  EXPECT_LT(a.mva_throughput[0], 3 / 1.4);
  EXPECT_LT(a.mva_throughput[1], 2 / 2.4);
}

}  // namespace
}  // namespace tiersim::analytic
