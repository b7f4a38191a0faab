// Closed networks against exact Mean Value Analysis (single and two classes,
// single- and multi-server stations), and the asymptotic bounds.
#include <Eigen/Dense>

#include "tiersim/analytic/mva.hpp"
#include "validation_support.hpp"

namespace tiersim::testing {
namespace {

json closed_class(const std::string& name, int population, double think, const json& steps) {
  return {{"name", name}, {"type", "closed"}, {"population", population},
          {"think", exponential(think)}, {"steps", steps}};
}

TEST(ClosedVsMva, SingleClassThroughputAndResponseMatchExactMva) {
  // cpu (D = 0.2) and disk (D = 0.15, reached 1.5 times per cycle on average).
  json model = {
      {"run", {{"until", 20000}, {"warmup", 200}, {"replications", 10}, {"seed", 201}}},
      {"stations", {{{"name", "cpu"}}, {{"name", "disk"}}}},
      {"classes",
       {closed_class("users", 10, 5.0,
                     {{{"visit", "cpu"}, {"service", exponential(0.2)}},
                      {{"visit", "disk"},
                       {"service", exponential(0.1)},
                       {"next", {{{"to", "disk"}, {"p", 1.0 / 3}}, {{"to", "exit"}, {"p", 2.0 / 3}}}}}})}}};
  auto r = run(model);
  auto th = analytic::exact_mva({0.2, 0.15}, {false, false}, 5.0, 10);
  const auto& c = klass(r, "users");
  EXPECT_TRUE(covers(c.throughput, th.throughput.back(), 2, 0.02));
  EXPECT_TRUE(covers(c.response.mean, th.response.back(), 2, 0.05));
  EXPECT_TRUE(covers(station(r, "cpu").utilization, th.utilization[0], 2, 0.02));
  EXPECT_TRUE(covers(station(r, "disk").mean_in_system, th.queue_length[1], 2, 0.06));
}

TEST(ClosedVsMva, MultiServerStationsMatchLoadDependentMva) {
  // A 4-core PS CPU and a single disk: the CPU is load dependent (rate min(n, 4)).
  json model = {
      {"run", {{"until", 20000}, {"warmup", 200}, {"replications", 10}, {"seed", 202}}},
      {"stations", {{{"name", "cpu"}, {"discipline", "ps"}, {"servers", 4}}, {{"name", "disk"}}}},
      {"classes",
       {closed_class("users", 30, 2.0,
                     {{{"visit", "cpu"}, {"service", exponential(0.3)}},
                      {{"visit", "disk"}, {"service", exponential(0.06)}}})}}};
  auto r = run(model);
  auto th = analytic::exact_mva_ld({0.3, 0.06}, {4, 1}, {false, false}, 2.0, 30);
  const auto& c = klass(r, "users");
  EXPECT_TRUE(covers(c.throughput, th.throughput.back(), 2, 0.02));
  EXPECT_TRUE(covers(c.response.mean, th.response.back(), 2, 0.05));
}

TEST(ClosedVsMva, TwoClassesMatchMultiClassMva) {
  // Class-dependent demands need PS stations to stay product-form (BCMP).
  json model = {
      {"run", {{"until", 20000}, {"warmup", 200}, {"replications", 10}, {"seed", 203}}},
      {"stations", {{{"name", "cpu"}, {"discipline", "ps"}}, {{"name", "disk"}, {"discipline", "ps"}}}},
      {"classes",
       {closed_class("interactive", 6, 3.0,
                     {{{"visit", "cpu"}, {"service", exponential(0.1)}},
                      {{"visit", "disk"}, {"service", exponential(0.2)}}}),
        closed_class("batch", 3, 0.5,
                     {{{"visit", "cpu"}, {"service", exponential(0.4)}},
                      {{"visit", "disk"}, {"service", exponential(0.1)}}})}}};
  auto r = run(model);
  Eigen::MatrixXd d(2, 2);
  d << 0.1, 0.2, 0.4, 0.1;
  auto th = analytic::exact_mva_multiclass(d, {false, false}, {3.0, 0.5}, {6, 3});
  EXPECT_TRUE(covers(klass(r, "interactive").throughput, th.throughput(0), 2, 0.02));
  EXPECT_TRUE(covers(klass(r, "batch").throughput, th.throughput(1), 2, 0.02));
  EXPECT_TRUE(covers(klass(r, "interactive").response.mean, th.response(0), 2, 0.05));
  EXPECT_TRUE(covers(klass(r, "batch").response.mean, th.response(1), 2, 0.05));
}

TEST(ClosedVsMva, ThroughputStaysInsideTheAsymptoticBounds) {
  // X(N) <= min(N/(D+Z), 1/Dmax) at every population.
  for (int n : {1, 5, 20, 60}) {
    json model = {
        {"run", {{"until", 5000}, {"replications", 4}, {"seed", 300 + n}}},
        {"stations", {{{"name", "cpu"}}, {{"name", "disk"}}}},
        {"classes",
         {closed_class("users", n, 4.0,
                       {{{"visit", "cpu"}, {"service", exponential(0.1)}},
                        {{"visit", "disk"}, {"service", exponential(0.25)}}})}}};
    auto r = run(model);
    double bound = std::min(n / (0.35 + 4.0), 1 / 0.25);
    EXPECT_LE(klass(r, "users").throughput.lo, bound) << n;
  }
}

}  // namespace
}  // namespace tiersim::testing
