// An experiment: warm-up resolution, independent replications run in
// parallel, and their summary with confidence intervals.
#pragma once

#include <atomic>
#include <functional>

#include "tiersim/model/compiled_model.hpp"
#include "tiersim/report/results.hpp"

namespace tiersim {

struct RunHooks {
  /// Called as replications finish: (done, total). Calls are serialised but may
  /// come from worker threads.
  std::function<void(int, int)> progress;
  /// Polled by every replication; set it to stop early (Ctrl-C). Results so far are returned.
  const std::atomic<bool>* cancel = nullptr;
};

/// Runs every replication of `model` (settings from model.spec.run) and
/// summarises them. Replication i always uses the same random streams, so the
/// result does not depend on the number of threads.
ExperimentResult run_experiment(const CompiledModel& model, const RunHooks& hooks = {});

/// Parses, compiles and runs a model given as JSON text, with run overrides
/// (a JSON object, may be empty). Throws ModelError for an invalid model.
ExperimentResult run_json(std::string_view model_json, std::string_view overrides_json = "{}",
                          const RunHooks& hooks = {});

}  // namespace tiersim
