// The engine on whole models (one replication, one thread), reported as
// ns/event and events/s so it can be divided by the reference loops.
#include <benchmark/benchmark.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>

#include "alloc_counter.hpp"
#include "tiersim/model/compiled_model.hpp"
#include "tiersim/model/loader.hpp"
#include "tiersim/sim/experiment.hpp"
#include "tiersim/sim/simulator.hpp"

namespace tiersim::bench {
namespace {

using nlohmann::json;

json exp_mean(double m) { return {{"dist", "exponential"}, {"mean", m}}; }

json open_model(int stations, int servers, double lambda, double mean) {
  json st = json::array(), steps = json::array();
  for (int i = 0; i < stations; ++i) {
    std::string name = "s" + std::to_string(i);
    st.push_back({{"name", name}, {"servers", servers}});
    steps.push_back({{"visit", name}, {"service", exp_mean(mean)}});
  }
  return {{"stations", st},
          {"classes", {{{"name", "c"}, {"interarrival", exp_mean(1 / lambda)}, {"steps", steps}}}}};
}

json closed_model() {
  return {{"stations", {{{"name", "cpu"}}, {{"name", "disk"}}}},
          {"classes",
           {{{"name", "users"},
             {"type", "closed"},
             {"population", 50},
             {"think", exp_mean(5.0)},
             {"steps",
              {{{"visit", "cpu"}, {"service", exp_mean(0.05)}},
               {{"visit", "disk"}, {"service", exp_mean(0.08)}}}}}}}};
}

// The 3-tier model of issue #6: examples/models/three_tier.yaml, read from
// its JSON twin (C++ reads no YAML; a Python test keeps the two equal).
json three_tier_model() {
  std::ifstream in(std::string(TIERSIM_SOURCE_DIR) + "/tests/data/three_tier.json");
  if (!in) throw std::runtime_error("bm_engine: cannot read tests/data/three_tier.json");
  return json::parse(in);
}

CompiledModel compiled(json m, double until, int replications = 1) {
  m["run"] = {{"until", until}, {"replications", replications}, {"threads", 1}, {"seed", 1}};
  return compile(model_from_json(m));
}

// Runs one replication per iteration; counters are per event and per cycle.
void run_model(benchmark::State& state, const CompiledModel& model) {
  std::uint64_t events = 0, cycles = 0, allocs = 0;
  std::uint32_t rep = 0;
  for (auto _ : state) {
    ReplicationOptions o;
    o.replication = rep++;
    Simulator sim(model, o);
    std::uint64_t before = allocation_count();
    ReplicationResult r = sim.run();
    allocs += allocation_count() - before;
    events += r.events;
    for (const auto& c : r.snapshots.back().classes)
      cycles += static_cast<std::uint64_t>(c.completions);
    benchmark::DoNotOptimize(r);
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["ns_per_event"] =
      benchmark::Counter(static_cast<double>(events) * 1e-9,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["cycles_per_s"] =
      benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kIsRate);
  state.counters["allocs_per_event"] =
      static_cast<double>(allocs) / static_cast<double>(std::max<std::uint64_t>(events, 1));
}

void BM_EngineMM1(benchmark::State& state) {
  static const CompiledModel m = compiled(open_model(1, 1, 0.8, 1.0), 500000);
  run_model(state, m);
}
BENCHMARK(BM_EngineMM1)->Unit(benchmark::kMillisecond);

void BM_EngineMM4(benchmark::State& state) {
  static const CompiledModel m = compiled(open_model(1, 4, 3.2, 1.0), 200000);
  run_model(state, m);
}
BENCHMARK(BM_EngineMM4)->Unit(benchmark::kMillisecond);

void BM_EngineTandem10(benchmark::State& state) {
  static const CompiledModel m = compiled(open_model(10, 1, 0.8, 1.0), 100000);
  run_model(state, m);
}
BENCHMARK(BM_EngineTandem10)->Unit(benchmark::kMillisecond);

void BM_EngineClosedNetwork(benchmark::State& state) {
  static const CompiledModel m = compiled(closed_model(), 50000);
  run_model(state, m);
}
BENCHMARK(BM_EngineClosedNetwork)->Unit(benchmark::kMillisecond);

void BM_EngineThreeTier(benchmark::State& state) {
  static const CompiledModel m = compiled(three_tier_model(), 2000);
  run_model(state, m);
}
BENCHMARK(BM_EngineThreeTier)->Unit(benchmark::kMillisecond);

// Calls between services: a web tier of 8 replicas (round robin) calls an
// app tier of 4 (shortest queue, 16 threads each), which replies early and
// then sends to a log service. Every request makes three frames; the frames
// live in the customer slab, so allocs_per_event stays at the slab's growth.
json layered_model() {
  auto service = [](const std::string& name, int replicas, const std::string& balancer,
                    json steps) {
    return json{{"name", name},
                {"replicas", replicas},
                {"balancer", balancer},
                {"threads", 16},
                {"stations", {{{"name", "cpu"}, {"servers", 2}, {"discipline", "ps"}}}},
                {"operations", {{{"name", "op"}, {"steps", steps}}}}};
  };
  return {
      {"services",
       {service("web", 8, "round_robin",
                {{{"visit", "cpu"}, {"service", exp_mean(0.01)}}, {{"call", "app.op"}}}),
        service("app", 4, "shortest_queue",
                {{{"visit", "cpu"}, {"service", exp_mean(0.02)}},
                 {{"reply", true}},
                 {{"send", "log.op"}}}),
        service("log", 1, "random", {{{"visit", "cpu"}, {"service", exp_mean(0.002)}}})}},
      {"classes",
       {{{"name", "users"}, {"interarrival", exp_mean(0.01)}, {"steps", {{{"call", "web.op"}}}}}}}};
}

void BM_EngineLayered(benchmark::State& state) {
  static const CompiledModel m = compiled(layered_model(), 20000);
  run_model(state, m);
}
BENCHMARK(BM_EngineLayered)->Unit(benchmark::kMillisecond);

// Replications on 1 vs all cores: the speed-up of the experiment layer.
void BM_ReplicationsThreads(benchmark::State& state) {
  json m = open_model(1, 1, 0.8, 1.0);
  m["run"] = {{"until", 100000},
              {"replications", 8},
              {"threads", static_cast<int>(state.range(0))},
              {"seed", 1}};
  const CompiledModel model = compile(model_from_json(m));
  std::uint64_t events = 0;
  for (auto _ : state) {
    auto r = run_experiment(model);
    events += r.run.events;
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReplicationsThreads)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace tiersim::bench
