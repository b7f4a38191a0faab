// The summary of a run's services: their stations and pools folded over the
// replicas, and each operation's throughput, response and phases.
#pragma once

#include <vector>

#include "tiersim/model/compiled_model.hpp"
#include "tiersim/report/results.hpp"
#include "tiersim/sim/replication.hpp"

namespace tiersim::detail {

/// Moves the per-replica rows of `out.stations` and `out.pools` (one per
/// compiled instance, in compiled order) to `out.replica_*`, puts one folded
/// row per template resource in their place, and fills `out.services` from
/// the observations (replications or batches).
void summarize_services(const CompiledModel& model, const std::vector<Counters>& obs,
                        ExperimentResult& out);

}  // namespace tiersim::detail
