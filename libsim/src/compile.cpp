// compile(): resolves names, checks routes with Boost.Graph, and lays the
// model out as flat tables for the engine. Classes' routes come first (their
// step and stream numbers do not depend on services), then each service's
// operations, compiled once whatever the number of replicas.
#include <algorithm>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "detail/json_reader.hpp"
#include "detail/route_checks.hpp"
#include "detail/route_context.hpp"
#include "tiersim/model/compiled_model.hpp"

namespace tiersim {
namespace {

using detail::RouteContext;

std::string class_path(std::size_t c) { return "classes[" + std::to_string(c) + "]"; }

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

std::string describe_holding(const Holding& h, const CompiledModel& out) {
  if (h.empty()) return "nothing";
  std::string out_text;
  for (const auto& [pool, tokens] : h)
    out_text += (out_text.empty() ? "" : ", ") + std::to_string(tokens) + " of '" +
                out.pools[pool].name + "'";
  return out_text;
}

// Propagates the pool tokens held along every route path: each step must be
// reached holding the same tokens on every path, a release must release
// tokens that are held, and the route must exit holding nothing. Records the
// holding on entry of every step for the engine.
void check_holdings(const RouteContext& rc, std::uint32_t first, CompiledModel& out) {
  const auto& spec_steps = rc.steps;
  const std::size_t n = spec_steps.size();
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
        throw ModelError(rc.step_path(s), "a parallel branch reaches join '" + st.id +
                                              "' still holding " + describe_holding(st.held, out) +
                                              "; release it inside the branch");
      if (!seen[st.fork - first]) continue;  // the fork's holding is not known yet
      after = out.steps[st.fork].held;
    }
    const bool releases = st.kind == StepKind::kRelease || st.kind == StepKind::kEnd;
    if (st.kind == StepKind::kAcquire || releases) {
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
          throw ModelError(rc.step_path(s),
                           "acquires a second key of lock table '" + out.pools[st.target].name +
                               "' while holding one; a request holds one key of a table at a time");
        if (out.pools[st.target].on_full != OnFull::kOvercommit && now->second > cap)
          throw ModelError(rc.step_path(s),
                           "would hold " + std::to_string(now->second) + " tokens of pool '" +
                               out.pools[st.target].name + "', more than its capacity " +
                               std::to_string(cap) +
                               " (a loop that acquires without releasing?): it can never proceed");
      } else {
        std::uint32_t have = it == after.end() ? 0 : it->second;
        if (have < st.tokens)
          throw ModelError(rc.step_path(s) + (st.kind == StepKind::kEnd ? "" : ".release"),
                           st.kind == StepKind::kEnd
                               ? "operation '" + rc.owner + "' ends without the thread it took"
                               : "releases " + std::to_string(st.tokens) + " token(s) of pool '" +
                                     out.pools[st.target].name +
                                     "' but a request reaching it holds " + std::to_string(have));
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
          throw ModelError(rc.step_path(s), "the route exits after step '" + st.id +
                                                "' still holding " + describe_holding(after, out) +
                                                "; release it before exit");
        continue;
      }
      std::size_t local = to - first;
      if (!seen[local]) {
        seen[local] = true;
        out.steps[to].held = given;
        work.push_back(local);
      } else if (out.steps[to].held != given) {
        throw ModelError(rc.step_path(local),
                         "step '" + spec_steps[local].id + "' is reached holding " +
                             describe_holding(out.steps[to].held, out) + " on one path and " +
                             describe_holding(given, out) +
                             " on another; every path must hold the same pools");
      }
    }
    // A join whose branches were walked before its fork: walk it again now.
    if (st.kind == StepKind::kFork)
      for (std::size_t j = 0; j < n; ++j)
        if (out.steps[first + j].kind == StepKind::kJoin &&
            out.steps[first + j].fork == first + s && seen[j])
          work.push_back(j);
  }
}

