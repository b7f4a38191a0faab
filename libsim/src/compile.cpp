// compile(): resolves names, checks routes with Boost.Graph, and lays the
// model out as flat tables for the engine.
#include <Eigen/Dense>
#include <algorithm>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "detail/json_reader.hpp"
#include "tiersim/model/compiled_model.hpp"

namespace tiersim {
namespace {

std::string class_path(std::size_t c) { return "classes[" + std::to_string(c) + "]"; }
std::string step_path(std::size_t c, std::size_t s) {
  return class_path(c) + ".steps[" + std::to_string(s) + "]";
}

template <class T>
std::map<std::string, std::uint32_t> index_names(const std::vector<T>& items,
                                                  const std::string& what) {
  std::map<std::string, std::uint32_t> idx;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!idx.emplace(items[i].name, static_cast<std::uint32_t>(i)).second)
      throw ModelError(what + "[" + std::to_string(i) + "].name",
                       "duplicate name '" + items[i].name + "'");
  }
  return idx;
}

std::uint32_t resolve(const std::map<std::string, std::uint32_t>& names, const std::string& name,
                      const std::string& path, const std::string& what) {
  auto it = names.find(name);
  if (it != names.end()) return it->second;
  std::vector<std::string> known;
  for (const auto& [k, _] : names) known.push_back(k);
  std::string msg = "no " + what + " named '" + name + "'";
  std::string guess = detail::closest_match(name, known);
  if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
  if (known.empty()) msg += " (the model defines no " + what + "s)";
  throw ModelError(path, msg);
}

// Vertices reachable from `start` in `g` (forward or reversed).
template <class Graph>
std::vector<bool> reachable(const Graph& g, std::size_t start) {
  std::vector<bool> seen(boost::num_vertices(g), false);
  struct Visitor : boost::default_bfs_visitor {
    std::vector<bool>* seen;
    void discover_vertex(typename boost::graph_traits<Graph>::vertex_descriptor v,
                         const Graph&) const {
      (*seen)[v] = true;
    }
  } vis;
  vis.seen = &seen;
  boost::breadth_first_search(g, boost::vertex(start, g), boost::visitor(vis));
  return seen;
}

using Holding = std::vector<std::pair<std::uint32_t, std::uint32_t>>;  // (pool, tokens), sorted

std::string describe_holding(const Holding& h, const ModelSpec& spec) {
  if (h.empty()) return "nothing";
  std::string out;
  for (const auto& [pool, tokens] : h)
    out += (out.empty() ? "" : ", ") + std::to_string(tokens) + " of '" + spec.pools[pool].name + "'";
  return out;
}

