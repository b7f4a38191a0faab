// The simulation engine: runs one replication of a compiled model.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "tiersim/model/compiled_model.hpp"
#include "tiersim/sim/replication.hpp"

namespace tiersim {

/// Options for one replication beyond the model's run section.
struct ReplicationOptions {
  std::uint32_t replication = 0;  ///< selects the random streams
  double warmup = 0;              ///< overrides run.warmup (MSER-5 resolves to a time first)
  bool record_warmup_series = false;
  const std::atomic<bool>* cancel = nullptr;  ///< polled; true ends the run early
};

/// One replication. Not copyable; cheap to create. Deterministic: the same
/// model, run settings and replication index give the same result.
class Simulator {
 public:
  Simulator(const CompiledModel& model, const ReplicationOptions& options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  /// Runs to the model's stop condition and returns the measurements.
  ReplicationResult run();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tiersim
