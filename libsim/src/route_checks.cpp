// Structural rules of fork/join routes and the run-length guard; see
// detail/route_checks.hpp. compile() calls check_routes() once every class is
// laid out, so the checks read the same edge table the engine walks.
#include "detail/route_checks.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace tiersim::detail {
namespace {

// One route (a class's, or an operation's as compiled: a thread step, the
// user's steps, an end step) as local successor and predecessor lists
// (exit = n), with the field path of each local step.
struct LocalRoute {
  std::uint32_t first = 0;
  std::size_t n = 0, entry = 0;
  std::function<std::string(std::size_t)> path;
  std::vector<std::vector<std::size_t>> succ, pred;
};

LocalRoute local_route(const CompiledModel& m, std::uint32_t first, std::uint32_t end,
                       std::uint32_t entry, std::function<std::string(std::size_t)> path) {
  LocalRoute r;
  r.first = first;
  r.n = end - first;
  r.entry = entry - first;
  r.path = std::move(path);
  r.succ.resize(r.n);
  r.pred.resize(r.n + 1);
  for (std::size_t s = 0; s < r.n; ++s) {
    const CompiledStep& st = m.steps[first + s];
    for (std::uint32_t e = st.edge_begin; e < st.edge_end; ++e) {
      const std::uint32_t to = m.edges[e].to;
      const std::size_t t = to == kExit || to < first || to >= end ? r.n : to - first;
      r.succ[s].push_back(t);
      r.pred[t].push_back(s);
    }
  }
  return r;
}

// A fork's branches are the steps reachable from its branch starts before its
// join. Only the fork may lead into them (and into the join); they may not
// lead back to the fork, nor out of the route. Nested forks are branches'
// steps like any other, with their own region checked the same way.
void check_fork(const CompiledModel& m, const LocalRoute& r, std::size_t f) {
  const auto& steps = m.steps;
  const std::uint32_t first = r.first;
  const std::string& fork_id = steps[first + f].id;

  std::vector<std::size_t> joins;
  for (std::size_t s = 0; s < r.n; ++s)
    if (steps[first + s].kind == StepKind::kJoin && steps[first + s].fork == first + f)
      joins.push_back(s);
  if (joins.empty()) return;  // compile reports a fork without a join
  if (joins.size() > 1)
    throw ModelError(r.path(joins[1]), "fork '" + fork_id + "' already has a join (" +
                                           r.path(joins[0]) + "); a fork has exactly one join");
  const std::size_t join = joins[0];

  std::vector<bool> inside(r.n + 1, false);
  std::vector<std::size_t> work;
  for (std::size_t start : r.succ[f]) {
    if (start == f)
      throw ModelError(r.path(f) + ".fork",
                       "fork '" + fork_id +
                           "' lists itself as a branch: it would fork again forever at the "
                           "same instant");
    if (start != join && !inside[start]) {
      inside[start] = true;
      work.push_back(start);
    }
  }
  while (!work.empty()) {
    const std::size_t v = work.back();
    work.pop_back();
    for (std::size_t t : r.succ[v]) {
      if (t == f)
        throw ModelError(r.path(v),
                         "step '" + steps[first + v].id + "' inside a branch of fork '" + fork_id +
                             "' leads back to the fork before its join '" + steps[first + join].id +
                             "': each pass would start new branches while the first still "
                             "waits; route the branch to the join");
      if (t == r.n || t == join || inside[t]) continue;  // exit: compile's check_forks
      inside[t] = true;
      work.push_back(t);
    }
  }

  // Requests may enter the region only as branches of this fork.
  auto entered_from_outside = [&](std::size_t v) -> std::size_t {
    if (v == r.entry) return r.n;  // requests start here
    for (std::size_t u : r.pred[v])
      if (u != f && !inside[u]) return u;
    return r.n + 1;
  };
  std::vector<std::size_t> region;
  for (std::size_t v = 0; v < r.n; ++v)
    if (inside[v]) region.push_back(v);
  region.push_back(join);
  for (std::size_t v : region) {
    const std::size_t u = entered_from_outside(v);
    if (u == r.n + 1) continue;
    if (u == r.n && v != join)
      throw ModelError(r.path(v), "step '" + steps[first + v].id +
                                      "' is inside a branch of fork '" + fork_id +
                                      "' but is the route's first step: requests would "
                                      "start inside the branch, without the fork");
    const std::string from =
        u == r.n ? std::string("the route's first step") : "step '" + steps[first + u].id + "'";
    if (v == join)
      throw ModelError(r.path(join), "join '" + steps[first + join].id + "' can be reached from " +
                                         from + " without passing its fork '" + fork_id +
                                         "'; only the fork's branches may lead to its join");
    throw ModelError(r.path(v), "step '" + steps[first + v].id + "' is inside a branch of fork '" +
                                    fork_id + "' but can be reached from " + from +
                                    " without passing the fork; a branch's steps are reached only "
                                    "through their fork");
  }
}

// A closed class's user cycles per unit of time, at most:
// X <= min(N / (Z + D), 1 / D_max), D the demand at no queueing. The class's
// own steps only: time spent in called operations is not counted, so when
// those steps and the think time take none, no bound is known (NaN) and the
// class is not checked (compile has made sure that some step takes time).
double closed_rate(const CompiledModel& m, std::uint32_t c) {
  const CompiledClass& cc = m.classes[c];
  const auto v = m.visit_ratios(c);
  double total = cc.think.mean();
  for (std::uint32_t s = cc.first_step; s < cc.end_step; ++s)
    total += v[s - cc.first_step] * m.steps[s].time.mean();
  double rate = total > 0 ? cc.population / total : std::numeric_limits<double>::quiet_NaN();
  for (double d : m.station_demands(c))
    if (d > 0) rate = std::isnan(rate) ? 1.0 / d : std::min(rate, 1.0 / d);
  return rate;
}

void check_run_length(const CompiledModel& m) {
  const RunSpec& run = m.spec.run;
  if (!(run.until > 0)) return;  // ends on completions or when batches finish
  if (run.max_completions > 0 && static_cast<double>(run.max_completions) <= kMaxCyclesPerRun)
    return;
  for (std::uint32_t c = 0; c < m.classes.size(); ++c) {
    const CompiledClass& cc = m.classes[c];
    if (cc.batch) continue;
    // until / mean, not until * rate: 1 / 5e-324 overflows.
    const double cycles =
        cc.open() ? run.until / cc.interarrival.mean() : closed_rate(m, c) * run.until;
    if (!(cycles > kMaxCyclesPerRun)) continue;
    std::ostringstream os;
    os.precision(3);
    if (cc.open()) {
      os << "has mean " << cc.interarrival.mean() << ": reaching run.until = " << run.until
         << " would take about " << cycles << " arrivals";
    } else {
      os << "is " << cc.think.mean() << " and class '" << cc.name
         << "' cycles so fast that reaching run.until = " << run.until << " would take about "
         << cycles << " user cycles";
    }
    os << ": a clock at that time cannot resolve steps this small (at most 2^48 = "
       << kMaxCyclesPerRun << " per run); use a coarser time unit or a shorter run.until";
    const ClassSpec& spec = m.spec.classes[c];
    const char* field =
        cc.open() ? (spec.schedule.empty() ? ".interarrival" : ".schedule") : ".think";
    throw ModelError("classes[" + std::to_string(c) + "]" + field, os.str());
  }
}

// A visit's time is divided by its station's speed: the quotient must keep
// finite moments too (a speed of 1e-300 turns a mean of 1e10 into infinity).
void check_scaled_times(const CompiledModel& m) {
  for (const CompiledStep& st : m.steps) {
    if (st.kind != StepKind::kVisit) continue;
    const Distribution& d = st.time;
    const bool heavy = d.kind() == Distribution::Kind::kPareto;
    if (std::isfinite(d.mean()) && (heavy || std::isfinite(d.second_moment()))) continue;
    const std::string owner = st.cls != kExit ? "class '" + m.classes[st.cls].name + "'"
                                              : "operation '" + m.operations[st.op].name + "'";
    std::ostringstream os;
    os << "the service time of step '" << st.id << "' of " << owner
       << " divided by the speed of station '" << m.stations[st.target].name
       << "' overflows; use a larger speed";
    throw ModelError("stations", os.str());
  }
}

// Documented limits that cost memory in every replication, refused up front
// (with the limit) rather than ending in bad_alloc.
void check_memory_limits(const CompiledModel& m) {
  double users = 0, keys = 0;
  for (const CompiledClass& cc : m.classes)
    if (!cc.open()) users += cc.population;
  if (users > kMaxUsers) {
    std::ostringstream os;
    os << "hold " << users << " users and batch jobs in all; at most " << kMaxUsers
       << " (each is a request record in every replication)";
    throw ModelError("classes", os.str());
  }
  for (const CompiledPool& p : m.pools) keys += p.keys;
  if (keys > kMaxKeys) {
    std::ostringstream os;
    os << "lock tables hold " << keys << " keys in all; at most " << kMaxKeys
       << " (each key is a queue and two counters in every replication)";
    throw ModelError("pools", os.str());
  }
  const double kept =
      static_cast<double>(m.spec.run.replications) * static_cast<double>(m.classes.size());
  if (kept > kMaxReplicationClasses) {
    std::ostringstream os;
    os << m.spec.run.replications << " replications of " << m.classes.size() << " classes keep "
       << kept << " response histograms (61 KB each) until the summary; at "
       << "most " << kMaxReplicationClasses << " replications x classes";
    throw ModelError("run.replications", os.str());
  }
}

}  // namespace