// An operation replies at most once on any path. A reply may sit in a
// parallel branch (LQN's reply activity inside a fork): the request its
// caller waits for replies then, and its steps after the join are second
// phase; two branches of one fork may not both reply. Every step is reached
// either always or never after the reply; the end replies if nothing did.
void check_replies(const RouteContext& rc, std::uint32_t first, CompiledModel& out) {
  const std::size_t n = rc.steps.size();
  // Which forks have a reply in one of their branches (a step reachable from
  // a branch start without passing the join).
  std::vector<bool> fork_replies(n, false);
  for (std::size_t f = 0; f < n; ++f) {
    const CompiledStep& fk = out.steps[first + f];
    if (fk.kind != StepKind::kFork) continue;
    std::size_t replying_branches = 0;
    for (std::uint32_t b = fk.edge_begin; b < fk.edge_end; ++b) {
      std::vector<bool> seen(n, false);
      std::vector<std::size_t> w{out.edges[b].to - first};
      seen[w.back()] = true;
      bool replies = false;
      while (!w.empty()) {
        std::size_t v = w.back();
        w.pop_back();
        if (first + v == fk.join) continue;
        const CompiledStep& vs = out.steps[first + v];
        replies = replies || vs.kind == StepKind::kReply;
        for (std::uint32_t e = vs.edge_begin; e < vs.edge_end; ++e) {
          std::uint32_t to = out.edges[e].to;
          if (to == kExit || seen[to - first]) continue;
          seen[to - first] = true;
          w.push_back(to - first);
        }
      }
      if (replies) ++replying_branches;
    }
    if (replying_branches > 1)
      throw ModelError(rc.step_path(f), "two parallel branches of fork '" + fk.id +
                                            "' reply; operation '" + rc.owner +
                                            "' can reply only once");
    fork_replies[f] = replying_branches == 1;
  }
  std::vector<int> state(n, -1);  // -1 unseen, 0 before the reply, 1 after
  std::vector<std::size_t> work{0};
  state[0] = 0;
  while (!work.empty()) {
    std::size_t s = work.back();
    work.pop_back();
    const CompiledStep& st = out.steps[first + s];
    int after = state[s];
    if (st.kind == StepKind::kReply) {
      if (state[s] == 1)
        throw ModelError(rc.step_path(s), "operation '" + rc.owner +
                                              "' would reply twice on a path through step '" +
                                              st.id + "'");
      after = 1;
    }
    if (st.kind == StepKind::kJoin) {
      const std::size_t f = st.fork - first;
      after = (state[f] == 1 || fork_replies[f]) ? 1 : 0;
    }
    for (std::uint32_t e = st.edge_begin; e < st.edge_end; ++e) {
      std::uint32_t to = out.edges[e].to;
      if (to == kExit) continue;
      std::size_t local = to - first;
      // A branch and the join after it see the reply state of the branch.
      if (out.steps[to].kind == StepKind::kJoin && st.kind != StepKind::kFork) continue;
      int given = after;
      if (state[local] < 0) {
        state[local] = given;
        work.push_back(local);
      } else if (state[local] != given) {
        throw ModelError(rc.step_path(local),
                         "step '" + rc.steps[local].id +
                             "' is reached before the reply on one path and after it on another; "
                             "reply at the same point of every path");
      }
    }
    // The join continues once its fork's state is known.
    if (st.kind == StepKind::kFork)
      for (std::size_t j = 0; j < n; ++j)
        if (out.steps[first + j].kind == StepKind::kJoin &&
            out.steps[first + j].fork == first + s && state[j] < 0) {
          state[j] = state[s];
          work.push_back(j);
        }
  }
}

