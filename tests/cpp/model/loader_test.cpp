// The model loader and compile(): valid models load, invalid ones are
// rejected with the field path and the bad value.
#include "tiersim/model/loader.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tiersim/model/compiled_model.hpp"

namespace tiersim {
namespace {

using nlohmann::json;

json valid() {
  return json::parse(R"({
    "name": "shop",
    "run": {"until": 100, "warmup": 10, "replications": 2, "seed": 3},
    "stations": [{"name": "cpu", "discipline": "ps", "servers": 2, "speed": 2.0},
                 {"name": "disk"}, {"name": "think", "discipline": "delay"}],
    "pools": [{"name": "threads", "capacity": 4}],
    "classes": [
      {"name": "web", "interarrival": {"dist": "exponential", "rate": 2},
       "steps": [{"acquire": "threads"},
                 {"visit": "cpu", "service": {"dist": "erlang", "k": 2, "mean": 0.2}},
                 {"visit": "disk", "service": 0.01,
                  "next": [{"to": "cpu", "p": 0.25}, {"to": "release threads", "p": 0.75}]},
                 {"release": "threads"}]},
      {"name": "batch", "type": "closed", "population": 3,
       "think": {"dist": "uniform", "low": 1, "high": 2},
       "steps": [{"visit": "think", "service": {"dist": "lognormal", "mean": 1, "cv": 2}}]}]
  })");
}

std::string error_of(const json& doc) {
  try {
    compile(model_from_json(doc));
  } catch (const ModelError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LoaderTest, ReadsAValidModel) {
  ModelSpec m = model_from_json(valid());
  EXPECT_EQ(m.name, "shop");
  ASSERT_EQ(m.stations.size(), 3u);
  EXPECT_EQ(m.stations[0].discipline, Discipline::kPs);
  EXPECT_EQ(m.stations[2].discipline, Discipline::kDelay);
  EXPECT_EQ(m.classes[0].steps[0].id, "acquire threads");
  EXPECT_EQ(m.classes[0].steps[2].next.size(), 2u);
  EXPECT_DOUBLE_EQ(m.classes[0].interarrival.mean(), 0.5);
  CompiledModel c = compile(m);
  // Speed 2 halves the CPU time.
  EXPECT_DOUBLE_EQ(c.steps[1].time.mean(), 0.1);
  // Visits follow the traffic equations: cpu and disk are visited 1/0.75 times.
  auto v = c.visit_ratios(0);
  EXPECT_NEAR(v[1], 4.0 / 3, 1e-12);
  EXPECT_NEAR(v[2], 4.0 / 3, 1e-12);
  auto d = c.station_demands(0);
  EXPECT_NEAR(d[0], 4.0 / 3 * 0.1 / 2, 1e-12);  // per server
  EXPECT_DOUBLE_EQ(c.station_demands(1)[2], 0.0);  // delay stations hold no demand
}

struct BadCase {
  const char* name;
  const char* json_pointer;  // where to change the valid model
  json value;                // the bad value (null: remove)
  const char* path;          // expected field path in the message
  const char* text;          // expected words
};

class LoaderRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(LoaderRejects, NamingTheFieldAndValue) {
  const BadCase& c = GetParam();
  json doc = valid();
  json::json_pointer ptr(c.json_pointer);
  if (c.value.is_null())
    doc.at(ptr.parent_pointer()).erase(ptr.back());
  else
    doc[ptr] = c.value;
  std::string msg = error_of(doc);
  EXPECT_NE(msg.find(c.path), std::string::npos) << "message: " << msg;
  EXPECT_NE(msg.find(c.text), std::string::npos) << "message: " << msg;
}

INSTANTIATE_TEST_SUITE_P(
    BadModels, LoaderRejects,
    ::testing::Values(
        BadCase{"unknown_key", "/stations/0/severs", 2, "stations[0].severs", "did you mean 'servers'"},
        BadCase{"negative_rate", "/classes/0/interarrival/rate", -2,
                "classes[0].interarrival.rate", "-2"},
        BadCase{"nan_like_string", "/stations/0/speed", "fast", "stations[0].speed", "expected a number"},
        BadCase{"zero_servers", "/stations/1/servers", 0, "stations[1].servers", "out of range"},
        BadCase{"bad_discipline", "/stations/1/discipline", "fifo", "stations[1].discipline",
                "unknown discipline 'fifo'"},
        BadCase{"probabilities", "/classes/0/steps/2/next/1/p", 0.7, "classes[0].steps[2].next",
                "sum to 0.95"},
        BadCase{"probability_range", "/classes/0/steps/2/next/1/p", 1.5,
                "classes[0].steps[2].next[1].p", "not a probability"},
        BadCase{"missing_station", "/classes/0/steps/1/visit", "cpuu", "classes[0].steps[1].visit",
                "did you mean 'cpu'"},
        BadCase{"missing_step", "/classes/0/steps/2/next/0/to", "cpx",
                "classes[0].steps[2].next[0].to", "no step with id 'cpx'"},
        BadCase{"missing_pool", "/classes/0/steps/0/acquire", "thread", "classes[0].steps[0].acquire",
                "no pool named 'thread'"},
        BadCase{"release_without_acquire", "/classes/1/steps/0", json{{"release", "threads"}},
                "classes[1].steps[0].release", "never acquires"},
        BadCase{"too_many_tokens", "/classes/0/steps/0/tokens", 5, "classes[0].steps[0].tokens",
                "capacity 4"},
        BadCase{"zero_population", "/classes/1/population", 0, "classes[1].population",
                "out of range"},
        BadCase{"unknown_distribution", "/classes/0/steps/1/service/dist", "erlag",
                "classes[0].steps[1].service.dist", "did you mean 'erlang'"},
        BadCase{"warmup_too_long", "/run/warmup", 500, "run.warmup", "not below run.until"},
        BadCase{"duplicate_station", "/stations/1/name", "cpu", "stations[1].name", "duplicate"},
        BadCase{"two_actions", "/classes/0/steps/1/delay", 1, "classes[0].steps[1]",
                "exactly one of visit"},
        BadCase{"no_classes", "/classes", json::array(), "classes", "at least one class"},
        BadCase{"empty_name", "/name", "", "name", "must not be empty"}),
    [](const ::testing::TestParamInfo<BadCase>& p) { return std::string(p.param.name); });

TEST(LoaderTest, RejectsUnreachableStepsAndRoutesWithoutExit) {
  json doc = valid();
  doc["classes"][0]["steps"][1]["next"] = "disk";
  doc["classes"][0]["steps"][2]["next"] = json::array({{{"to", "cpu"}, {"p", 1.0}}});
  EXPECT_NE(error_of(doc).find("no path to exit"), std::string::npos) << error_of(doc);
  doc = valid();
  doc["classes"][0]["steps"][0]["next"] = "exit";
  EXPECT_NE(error_of(doc).find("unreachable"), std::string::npos) << error_of(doc);
}

TEST(LoaderTest, RejectsTextThatIsNotJson) {
  try {
    parse_model("{not json");
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos);
  }
}

// Values that pass their own range checks but overflow inside a factory or
// compile() are still ModelErrors at the field (found by fuzzing).
TEST(LoaderTest, OverflowingParametersAreModelErrorsAtTheField) {
  json doc = valid();
  doc["classes"][0]["interarrival"] = json::parse(R"({"dist": "hyperexponential", "mean": 1, "scv": 1e300})");
  EXPECT_EQ(error_of(doc).rfind("classes[0].interarrival.scv: ", 0), 0u) << error_of(doc);
  doc = valid();
  doc["stations"][1]["speed"] = 5e-324;
  EXPECT_EQ(error_of(doc).rfind("stations[1].speed: ", 0), 0u) << error_of(doc);
  doc = valid();
  doc["classes"][0].erase("interarrival");
  doc["classes"][0]["schedule"] = json::parse(R"([{"from": 0, "rate": 1e-320}])");
  EXPECT_EQ(error_of(doc).rfind("classes[0].schedule: ", 0), 0u) << error_of(doc);
}

TEST(LoaderTest, RejectsAClosedClassWhoseCycleTakesNoTime) {
  json doc = valid();
  doc["classes"][1]["think"] = 0;
  doc["classes"][1]["steps"][0]["service"] = 0;
  EXPECT_EQ(error_of(doc).rfind("classes[1].think: is 0 and every step", 0), 0u) << error_of(doc);
  doc["classes"][1]["steps"][0]["service"] = 0.001;  // one step with time is enough
  EXPECT_EQ(error_of(doc), "(no error)");
}

// nlohmann reports a number beyond double as out_of_range, not parse_error.
TEST(LoaderTest, RejectsANumberTooLargeForADouble) {
  try {
    parse_model(R"({"run": {"seed": 1e400}, "classes": []})");
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tiersim

namespace tiersim {
namespace {

TEST(HoldingsTest, RejectsARouteThatExitsHoldingTokens) {
  json doc = valid();
  doc["classes"][0]["steps"][2]["next"] = json::parse(
      R"([{"to": "cpu", "p": 0.25}, {"to": "release threads", "p": 0.5}, {"to": "exit", "p": 0.25}])");
  std::string msg = error_of(doc);
  EXPECT_NE(msg.find("classes[0].steps[2]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("still holding 1 of 'threads'"), std::string::npos) << msg;
}

TEST(HoldingsTest, RejectsPathsThatHoldDifferentPools) {
  json doc = valid();
  // A first step that either acquires or goes straight to the CPU: the CPU is
  // then reached holding one token on one path and none on the other.
  auto& steps = doc["classes"][0]["steps"];
  steps.insert(steps.begin(), json::parse(R"({"id": "start", "visit": "disk", "service": 0.01,
      "next": [{"to": "acquire threads", "p": 0.5}, {"to": "cpu", "p": 0.5}]})"));
  // Depending on which path is walked first, the error is the inconsistency
  // itself or the release reached holding nothing; both name the problem.
  std::string msg = error_of(doc);
  EXPECT_TRUE(msg.find("on one path") != std::string::npos ||
              msg.find("holds 0") != std::string::npos)
      << msg;
}

TEST(HoldingsTest, RejectsALoopThatAcquiresWithoutReleasing) {
  json doc = valid();
  doc["classes"][0]["steps"][1]["next"] =
      json::array({{{"to", "acquire threads"}, {"p", 0.5}}, {{"to", "disk"}, {"p", 0.5}}});
  std::string msg = error_of(doc);
  EXPECT_NE(msg.find("holding"), std::string::npos) << msg;
}

TEST(HoldingsTest, RecordsWhatEachStepHoldsOnEntry) {
  CompiledModel c = compile(model_from_json(valid()));
  EXPECT_TRUE(c.steps[0].held.empty());
  ASSERT_EQ(c.steps[1].held.size(), 1u);
  EXPECT_EQ(c.steps[1].held[0].second, 1u);
  EXPECT_EQ(c.steps[3].held.size(), 1u);  // the release step holds the token on entry
}

TEST(LoaderTest, AMisspelledStationIsReportedAtItsOwnStep) {
  json doc = valid();
  doc["classes"][0]["steps"][1]["next"] = "disk";  // refers to step id "disk"...
  doc["classes"][0]["steps"][2]["visit"] = "dsk";  // ...whose station is misspelled
  std::string msg = error_of(doc);
  EXPECT_NE(msg.find("classes[0].steps[2].visit"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'disk'"), std::string::npos) << msg;
}

}  // namespace
}  // namespace tiersim
