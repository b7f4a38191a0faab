// The performance limit: hand-written M/M/1, tandem and 3-tier simulations
// (Lindley recursion, binary-heap event loops), with a check that they are right.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "reference_loops.hpp"

namespace {

using tiersim::bench::ReferenceResult;

// Each benchmark takes (events or customers, 100 lambda). lambda = 0.5 is the
// sanity-check load (R = 1/(mu - lambda) = 2 s); lambda = 0.8 is the load of
// the engine benchmarks in bm_engine.cpp, so the two can be divided.
constexpr double kMu = 1.0;  // per second
constexpr int kTandemStations = 10;

double lambda_of(const benchmark::State& state) {
  return static_cast<double>(state.range(1)) / 100;
}

// events/s and ns/event for `events` events per iteration. ns_per_event is an
// inverted rate scaled to nanoseconds; the console appends "s" to every
// inverted rate, so read "12.3s" in that column as 12.3 ns.
void report_events(benchmark::State& state, std::uint64_t events) {
  const auto per_iteration = static_cast<double>(events);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(events));
  state.counters["ns_per_event"] =
      benchmark::Counter(per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate |
                                                   benchmark::Counter::kInvert);
}

// The loops are the yardstick: a wrong one would make every ratio meaningless.
// Each iteration is a long run (several hundred thousand customers), so 10% is
// several standard errors even at rho = 0.8.
void check_response(benchmark::State& state, const ReferenceResult& r, double expected) {
  state.counters["mean_response"] = r.mean_response;
  if (!(std::abs(r.mean_response - expected) <= 0.1 * expected))
    state.SkipWithError(("mean response " + std::to_string(r.mean_response) +
                         " is more than 10% away from theory " + std::to_string(expected))
                            .c_str());
}

void BM_LindleyMM1(benchmark::State& state) {
  const auto customers = static_cast<std::uint64_t>(state.range(0));
  std::uint64_t seed = 1;
  ReferenceResult r;
  for (auto _ : state) {
    r = tiersim::bench::lindley_mm1(lambda_of(state), kMu, customers, seed++);
    benchmark::DoNotOptimize(r);
  }
  report_events(state, r.events);
  check_response(state, r, 1.0 / (kMu - lambda_of(state)));
}
BENCHMARK(BM_LindleyMM1)->Args({1 << 19, 50})->Args({1 << 19, 80})->Unit(benchmark::kMillisecond);

void BM_HandLoopMM1(benchmark::State& state) {
  const auto events = static_cast<std::uint64_t>(state.range(0));
  std::uint64_t seed = 1;
  ReferenceResult r;
  for (auto _ : state) {
    r = tiersim::bench::hand_loop_mm1(lambda_of(state), kMu, events, seed++);
    benchmark::DoNotOptimize(r);
  }
  report_events(state, r.events);
  check_response(state, r, 1.0 / (kMu - lambda_of(state)));
}
BENCHMARK(BM_HandLoopMM1)->Args({1 << 20, 50})->Args({1 << 20, 80})->Unit(benchmark::kMillisecond);

// The hand loop with the engine's parts, level by level (range(0), see
// hand_loop_mm1_parts), at the engine benchmarks' load: divided by
// BM_HandLoopMM1 and into BM_EngineMM1, it splits the engine's overhead.
void BM_HandLoopMM1Parts(benchmark::State& state) {
  constexpr std::uint64_t kEvents = 1 << 20;
  constexpr double kLambda = 0.8;
  std::uint64_t seed = 1;
  ReferenceResult r;
  for (auto _ : state) {
    r = tiersim::bench::hand_loop_mm1_parts(static_cast<int>(state.range(0)), kLambda, kMu, kEvents,
                                            seed++);
    benchmark::DoNotOptimize(r);
  }
  report_events(state, r.events);
  check_response(state, r, 1.0 / (kMu - kLambda));
  // The levels differ in cost only: the same seed must give the plain loop's
  // trajectory, or the ratios would compare different work.
  const ReferenceResult plain = tiersim::bench::hand_loop_mm1(kLambda, kMu, kEvents, seed - 1);
  if (plain.mean_response != r.mean_response || plain.completions != r.completions)
    state.SkipWithError("this level's trajectory differs from the plain loop's");
}
BENCHMARK(BM_HandLoopMM1Parts)->DenseRange(1, 4)->Unit(benchmark::kMillisecond);

void BM_HandLoopTandem(benchmark::State& state) {
  const auto events = static_cast<std::uint64_t>(state.range(0));
  std::uint64_t seed = 1;
  ReferenceResult r;
  for (auto _ : state) {
    r = tiersim::bench::hand_loop_tandem(lambda_of(state), kMu, kTandemStations, events, seed++);
    benchmark::DoNotOptimize(r);
  }
  report_events(state, r.events);
  check_response(state, r, kTandemStations / (kMu - lambda_of(state)));
}
BENCHMARK(BM_HandLoopTandem)
    ->Args({1 << 22, 50})
    ->Args({1 << 22, 80})
    ->Unit(benchmark::kMillisecond);

// The 3-tier model's limit, in user cycles per second as BM_EngineThreeTier
// reports them (same run length: 2000 simulated seconds from cold). The
// argument: 1 keeps the thinking users in a heap of their own (the limit),
// 0 puts every pending event in one heap (what that choice is worth).
void BM_HandLoopThreeTier(benchmark::State& state) {
  constexpr double kUntil = 2000;
  std::uint64_t seed = 1;
  ReferenceResult r;
  std::uint64_t cycles = 0;
  for (auto _ : state) {
    r = tiersim::bench::hand_loop_three_tier(kUntil, seed++, state.range(0) != 0);
    cycles += r.completions;
    benchmark::DoNotOptimize(r);
  }
  report_events(state, r.events);
  state.counters["cycles_per_s"] =
      benchmark::Counter(static_cast<double>(cycles), benchmark::Counter::kIsRate);
  // Theory (bounds, THEORY.md): the disk saturates, X -> 62.5/s and
  // R -> N/X - Z = 0.6 s; 2000 s from cold land within a few per cent.
  check_response(state, r, 0.6);
  const double x = static_cast<double>(r.completions) / kUntil;
  state.counters["throughput"] = x;
  if (!(std::abs(x - 62.5) <= 0.05 * 62.5))
    state.SkipWithError(
        ("throughput " + std::to_string(x) + "/s is more than 5% from 62.5/s").c_str());
}
BENCHMARK(BM_HandLoopThreeTier)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

}  // namespace