// Every path of a parallel branch must reach its join without leaving the
// route: a branch that could exit would leave its parent waiting forever.
void check_forks(const RouteContext& rc, const std::map<std::string, std::uint32_t>& ids,
                 const RouteGraph& g) {
  const auto& steps = rc.steps;
  const std::size_t n = steps.size();
  for (std::size_t f = 0; f < n; ++f) {
    if (steps[f].kind != StepKind::kFork) continue;
    std::size_t join = n;
    for (std::size_t s = 0; s < n; ++s)
      if (steps[s].kind == StepKind::kJoin && steps[s].target == steps[f].id) join = s;
    if (join == n)
      throw ModelError(rc.step_path(f), "fork '" + steps[f].id + "' has no join step (add {join: " +
                                            steps[f].id + "} where its branches meet)");
    for (const auto& start : steps[f].next) {
      std::vector<bool> seen(n + 1, false);
      std::vector<std::size_t> work{ids.at(start.to)};
      seen[work.back()] = true;
      while (!work.empty()) {
        std::size_t v = work.back();
        work.pop_back();
        if (v == n || (rc.end_step >= 0 && v == static_cast<std::size_t>(rc.end_step)))
          throw ModelError(rc.step_path(f), "a branch of fork '" + steps[f].id + "' starting at '" +
                                                start.to + "' can leave the route before its join");
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

// Compiles one route (a class's or an operation's) into out.steps and
// out.edges, and checks it as a graph.
void compile_route(const RouteContext& rc, CompiledModel& out) {
  const auto& steps = rc.steps;
  const std::size_t n = steps.size();
  const std::uint32_t first = static_cast<std::uint32_t>(out.steps.size());
  const std::string kind_word = rc.op == kExit ? "class" : "operation";

  std::map<std::string, std::uint32_t> ids;
  for (std::size_t s = 0; s < n; ++s) {
    if (!ids.emplace(steps[s].id, static_cast<std::uint32_t>(s)).second)
      throw ModelError(rc.step_path(s), "duplicate step id '" + steps[s].id +
                                            "'; give the step an explicit, unique 'id'");
  }

  RouteGraph graph(n + 1);  // vertex n is exit

  // Targets first, so a misspelled station or pool is reported at its own
  // step rather than at an edge that names the step by its default id.
  std::vector<std::pair<std::uint32_t, bool>> targets(n, {0u, false});
  for (std::size_t s = 0; s < n; ++s) {
    const StepSpec& st = steps[s];
    const std::string path = rc.step_path(s);
    switch (st.kind) {
      case StepKind::kVisit:
        targets[s] = rc.station(st.target, path + ".visit");
        break;
      case StepKind::kAcquire:
      case StepKind::kRelease:
      case StepKind::kEnd:
        targets[s] = rc.pool(st.target, path + (st.kind == StepKind::kAcquire   ? ".acquire"
                                                : st.kind == StepKind::kRelease ? ".release"
                                                                                : ""));
        break;
      case StepKind::kBranch: {
        targets[s] = rc.pool(st.target, path + ".branch");
        if (out.pools[targets[s].first].on_full != OnFull::kOvercommit)
          throw ModelError(path + ".branch", "pool '" + st.target +
                                                 "' must have on_full: overcommit (a memory "
                                                 "whose overflow pages) to branch on it");
        break;
      }
      case StepKind::kCall:
      case StepKind::kSend:
        targets[s] = {
            rc.operation(st.target, path + (st.kind == StepKind::kCall ? ".call" : ".send")),
            false};
        break;
      case StepKind::kReply:
        if (rc.op == kExit)
          throw ModelError(path + ".reply", "only an operation's steps can reply; class '" +
                                                rc.owner + "' has no caller");
        break;
      case StepKind::kJoin: {
        auto it = ids.find(st.target);
        if (it == ids.end() || steps[it->second].kind != StepKind::kFork)
          throw ModelError(path + ".join", "'" + st.target + "' is not a fork step of " +
                                               kind_word + " '" + rc.owner + "'");
        break;
      }
      default:
        break;
    }
  }

  std::set<std::string> acquired;
  for (const auto& st : steps)
    if (st.kind == StepKind::kAcquire) acquired.insert(st.target);

  for (std::size_t s = 0; s < n; ++s) {
    const StepSpec& st = steps[s];
    const std::string path = rc.step_path(s);
    CompiledStep c;
    c.kind = st.kind;
    c.cls = rc.cls;
    c.op = rc.op;
    c.routing_stream = rc.routing_stream;
    c.tokens = static_cast<std::uint32_t>(st.tokens);
    c.target = targets[s].first;
    c.local = targets[s].second ? ~0u : 0u;
    c.id = st.id;
    c.time = st.time;
    c.policy = st.policy;
    c.key = st.key;
    switch (st.kind) {
      case StepKind::kVisit: {
        double speed = rc.station_speed(c.target);
        if (speed != 1.0 && c.time.mean() > 0) {
          if (!std::isfinite(1.0 / speed)) {
            std::ostringstream os;
            os << speed << " is too small: service times divided by it overflow";
            throw ModelError(rc.station_path(c.target) + ".speed", os.str());
          }
          c.time = c.time.scaled(1.0 / speed);
        }
        break;
      }
      case StepKind::kAcquire:
      case StepKind::kRelease: {
        const char* key = st.kind == StepKind::kAcquire ? ".acquire" : ".release";
        const CompiledPool& pool = out.pools[c.target];
        if (c.tokens > pool.capacity && pool.on_full != OnFull::kOvercommit)
          throw ModelError(path + ".tokens",
                           std::to_string(st.tokens) + " tokens can never be granted: pool '" +
                               st.target + "' has capacity " + std::to_string(pool.capacity));
        if (st.kind == StepKind::kRelease && !acquired.count(st.target))
          throw ModelError(path + key, "releases pool '" + st.target + "', which this " +
                                           kind_word + " never acquires");
        if (st.kind == StepKind::kAcquire && pool.keys > 0 &&
            static_cast<std::uint32_t>(st.key.hot_keys) > pool.keys)
          throw ModelError(path + ".key.hot_keys", std::to_string(st.key.hot_keys) +
                                                       " hot keys in a table of " +
                                                       std::to_string(pool.keys));
        break;
      }
      case StepKind::kChoose:
        c.probe_begin = static_cast<std::uint32_t>(out.probes.size());
        for (std::size_t i = 0; i < st.by.size(); ++i)
          out.probes.push_back(rc.probe(st.by[i], path + ".by[" + std::to_string(i) + "]"));
        c.probe_end = static_cast<std::uint32_t>(out.probes.size());
        break;
      case StepKind::kFork:
        c.fanout = static_cast<std::uint32_t>(st.next.size());
        break;
      case StepKind::kJoin:
        c.fork = first + ids.at(st.target);
        c.fanout = static_cast<std::uint32_t>(steps[ids.at(st.target)].next.size());
        break;
      case StepKind::kCall:
      case StepKind::kSend: {
        c.calls = st.calls;
        c.geometric = st.geometric;
        c.again = st.geometric ? st.calls / (1.0 + st.calls) : 0.0;
        const CompiledService& svc = out.services[out.operations[c.target].service];
        if (svc.balancer == Balancer::kKey &&
            static_cast<std::uint32_t>(st.key.hot_keys) > svc.keys)
          throw ModelError(path + ".key.hot_keys",
                           std::to_string(st.key.hot_keys) + " hot keys in service '" + svc.name +
                               "''s key space of " + std::to_string(svc.keys));
        break;
      }
      default:
        break;
    }
    c.stream = out.streams++;
    c.edge_begin = static_cast<std::uint32_t>(out.edges.size());
    // Default routing: on to the next step in order; the last one exits.
    std::vector<EdgeSpec> next = st.next;
    if (next.empty()) next.push_back({s + 1 < n ? steps[s + 1].id : "exit", 1.0});
    // An operation's own route ends at its end step, which gives back the thread.
    if (rc.end_step >= 0 && static_cast<std::size_t>(rc.end_step) != s)
      for (auto& e : next)
        if (e.to == "exit") e.to = steps[static_cast<std::size_t>(rc.end_step)].id;
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
          std::string msg =
              "no step with id '" + next[e].to + "' in " + kind_word + " '" + rc.owner + "'";
          std::string guess = detail::closest_match(next[e].to, known);
          if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
          throw ModelError(epath, msg);
        }
        local = it->second;
      }
      if (next[e].probability <= 0 && !every_edge) continue;  // an edge never taken
      cum += next[e].probability;
      double visits = st.kind == StepKind::kFork ? 1.0 : next[e].probability;
      boost::add_edge(s, local, RouteEdge{visits}, graph);
      out.edges.push_back({cum, local == n ? kExit : first + local, visits});
    }
    out.edges.back().cumulative = 2.0;  // guard against rounding: the last edge catches all
    c.edge_end = static_cast<std::uint32_t>(out.edges.size());
    out.steps.push_back(std::move(c));
  }
  // The parent of a fork continues after the join: an edge for reachability.
  for (std::size_t s = 0; s < n; ++s)
    if (steps[s].kind == StepKind::kJoin)
      boost::add_edge(ids.at(steps[s].target), s, RouteEdge{0.0}, graph);
  check_forks(rc, ids, graph);
  for (std::uint32_t s = first; s < first + n; ++s)
    if (out.steps[s].kind == StepKind::kJoin) out.steps[out.steps[s].fork].join = s;

  // Every step must be reachable from the first, and exit reachable from every step.
  auto from_entry = reachable(graph, 0);
  auto to_exit = reachable(boost::make_reverse_graph(graph), n);
  for (std::size_t s = 0; s < n; ++s) {
    if (!from_entry[s])
      throw ModelError(rc.step_path(s), "step '" + steps[s].id +
                                            "' is unreachable from the first step of " + kind_word +
                                            " '" + rc.owner + "'");
    if (!to_exit[s])
      throw ModelError(rc.step_path(s), "step '" + steps[s].id +
                                            "' has no path to exit: requests would cycle forever");
  }
  check_holdings(rc, first, out);
  if (rc.op != kExit) check_replies(rc, first, out);
  if (rc.graph) *rc.graph = std::move(graph);
}

void compile_class(const ModelSpec& spec, std::size_t ci, CompiledModel& out,
                   const RouteContext::Names& names, const std::map<int, std::uint32_t>& levels) {
  const ClassSpec& cs = spec.classes[ci];
  const std::size_t n = cs.steps.size();
  const std::uint32_t first = static_cast<std::uint32_t>(out.steps.size());

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

  RouteContext rc(cs.steps, names, out);
  rc.owner = cs.name;
  rc.cls = static_cast<std::uint32_t>(ci);
  rc.routing_stream = cc.routing_stream;
  rc.path_of = [ci](std::size_t s) { return class_path(ci) + ".steps[" + std::to_string(s) + "]"; };
  rc.graph = &cc.graph;
  compile_route(rc, out);
  out.classes.push_back(std::move(cc));
}

// Lays out one service's stations and pools (a thread pool first), one copy
// per replica, and registers its operations by name.
void lay_out_service(const ServiceSpec& sv, std::size_t si, CompiledModel& out,
                     RouteContext::Names& names) {
  const std::string path = "services[" + std::to_string(si) + "]";
  CompiledService cs;
  cs.name = sv.name;
  cs.replicas = static_cast<std::uint32_t>(sv.replicas);
  cs.balancer = sv.balancer;
  cs.keys = static_cast<std::uint32_t>(sv.keys);
  cs.threads = sv.threads > 0 ? static_cast<std::uint32_t>(sv.threads) : kUnlimitedThreads;
  auto instance = [&](const std::string& local, std::uint32_t r) {
    return sv.name + (cs.replicas > 1 ? "[" + std::to_string(r) + "]" : "") + "." + local;
  };
  auto& local = names.services.emplace_back();
  local.service = static_cast<std::uint32_t>(si);
  cs.station_base = static_cast<std::uint32_t>(out.stations.size());
  cs.station_count = static_cast<std::uint32_t>(sv.stations.size());
  for (std::size_t j = 0; j < sv.stations.size(); ++j) {
    const StationSpec& st = sv.stations[j];
    if (!local.stations
             .emplace(st.name, cs.station_base + static_cast<std::uint32_t>(j) * cs.replicas)
             .second)
      throw ModelError(path + ".stations[" + std::to_string(j) + "].name",
                       "duplicate name '" + st.name + "'");
    local.station_specs.push_back(st);
    for (std::uint32_t r = 0; r < cs.replicas; ++r)
      out.stations.push_back(
          {instance(st.name, r), st.discipline,
           st.discipline == Discipline::kDelay ? 0u : static_cast<std::uint32_t>(st.servers),
           st.capacity ? static_cast<std::uint32_t>(*st.capacity) : 0u});
  }
  cs.pool_base = static_cast<std::uint32_t>(out.pools.size());
  cs.pool_count = static_cast<std::uint32_t>(sv.pools.size()) + 1;
  for (std::uint32_t r = 0; r < cs.replicas; ++r)
    out.pools.push_back({instance("threads", r), cs.threads, OnFull::kWait, 0, sv.threads == 0});
  local.pools.emplace("threads", cs.pool_base);
  for (std::size_t j = 0; j < sv.pools.size(); ++j) {
    const PoolSpec& p = sv.pools[j];
    const std::uint32_t base = cs.pool_base + static_cast<std::uint32_t>(j + 1) * cs.replicas;
    if (p.name == "threads" || !local.pools.emplace(p.name, base).second)
      throw ModelError(path + ".pools[" + std::to_string(j) + "].name",
                       p.name == "threads" ? "'threads' is the service's own thread pool; set "
                                             "the service's 'threads' instead"
                                           : "duplicate name '" + p.name + "'");
    for (std::uint32_t r = 0; r < cs.replicas; ++r)
      out.pools.push_back({instance(p.name, r), static_cast<std::uint32_t>(p.capacity), p.on_full,
                           static_cast<std::uint32_t>(p.keys)});
  }
  cs.op_begin = static_cast<std::uint32_t>(out.operations.size());
  for (std::size_t o = 0; o < sv.operations.size(); ++o) {
    const std::string full = sv.name + "." + sv.operations[o].name;
    if (!names.operations.emplace(full, static_cast<std::uint32_t>(out.operations.size())).second)
      throw ModelError(path + ".operations[" + std::to_string(o) + "].name",
                       "duplicate operation '" + sv.operations[o].name + "'");
    CompiledOperation op;
    op.name = full;
    op.service = static_cast<std::uint32_t>(si);
    out.operations.push_back(op);
  }
  cs.op_end = static_cast<std::uint32_t>(out.operations.size());
  out.services.push_back(cs);
}

// An operation's route as compiled: a step that takes a thread of the
// replica, the user's steps, and an end step that gives it back (and
// replies if no reply step did). The user's exits lead to the end.
void compile_operation(const ModelSpec& spec, std::size_t si, std::size_t oi, CompiledModel& out,
                       const RouteContext::Names& names) {
  const ServiceSpec& sv = spec.services[si];
  const OperationSpec& os = sv.operations[oi];
  const std::uint32_t op_index = out.services[si].op_begin + static_cast<std::uint32_t>(oi);
  const std::string path =
      "services[" + std::to_string(si) + "].operations[" + std::to_string(oi) + "]";
  std::vector<StepSpec> steps;
  StepSpec take;
  take.id = "(thread)";
  take.kind = StepKind::kAcquire;
  take.target = "threads";
  steps.push_back(take);
  for (std::size_t s = 0; s < os.steps.size(); ++s) {
    if (os.steps[s].id == "(thread)" || os.steps[s].id == "(end)")
      throw ModelError(path + ".steps[" + std::to_string(s) + "].id",
                       "'" + os.steps[s].id + "' is reserved for the operation's own steps");
    steps.push_back(os.steps[s]);
  }
  StepSpec end;
  end.id = "(end)";
  end.kind = StepKind::kEnd;
  end.target = "threads";
  steps.push_back(end);

  CompiledOperation& op = out.operations[op_index];
  op.first_step = static_cast<std::uint32_t>(out.steps.size());
  op.entry = op.first_step;
  op.end_step = op.first_step + static_cast<std::uint32_t>(steps.size());

  RouteContext rc(steps, names, out);
  rc.owner = op.name;
  rc.cls = kExit;
  rc.op = op_index;
  rc.service = static_cast<std::uint32_t>(si);
  rc.routing_stream = out.streams++;
  rc.end_step = static_cast<int>(steps.size() - 1);
  const std::size_t user = os.steps.size();
  rc.path_of = [path, user](std::size_t s) {
    if (s == 0 || s > user) return path;
    return path + ".steps[" + std::to_string(s - 1) + "]";
  };
  compile_route(rc, out);
  // Held pools of the service's own are the replica's copies.
  const CompiledService& cs = out.services[si];
  const std::uint32_t lo = cs.pool_base, hi = cs.pool_base + cs.pool_count * cs.replicas;
  for (std::uint32_t s = op.first_step; s < op.end_step; ++s)
    for (auto& [pool, tokens] : out.steps[s].held)
      if (pool >= lo && pool < hi) pool |= kLocalPool;
}

// A synchronous call holds the caller's thread while the callee works: a
// service that calls itself, directly or through others, would wait for a
// thread that its own callers hold.
void check_call_cycles(const CompiledModel& out) {
  const std::size_t ns = out.services.size();
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> calls(ns);  // (service, step)
  for (std::uint32_t s = 0; s < out.steps.size(); ++s) {
    const CompiledStep& st = out.steps[s];
    if (st.kind != StepKind::kCall || st.op == kExit) continue;
    calls[out.operations[st.op].service].push_back({out.operations[st.target].service, s});
  }
  std::vector<int> colour(ns, 0);
  std::vector<std::uint32_t> stack;
  std::function<void(std::uint32_t)> visit = [&](std::uint32_t v) {
    colour[v] = 1;
    stack.push_back(v);
    for (const auto& [w, step] : calls[v]) {
      if (colour[w] == 1) {
        std::string chain;
        auto from = std::find(stack.begin(), stack.end(), w);
        for (auto it = from; it != stack.end(); ++it) chain += out.services[*it].name + " -> ";
        chain += out.services[w].name;
        throw ModelError("services", "services call each other in a cycle (" + chain +
                                         ", at step '" + out.steps[step].id +
                                         "'): a synchronous call would wait for threads its own "
                                         "callers hold; use send for work that may come back");
      }
      if (colour[w] == 0) visit(w);
    }
    stack.pop_back();
    colour[v] = 2;
  };
  for (std::uint32_t v = 0; v < ns; ++v)
    if (colour[v] == 0) visit(v);
}

// Requests can deadlock on pools only if some wait for a pool while holding
// another in a cycle of acquisition order: an edge A -> B for every acquire
// of B (that can wait) reached holding A, and, through a synchronous call,
// from what the caller holds to everything the callee acquires. A service's
// replicas count as one pool (the order is the template's). Acyclic means
// lock ordering holds, and no wait-for cycle can ever form.
bool deadlock_possible(const CompiledModel& out) {
  const std::size_t np = out.pools.size();
  std::vector<std::uint32_t> group(np);
  for (std::uint32_t p = 0; p < np; ++p) group[p] = p;
  for (const CompiledService& sv : out.services)
    for (std::uint32_t p = sv.pool_base; p < sv.pool_base + sv.pool_count * sv.replicas; ++p)
      group[p] = sv.pool_base + (p - sv.pool_base) / sv.replicas * sv.replicas;
  auto held_group = [&](std::uint32_t held) { return group[held & ~kLocalPool]; };
  auto can_wait = [&](std::uint32_t p) { return out.pools[p].on_full == OnFull::kWait; };
  // Pools each operation may wait for, itself or through its synchronous calls.
  std::vector<std::vector<std::uint32_t>> waits(out.operations.size());
  std::vector<int> done(out.operations.size(), 0);
  std::function<const std::vector<std::uint32_t>&(std::uint32_t)> acquired =
      [&](std::uint32_t o) -> const std::vector<std::uint32_t>& {
    if (done[o] != 0) return waits[o];
    done[o] = 1;  // cycles of calls are rejected before this runs
    std::set<std::uint32_t> acc;
    const CompiledOperation& op = out.operations[o];
    for (std::uint32_t s = op.first_step; s < op.end_step; ++s) {
      const CompiledStep& st = out.steps[s];
      if (st.kind == StepKind::kAcquire && can_wait(st.target)) acc.insert(group[st.target]);
      if (st.kind == StepKind::kCall)
        for (std::uint32_t p : acquired(st.target)) acc.insert(p);
    }
    waits[o].assign(acc.begin(), acc.end());
    return waits[o];
  };
  std::vector<std::set<std::uint32_t>> edges(np);
  for (const CompiledStep& st : out.steps) {
    if (st.held.empty()) continue;
    if (st.kind == StepKind::kAcquire && can_wait(st.target)) {
      for (const auto& [held, tokens] : st.held) edges[held_group(held)].insert(group[st.target]);
    } else if (st.kind == StepKind::kCall) {
      for (std::uint32_t p : acquired(st.target))
        for (const auto& [held, tokens] : st.held) edges[held_group(held)].insert(p);
    }
  }
  std::vector<int> colour(np, 0);
  std::function<bool(std::uint32_t)> cyclic = [&](std::uint32_t v) {
    colour[v] = 1;
    for (std::uint32_t w : edges[v])
      if (colour[w] == 1 || (colour[w] == 0 && cyclic(w))) return true;
    colour[v] = 2;
    return false;
  };
  for (std::uint32_t v = 0; v < np; ++v)
    if (colour[v] == 0 && !edges[v].empty() && cyclic(v)) return true;
  return false;
}

// Whether a route can take time: a visit or delay with time, or a call or
// send of an operation that can. (A closed class that never takes time
// would cycle forever at one instant.)
bool takes_time(const CompiledModel& out, std::uint32_t first, std::uint32_t end,
                std::vector<int>& op_memo) {
  for (std::uint32_t s = first; s < end; ++s) {
    const CompiledStep& st = out.steps[s];
    if ((st.kind == StepKind::kVisit || st.kind == StepKind::kDelay) && st.time.mean() > 0)
      return true;
    if (st.kind == StepKind::kCall) {
      int& m = op_memo[st.target];
      if (m < 0) {
        m = 0;  // a cycle (sends) counts as no time until proven otherwise
        const CompiledOperation& op = out.operations[st.target];
        m = takes_time(out, op.first_step, op.end_step, op_memo) ? 1 : 0;
      }
      if (m == 1) return true;
    }
  }
  return false;
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
      throw ModelError("run.window",
                       "time-series windows need run.until (a run that ends on time)");
    double windows = (spec.run.until - spec.run.warmup) / spec.run.window;
    if (windows > 10000) {
      std::ostringstream os;
      os << spec.run.window << " would cut the run into " << windows
         << " windows; at most 10000 (use a longer window)";
      throw ModelError("run.window", os.str());
    }
  }
  RouteContext::Names names;
  names.stations = index_names(spec.stations, "stations");
  names.pools = index_names(spec.pools, "pools");
  names.spec = &spec;
  index_names(spec.classes, "classes");
  index_names(spec.services, "services");
  for (const auto& s : spec.stations) {
    out.stations.push_back(
        {s.name, s.discipline,
         s.discipline == Discipline::kDelay ? 0u : static_cast<std::uint32_t>(s.servers),
         s.capacity ? static_cast<std::uint32_t>(*s.capacity) : 0u});
  }
  for (const auto& p : spec.pools)
    out.pools.push_back({p.name, static_cast<std::uint32_t>(p.capacity), p.on_full,
                         static_cast<std::uint32_t>(p.keys)});
  for (std::size_t s = 0; s < spec.services.size(); ++s)
    lay_out_service(spec.services[s], s, out, names);

  std::map<int, std::uint32_t> levels;
  for (const auto& c : spec.classes) levels.emplace(c.priority, 0);
  std::uint32_t rank = 0;
  for (auto& [_, lvl] : levels) lvl = rank++;
  out.priority_levels = rank;

  for (std::size_t c = 0; c < spec.classes.size(); ++c) compile_class(spec, c, out, names, levels);
  for (std::size_t s = 0; s < spec.services.size(); ++s)
    for (std::size_t o = 0; o < spec.services[s].operations.size(); ++o)
      compile_operation(spec, s, o, out, names);
  check_call_cycles(out);
  out.deadlock_possible = deadlock_possible(out);

  // Step counters: one per step, and for replicas beyond the first of each
  // operation a block of their own (CompiledOperation::counter_offset).
  out.counters = static_cast<std::uint32_t>(out.steps.size());
  for (auto& op : out.operations) {
    op.counter_block = out.counters;
    out.counters += (out.services[op.service].replicas - 1) * (op.end_step - op.first_step);
  }

  // A closed user whose think time and steps all take no time would cycle
  // forever without the clock moving: the run would hang at one instant.
  std::vector<int> memo(out.operations.size(), -1);
  for (std::size_t ci = 0; ci < spec.classes.size(); ++ci) {
    const ClassSpec& cs = spec.classes[ci];
    const CompiledClass& cc = out.classes[ci];
    if (cs.closed && !(cs.think.mean() > 0) && !takes_time(out, cc.first_step, cc.end_step, memo))
      throw ModelError(class_path(ci) + ".think",
                       "is 0 and every step of closed class '" + cs.name +
                           "' takes no time: its users would cycle forever without time "
                           "passing; give think or a step a time > 0");
  }
  detail::check_routes(out);  // fork/join nesting, limits, run length: route_checks.cpp
  return out;
}

}  // namespace tiersim
