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
///   reach run.until (times so small the clock, in effect, cannot advance);
/// - the model needs more memory per replication than the limits below.
void check_routes(const CompiledModel& model);

/// The most arrivals (open) or user cycles (closed) one class may need to
/// reach run.until in one replication: 2^48, so that a mean step is at least
/// 16 units in the last place of the clock (a double, 52 bits) at run.until.
/// Below that the clock rounds steps away and, in effect, cannot advance.
/// (Long runs meant to end by saturation or Ctrl-C, until: 1e12 with
/// interarrivals of 0.01, stay well inside it.)
inline constexpr double kMaxCyclesPerRun = 0x1p48;

/// Limits that cost memory in every replication (checked by check_routes):
/// closed users plus batch jobs over all classes, keys over all lock tables,
/// and replications times classes (each keeps a 61 KB histogram per class).
inline constexpr double kMaxUsers = 1e7;
inline constexpr double kMaxKeys = 1e7;
inline constexpr double kMaxReplicationClasses = 16384;

}  // namespace tiersim::detail
