// Issue 18: inputs that crashed, hung or gave silent wrong numbers. Each
// group covers a category (route structure, numbers and what arithmetic makes
// of them, run length), not only the example that was found.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "tiersim/model/compiled_model.hpp"
#include "tiersim/model/loader.hpp"
#include "tiersim/sim/experiment.hpp"

namespace tiersim {
namespace {

using nlohmann::json;

// One open class over two stations; tests replace its steps or fields.
json base() {
  return json::parse(R"({
    "run": {"until": 100, "seed": 1},
    "stations": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
    "classes": [{"name": "req", "interarrival": {"dist": "exponential", "mean": 10},
                 "steps": [{"visit": "a", "service": 0.1}]}]
  })");
}

json with_steps(const char* steps) {
  json doc = base();
  doc["classes"][0]["steps"] = json::parse(steps);
  return doc;
}

std::string error_of(const json& doc) {
  try {
    compile(model_from_json(doc));
  } catch (const ModelError& e) {
    return e.what();
  }
  return "(no error)";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

// ---- route structure: forks and joins ----------------------------------

TEST(RouteStructure, AJoinReachableWithoutItsForkIsRejected) {
  // 'a' may skip the fork and go straight to the join: the engine would meet
  // a request with no parent at the join (a segfault before issue 18).
  json doc = with_steps(R"([
    {"id": "a", "visit": "a", "service": 0.1, "next": [{"to": "f", "p": 0.5}, {"to": "j", "p": 0.5}]},
    {"id": "f", "fork": ["b1", "b2"]},
    {"id": "b1", "visit": "b", "service": 0.1, "next": "j"},
    {"id": "b2", "visit": "c", "service": 0.1, "next": "j"},
    {"id": "j", "join": "f"}])");
  std::string msg = error_of(doc);
  EXPECT_TRUE(starts_with(msg, "classes[0].steps[4]: join 'j' can be reached from step 'a'"))
      << msg;
}

TEST(RouteStructure, ARouteStartingInsideABranchIsRejected) {
  json doc = with_steps(R"([
    {"id": "b1", "visit": "b", "service": 0.1, "next": "j"},
    {"id": "j", "join": "f", "next": [{"to": "f", "p": 0.5}, {"to": "exit", "p": 0.5}]},
    {"id": "f", "fork": ["b1"]}])");
  std::string msg = error_of(doc);
  EXPECT_TRUE(starts_with(msg,
                          "classes[0].steps[0]: step 'b1' is inside a branch of fork 'f' but "
                          "is the route's first step"))
      << msg;
}

TEST(RouteStructure, AStepAfterTheJoinMayNotLeadBackIntoABranch) {
  // After the join the parent walks on; entering a branch step it would
  // arrive at the join again as if it were a branch.
  json doc = with_steps(R"([
    {"id": "f", "fork": ["b1", "b2"]},
    {"id": "b1", "visit": "b", "service": 0.1, "next": "j"},
    {"id": "b2", "visit": "c", "service": 0.1, "next": "j"},
    {"id": "j", "join": "f"},
    {"id": "after", "visit": "a", "service": 0.1, "next": [{"to": "b1", "p": 0.5}, {"to": "exit", "p": 0.5}]}])");
  std::string msg = error_of(doc);
  EXPECT_TRUE(starts_with(msg, "classes[0].steps[1]: step 'b1' is inside a branch of fork 'f'"))
      << msg;
  EXPECT_NE(msg.find("from step 'after'"), std::string::npos) << msg;
}

TEST(RouteStructure, ABranchThatLoopsBackIntoItsForkIsRejected) {
  // Before issue 18: accepted, responses below the route's minimum, and the
  // stuck parents leaked.
  json doc = with_steps(R"([
    {"id": "f", "fork": ["b1", "b2"]},
    {"id": "b1", "visit": "b", "service": 0.1, "next": [{"to": "f", "p": 0.3}, {"to": "j", "p": 0.7}]},
    {"id": "b2", "visit": "c", "service": 0.1, "next": "j"},
    {"id": "j", "join": "f"}])");
  std::string msg = error_of(doc);
  EXPECT_TRUE(starts_with(msg,
                          "classes[0].steps[1]: step 'b1' inside a branch of fork 'f' leads "
                          "back to the fork"))
      << msg;
}

TEST(RouteStructure, AForkListingItselfIsRejected) {
  // Before issue 18: forked forever at time 0 until bad_alloc.
  json doc = with_steps(R"([
    {"id": "f", "fork": ["f", "b"]},
    {"id": "b", "visit": "b", "service": 0.1, "next": "j"},
    {"id": "j", "join": "f"}])");
  std::string msg = error_of(doc);
  EXPECT_TRUE(starts_with(msg, "classes[0].steps[0].fork: fork 'f' lists itself")) << msg;
}

