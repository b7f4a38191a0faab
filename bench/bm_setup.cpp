// Set-up cost against model size: reading, compiling and building the
// simulator for a tandem of N stations (the traffic equations' size) and for
// a 3-tier layered model with R replicas per tier (the per-replica state).
// Reported per model as time (the benchmark's) and the heap the compiled
// model and simulator hold (counter heap_MB, from glibc's mallinfo2).
//
//   build/test/bench/tiersim_bench --benchmark_filter=Setup
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tiersim/model/compiled_model.hpp"
#include "tiersim/model/loader.hpp"
#include "tiersim/sim/simulator.hpp"

namespace tiersim::bench {
namespace {

using nlohmann::json;

json exp_mean(double m) { return {{"dist", "exponential"}, {"mean", m}}; }

std::string tandem(int stations) {
  json st = json::array(), steps = json::array();
  for (int i = 0; i < stations; ++i) {
    std::string name = "s" + std::to_string(i);
    st.push_back({{"name", name}});
    steps.push_back({{"visit", name}, {"service", exp_mean(0.5)}});
  }
  return json{{"run", {{"until", 10}}},
              {"stations", st},
              {"classes", {{{"name", "c"}, {"interarrival", exp_mean(1.0)}, {"steps", steps}}}}}
      .dump();
}

// web -> app -> db, each tier of `replicas` servers with a CPU, a disk and
// a thread pool; app holds a connection to db across its two queries.
std::string three_tiers(int replicas) {
  auto tier = [&](const std::string& name, const std::string& balancer, json steps) {
    return json{
        {"name", name},
        {"replicas", replicas},
        {"balancer", balancer},
        {"threads", 50},
        {"stations", {{{"name", "cpu"}, {"servers", 8}, {"discipline", "ps"}}, {{"name", "disk"}}}},
        {"pools", {{{"name", "conns"}, {"capacity", 20}}}},
        {"operations", {{{"name", "op"}, {"steps", steps}}}}};
  };
  json services = {tier("web", "round_robin",
                        {{{"visit", "cpu"}, {"service", exp_mean(0.002)}}, {{"call", "app.op"}}}),
                   tier("app", "shortest_queue",
                        {{{"visit", "cpu"}, {"service", exp_mean(0.010)}},
                         {{"acquire", "conns"}},
                         {{"call", "db.op"}, {"count", 2}},
                         {{"release", "conns"}}}),
                   tier("db", "random",
                        {{{"visit", "cpu"}, {"service", exp_mean(0.001)}},
                         {{"visit", "disk"}, {"service", exp_mean(0.004)}}})};
  return json{
      {"run", {{"until", 10}}},
      {"services", services},
      {"classes",
       {{{"name", "users"}, {"interarrival", exp_mean(0.01)}, {"steps", {{{"call", "web.op"}}}}}}}}
      .dump();
}

void setup(benchmark::State& state, const std::string& text) {
  double heap = 0;
  for (auto _ : state) {
    const auto held = [] {
      const auto mi = mallinfo2();
      return mi.uordblks + mi.hblkhd;  // small blocks and mmapped large ones
    };
    const std::size_t before = held();
    CompiledModel model = compile(parse_model(text));
    auto sim = std::make_unique<Simulator>(model, ReplicationOptions{});
    heap = static_cast<double>(held() - before);
    benchmark::DoNotOptimize(sim);
  }
  state.counters["heap_MB"] = heap / 1e6;
}

void BM_SetupTandem(benchmark::State& state) {
  setup(state, tandem(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_SetupTandem)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

void BM_SetupThreeTiers(benchmark::State& state) {
  setup(state, three_tiers(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_SetupThreeTiers)
    ->Arg(2)
    ->Arg(8)
    ->Arg(64)
    ->Arg(256)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tiersim::bench
