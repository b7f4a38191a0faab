// The bottleneck verdict: one definition for every resource a request can
// wait for (docs/guides/finding-bottlenecks.md).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "tiersim/model/compiled_model.hpp"
#include "tiersim/report/results.hpp"
#include "tiersim/sim/replication.hpp"

namespace tiersim {

/// Judges every station, pool and lock table of a finished experiment and
/// fills `out.resources` and `out.bottleneck`. Reads the summaries already in
/// `out` (stations, pools, classes) and the whole-run counters of each
/// replication (`totals`). A lock table's `out.pools[p].utilization` becomes
/// its hottest key's (it arrives summed over keys).
///
/// Each resource gets its utilization per unit of capacity (a lock table per
/// key: its hottest key) and its *demand utilization*: for a station the same,
/// for a pool its holding time less the time its holders spend waiting for
/// other resources while they hold it. Its ceiling is the total throughput at
/// which the demand utilization reaches 1. The cause is the resource with the
/// lowest ceiling; a pool kept full by holders that mostly wait elsewhere is a
/// symptom pointing where they wait; a station busy mostly with page-ins is a
/// symptom of the memory that overflows.
void judge_bottleneck(const CompiledModel& model, const std::vector<Counters>& totals,
                      ExperimentResult& out);

/// The hottest key's share of a lock table's acquisitions, from the key
/// distributions of its acquire steps weighted by their visit rates (`rates`,
/// per global step). 0 for a pool that is not a lock table.
double hottest_key_share(const CompiledModel& model, std::uint32_t pool,
                         const std::vector<double>& rates);

/// Per pool, the utilization its holders' own work would give it from the
/// open classes alone (λ x visits x mean service or delay time while held, per
/// unit of capacity; a lock table's hottest key). 0 for overcommitting pools.
std::vector<double> open_pool_utilization(const CompiledModel& model);

/// The compiled structure for analytic solvers outside the core: per class its
/// steps (id, kind, target, visits per request, mean time, tokens, pools held on
/// entry), the stations' servers and the pools' capacity, keys and hottest-key share.
nlohmann::ordered_json structure_json(const CompiledModel& model);

}  // namespace tiersim