TEST(RouteStructure, AForkHasOneJoin) {
  json doc = with_steps(R"([
    {"id": "f", "fork": ["b1", "b2"]},
    {"id": "b1", "visit": "b", "service": 0.1, "next": "j1"},
    {"id": "b2", "visit": "c", "service": 0.1, "next": "j2"},
    {"id": "j1", "join": "f", "next": "j2"},
    {"id": "j2", "join": "f"}])");
  std::string msg = error_of(doc);
  EXPECT_TRUE(starts_with(msg, "classes[0].steps[4]: fork 'f' already has a join")) << msg;
}

TEST(RouteStructure, AnOperationsForksFollowTheSameRules) {
  // Operations are routes too (compiled with a thread step before the
  // user's steps): the rules and the paths must hold there as well.
  json doc = base();
  doc["services"] = json::parse(R"([{"name": "db", "stations": [{"name": "cpu"}],
    "operations": [{"name": "q", "steps": [
      {"id": "a", "visit": "cpu", "service": 0.01, "next": [{"to": "f", "p": 0.5}, {"to": "j", "p": 0.5}]},
      {"id": "f", "fork": ["b"]},
      {"id": "b", "visit": "cpu", "service": 0.01, "next": "j"},
      {"id": "j", "join": "f"}]}]}])");
  doc["classes"][0]["steps"].push_back({{"call", "db.q"}});
  std::string msg = error_of(doc);
  // Refused at the join (compile's holdings check may speak first: the
  // branch arrives without the thread its parent holds).
  EXPECT_TRUE(starts_with(msg, "services[0].operations[0].steps[3]: ")) << msg;
  EXPECT_NE(msg.find("join 'j'"), std::string::npos) << msg;
}

TEST(RouteStructure, NestedForksAndLoopsAroundAWholeForkStillRun) {
  // The rules must not refuse what is well nested: a fork inside a branch,
  // a loop inside a branch, and a loop from after the join back to the fork.
  json doc = with_steps(R"([
    {"id": "f", "fork": ["b1", "b2"]},
    {"id": "b1", "visit": "b", "service": 0.1, "next": [{"to": "b1", "p": 0.2}, {"to": "g", "p": 0.8}]},
    {"id": "g", "fork": ["c1", "c2", "h"]},
    {"id": "c1", "visit": "c", "service": 0.05, "next": "h"},
    {"id": "c2", "delay": 0.05, "next": "h"},
    {"id": "h", "join": "g", "next": "j"},
    {"id": "b2", "visit": "c", "service": 0.1, "next": "j"},
    {"id": "j", "join": "f"},
    {"id": "after", "visit": "a", "service": 0.1, "next": [{"to": "f", "p": 0.25}, {"to": "exit", "p": 0.75}]}])");
  ASSERT_EQ(error_of(doc), "(no error)");
  ExperimentResult r = run_json(doc.dump());
  ASSERT_EQ(r.classes.size(), 1u);
  EXPECT_GT(r.classes[0].completions, 0);
  // No response is shorter than the slower branch (b1 then the inner fork:
  // 0.15) plus 'after' (0.1); a branch that re-entered its fork broke this.
  EXPECT_GE(r.classes[0].response.p50, 0.25 * (1 - 1.0 / 128));
  EXPECT_FALSE(r.saturation.saturated);
}

// ---- numbers: finite, in range, also after arithmetic ------------------

TEST(Numbers, ChooseWeightsWhoseSumOverflowsAreScaledNotCrashed) {
  // [1e308, 1e308] summed to infinity, every probability became 0 and
  // compile read past an empty edge list (SIGSEGV before issue 18).
  json doc = base();
  doc["stations"].push_back({{"name", "d"}});
  doc["classes"][0]["steps"] = json::parse(R"([
    {"choose": "random", "to": ["x", "y"], "weights": [1e308, 1e308]},
    {"id": "x", "visit": "a", "service": 0.1, "next": "exit"},
    {"id": "y", "visit": "b", "service": 0.1}])");
  ModelSpec m = model_from_json(doc);
  ASSERT_EQ(m.classes[0].steps[0].next.size(), 2u);
  EXPECT_DOUBLE_EQ(m.classes[0].steps[0].next[0].probability, 0.5);
  EXPECT_DOUBLE_EQ(m.classes[0].steps[0].next[1].probability, 0.5);
  // Extreme ratios too: the largest weight dominates, nothing is NaN.
  doc["classes"][0]["steps"][0]["weights"] = json::array({5e-324, 1.7976931348623157e308});
  m = model_from_json(doc);
  for (const auto& e : m.classes[0].steps[0].next) EXPECT_TRUE(std::isfinite(e.probability));
  EXPECT_DOUBLE_EQ(m.classes[0].steps[0].next[1].probability, 1.0);
  // A weight 1e-632 times the other is never taken: its step is unreachable.
  EXPECT_TRUE(starts_with(error_of(doc), "classes[0].steps[1]: step 'x' is unreachable"))
      << error_of(doc);
}

