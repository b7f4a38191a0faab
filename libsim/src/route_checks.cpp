// Structural rules of fork/join routes and the run-length guard; see
// detail/route_checks.hpp. compile() calls check_routes() once every class is
// laid out, so the checks read the same edge table the engine walks.
#include "detail/route_checks.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace tiersim::detail {
namespace {

std::string step_path(std::size_t c, std::size_t s) {
  return "classes[" + std::to_string(c) + "].steps[" + std::to_string(s) + "]";
}

// One class's route as local successor and predecessor lists (exit = n).
struct LocalRoute {
  std::size_t n = 0;
  std::vector<std::vector<std::size_t>> succ, pred;
};

LocalRoute local_route(const CompiledModel& m, const CompiledClass& cc) {
  LocalRoute r;
  r.n = cc.end_step - cc.first_step;
  r.succ.resize(r.n);
  r.pred.resize(r.n + 1);
  for (std::size_t s = 0; s < r.n; ++s) {
    const CompiledStep& st = m.steps[cc.first_step + s];
    for (std::uint32_t e = st.edge_begin; e < st.edge_end; ++e) {
      const std::uint32_t to = m.edges[e].to;
      const std::size_t t = to == kExit ? r.n : to - cc.first_step;
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
void check_fork(const CompiledModel& m, std::size_t ci, const LocalRoute& r, std::size_t f) {
  const CompiledClass& cc = m.classes[ci];
  const auto& steps = m.steps;
  const std::uint32_t first = cc.first_step;
  const std::string& fork_id = steps[first + f].id;

  std::vector<std::size_t> joins;
  for (std::size_t s = 0; s < r.n; ++s)
    if (steps[first + s].kind == StepKind::kJoin && steps[first + s].fork == first + f)
      joins.push_back(s);
  if (joins.empty()) return;  // compile reports a fork without a join
  if (joins.size() > 1)
    throw ModelError(step_path(ci, joins[1]), "fork '" + fork_id + "' already has a join (" +
                                                  step_path(ci, joins[0]) +
                                                  "); a fork has exactly one join");
  const std::size_t join = joins[0];

  std::vector<bool> inside(r.n + 1, false);
  std::vector<std::size_t> work;
  for (std::size_t start : r.succ[f]) {
    if (start == f)
      throw ModelError(step_path(ci, f) + ".fork",
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
        throw ModelError(step_path(ci, v),
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
    if (v == cc.entry - first) return r.n;  // arrivals start here
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
      throw ModelError(step_path(ci, v), "step '" + steps[first + v].id +
                                             "' is inside a branch of fork '" + fork_id +
                                             "' but is the class's first step: requests would "
                                             "start inside the branch, without the fork");
    const std::string from =
        u == r.n ? std::string("the class's first step") : "step '" + steps[first + u].id + "'";
    if (v == join)
      throw ModelError(step_path(ci, join), "join '" + steps[first + join].id +
                                                "' can be reached from " + from +
                                                " without passing its fork '" + fork_id +
                                                "'; only the fork's branches may lead to its join");
    throw ModelError(step_path(ci, v),
                     "step '" + steps[first + v].id + "' is inside a branch of fork '" + fork_id +
                         "' but can be reached from " + from +
                         " without passing the fork; a branch's steps are reached only "
                         "through their fork");
  }
}

// A closed class's user cycles per unit of time, at most:
// X <= min(N / (Z + D), 1 / D_max), D the demand at no queueing.
double closed_rate(const CompiledModel& m, std::uint32_t c) {
  const CompiledClass& cc = m.classes[c];
  const auto v = m.visit_ratios(c);
  double total = cc.think.mean();
  for (std::uint32_t s = cc.first_step; s < cc.end_step; ++s)
    total += v[s - cc.first_step] * m.steps[s].time.mean();
  double rate = total > 0 ? cc.population / total : std::numeric_limits<double>::infinity();
  for (double d : m.station_demands(c))
    if (d > 0) rate = std::min(rate, 1.0 / d);
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
    std::ostringstream os;
    os << m.spec.stations[st.target].speed << " is too small for step '" << st.id << "' of class '"
       << m.classes[st.cls].name << "': its service time divided by the speed overflows";
    throw ModelError("stations[" + std::to_string(st.target) + "].speed", os.str());
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
  for (std::size_t ci = 0; ci < m.classes.size(); ++ci) {
    const CompiledClass& cc = m.classes[ci];
    const LocalRoute r = local_route(m, cc);
    for (std::size_t s = 0; s < r.n; ++s)
      if (m.steps[cc.first_step + s].kind == StepKind::kFork) check_fork(m, ci, r, s);
  }
  check_scaled_times(m);
  check_memory_limits(m);
  check_run_length(m);
}

}  // namespace tiersim::detail