// Propagates the pool tokens held along every route path: each step must be
// reached holding the same tokens on every path, a release must release
// tokens that are held, and the route must exit holding nothing. Records the
// holding on entry of every step for the engine.
void check_holdings(const ModelSpec& spec, std::size_t ci, std::uint32_t first,
                    CompiledModel& out) {
  const ClassSpec& cs = spec.classes[ci];
  const std::size_t n = cs.steps.size();
  std::vector<bool> seen(n, false);
  std::vector<std::size_t> work{0};
  seen[0] = true;
  out.steps[first].held.clear();
  while (!work.empty()) {
    std::size_t s = work.back();
    work.pop_back();
    CompiledStep& st = out.steps[first + s];
    Holding after = st.held;
    if (st.kind == StepKind::kJoin) {
      // Branches arrive holding nothing (checked below); the parent resumes
      // with what it held at the fork.
      if (!st.held.empty())
        throw ModelError(step_path(ci, s), "a parallel branch reaches join '" + st.id +
                                               "' still holding " +
                                               describe_holding(st.held, spec) +
                                               "; release it inside the branch");
      if (!seen[st.fork - first]) continue;  // the fork's holding is not known yet
      after = out.steps[st.fork].held;
    }
    if (st.kind == StepKind::kAcquire || st.kind == StepKind::kRelease) {
      auto it = std::find_if(after.begin(), after.end(),
                             [&](const auto& h) { return h.first == st.target; });
      if (st.kind == StepKind::kAcquire) {
        if (it == after.end())
          after.insert(std::upper_bound(after.begin(), after.end(), std::make_pair(st.target, 0u)),
                       {st.target, st.tokens});
        else
          it->second += st.tokens;
        std::uint32_t cap = out.pools[st.target].capacity;
        auto now = std::find_if(after.begin(), after.end(),
                                [&](const auto& h) { return h.first == st.target; });
        if (out.pools[st.target].keys > 0 && now->second > st.tokens)
          throw ModelError(step_path(ci, s),
                           "acquires a second key of lock table '" + out.pools[st.target].name +
                               "' while holding one; a request holds one key of a table at a time");
        if (out.pools[st.target].on_full != OnFull::kOvercommit && now->second > cap)
          throw ModelError(step_path(ci, s),
                           "would hold " + std::to_string(now->second) + " tokens of pool '" +
                               out.pools[st.target].name + "', more than its capacity " +
                               std::to_string(cap) +
                               " (a loop that acquires without releasing?): it can never proceed");
      } else {
        std::uint32_t have = it == after.end() ? 0 : it->second;
        if (have < st.tokens)
          throw ModelError(step_path(ci, s) + ".release",
                           "releases " + std::to_string(st.tokens) + " token(s) of pool '" +
                               out.pools[st.target].name + "' but a request reaching it holds " +
                               std::to_string(have));
        it->second -= st.tokens;
        if (it->second == 0) after.erase(it);
      }
    }
    for (std::uint32_t e = st.edge_begin; e < st.edge_end; ++e) {
      std::uint32_t to = out.edges[e].to;
      // Parallel branches start holding nothing; the parent keeps its tokens.
      const Holding none;
      const Holding& given = st.kind == StepKind::kFork ? none : after;
      if (to == kExit) {
        if (!after.empty())
          throw ModelError(step_path(ci, s),
                           "the route exits after step '" + st.id + "' still holding " +
                               describe_holding(after, spec) + "; release it before exit");
        continue;
      }
      std::size_t local = to - first;
      if (!seen[local]) {
        seen[local] = true;
        out.steps[to].held = given;
        work.push_back(local);
      } else if (out.steps[to].held != given) {
        throw ModelError(step_path(ci, local),
                         "step '" + cs.steps[local].id + "' is reached holding " +
                             describe_holding(out.steps[to].held, spec) + " on one path and " +
                             describe_holding(given, spec) +
                             " on another; every path must hold the same pools");
      }
    }
    // A join whose branches were walked before its fork: walk it again now.
    if (st.kind == StepKind::kFork)
      for (std::size_t j = 0; j < n; ++j)
        if (out.steps[first + j].kind == StepKind::kJoin && out.steps[first + j].fork == first + s &&
            seen[j])
          work.push_back(j);
  }
}

// Every path of a parallel branch must reach its join without leaving the
// route: a branch that could exit would leave its parent waiting forever.
void check_forks(const ClassSpec& cs, std::size_t ci, const std::map<std::string, std::uint32_t>& ids,
                 const RouteGraph& g) {
  const std::size_t n = cs.steps.size();
  for (std::size_t f = 0; f < n; ++f) {
    if (cs.steps[f].kind != StepKind::kFork) continue;
    std::size_t join = n;
    for (std::size_t s = 0; s < n; ++s)
      if (cs.steps[s].kind == StepKind::kJoin && cs.steps[s].target == cs.steps[f].id) join = s;
    if (join == n)
      throw ModelError(step_path(ci, f), "fork '" + cs.steps[f].id +
                                             "' has no join step (add {join: " + cs.steps[f].id +
                                             "} where its branches meet)");
    for (const auto& start : cs.steps[f].next) {
      std::vector<bool> seen(n + 1, false);
      std::vector<std::size_t> work{ids.at(start.to)};
      seen[work.back()] = true;
      while (!work.empty()) {
        std::size_t v = work.back();
        work.pop_back();
        if (v == n)
          throw ModelError(step_path(ci, f), "a branch of fork '" + cs.steps[f].id +
                                                 "' starting at '" + start.to +
                                                 "' can leave the route before its join");
        if (v == join) continue;
        for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) {
          std::size_t t = boost::target(*e, g);
          if (!seen[t]) {
            seen[t] = true;
            work.push_back(t);
          }
        }
      }
    }
  }
}