struct DistCase {
  const char* name;
  const char* dist;  // JSON of the service distribution
  const char* path;  // expected start of the message
};

class NumbersRejected : public ::testing::TestWithParam<DistCase> {};

TEST_P(NumbersRejected, AtTheDistributionField) {
  json doc = base();
  doc["classes"][0]["steps"][0]["service"] = json::parse(GetParam().dist);
  std::string msg = error_of(doc);
  EXPECT_TRUE(starts_with(msg, GetParam().path)) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    Issue18, NumbersRejected,
    ::testing::Values(
        // Accepted before, with simulated means of 0: the underlying normal
        // had sigma = inf.
        DistCase{"lognormal_cv_1e200", R"({"dist": "lognormal", "mean": 1, "cv": 1e200})",
                 "classes[0].steps[0].service.cv: 1e+200 is too variable"},
        DistCase{"lognormal_cv_1e4", R"({"dist": "lognormal", "mean": 1, "cv": 1e4})",
                 "classes[0].steps[0].service.cv: 10000.0 is too variable"},
        DistCase{"hyper_scv_1e7", R"({"dist": "hyperexponential", "mean": 1, "scv": 1e7})",
                 "classes[0].steps[0].service.scv: 10000000.0 is too variable"},
        // Means and second moments that overflow.
        DistCase{"uniform_mean", R"({"dist": "uniform", "low": 1.7e308, "high": 1.7e308})",
                 "classes[0].steps[0].service: uniform: the second moment overflows"},
        DistCase{"uniform_wide", R"({"dist": "uniform", "low": 0, "high": 1e200})",
                 "classes[0].steps[0].service: uniform: the second moment overflows"},
        DistCase{"empirical_sum", R"({"dist": "empirical", "samples": [1.7e308, 1.7e308]})",
                 "classes[0].steps[0].service: empirical: the mean overflows"},
        DistCase{"empirical_cdf", R"({"dist": "empirical", "cdf": [[0, 0], [1e300, 1]]})",
                 "classes[0].steps[0].service.cdf: empirical: the second moment overflows"},
        DistCase{"deterministic", R"({"dist": "deterministic", "value": 1e200})",
                 "classes[0].steps[0].service: deterministic: the second moment overflows"},
        DistCase{"erlang", R"({"dist": "erlang", "k": 2, "mean": 1e300})",
                 "classes[0].steps[0].service: erlang: the second moment overflows"},
        DistCase{"hyper2", R"({"dist": "hyperexponential", "p": 0.5, "mean1": 1e300, "mean2": 1})",
                 "classes[0].steps[0].service: hyperexponential: the second moment overflows"},
        // Derived parameters that underflow or overflow.
        DistCase{"exponential_rate", R"({"dist": "exponential", "mean": 1e-320})",
                 "classes[0].steps[0].service: exponential: mean = "},
        DistCase{"erlang_phase", R"({"dist": "erlang", "k": 1000000, "mean": 1e-320})",
                 "classes[0].steps[0].service: erlang: mean = "},
        DistCase{"pareto_scale",
                 R"({"dist": "pareto", "alpha": 1.0000000000000002, "mean": 1e-310})",
                 "classes[0].steps[0].service: pareto: mean = "}),
    [](const ::testing::TestParamInfo<DistCase>& p) { return std::string(p.param.name); });

TEST(Numbers, ASpeedThatMakesAServiceTimeOverflowIsRejectedAtTheSpeed) {
  json doc = base();
  doc["stations"][0]["speed"] = 1e-200;
  doc["classes"][0]["steps"][0]["service"] = 1e120;
  std::string msg = error_of(doc);
  EXPECT_TRUE(starts_with(
      msg, "stations: the service time of step 'a' of class 'req' divided by the speed"))
      << msg;
}

