// Deadlocks among pools are detected at run time, named, and end the run cleanly.
#include "tiersim/model/loader.hpp"
#include "validation_support.hpp"

namespace tiersim::testing {
namespace {

json closed(const std::string& name, int population, const json& steps) {
  return {{"name", name},
          {"type", "closed"},
          {"population", population},
          {"think", exponential(0.5)},
          {"steps", steps}};
}

// Takes `first`, works, takes `second`, works, and releases both.
json locked(const std::string& first, const std::string& second) {
  return json{{{"acquire", first}},
              {{"id", "hold " + first}, {"visit", "cpu"}, {"service", exponential(0.2)}},
              {{"acquire", second}},
              {{"id", "hold both"}, {"visit", "cpu"}, {"service", exponential(0.05)}},
              {{"release", second}},
              {{"release", first}}};
}

TEST(DeadlockTest, ATierThatCallsItselfWithAllThreadsHeldIsReported) {
  // Each request holds a thread of `tier` and asks for a second one for its
  // nested call: with every thread held by a request waiting for another, no
  // one can proceed.
  json m = {{"run", {{"until", 100000}, {"seed", 1}}},
            {"stations", {{{"name", "cpu"}}}},
            {"pools", {{{"name", "tier"}, {"capacity", 3}}}},
            {"classes",
             {closed("calls", 10,
                     {{{"acquire", "tier"}},
                      {{"id", "work"}, {"visit", "cpu"}, {"service", exponential(0.1)}},
                      {{"id", "nested call"}, {"acquire", "tier"}},
                      {{"id", "inner"}, {"visit", "cpu"}, {"service", exponential(0.1)}},
                      {{"release", "tier"}, {"tokens", 2}}})}}};
  auto r = run(m);
  ASSERT_TRUE(r.deadlock.detected);
  EXPECT_EQ(r.deadlock.pools, std::vector<std::string>{"tier"});
  EXPECT_NE(r.deadlock.reason.find("nested call"), std::string::npos) << r.deadlock.reason;
  EXPECT_LT(r.deadlock.time, 100000.0);  // ended at detection, not at `until`
}

TEST(DeadlockTest, LockOrderInversionIsReportedWithBothLocks) {
  json m = {{"run", {{"until", 100000}, {"seed", 2}}},
            {"stations", {{{"name", "cpu"}, {"discipline", "delay"}}}},
            {"pools", {{{"name", "row_a"}, {"capacity", 1}}, {{"name", "row_b"}, {"capacity", 1}}}},
            {"classes",
             {closed("a_then_b", 2, locked("row_a", "row_b")),
              closed("b_then_a", 2, locked("row_b", "row_a"))}}};
  auto r = run(m);
  ASSERT_TRUE(r.deadlock.detected);
  EXPECT_EQ(r.deadlock.pools, (std::vector<std::string>{"row_a", "row_b"}));
}

// Under open arrivals the model never freezes (arrivals keep coming), so a
// deadlock must be caught when the last request of the cycle starts waiting,
// not by a periodic sweep many thousands of events later.
TEST(DeadlockTest, LockOrderInversionUnderOpenArrivalsIsReportedWhenItForms) {
  auto open = [&](const std::string& name, const json& steps) {
    return json{{"name", name}, {"interarrival", exponential(1.0)}, {"steps", steps}};
  };
  json m = {
      {"run", {{"until", 100000}, {"seed", 4}}},
      {"stations", {{{"name", "cpu"}, {"discipline", "delay"}}}},
      {"pools", {{{"name", "row_a"}, {"capacity", 1}}, {{"name", "row_b"}, {"capacity", 1}}}},
      {"classes",
       {open("a_then_b", locked("row_a", "row_b")), open("b_then_a", locked("row_b", "row_a"))}}};
  auto r = run(m);
  ASSERT_TRUE(r.deadlock.detected);
  EXPECT_EQ(r.deadlock.pools, (std::vector<std::string>{"row_a", "row_b"}));
  EXPECT_FALSE(r.saturation.saturated);
  // At 2 arrivals a second the periodic sweep (every 65,536 events) could
  // not report before ~15,000 s; caught at formation it is seconds.
  EXPECT_LT(r.deadlock.time, 200.0);
  // Run to just before: no deadlock yet, so it formed in the last second.
  m["run"]["until"] = r.deadlock.time - 1.0;
  auto before = run(m);
  EXPECT_FALSE(before.deadlock.detected);
}

TEST(DeadlockTest, ATierCallingItselfUnderOpenArrivalsIsReportedWhenItForms) {
  json m = {{"run", {{"until", 100000}, {"seed", 5}}},
            {"stations", {{{"name", "cpu"}, {"discipline", "delay"}}}},
            {"pools", {{{"name", "tier"}, {"capacity", 3}}}},
            {"classes",
             {{{"name", "calls"},
               {"interarrival", exponential(0.5)},
               {"steps",
                {{{"acquire", "tier"}},
                 {{"id", "work"}, {"visit", "cpu"}, {"service", exponential(1.0)}},
                 {{"id", "nested call"}, {"acquire", "tier"}},
                 {{"id", "inner"}, {"visit", "cpu"}, {"service", exponential(0.1)}},
                 {{"release", "tier"}, {"tokens", 2}}}}}}}};
  auto r = run(m);
  ASSERT_TRUE(r.deadlock.detected);
  EXPECT_EQ(r.deadlock.pools, std::vector<std::string>{"tier"});
  EXPECT_LT(r.deadlock.time, 200.0);
  m["run"]["until"] = r.deadlock.time - 1.0;
  EXPECT_FALSE(run(m).deadlock.detected);
}

TEST(DeadlockTest, OnlyACycleInAcquisitionOrderCanDeadlock) {
  // Nested pools taken in one order (threads, then connections) never can;
  // the inversion and the self-call above can.
  auto flat = [](const json& steps) {
    return json{{"run", {{"until", 10}}},
                {"stations", {{{"name", "cpu"}}}},
                {"pools", {{{"name", "a"}, {"capacity", 2}}, {{"name", "b"}, {"capacity", 2}}}},
                {"classes", {{{"name", "c"}, {"interarrival", 1}, {"steps", steps}}}}};
  };
  json ordered = {{{"acquire", "a"}},
                  {{"acquire", "b"}},
                  {{"visit", "cpu"}, {"service", 0.1}},
                  {{"release", "b"}},
                  {{"release", "a"}}};
  json again = {{{"acquire", "a"}},
                {{"id", "a2"}, {"acquire", "a"}},
                {{"visit", "cpu"}, {"service", 0.1}},
                {{"release", "a"}, {"tokens", 2}}};
  EXPECT_FALSE(compile(parse_model(flat(ordered).dump())).deadlock_possible);
  EXPECT_TRUE(compile(parse_model(flat(again).dump())).deadlock_possible);
}

TEST(DeadlockTest, BusyPoolsThatStillMoveAreNotADeadlock) {
  // The 3-tier shape: every pool has a queue, but the holders are working.
  json m = {
      {"run", {{"until", 3000}, {"seed", 3}}},
      {"stations", {{{"name", "cpu"}, {"discipline", "ps"}, {"servers", 2}}, {{"name", "disk"}}}},
      {"pools", {{{"name", "threads"}, {"capacity", 4}}, {{"name", "conns"}, {"capacity", 2}}}},
      {"classes",
       {closed("users", 60,
               {{{"acquire", "threads"}},
                {{"visit", "cpu"}, {"service", exponential(0.01)}},
                {{"acquire", "conns"}},
                {{"visit", "disk"}, {"service", exponential(0.02)}},
                {{"release", "conns"}},
                {{"release", "threads"}}})}}};
  auto r = run(m);
  EXPECT_FALSE(r.deadlock.detected) << r.deadlock.reason;
  EXPECT_GT(r.pools[0].mean_queue_length.mean, 1.0);  // the pools really were contended
}

}  // namespace
}  // namespace tiersim::testing