void compile_class(const ModelSpec& spec, std::size_t ci, CompiledModel& out,
                   const std::map<std::string, std::uint32_t>& stations,
                   const std::map<std::string, std::uint32_t>& pools,
                   const std::map<int, std::uint32_t>& levels) {
  const ClassSpec& cs = spec.classes[ci];
  const std::size_t n = cs.steps.size();
  const std::uint32_t first = static_cast<std::uint32_t>(out.steps.size());

  std::map<std::string, std::uint32_t> ids;
  for (std::size_t s = 0; s < n; ++s) {
    if (!ids.emplace(cs.steps[s].id, static_cast<std::uint32_t>(s)).second)
      throw ModelError(step_path(ci, s),
                       "duplicate step id '" + cs.steps[s].id +
                           "'; give the step an explicit, unique 'id'");
  }

  // A closed user whose think time and steps all take no time would cycle
  // forever without the clock moving: the run would hang at one instant.
  if (cs.closed && !(cs.think.mean() > 0) &&
      std::none_of(cs.steps.begin(), cs.steps.end(),
                   [](const StepSpec& st) { return st.time.mean() > 0; }))
    throw ModelError(class_path(ci) + ".think",
                     "is 0 and every step of closed class '" + cs.name +
                         "' takes no time: its users would cycle forever without time "
                         "passing; give think or a step a time > 0");

  CompiledClass cc;
  cc.name = cs.name;
  cc.closed = cs.closed;
  cc.batch = cs.batch;
  cc.schedule = cs.schedule;
  cc.cycle = cs.cycle;
  cc.interarrival = cs.interarrival;
  cc.population = static_cast<std::uint32_t>(cs.population);
  cc.think = cs.think;
  cc.level = levels.at(cs.priority);
  cc.entry = first;
  cc.first_step = first;
  cc.end_step = first + static_cast<std::uint32_t>(n);
  cc.source_stream = out.streams++;
  cc.routing_stream = out.streams++;
  cc.graph = RouteGraph(n + 1);  // vertex n is exit

  // Targets first, so a misspelled station or pool is reported at its own
  // step rather than at an edge that names the step by its default id.
  for (std::size_t s = 0; s < n; ++s) {
    const StepSpec& st = cs.steps[s];
    const std::string path = step_path(ci, s);
    switch (st.kind) {
      case StepKind::kVisit:
        resolve(stations, st.target, path + ".visit", "station");
        break;
      case StepKind::kAcquire:
      case StepKind::kRelease:
        resolve(pools, st.target, path + (st.kind == StepKind::kAcquire ? ".acquire" : ".release"),
                "pool");
        break;
      case StepKind::kBranch: {
        std::uint32_t p = resolve(pools, st.target, path + ".branch", "pool");
        if (spec.pools[p].on_full != OnFull::kOvercommit)
          throw ModelError(path + ".branch", "pool '" + st.target +
                                                 "' must have on_full: overcommit (a memory "
                                                 "whose overflow pages) to branch on it");
        break;
      }
      case StepKind::kJoin: {
        auto it = ids.find(st.target);
        if (it == ids.end() || cs.steps[it->second].kind != StepKind::kFork)
          throw ModelError(path + ".join", "'" + st.target + "' is not a fork step of class '" +
                                               cs.name + "'");
        break;
      }
      default:
        break;
    }
  }

  std::set<std::string> acquired;
  for (const auto& st : cs.steps)
    if (st.kind == StepKind::kAcquire) acquired.insert(st.target);

  for (std::size_t s = 0; s < n; ++s) {
    const StepSpec& st = cs.steps[s];
    const std::string path = step_path(ci, s);
    CompiledStep c;
    c.kind = st.kind;
    c.cls = static_cast<std::uint32_t>(ci);
    c.tokens = static_cast<std::uint32_t>(st.tokens);
    c.target = 0;
    c.id = st.id;
    c.time = st.time;
    c.policy = st.policy;
    c.key = st.key;
    switch (st.kind) {
      case StepKind::kVisit: {
        c.target = resolve(stations, st.target, path + ".visit", "station");
        double speed = spec.stations[c.target].speed;
        if (speed != 1.0 && c.time.mean() > 0) {
          if (!std::isfinite(1.0 / speed)) {
            std::ostringstream os;
            os << speed << " is too small: service times divided by it overflow";
            throw ModelError("stations[" + std::to_string(c.target) + "].speed", os.str());
          }
          c.time = c.time.scaled(1.0 / speed);
        }
        break;
      }
      case StepKind::kAcquire:
      case StepKind::kRelease: {
        const char* key = st.kind == StepKind::kAcquire ? ".acquire" : ".release";
        c.target = resolve(pools, st.target, path + key, "pool");
        const PoolSpec& pool = spec.pools[c.target];
        if (st.tokens > pool.capacity && pool.on_full != OnFull::kOvercommit)
          throw ModelError(path + ".tokens", std::to_string(st.tokens) +
                                                 " tokens can never be granted: pool '" +
                                                 st.target + "' has capacity " +
                                                 std::to_string(pool.capacity));
        if (st.kind == StepKind::kRelease && !acquired.count(st.target))
          throw ModelError(path + ".release", "releases pool '" + st.target +
                                                  "', which this class never acquires");
        if (st.kind == StepKind::kAcquire && pool.keys > 0 && st.key.hot_keys > pool.keys)
          throw ModelError(path + ".key.hot_keys",
                           std::to_string(st.key.hot_keys) + " hot keys in a table of " +
                               std::to_string(pool.keys));
        break;
      }
      case StepKind::kBranch:
        c.target = resolve(pools, st.target, path + ".branch", "pool");
        break;
      case StepKind::kChoose:
        c.probe_begin = static_cast<std::uint32_t>(out.probes.size());
        for (std::size_t i = 0; i < st.by.size(); ++i) {
          auto station = stations.find(st.by[i]);
          auto pool = pools.find(st.by[i]);
          if (station != stations.end()) {
            out.probes.push_back({false, station->second});
          } else if (pool != pools.end()) {
            out.probes.push_back({true, pool->second});
          } else {
            std::vector<std::string> known;
            for (const auto& [k, _] : stations) known.push_back(k);
            for (const auto& [k, _] : pools) known.push_back(k);
            std::string guess = detail::closest_match(st.by[i], known);
            throw ModelError(path + ".by[" + std::to_string(i) + "]",
                             "no station or pool named '" + st.by[i] + "'" +
                                 (guess.empty() ? "" : "; did you mean '" + guess + "'?"));
          }
        }
        c.probe_end = static_cast<std::uint32_t>(out.probes.size());
        break;
      case StepKind::kFork:
        c.fanout = static_cast<std::uint32_t>(st.next.size());
        break;
      case StepKind::kJoin:
        c.fork = first + ids.at(st.target);
        c.fanout = static_cast<std::uint32_t>(cs.steps[ids.at(st.target)].next.size());
        break;
      case StepKind::kDelay:
        break;
    }
    c.stream = out.streams++;
    c.edge_begin = static_cast<std::uint32_t>(out.edges.size());
    // Default routing: on to the next step in order; the last one exits.
    std::vector<EdgeSpec> next = st.next;
    if (next.empty()) next.push_back({s + 1 < n ? cs.steps[s + 1].id : "exit", 1.0});
    const bool every_edge = st.kind == StepKind::kBranch || st.kind == StepKind::kFork;
    const char* list_key = st.kind == StepKind::kChoose   ? ".to"
                           : st.kind == StepKind::kFork   ? ".fork"
                           : st.kind == StepKind::kBranch ? ""
                                                          : ".next";
    double cum = 0;
    for (std::size_t e = 0; e < next.size(); ++e) {
      // A single target reads as `next: id`; several as a list of {to, p}.
      std::string epath;
      if (st.next.empty()) {
        epath = path;
      } else if (st.kind == StepKind::kBranch) {
        epath = path + (e == 0 ? ".over" : ".under");
      } else if (st.kind == StepKind::kChoose || st.kind == StepKind::kFork) {
        epath = path + list_key + "[" + std::to_string(e) + "]";
      } else {
        epath = st.next.size() == 1 ? path + ".next" : path + ".next[" + std::to_string(e) + "].to";
      }
      std::uint32_t local;
      if (next[e].to == "exit") {
        if (st.kind == StepKind::kFork)
          throw ModelError(epath, "a parallel branch must start at a step, not exit");
        local = static_cast<std::uint32_t>(n);
      } else {
        auto it = ids.find(next[e].to);
        if (it == ids.end()) {
          std::vector<std::string> known{"exit"};
          for (const auto& [k, _] : ids) known.push_back(k);
          std::string msg = "no step with id '" + next[e].to + "' in class '" + cs.name + "'";
          std::string guess = detail::closest_match(next[e].to, known);
          if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
          throw ModelError(epath, msg);
        }
        local = it->second;
      }
      if (next[e].probability <= 0 && !every_edge) continue;  // an edge never taken
      cum += next[e].probability;
      double visits = st.kind == StepKind::kFork ? 1.0 : next[e].probability;
      boost::add_edge(s, local, RouteEdge{visits}, cc.graph);
      out.edges.push_back({cum, local == n ? kExit : first + local, visits});
    }
    out.edges.back().cumulative = 2.0;  // guard against rounding: the last edge catches all
    c.edge_end = static_cast<std::uint32_t>(out.edges.size());
    out.steps.push_back(std::move(c));
  }
  // The parent of a fork continues after the join: an edge for reachability.
  for (std::size_t s = 0; s < n; ++s)
    if (cs.steps[s].kind == StepKind::kJoin)
      boost::add_edge(ids.at(cs.steps[s].target), s, RouteEdge{0.0}, cc.graph);
  check_forks(cs, ci, ids, cc.graph);
  for (std::uint32_t s = first; s < first + n; ++s)
    if (out.steps[s].kind == StepKind::kJoin) out.steps[out.steps[s].fork].join = s;

  // Every step must be reachable from the first, and exit reachable from every step.
  auto from_entry = reachable(cc.graph, 0);
  auto to_exit = reachable(boost::make_reverse_graph(cc.graph), n);
  for (std::size_t s = 0; s < n; ++s) {
    if (!from_entry[s])
      throw ModelError(step_path(ci, s), "step '" + cs.steps[s].id +
                                             "' is unreachable from the first step of class '" +
                                             cs.name + "'");
    if (!to_exit[s])
      throw ModelError(step_path(ci, s), "step '" + cs.steps[s].id +
                                             "' has no path to exit: requests would cycle forever");
  }
  check_holdings(spec, ci, first, out);
  out.classes.push_back(std::move(cc));
}

}  // namespace

