// Layered services against theory: replicas behind balancers, calls with
// deterministic and geometric counts, early reply (a second phase that still
// holds the thread), asynchronous sends, sharding by key, threads held across
// nested calls, and losses inside a call.
#include <cmath>

#include "tiersim/analytic/single_station.hpp"
#include "tiersim/model/loader.hpp"
#include "validation_support.hpp"

namespace tiersim::testing {
namespace {

json run_section(double until, int reps, std::uint64_t seed) {
  return {{"until", until}, {"warmup", until / 40}, {"replications", reps}, {"seed", seed}};
}

const PoolResult& pool(const ExperimentResult& r, const std::string& name) {
  for (const auto& p : r.pools)
    if (p.name == name) return p;
  throw std::out_of_range("no pool " + name);
}
const OperationResult& operation(const ExperimentResult& r, const std::string& name) {
  for (const auto& s : r.services)
    for (const auto& o : s.operations)
      if (s.name + "." + o.name == name) return o;
  throw std::out_of_range("no operation " + name);
}
const StationResult& replica_station(const ExperimentResult& r, const std::string& name) {
  for (const auto& s : r.replica_stations)
    if (s.name == name) return s;
  throw std::out_of_range("no replica station " + name);
}

// An open class calling a service of `replicas` single-server replicas.
json replicated(int replicas, const std::string& balancer, double lambda, std::uint64_t seed) {
  return {{"run", run_section(40000, 10, seed)},
          {"services",
           {{{"name", "app"},
             {"replicas", replicas},
             {"balancer", balancer},
             {"stations", {{{"name", "cpu"}}}},
             {"operations",
              {{{"name", "handle"},
                {"steps", {{{"visit", "cpu"}, {"service", exponential(1.0)}}}}}}}}}},
          {"classes",
           {{{"name", "c"},
             {"interarrival", exponential(1 / lambda)},
             {"steps", {{{"call", "app.handle"}}}}}}}};
}

TEST(ServicesVsTheory, RandomBalancingOverKReplicasIsKMM1Queues) {
  auto r = run(replicated(4, "random", 3.2, 500));
  auto th = analytic::mm1(0.8, 1.0);
  EXPECT_TRUE(covers(klass(r, "c").response.mean, th.mean_response, 2, 0.05));
  EXPECT_TRUE(covers(station(r, "app.cpu").utilization, 0.8, 2, 0.02));
  EXPECT_EQ(station(r, "app.cpu").replicas, 4);
  for (int k = 0; k < 4; ++k)
    EXPECT_TRUE(
        covers(replica_station(r, "app[" + std::to_string(k) + "].cpu").throughput, 0.8, 2, 0.03));
  EXPECT_TRUE(covers(operation(r, "app.handle").response, th.mean_response, 2, 0.05));
  EXPECT_TRUE(covers(operation(r, "app.handle").throughput, 3.2, 2, 0.02));
}

TEST(ServicesVsTheory, RoundRobinAndShortestQueueOrderAsTheyMust) {
  double r_random = klass(run(replicated(2, "random", 1.6, 501)), "c").response.mean.mean;
  double r_rr = klass(run(replicated(2, "round_robin", 1.6, 501)), "c").response.mean.mean;
  double r_jsq = klass(run(replicated(2, "shortest_queue", 1.6, 501)), "c").response.mean.mean;
  double r_lu = klass(run(replicated(2, "least_utilized", 1.6, 501)), "c").response.mean.mean;
  // Round robin gives each replica Erlang-2 interarrivals, JSQ uses the
  // queue state; neither can beat one pooled M/M/2 queue.
  EXPECT_LT(r_rr, 0.85 * r_random);
  EXPECT_LT(r_jsq, r_rr);
  EXPECT_GT(r_jsq, analytic::mmc(1.6, 1.0, 2).mean_response * 0.98);
  // Balancing on the long-run average cannot react to the queue now.
  EXPECT_GT(r_lu, r_jsq);
}

json caller_of_db(const json& call, double lambda, std::uint64_t seed) {
  return {
      {"run", run_section(40000, 10, seed)},
      {"services",
       {{{"name", "db"},
         {"stations", {{{"name", "disk"}}}},
         {"operations",
          {{{"name", "query"},
            {"steps", {{{"visit", "disk"}, {"service", exponential(1.0)}}}}}}}}}},
      {"classes", {{{"name", "c"}, {"interarrival", exponential(1 / lambda)}, {"steps", {call}}}}}};
}

TEST(ServicesVsTheory, GeometricCallsHaveTheVisitRatiosOfTheFlatNetwork) {
  // Mean 2 calls, geometric: the flat equivalent is an M/M/1 with feedback
  // (visit ratio 2), a Jackson network: per request 2 x 1/(mu - 2 lambda).
  auto r = run(caller_of_db({{"call", "db.query"}, {"mean", 2}}, 0.3, 502));
  EXPECT_TRUE(covers(station(r, "db.disk").throughput, 0.6, 2, 0.03));
  EXPECT_TRUE(covers(klass(r, "c").response.mean, 2 * 1 / (1.0 - 0.6), 2, 0.05));
  EXPECT_TRUE(covers(operation(r, "db.query").response, 1 / (1.0 - 0.6), 2, 0.05));
}

TEST(ServicesVsTheory, AnOperationsRouteBranchesLikeAClasssRoute) {
  // Inside the operation, feedback with probability 1/2: two visits per call
  // on average, an M/M/1 with feedback at the disk.
  json m = caller_of_db({{"call", "db.query"}}, 0.2, 509);
  m["services"][0]["operations"][0]["steps"][0]["next"] = {{{"to", "disk"}, {"p", 0.5}},
                                                           {{"to", "exit"}, {"p", 0.5}}};
  auto r = run(m);
  EXPECT_TRUE(covers(station(r, "db.disk").throughput, 0.4, 2, 0.03));
  EXPECT_TRUE(covers(klass(r, "c").response.mean, 2 / (1.0 - 0.4), 2, 0.05));
}

TEST(ServicesVsTheory, ACountOfCallsMakesExactlyThatManyInTurn) {
  auto r = run(caller_of_db({{"call", "db.query"}, {"count", 3}}, 0.2, 503));
  EXPECT_TRUE(covers(station(r, "db.disk").throughput, 0.6, 2, 0.03));
  // Per completed request (calls in flight at the window edges blur it a little).
  EXPECT_NEAR(klass(r, "c").steps[0].visits, 3.0, 0.01);
}

TEST(ServicesVsTheory, EarlyReplyWaitsForBothPhasesButAnswersAfterTheFirst) {
  // One thread: a FCFS single server whose service is both phases. The
  // caller waits the M/G/1 wait for the whole service plus phase 1 only.
  const double s1 = 0.2, s2 = 0.3, lambda = 1.2;
  json m = {{"run", run_section(40000, 10, 504)},
            {"services",
             {{{"name", "svc"},
               {"threads", 1},
               {"stations", {{{"name", "work"}, {"discipline", "delay"}}}},
               {"operations",
                {{{"name", "op"},
                  {"steps",
                   {{{"visit", "work"}, {"service", exponential(s1)}},
                    {{"reply", true}},
                    {{"id", "phase2"}, {"visit", "work"}, {"service", exponential(s2)}}}}}}}}}},
            {"classes",
             {{{"name", "c"},
               {"interarrival", exponential(1 / lambda)},
               {"steps", {{{"call", "svc.op"}}}}}}}};
  auto r = run(m);
  const double mean = s1 + s2, second = 2 * s1 * s1 + 2 * s2 * s2 + 2 * s1 * s2;
  const double rho = lambda * mean;
  const double wait = lambda * second / (2 * (1 - rho));
  EXPECT_TRUE(covers(klass(r, "c").response.mean, wait + s1, 2, 0.05));
  EXPECT_TRUE(covers(pool(r, "svc.threads").utilization, rho, 2, 0.02));
  const auto& op = operation(r, "svc.op");
  EXPECT_TRUE(covers(op.thread_wait, wait, 2, 0.06));
  EXPECT_TRUE(covers(op.phase1, s1, 2, 0.03));
  EXPECT_TRUE(covers(op.phase2, s2, 2, 0.03));
}

TEST(ServicesVsTheory, AParallelBranchCanReplyForTheWholeOperation) {
  // LQN's reply activity inside a fork: the caller resumes when branch a
  // replies; the operation ends when both branches have joined.
  json m = {
      {"run", run_section(40000, 10, 510)},
      {"services",
       {{{"name", "svc"},
         {"operations",
          {{{"name", "op"},
            {"steps",
             {{{"id", "split"}, {"fork", {"a", "b"}}},
              {{"id", "a"}, {"delay", exponential(0.2)}},
              {{"id", "answer"}, {"reply", true}, {"next", "merge"}},
              {{"id", "b"}, {"delay", exponential(0.5)}, {"next", "merge"}},
              {{"id", "merge"}, {"join", "split"}}}}}}}}}},
      {"classes",
       {{{"name", "c"}, {"interarrival", exponential(1.0)}, {"steps", {{{"call", "svc.op"}}}}}}}};
  auto r = run(m);
  EXPECT_TRUE(covers(klass(r, "c").response.mean, 0.2, 2, 0.03));
  // E[max(A, B)] - E[A] for independent exponentials of means 0.2 and 0.5.
  const double both = 0.2 + 0.5 - 1 / (1 / 0.2 + 1 / 0.5);
  EXPECT_TRUE(covers(operation(r, "svc.op").phase2, both - 0.2, 2, 0.03));
  // Two replying branches cannot both answer.
  m["services"][0]["operations"][0]["steps"][3] = {{"id", "b"}, {"reply", true}, {"next", "merge"}};
  EXPECT_THROW(run(m), ModelError);
}

TEST(ServicesVsTheory, AnAsynchronousSendIsAnOpenStreamAtTheSendersRate) {
  json m = {{"run", run_section(40000, 10, 505)},
            {"stations", {{{"name", "front"}, {"discipline", "delay"}}}},
            {"services",
             {{{"name", "log"},
               {"stations", {{{"name", "disk"}}}},
               {"operations",
                {{{"name", "write"},
                  {"steps", {{{"visit", "disk"}, {"service", exponential(1.0)}}}}}}}}}},
            {"classes",
             {{{"name", "c"},
               {"interarrival", exponential(2.0)},
               {"steps",
                {{{"send", "log.write"}}, {{"visit", "front"}, {"service", exponential(0.1)}}}}}}}};
  auto r = run(m);
  // The caller does not wait: only its own 0.1.
  EXPECT_TRUE(covers(klass(r, "c").response.mean, 0.1, 2, 0.03));
  // The sends are a Poisson stream at 0.5: the disk is an M/M/1.
  EXPECT_TRUE(
      covers(operation(r, "log.write").response, analytic::mm1(0.5, 1.0).mean_response, 2, 0.05));
  EXPECT_TRUE(covers(station(r, "log.disk").utilization, 0.5, 2, 0.03));
}

TEST(ServicesVsTheory, SentWorkCountsTowardTheSaturationGuard) {
  // The sender finishes at once but its sends pile up at an overloaded log
  // (rho = 2): the run stops as saturated instead of growing without bound.
  json m = {{"run", {{"until", 100000}, {"max_in_system", 500}, {"seed", 511}}},
            {"stations", {{{"name", "front"}, {"discipline", "delay"}}}},
            {"services",
             {{{"name", "log"},
               {"stations", {{{"name", "disk"}}}},
               {"operations",
                {{{"name", "write"},
                  {"steps", {{{"visit", "disk"}, {"service", exponential(2.0)}}}}}}}}}},
            {"classes",
             {{{"name", "c"},
               {"interarrival", exponential(1.0)},
               {"steps",
                {{{"send", "log.write"}}, {{"visit", "front"}, {"service", exponential(0.1)}}}}}}}};
  auto r = run(m);
  EXPECT_TRUE(r.saturation.saturated);
  // Stopped by the guard, not by the end of the run.
  EXPECT_LT(r.run.simulated_time, 100000.0);
  EXPECT_NE(r.saturation.reason.find("max_in_system"), std::string::npos) << r.saturation.reason;
}

TEST(ServicesVsTheory, AKeyBalancerKeepsEachShardsKeysOnOneReplica) {
  // 100 keys over 4 shards; half the calls hit key 0, which shard 0 owns.
  json m = replicated(4, "key", 1.0, 506);
  m["services"][0]["keys"] = 100;
  m["classes"][0]["steps"][0]["key"] = {{"hot_fraction", 0.5}, {"hot_keys", 1}};
  auto r = run(m);
  const double cold = 0.5 / 99;
  const double share0 = 0.5 + 24 * cold, share_other = 25 * cold;
  EXPECT_TRUE(covers(replica_station(r, "app[0].cpu").throughput, share0, 2, 0.03));
  for (int k = 1; k < 4; ++k)
    EXPECT_TRUE(covers(replica_station(r, "app[" + std::to_string(k) + "].cpu").throughput,
                       share_other, 2, 0.05));
  // The busiest replica is the one that owns the hot key.
  EXPECT_EQ(station(r, "app.cpu").busiest_replica, 0);
  // The traffic equations know it too.
  auto model = compile(parse_model(m.dump()));
  auto shares = model.replica_shares(model.classes[0].entry);
  EXPECT_NEAR(shares[0], share0, 1e-12);
  EXPECT_NEAR(shares[3], share_other, 1e-12);
}

TEST(ServicesVsTheory, ACallersThreadIsHeldAcrossItsNestedCalls) {
  // Little's law: web threads in use = rate x (web's own time + db's response).
  json m = {
      {"run", run_section(40000, 10, 507)},
      {"services",
       {{{"name", "web"},
         {"stations", {{{"name", "cpu"}, {"discipline", "delay"}}}},
         {"operations",
          {{{"name", "page"},
            {"steps",
             {{{"visit", "cpu"}, {"service", exponential(0.1)}}, {{"call", "db.query"}}}}}}}},
        {{"name", "db"},
         {"stations", {{{"name", "disk"}}}},
         {"operations",
          {{{"name", "query"},
            {"steps", {{{"visit", "disk"}, {"service", exponential(0.5)}}}}}}}}}},
      {"classes",
       {{{"name", "c"}, {"interarrival", exponential(1.0)}, {"steps", {{{"call", "web.page"}}}}}}}};
  auto r = run(m);
  const double db = analytic::mm1(1.0, 2.0).mean_response;
  EXPECT_TRUE(covers(pool(r, "web.threads").mean_held, 1.0 * (0.1 + db), 2, 0.05));
  EXPECT_TRUE(covers(klass(r, "c").response.mean, 0.1 + db, 2, 0.05));
}

TEST(ServicesVsTheory, ALossInsideACallLosesTheRequestThatMadeIt) {
  // The callee's station holds at most 3: an M/M/1/3 inside the call.
  json m = caller_of_db({{"call", "db.query"}}, 1.0, 508);
  m["services"][0]["stations"][0]["capacity"] = 3;
  m["services"][0]["stations"][0]["name"] = "disk";
  m["services"][0]["operations"][0]["steps"][0]["service"] = exponential(0.8);
  auto r = run(m);
  auto th = analytic::mm1k(1.0, 1.25, 3);
  EXPECT_TRUE(near_rel(klass(r, "c").loss_probability, th.loss_probability, 0.05));
  EXPECT_NEAR(pool(r, "db.threads").mean_held.mean, station(r, "db.disk").mean_in_system.mean,
              1e-9);
}

}  // namespace
}  // namespace tiersim::testing
