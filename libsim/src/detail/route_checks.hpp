// Checks on a compiled model that need the whole route table: the nesting of
// forks and joins, and whether the run can reach its end.
#pragma once

#include "tiersim/model/compiled_model.hpp"

namespace tiersim::detail {

/// Throws ModelError (naming the step or field) when
/// - a fork's branch can come back to the fork, or the fork lists itself;
/// - a join, or a step inside a fork's branches, can be reached other than
///   through that fork (a request would arrive at the join with no parent);
/// - a fork has more than one join;
/// - a class would need more than kMaxCyclesPerRun arrivals or user cycles to
///   reach run.until (times so small the clock, in effect, cannot advance).
void check_routes(const CompiledModel& model);

/// The most arrivals (open) or user cycles (closed) one class may need to
/// reach run.until in one replication.
inline constexpr double kMaxCyclesPerRun = 1e12;

}  // namespace tiersim::detail