void check_routes(const CompiledModel& m) {
  auto check = [&](const LocalRoute& r) {
    for (std::size_t s = 0; s < r.n; ++s)
      if (m.steps[r.first + s].kind == StepKind::kFork) check_fork(m, r, s);
  };
  for (std::size_t ci = 0; ci < m.classes.size(); ++ci) {
    const CompiledClass& cc = m.classes[ci];
    const std::string base = "classes[" + std::to_string(ci) + "].steps[";
    check(local_route(m, cc.first_step, cc.end_step, cc.entry,
                      [base](std::size_t s) { return base + std::to_string(s) + "]"; }));
  }
  for (std::size_t o = 0; o < m.operations.size(); ++o) {
    // Local step 0 takes the thread and the last gives it back; the user's
    // steps are 1..n-2, at services[s].operations[i].steps[k - 1].
    const CompiledOperation& op = m.operations[o];
    const std::size_t oi = o - m.services[op.service].op_begin;
    const std::string base =
        "services[" + std::to_string(op.service) + "].operations[" + std::to_string(oi) + "]";
    const std::size_t user = op.end_step - op.first_step - 2;
    check(local_route(m, op.first_step, op.end_step, op.entry, [base, user](std::size_t s) {
      return s == 0 || s > user ? base : base + ".steps[" + std::to_string(s - 1) + "]";
    }));
  }
  check_scaled_times(m);
  check_memory_limits(m);
  check_run_length(m);
}

}  // namespace tiersim::detail