CompiledModel compile(const ModelSpec& spec) {
  CompiledModel out;
  out.spec = spec;
  if (spec.classes.empty()) throw ModelError("classes", "a model needs at least one class");
  if (spec.run.until > 0 && spec.run.warmup >= spec.run.until) {
    std::ostringstream os;
    os << spec.run.warmup << " is not below run.until (" << spec.run.until
       << "): nothing would be measured";
    throw ModelError("run.warmup", os.str());
  }
  if (spec.run.window > 0) {
    if (!(spec.run.until > 0))
      throw ModelError("run.window", "time-series windows need run.until (a run that ends on time)");
    double windows = (spec.run.until - spec.run.warmup) / spec.run.window;
    if (windows > 10000) {
      std::ostringstream os;
      os << spec.run.window << " would cut the run into " << windows
         << " windows; at most 10000 (use a longer window)";
      throw ModelError("run.window", os.str());
    }
  }
  auto stations = index_names(spec.stations, "stations");
  auto pools = index_names(spec.pools, "pools");
  index_names(spec.classes, "classes");
  for (const auto& s : spec.stations) {
    out.stations.push_back({s.name, s.discipline,
                            s.discipline == Discipline::kDelay ? 0u
                                                               : static_cast<std::uint32_t>(s.servers),
                            s.capacity ? static_cast<std::uint32_t>(*s.capacity) : 0u});
  }
  for (const auto& p : spec.pools)
    out.pools.push_back({p.name, static_cast<std::uint32_t>(p.capacity), p.on_full,
                         static_cast<std::uint32_t>(p.keys)});

  std::map<int, std::uint32_t> levels;
  for (const auto& c : spec.classes) levels.emplace(c.priority, 0);
  std::uint32_t rank = 0;
  for (auto& [_, lvl] : levels) lvl = rank++;
  out.priority_levels = rank;

  for (std::size_t c = 0; c < spec.classes.size(); ++c)
    compile_class(spec, c, out, stations, pools, levels);
  return out;
}

