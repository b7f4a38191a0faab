// libFuzzer target for the model loader: arbitrary bytes -> parse_model ->
// compile -> (for small models) a tiny simulation. ModelError is the expected
// answer to bad input; any other exception, a crash, a sanitizer report or a
// hang is a bug.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "tiersim/model/compiled_model.hpp"
#include "tiersim/model/loader.hpp"
#include "tiersim/sim/experiment.hpp"

namespace {

using tiersim::CompiledModel;

// Beyond these a valid model is legitimately slow or large, so the target
// only checks that it compiles and does not run it.
constexpr double kMaxEvents = 2e5;        // expected events in the capped run
constexpr std::uint32_t kMaxPopulation = 10000;
constexpr std::uint32_t kMaxServers = 100000;
constexpr std::size_t kMaxSteps = 2000;
constexpr std::uint32_t kMaxKeys = 100000;

// Expected events of one replication of length `until`: each open arrival or
// closed cycle walks the class's visit ratios. Queueing only slows things
// down, so this is an upper estimate of the rate at which time advances.
double expected_events(const CompiledModel& m, double until) {
  double events = 0;
  for (std::uint32_t c = 0; c < m.classes.size(); ++c) {
    const auto& cc = m.classes[c];
    const auto visits = m.visit_ratios(c);
    double steps = 1, cycle = 0;  // the arrival or think event counts too
    for (std::uint32_t s = cc.first_step; s < cc.end_step; ++s) {
      double v = visits[s - cc.first_step];
      if (!std::isfinite(v) || v < 0) return HUGE_VAL;  // routing the solver cannot handle
      steps += v;
      cycle += v * m.steps[s].time.mean();
    }
    double starts;
    if (cc.closed) {
      if (cc.population > kMaxPopulation) return HUGE_VAL;
      cycle += cc.think.mean();
      // compile() rejects a closed class whose cycle takes no time at all; one
      // that gets here with a zero mean cycle must still not hang, so run it
      // (as ~one cycle per user) and let -timeout catch a hang.
      starts = cc.population * (cycle > 0 ? until / cycle + 1 : 1);
    } else if (cc.batch) {
      if (cc.population > kMaxPopulation) return HUGE_VAL;
      starts = cc.population;
    } else if (!cc.schedule.empty()) {
      double peak = 0;
      for (const auto& piece : cc.schedule) peak = std::max(peak, piece.rate);
      starts = until * peak + 1;
    } else {
      starts = until / cc.interarrival.mean() + 1;
    }
    events += starts * steps;
  }
  return std::isfinite(events) ? events : HUGE_VAL;
}

bool small_enough(const CompiledModel& m) {
  if (m.steps.size() > kMaxSteps) return false;
  for (const auto& s : m.stations)
    if (s.servers > kMaxServers) return false;
  for (const auto& p : m.pools)
    if (p.keys > kMaxKeys) return false;
  return expected_events(m, 1.0) <= kMaxEvents;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CompiledModel model;
  try {
    tiersim::ModelSpec spec = tiersim::parse_model(text);
    // A tiny run whatever the input asks for.
    spec.run.until = 1;
    spec.run.max_completions = 0;
    spec.run.max_in_system = 1000;
    spec.run.replications = 1;
    spec.run.threads = 1;
    if (!spec.run.warmup_mser5) spec.run.warmup = 0;
    if (spec.run.window > 0) spec.run.window = std::max(spec.run.window, 0.01);
    spec.run.samples = std::min<std::uint64_t>(spec.run.samples, 1000);
    model = tiersim::compile(spec);
  } catch (const tiersim::ModelError&) {
    return 0;  // rejected with a field path: the expected outcome for bad input
  }
  // Anything else (std::invalid_argument not wrapped as ModelError,
  // std::out_of_range, nlohmann::json exceptions...) escapes and is reported.
  if (!small_enough(model)) return 0;
  tiersim::ExperimentResult result;
  try {
    result = tiersim::run_experiment(model);
  } catch (const tiersim::ModelError&) {
    return 0;  // run-time checks of the model (e.g. a run with no end)
  }
  // Silent wrong numbers: a percentile is unknown (NaN, written as null) or
  // lies in [0, max]; a mean response is never negative or infinite.
  for (const auto& c : result.classes) {
    const auto& r = c.response;
    for (double p : {r.p50, r.p90, r.p95, r.p99, r.p999})
      if (!std::isnan(p) && !(p >= 0 && p <= r.max)) __builtin_trap();
    if (std::isinf(r.mean.mean) || r.mean.mean < 0) __builtin_trap();
  }
  return 0;
}
