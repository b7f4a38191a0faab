// The pending-event set under the classic hold model: N events pending, each
// step pops the earliest and schedules one at now + Exp(1).
#include <benchmark/benchmark.h>

#include <boost/random/exponential_distribution.hpp>
#include <cstddef>
#include <cstdint>
#include <queue>
#include <vector>

#include "alloc_counter.hpp"
#include "tiersim/core/event_queue.hpp"
#include "tiersim/random/stream.hpp"

namespace {

using tiersim::Event;
using tiersim::EventKind;
using tiersim::EventPriority;
using tiersim::EventQueue;

// One hold operation (a pop and a push) counts as one event.
void report_hold(benchmark::State& state, std::uint64_t allocations) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  // Inverted rate scaled to ns; the console shows it as "25.3s": read ns.
  state.counters["ns_per_event"] = benchmark::Counter(
      1e-9, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["allocs_per_event"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
}

void BM_EventQueueHold(benchmark::State& state) {
  const auto pending = static_cast<std::size_t>(state.range(0));
  tiersim::RandomEngine engine = tiersim::make_stream(1, 0, 0);
  boost::random::exponential_distribution<double> hold(1.0);
  // Default reserve, as the engine has: filling grows the heap, before the timed loop.
  EventQueue queue;
  for (std::size_t i = 0; i < pending; ++i)
    queue.push(hold(engine), EventPriority::kNormal, EventKind::kStepDone, 0,
               static_cast<std::uint32_t>(i));

  const std::uint64_t allocations_before = tiersim::bench::allocation_count();
  for (auto _ : state) {
    const Event e = queue.pop();
    queue.push(e.time + hold(engine), EventPriority::kNormal, e.kind, e.a, e.b);
  }
  const std::uint64_t allocations = tiersim::bench::allocation_count() - allocations_before;
  benchmark::DoNotOptimize(queue.top());
  report_hold(state, allocations);
}
BENCHMARK(BM_EventQueueHold)->RangeMultiplier(10)->Range(10, 1000000);

// The same workload on std::priority_queue (a binary heap) with the same event
// and the same total order, for comparison with EventQueue's 4-ary heap.
struct LaterEvent {
  bool operator()(const Event& x, const Event& y) const noexcept { return y.before(x); }
};

void BM_StdPriorityQueueHold(benchmark::State& state) {
  const auto pending = static_cast<std::size_t>(state.range(0));
  tiersim::RandomEngine engine = tiersim::make_stream(1, 0, 0);
  boost::random::exponential_distribution<double> hold(1.0);
  std::vector<Event> storage;
  storage.reserve(pending + 1);
  std::priority_queue<Event, std::vector<Event>, LaterEvent> queue(LaterEvent{},
                                                                   std::move(storage));
  std::uint64_t seq = 0;
  const std::uint64_t normal = std::uint64_t{1} << 56;
  for (std::size_t i = 0; i < pending; ++i)
    queue.push(Event{hold(engine), normal | seq++, EventKind::kStepDone, 0,
                     static_cast<std::uint32_t>(i)});

  const std::uint64_t allocations_before = tiersim::bench::allocation_count();
  for (auto _ : state) {
    const Event e = queue.top();
    queue.pop();
    queue.push(Event{e.time + hold(engine), normal | seq++, e.kind, e.a, e.b});
  }
  const std::uint64_t allocations = tiersim::bench::allocation_count() - allocations_before;
  benchmark::DoNotOptimize(queue.top());
  report_hold(state, allocations);
}
BENCHMARK(BM_StdPriorityQueueHold)->RangeMultiplier(10)->Range(10, 1000000);

// The cost of the Exp(1) draw inside every hold step, to subtract by eye.
void BM_HoldDrawOnly(benchmark::State& state) {
  tiersim::RandomEngine engine = tiersim::make_stream(1, 0, 0);
  boost::random::exponential_distribution<double> hold(1.0);
  double t = 0;
  const std::uint64_t allocations_before = tiersim::bench::allocation_count();
  for (auto _ : state) {
    t += hold(engine);
    benchmark::DoNotOptimize(t);
  }
  report_hold(state, tiersim::bench::allocation_count() - allocations_before);
}
BENCHMARK(BM_HoldDrawOnly);

}  // namespace
