// Services in the model format: valid layered models compile into one copy
// of each operation's steps whatever the replica count, and mistakes are
// rejected at the field with the value.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tiersim/model/compiled_model.hpp"
#include "tiersim/model/loader.hpp"

namespace tiersim {
namespace {

using nlohmann::json;

json layered(int replicas = 3) {
  return json::parse(R"({
    "run": {"until": 100},
    "services": [
      {"name": "app", "replicas": )" +
                     std::to_string(replicas) + R"(, "threads": 4,
       "balancer": "round_robin",
       "stations": [{"name": "cpu", "servers": 2, "discipline": "ps"}],
       "pools": [{"name": "conns", "capacity": 2}],
       "operations": [
         {"name": "page", "steps": [
           {"visit": "cpu", "service": 0.01},
           {"acquire": "conns"},
           {"call": "db.query", "mean": 2},
           {"release": "conns"},
           {"reply": true},
           {"id": "log", "send": "db.log"}]}]},
      {"name": "db",
       "stations": [{"name": "disk"}],
       "operations": [
         {"name": "query", "steps": [{"visit": "disk", "service": 0.005}]},
         {"name": "log", "steps": [{"visit": "disk", "service": 0.001}]}]}],
    "classes": [{"name": "users", "interarrival": 1, "steps": [{"call": "app.page"}]}]
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

TEST(ServicesLoaderTest, OperationsCompileOnceWhateverTheReplicas) {
  auto small = compile(model_from_json(layered(2)));
  auto large = compile(model_from_json(layered(1000)));
  EXPECT_EQ(small.steps.size(), large.steps.size());
  EXPECT_EQ(large.stations.size(), 1000u + 1u);
  EXPECT_EQ(large.pools.size(), 2000u + 1u);  // threads and conns per replica, db's threads
  EXPECT_EQ(large.stations[0].name, "app[0].cpu");
  EXPECT_EQ(large.stations[999].name, "app[999].cpu");
  EXPECT_EQ(large.stations[1000].name, "db.disk");
}

TEST(ServicesLoaderTest, TrafficEquationsComposeThroughTheCalls) {
  auto m = compile(model_from_json(layered(4)));
  auto inv = m.operation_invocations(0);
  ASSERT_EQ(inv.size(), 3u);
  EXPECT_NEAR(inv[0], 1.0, 1e-12);  // app.page
  EXPECT_NEAR(inv[1], 2.0, 1e-12);  // db.query: a geometric mean of 2 per page
  EXPECT_NEAR(inv[2], 1.0, 1e-12);  // db.log
  auto d = m.station_demands(0);
  for (int r = 0; r < 4; ++r) EXPECT_NEAR(d[static_cast<std::size_t>(r)], 0.01 / 2 / 4, 1e-15);
  EXPECT_NEAR(d[4], 2 * 0.005 + 0.001, 1e-15);
}

TEST(ServicesLoaderTest, MistakesAreNamedAtTheirField) {
  auto m = layered();
  m["classes"][0]["steps"][0]["call"] = "app.pgae";
  EXPECT_EQ(error_of(m),
            "classes[0].steps[0].call: no operation named 'app.pgae'; did you mean 'app.page'?");

  m = layered();
  m["classes"][0]["steps"][0]["call"] = "page";
  EXPECT_NE(error_of(m).find("write SERVICE.OPERATION"), std::string::npos) << error_of(m);

  m = layered();
  m["classes"][0]["steps"].push_back({{"reply", true}});
  EXPECT_EQ(error_of(m),
            "classes[0].steps[1].reply: only an operation's steps can reply; class "
            "'users' has no caller");

  m = layered();
  m["services"][0]["operations"][0]["steps"].push_back({{"reply", true}, {"id", "again"}});
  EXPECT_NE(error_of(m).find("would reply twice"), std::string::npos) << error_of(m);

  m = layered();
  m["services"][1]["operations"][0]["steps"].push_back({{"call", "app.page"}});
  EXPECT_NE(error_of(m).find("services call each other in a cycle (app -> db -> app"),
            std::string::npos)
      << error_of(m);

  m = layered();
  m["services"][0]["operations"][0]["steps"].erase(3);  // no release of conns
  EXPECT_NE(error_of(m).find("services[0].operations[0]"), std::string::npos) << error_of(m);
  EXPECT_NE(error_of(m).find("still holding 1 of 'app[0].conns'"), std::string::npos)
      << error_of(m);

  m = layered();
  m["services"][0]["balancer"] = "roundrobin";
  EXPECT_EQ(error_of(m),
            "services[0].balancer: 'roundrobin' is not a balancer; did you mean "
            "'round_robin'? (expected random, round_robin, shortest_queue, "
            "least_utilized or key)");

  m = layered();
  m["services"][0]["pools"][0]["name"] = "threads";
  EXPECT_NE(error_of(m).find("services[0].pools[0].name: 'threads' is the service's own"),
            std::string::npos)
      << error_of(m);

  m = layered();
  m["classes"][0]["steps"][0]["count"] = 2;
  m["classes"][0]["steps"][0]["mean"] = 2;
  EXPECT_NE(error_of(m).find("classes[0].steps[0].mean: a call takes 'count'"), std::string::npos)
      << error_of(m);

  m = layered();
  m["services"][0]["operations"][0]["steps"][0]["visit"] = "cpuu";
  EXPECT_EQ(error_of(m),
            "services[0].operations[0].steps[0].visit: no station named 'cpuu'; did "
            "you mean 'cpu'?");
}

TEST(ServicesLoaderTest, AClosedClassWhoseCallsTakeNoTimeIsRejected) {
  auto m = layered();
  m["classes"][0] = json::parse(R"({"name": "users", "type": "closed", "population": 2,
      "steps": [{"call": "db.log"}]})");
  m["services"][1]["operations"][1]["steps"][0]["service"] = 0;
  EXPECT_NE(error_of(m).find("would cycle forever"), std::string::npos) << error_of(m);
  m["services"][1]["operations"][1]["steps"][0]["service"] = 0.1;
  EXPECT_EQ(error_of(m), "(no error)");
}

}  // namespace
}  // namespace tiersim