TEST(Numbers, IntegersAreReadExactly) {
  // 2^53 + 1 became 2^53 through a double: a different seed, silently.
  json doc = base();
  doc["run"]["seed"] = std::uint64_t{9007199254740993u};
  EXPECT_EQ(model_from_json(doc).run.seed, 9007199254740993u);
  doc["run"]["seed"] = std::uint64_t{18446744073709551615u};
  EXPECT_NE(error_of(doc).find("run.seed: 18446744073709551615 is out of range"), std::string::npos)
      << error_of(doc);
  // A whole number written as a double past 2^53 may already be rounded.
  doc["run"]["seed"] = 1e17;
  EXPECT_TRUE(starts_with(error_of(doc), "run.seed: 1e+17 is beyond 2^53")) << error_of(doc);
  doc["run"]["seed"] = -1;
  EXPECT_TRUE(starts_with(error_of(doc), "run.seed: -1 is out of range")) << error_of(doc);
  doc = base();
  doc["run"]["max_completions"] = std::uint64_t{9007199254740993u};
  EXPECT_TRUE(starts_with(error_of(doc), "run.max_completions: 9007199254740993 is out of range"))
      << error_of(doc);
}

// ---- run length: times so small the clock cannot reach run.until -------

TEST(RunLength, AnInterarrivalTooSmallToReachUntilIsRejected) {
  // 5e-324 per arrival: the run never ended before issue 18.
  json doc = base();
  doc["classes"][0]["interarrival"] = 5e-324;
  std::string msg = error_of(doc);
  EXPECT_TRUE(starts_with(msg, "classes[0].interarrival: has mean 4.94e-324: reaching run.until"))
      << msg;
  // The guard is a count of arrivals, not a floor on times: the same tiny
  // time with a run.until to match is fine, and so is a run that ends on
  // completions.
  doc["run"]["until"] = 1e-320;
  EXPECT_EQ(error_of(doc), "(no error)");
  doc["run"]["until"] = 0;
  doc["run"]["max_completions"] = 1000;
  doc["classes"][0]["steps"][0]["service"] = 0;  // else it saturates at once, correctly
  EXPECT_EQ(error_of(doc), "(no error)");
  ExperimentResult r = run_json(doc.dump());
  EXPECT_DOUBLE_EQ(r.classes[0].completions, 1000);
}

TEST(RunLength, ClosedUsersThatCycleTooFastAreRejectedAtTheThinkTime) {
  json doc = base();
  doc["classes"][0] = json::parse(R"({"name": "u", "type": "closed", "population": 5,
      "think": 1e-300, "steps": [{"visit": "a", "service": 0}]})");
  std::string msg = error_of(doc);
  EXPECT_TRUE(starts_with(msg, "classes[0].think: is 1e-300 and class 'u' cycles so fast")) << msg;
  // Bounded by the bottleneck, not by the population: 1000 users with a
  // service of 1 at one server cycle at most once per time unit.
  doc["classes"][0] = json::parse(R"({"name": "u", "type": "closed", "population": 1000,
      "think": 0, "steps": [{"visit": "a", "service": 1}]})");
  doc["run"]["until"] = 1e11;
  EXPECT_EQ(error_of(doc), "(no error)");
}

// ---- documented limits: refused up front, with the limit ----------------

TEST(Limits, WhatWouldEndInBadAllocIsRefusedUpFrontWithTheLimit) {
  // Each of these ended in bad_alloc before issue 18.
  json doc = base();
  doc["run"]["max_in_system"] = std::uint64_t{1} << 32;
  EXPECT_TRUE(starts_with(error_of(doc),
                          "run.max_in_system: 4294967296 is out of range; expected "
                          "a whole number from 1 to 10000000"))
      << error_of(doc);
  doc = base();
  doc["run"]["replications"] = 100000;
  EXPECT_TRUE(starts_with(error_of(doc), "run.replications: 100000 is out of range"))
      << error_of(doc);
  doc = base();
  doc["classes"].push_back(doc["classes"][0]);
  doc["classes"][1]["name"] = "other";
  doc["run"]["replications"] = 10000;
  EXPECT_TRUE(starts_with(error_of(doc), "run.replications: 10000 replications of 2 classes keep"))
      << error_of(doc);
  doc = base();
  doc["classes"][0] = json::parse(R"({"name": "u", "type": "closed", "population": 100000000,
      "think": 1, "steps": [{"visit": "a", "service": 0.1}]})");
  EXPECT_TRUE(starts_with(error_of(doc),
                          "classes: hold 1e+08 users and batch jobs in all; at most "
                          "1e+07"))
      << error_of(doc);
  doc = base();
  for (int i = 0; i < 5; ++i)
    doc["pools"].push_back(
        {{"name", "t" + std::to_string(i)}, {"capacity", 1}, {"keys", 10000000}});
  EXPECT_TRUE(
      starts_with(error_of(doc), "pools: lock tables hold 5e+07 keys in all; at most 1e+07"))
      << error_of(doc);
}

}  // namespace
}  // namespace tiersim