namespace tiersim::testing {
namespace {

json pooled(int threads) {
  // Each request holds a thread while it waits 0.1 s on a slow external call
  // (a delay station: never saturated) and uses 10 ms of CPU.
  return {{"run", {{"until", 3000}, {"replications", 2}, {"seed", 5}}},
          {"stations",
           {{{"name", "cpu"}, {"servers", 4}}, {{"name", "backend"}, {"discipline", "delay"}}}},
          {"pools", {{{"name", "threads"}, {"capacity", threads}}}},
          {"classes",
           {{{"name", "c"},
             {"interarrival", exponential(1 / 45.0)},
             {"steps",
              {{{"acquire", "threads"}},
               {{"visit", "cpu"}, {"service", exponential(0.01)}},
               {{"visit", "backend"}, {"service", exponential(0.1)}},
               {{"release", "threads"}}}}}}}};
}

TEST(BottleneckTest, AFullPoolWithIdleHardwareIsTheBottleneck) {
  auto r = run(pooled(5));  // 5 threads x 1/0.11 s = 45/s: the pool is the limit
  EXPECT_EQ(r.bottleneck.kind, "pool");
  EXPECT_EQ(r.bottleneck.station, "threads");
  EXPECT_GT(r.bottleneck.utilization, 0.9);
}

TEST(BottleneckTest, FullPoolsAboveASaturatedStationPointAtTheStation) {
  json m = pooled(5);
  m["classes"][0]["steps"][1]["service"] = exponential(0.09);  // cpu: 45 x 0.09 / 4 = 1.01
  m["stations"][0]["servers"] = 4;
  m["classes"][0]["steps"][2]["service"] = exponential(0.001);
  auto r = run(m);
  EXPECT_EQ(r.bottleneck.kind, "station");
  EXPECT_EQ(r.bottleneck.station, "cpu");
}

}  // namespace
}  // namespace tiersim::testing

#include <fstream>
#include <sstream>

namespace tiersim::testing {
namespace {

TEST(ZeroTimeCycleTest, ARouteThatNeverTakesTimeIsAModelErrorNotAHang) {
  // Found by the fuzzer: a branch on memory whose `under` leads back to itself.
  std::ifstream in(std::string(TIERSIM_SOURCE_DIR) +
                   "/tests/fuzz/corpus/regress_zero_time_branch_loop.json");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  try {
    run_json(text.str(), R"({"until": 10, "replications": 1})");
    FAIL() << "expected a ModelError";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("without ever taking time"), std::string::npos);
  }
}

}  // namespace
}  // namespace tiersim::testing