std::vector<double> CompiledModel::open_utilization() const {
  std::vector<double> u(stations.size(), 0.0);
  for (std::uint32_t c = 0; c < classes.size(); ++c) {
    if (!classes[c].open()) continue;
    double lambda = 1.0 / classes[c].interarrival.mean();
    auto d = station_demands(c);
    for (std::size_t k = 0; k < u.size(); ++k) u[k] += lambda * d[k];
  }
  return u;
}

std::vector<double> CompiledModel::visit_ratios(std::uint32_t c) const {
  const CompiledClass& cc = classes.at(c);
  const auto n = static_cast<Eigen::Index>(cc.end_step - cc.first_step);
  // v = e_entry + P^T v over the class's steps (exit is absorbing).
  Eigen::MatrixXd a = Eigen::MatrixXd::Identity(n, n);
  for (Eigen::Index s = 0; s < n; ++s) {
    const CompiledStep& st = steps[cc.first_step + static_cast<std::uint32_t>(s)];
    // A join passes its parent on once for all of its branches' arrivals.
    double scale = st.kind == StepKind::kJoin ? 1.0 / st.fanout : 1.0;
    for (std::uint32_t e = st.edge_begin; e < st.edge_end; ++e)
      if (edges[e].to != kExit) a(edges[e].to - cc.first_step, s) -= scale * edges[e].probability;
  }
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n);
  rhs(cc.entry - cc.first_step) = 1.0;
  Eigen::VectorXd v = a.colPivHouseholderQr().solve(rhs);
  // Steps never reached (a branch whose probability is 0 in this analysis)
  // come out as rounding noise around 0, which may be negative: clamp it.
  for (Eigen::Index i = 0; i < n; ++i)
    if (std::abs(v(i)) < 1e-12) v(i) = 0.0;
  return {v.data(), v.data() + n};
}

std::vector<double> CompiledModel::station_demands(std::uint32_t c) const {
  std::vector<double> d(stations.size(), 0.0);
  auto v = visit_ratios(c);
  const CompiledClass& cc = classes.at(c);
  for (std::uint32_t s = cc.first_step; s < cc.end_step; ++s) {
    const CompiledStep& st = steps[s];
    if (st.kind != StepKind::kVisit) continue;
    // A delay station never queues, so it holds no demand that can saturate.
    if (stations[st.target].servers == 0) continue;
    d[st.target] += v[s - cc.first_step] * st.time.mean() / stations[st.target].servers;
  }
  return d;
}

}  // namespace tiersim
