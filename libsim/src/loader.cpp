// Model-file reader: JSON document -> ModelSpec. Checks shape and types here;
// cross references (routes, names) are checked by compile().
#include "tiersim/model/loader.hpp"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "detail/json_reader.hpp"

namespace tiersim {
namespace {

using detail::index_path;
using detail::json;
using detail::ObjectReader;

constexpr std::int64_t kMaxCount = 100000000;  // servers, tokens, population: absurd beyond

// Beyond a squared coefficient of variation of 1e6 (cv 1000) a lognormal's or
// a two-phase fit's mean rests on draws rarer than one in a million: no run
// reproduces it, and the simulated means come out far too small, silently.
constexpr double kMaxScv = 1e6;
constexpr const char* kTooVariable =
    " is too variable: at most scv 1e6 (cv 1000); beyond it the mean rests on draws rarer "
    "than one in a million, which no run reproduces";

Discipline parse_discipline(const std::string& s, const std::string& path) {
  if (s == "fcfs") return Discipline::kFcfs;
  if (s == "ps") return Discipline::kPs;
  if (s == "priority") return Discipline::kPriority;
  if (s == "delay") return Discipline::kDelay;
  std::string msg = "unknown discipline '" + s + "'";
  std::string guess = detail::closest_match(s, {"fcfs", "ps", "priority", "delay"});
  if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
  throw ModelError(path, msg + " (expected fcfs, ps, priority or delay)");
}

// Factory errors (std::invalid_argument) become ModelErrors at the field.
template <class F>
Distribution checked(const std::string& path, F make) {
  try {
    return make();
  } catch (const ModelError&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw ModelError(path, e.what());
  }
}

StationSpec read_station(const json& v, const std::string& path) {
  ObjectReader r(v, path, {"name", "discipline", "servers", "speed", "capacity"});
  StationSpec s;
  s.name = r.string("name");
  s.discipline = parse_discipline(r.string_or("discipline", "fcfs"), r.field("discipline"));
  if (s.discipline == Discipline::kDelay) {
    if (r.has("servers"))
      throw ModelError(r.field("servers"),
                       "a delay station has infinitely many servers; remove 'servers'");
    s.servers = 0;
  } else {
    s.servers = static_cast<int>(r.integer_or("servers", 1, 1, 1000000));
  }
  s.speed = r.number_or("speed", 1.0, 0, true);
  if (r.has("capacity") && !r.raw("capacity").is_null()) {
    s.capacity = static_cast<int>(r.integer("capacity", 1, kMaxCount));
    if (s.discipline != Discipline::kDelay && *s.capacity < s.servers)
      throw ModelError(r.field("capacity"), std::to_string(*s.capacity) +
                                                " is less than servers (" +
                                                std::to_string(s.servers) + ")");
  }
  return s;
}

PoolSpec read_pool(const json& v, const std::string& path) {
  ObjectReader r(v, path, {"name", "capacity", "on_full", "keys"});
  PoolSpec p;
  p.name = r.string("name");
  p.capacity = static_cast<int>(r.integer("capacity", 1, kMaxCount));
  std::string on_full = r.string_or("on_full", "wait");
  if (on_full == "wait") {
    p.on_full = OnFull::kWait;
  } else if (on_full == "reject") {
    p.on_full = OnFull::kReject;
  } else if (on_full == "overcommit") {
    p.on_full = OnFull::kOvercommit;
  } else {
    std::string guess = detail::closest_match(on_full, {"wait", "reject", "overcommit"});
    throw ModelError(r.field("on_full"),
                     "'" + on_full + "' is not a policy" +
                         (guess.empty() ? "" : "; did you mean '" + guess + "'?") +
                         " (expected wait, reject or overcommit)");
  }
  p.keys = static_cast<int>(r.integer_or("keys", 0, 1, 10000000));
  if (p.keys > 0 && p.on_full == OnFull::kOvercommit)
    throw ModelError(r.field("keys"), "a lock table (keys) cannot overcommit");
  return p;
}

ChoosePolicy parse_policy(const std::string& s, const std::string& path) {
  if (s == "random") return ChoosePolicy::kRandom;
  if (s == "round_robin") return ChoosePolicy::kRoundRobin;
  if (s == "shortest_queue" || s == "jsq") return ChoosePolicy::kShortestQueue;
  std::string guess = detail::closest_match(s, {"random", "round_robin", "shortest_queue"});
  throw ModelError(path, "'" + s + "' is not a choice policy" +
                             (guess.empty() ? "" : "; did you mean '" + guess + "'?") +
                             " (expected random, round_robin or shortest_queue)");
}

std::vector<std::string> string_list(const ObjectReader& r, const char* key) {
  const json& xs = r.list(key);
  if (xs.empty()) throw ModelError(r.field(key), "needs at least one entry");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!xs[i].is_string() || xs[i].get<std::string>().empty() ||
        detail::has_control_character(xs[i].get<std::string>()))
      throw ModelError(index_path(r.field(key), i), "expected a name, got " + detail::show(xs[i]));
    out.push_back(xs[i].get<std::string>());
  }
  return out;
}

// Weights as probabilities. When their sum overflows ([1e308, 1e308]), they
// are scaled by the largest first; otherwise divided by the sum as always, so
// ordinary models keep bit-identical probabilities.
void normalise_weights(const std::vector<double>& w, std::vector<EdgeSpec>& edges) {
  double total = 0;
  for (double x : w) total += x;
  double top = 1;
  if (!std::isfinite(total)) {
    top = *std::max_element(w.begin(), w.end());
    total = 0;
    for (double x : w) total += x / top;
  }
  for (std::size_t i = 0; i < w.size(); ++i)
    edges[i].probability = (top == 1 ? w[i] : w[i] / top) / total;
}

std::vector<EdgeSpec> read_next(const json& v, const std::string& path) {
  std::vector<EdgeSpec> edges;
  if (v.is_string()) {
    if (v.get<std::string>().empty()) throw ModelError(path, "must not be empty");
    edges.push_back({v.get<std::string>(), 1.0});
    return edges;
  }
  if (!v.is_array() || v.empty())
    throw ModelError(
        path, "expected a step id, 'exit', or a non-empty list of {to, p}; got " + detail::show(v));
  double sum = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    ObjectReader e(v[i], index_path(path, i), {"to", "p"});
    EdgeSpec edge;
    edge.to = e.string("to");
    edge.probability = e.number("p", 0);
    if (edge.probability > 1)
      throw ModelError(e.field("p"), detail::show(e.raw("p")) + " is not a probability in [0, 1]");
    sum += edge.probability;
    edges.push_back(edge);
  }
  if (std::abs(sum - 1) > 1e-9) {
    std::ostringstream os;
    os << "probabilities sum to " << sum << "; expected 1";
    throw ModelError(path, os.str());
  }
  return edges;
}

KeySpec read_key(const ObjectReader& r) {
  KeySpec key;
  if (!r.has("key")) return key;
  ObjectReader k(r.raw("key"), r.field("key"), {"hot_fraction", "hot_keys"});
  key.hot_fraction = k.number_or("hot_fraction", 0, 0);
  if (key.hot_fraction > 1)
    throw ModelError(k.field("hot_fraction"),
                     detail::show(k.raw("hot_fraction")) + " is not a probability in [0, 1]");
  key.hot_keys = static_cast<int>(k.integer_or("hot_keys", 1, 1, 10000000));
  return key;
}

StepSpec read_step(const json& v, const std::string& path, std::size_t index) {
  ObjectReader r(v, path,
                 {"id",   "visit",  "service", "acquire", "release", "tokens", "key",  "delay",
                  "next", "choose", "to",      "weights", "by",      "branch", "over", "under",
                  "fork", "join",   "call",    "send",    "reply",   "count",  "mean"});
  const char* actions[] = {"visit", "acquire", "release", "delay", "choose", "branch",
                           "fork",  "join",    "call",    "send",  "reply"};
  int found = 0;
  for (const char* a : actions) found += r.has(a) ? 1 : 0;
  if (found != 1)
    throw ModelError(path, found == 0 ? "a step needs one of visit, acquire, release, delay, "
                                        "choose, branch, fork, join, call, send, reply"
                                      : "a step has exactly one of visit, acquire, release, "
                                        "delay, choose, branch, fork, join, call, send, reply; "
                                        "this one has " +
                                            std::to_string(found));
  auto only_for = [&](const char* key, const char* action) {
    if (r.has(key) && !r.has(action))
      throw ModelError(r.field(key), std::string("only a ") + action + " step takes '" + key + "'");
  };
  only_for("to", "choose");
  only_for("weights", "choose");
  only_for("by", "choose");
  only_for("over", "branch");
  only_for("under", "branch");
  if (r.has("key") && !r.has("acquire") && !r.has("call") && !r.has("send"))
    throw ModelError(r.field("key"), "only an acquire, call or send step takes 'key'");
  for (const char* k : {"count", "mean"})
    if (r.has(k) && !r.has("call") && !r.has("send"))
      throw ModelError(r.field(k), std::string("only a call or send step takes '") + k + "'");
  StepSpec s;
  if (r.has("choose") || r.has("branch") || r.has("fork")) {
    if (r.has("next"))
      throw ModelError(r.field("next"), "choose, branch and fork steps name their targets "
                                        "themselves (to / over, under / the fork list)");
  }
  if (r.has("choose")) {
    s.kind = StepKind::kChoose;
    if (!r.raw("choose").is_string())
      throw ModelError(r.field("choose"),
                       "expected a policy name, got " + detail::show(r.raw("choose")));
    s.policy = parse_policy(r.raw("choose").get<std::string>(), r.field("choose"));
    auto to = string_list(r, "to");
    std::vector<double> w(to.size(), 1.0);
    if (r.has("weights")) {
      if (s.policy != ChoosePolicy::kRandom)
        throw ModelError(r.field("weights"), "weights apply to the random policy only");
      const json& ws = r.list("weights");
      if (ws.size() != to.size())
        throw ModelError(r.field("weights"), "has " + std::to_string(ws.size()) + " entries for " +
                                                 std::to_string(to.size()) + " options");
      for (std::size_t i = 0; i < ws.size(); ++i)
        w[i] = detail::number_at(ws[i], index_path(r.field("weights"), i), 0, true);
    }
    for (std::size_t i = 0; i < to.size(); ++i) s.next.push_back({to[i], 0.0});
    normalise_weights(w, s.next);
    if (r.has("by")) {
      if (s.policy != ChoosePolicy::kShortestQueue)
        throw ModelError(r.field("by"), "'by' applies to the shortest_queue policy only");
      s.by = string_list(r, "by");
      if (s.by.size() != to.size())
        throw ModelError(r.field("by"), "has " + std::to_string(s.by.size()) + " entries for " +
                                            std::to_string(to.size()) + " options");
    } else if (s.policy == ChoosePolicy::kShortestQueue) {
      throw ModelError(r.field("by"), "shortest_queue needs 'by': per option, the station or "
                                      "pool whose queue is compared");
    }
    s.id = "choose " + std::to_string(index);
  } else if (r.has("branch")) {
    s.kind = StepKind::kBranch;
    s.target = r.string("branch");
    s.next.push_back({r.string("over"), 0.0});
    s.next.push_back({r.string("under"), 1.0});
    s.id = "branch " + std::to_string(index);
  } else if (r.has("fork")) {
    s.kind = StepKind::kFork;
    for (const auto& start : string_list(r, "fork")) s.next.push_back({start, 1.0});
    s.id = "fork " + std::to_string(index);
  } else if (r.has("join")) {
    s.kind = StepKind::kJoin;
    s.target = r.string("join");
    s.id = "join " + s.target;
  } else if (r.has("visit")) {
    s.kind = StepKind::kVisit;
    s.target = r.string("visit");
    if (!r.has("service")) throw ModelError(r.field("service"), "is required for a visit");
    s.time = distribution_from_json(r.raw("service"), r.field("service"));
    s.id = s.target;
  } else if (r.has("call") || r.has("send")) {
    const bool sync = r.has("call");
    s.kind = sync ? StepKind::kCall : StepKind::kSend;
    s.target = r.string(sync ? "call" : "send");
    if (r.has("count") && r.has("mean"))
      throw ModelError(r.field("mean"),
                       "a call takes 'count' (exactly) or 'mean' (a geometric "
                       "number), not both");
    if (r.has("mean")) {
      s.geometric = true;
      s.calls = r.number("mean", 0);
      if (s.calls > 1e6)
        throw ModelError(r.field("mean"), detail::show(r.raw("mean")) + " calls is absurdly many");
    } else {
      s.calls = static_cast<double>(r.integer_or("count", 1, 1, 1000000));
    }
    s.key = read_key(r);
    s.id = (sync ? "call " : "send ") + s.target;
  } else if (r.has("reply")) {
    s.kind = StepKind::kReply;
    if (!r.raw("reply").is_boolean() || !r.raw("reply").get<bool>())
      throw ModelError(r.field("reply"), "expected true (the caller resumes here), got " +
                                             detail::show(r.raw("reply")));
    s.id = "reply";
  } else if (r.has("acquire") || r.has("release")) {
    bool acquire = r.has("acquire");
    s.kind = acquire ? StepKind::kAcquire : StepKind::kRelease;
    s.target = r.string(acquire ? "acquire" : "release");
    s.tokens = static_cast<int>(r.integer_or("tokens", 1, 1, kMaxCount));
    s.id = (acquire ? "acquire " : "release ") + s.target;
    s.key = read_key(r);
  } else {
    s.kind = StepKind::kDelay;
    s.time = distribution_from_json(r.raw("delay"), r.field("delay"));
    s.id = "delay " + std::to_string(index);
  }
  if (s.kind != StepKind::kVisit && r.has("service"))
    throw ModelError(r.field("service"), "only a visit step takes a service time");
  if (s.kind != StepKind::kAcquire && s.kind != StepKind::kRelease && r.has("tokens"))
    throw ModelError(r.field("tokens"), "only acquire and release steps take tokens");
  s.id = r.string_or("id", s.id);
  if (s.id == "exit") throw ModelError(r.field("id"), "'exit' is reserved for leaving the route");
  if (r.has("next")) s.next = read_next(r.raw("next"), r.field("next"));
  return s;
}

ClassSpec read_class(const json& v, const std::string& path) {
  ObjectReader r(v, path,
                 {"name", "type", "interarrival", "population", "think", "priority", "steps",
                  "jobs", "schedule", "cycle"});
  ClassSpec c;
  c.name = r.string("name");
  std::string type = r.string_or("type", "open");
  if (type != "open" && type != "closed" && type != "batch")
    throw ModelError(r.field("type"),
                     "'" + type + "' is not a class type; expected open, closed or batch");
  c.closed = type == "closed";
  c.batch = type == "batch";
  if (type != "open")
    for (const char* k : {"schedule", "cycle"})
      if (r.has(k))
        throw ModelError(r.field(k), "only an open class has an arrival '" + std::string(k) + "'");
  if (type != "batch" && r.has("jobs"))
    throw ModelError(r.field("jobs"), "only a batch class has 'jobs'; set type: batch");
  if (c.batch) {
    for (const char* k : {"interarrival", "population", "think"})
      if (r.has(k))
        throw ModelError(r.field(k), "a batch class has 'jobs', all started at time 0, not '" +
                                         std::string(k) + "'");
    c.population = static_cast<int>(r.integer("jobs", 1, kMaxCount));
  } else if (r.has("schedule")) {
    if (r.has("interarrival"))
      throw ModelError(r.field("interarrival"),
                       "a class with a rate schedule has Poisson arrivals at the scheduled "
                       "rates; remove 'interarrival'");
    const json& pieces = r.list("schedule");
    if (pieces.empty()) throw ModelError(r.field("schedule"), "needs at least one {from, rate}");
    double prev = -1;
    bool any_rate = false;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      ObjectReader p(pieces[i], index_path(r.field("schedule"), i), {"from", "rate"});
      RatePiece rp{p.number("from", 0), p.number("rate", 0)};
      if (i == 0 && rp.from != 0) throw ModelError(p.field("from"), "the first piece must start at 0");
      if (i > 0 && !(rp.from > prev))
        throw ModelError(p.field("from"),
                         detail::show(p.raw("from")) + " does not come after the previous piece");
      if (rp.rate > 1e12) throw ModelError(p.field("rate"), "is absurdly large");
      any_rate = any_rate || rp.rate > 0;
      prev = rp.from;
      c.schedule.push_back(rp);
    }
    if (!any_rate)
      throw ModelError(r.field("schedule"), "every rate is 0: no request would arrive");
    c.cycle = r.number_or("cycle", 0, 0);
    if (c.cycle > 0 && !(c.cycle > prev))
      throw ModelError(r.field("cycle"), "must be longer than the last piece's start");
    // The mean interarrival stands for the average rate (for demands and checks).
    double span = c.cycle > 0 ? c.cycle : 0, mass = 0;
    if (span > 0) {
      for (std::size_t i = 0; i < c.schedule.size(); ++i) {
        double end = i + 1 < c.schedule.size() ? c.schedule[i + 1].from : span;
        mass += c.schedule[i].rate * (end - c.schedule[i].from);
      }
    }
    double mean_rate = span > 0 ? mass / span : c.schedule.back().rate;
    if (!(mean_rate > 0)) mean_rate = c.schedule.front().rate > 0 ? c.schedule.front().rate : 1;
    c.interarrival =
        checked(r.field("schedule"), [&] { return Distribution::exponential(1.0 / mean_rate); });
  } else if (c.closed) {
    if (r.has("interarrival"))
      throw ModelError(r.field("interarrival"),
                       "a closed class has a population and think time, not interarrivals");
    c.population = static_cast<int>(r.integer("population", 1, kMaxCount));
    c.think = r.has("think") ? distribution_from_json(r.raw("think"), r.field("think"))
                             : Distribution::deterministic(0);
  }
  if (!c.closed && !c.batch && c.schedule.empty()) {
    for (const char* k : {"population", "think"})
      if (r.has(k))
        throw ModelError(r.field(k),
                         "only a closed class has '" + std::string(k) + "'; set type: closed");
    if (!r.has("interarrival"))
      throw ModelError(r.field("interarrival"), "is required for an open class");
    c.interarrival = distribution_from_json(r.raw("interarrival"), r.field("interarrival"));
    if (!(c.interarrival.mean() > 0))
      throw ModelError(r.field("interarrival"),
                       "has mean 0: an open class would generate infinitely many requests");
  }
  c.priority = static_cast<int>(r.integer_or("priority", 0, 0, 1000));
  const json& steps = r.list("steps");
  if (steps.empty()) throw ModelError(r.field("steps"), "needs at least one step");
  for (std::size_t i = 0; i < steps.size(); ++i)
    c.steps.push_back(read_step(steps[i], index_path(r.field("steps"), i), i));
  return c;
}

Balancer parse_balancer(const std::string& s, const std::string& path) {
  if (s == "random") return Balancer::kRandom;
  if (s == "round_robin") return Balancer::kRoundRobin;
  if (s == "shortest_queue" || s == "jsq") return Balancer::kShortestQueue;
  if (s == "least_utilized") return Balancer::kLeastUtilized;
  if (s == "key") return Balancer::kKey;
  std::string guess = detail::closest_match(
      s, {"random", "round_robin", "shortest_queue", "least_utilized", "key"});
  throw ModelError(path,
                   "'" + s + "' is not a balancer" +
                       (guess.empty() ? "" : "; did you mean '" + guess + "'?") +
                       " (expected random, round_robin, shortest_queue, least_utilized or key)");
}

OperationSpec read_operation(const json& v, const std::string& path) {
  ObjectReader r(v, path, {"name", "steps"});
  OperationSpec op;
  op.name = r.string("name");
  if (op.name.find('.') != std::string::npos)
    throw ModelError(r.field("name"), "'" + op.name +
                                          "' has a '.', which separates a service "
                                          "from its operation in calls");
  const json& steps = r.list("steps");
  if (steps.empty()) throw ModelError(r.field("steps"), "needs at least one step");
  for (std::size_t i = 0; i < steps.size(); ++i)
    op.steps.push_back(read_step(steps[i], index_path(r.field("steps"), i), i));
  return op;
}

ServiceSpec read_service(const json& v, const std::string& path) {
  ObjectReader r(
      v, path,
      {"name", "replicas", "balancer", "keys", "threads", "stations", "pools", "operations"});
  ServiceSpec s;
  s.name = r.string("name");
  if (s.name.find('.') != std::string::npos)
    throw ModelError(r.field("name"), "'" + s.name +
                                          "' has a '.', which separates a service "
                                          "from its operation in calls");
  s.replicas = static_cast<int>(r.integer_or("replicas", 1, 1, 100000));
  s.balancer = parse_balancer(r.string_or("balancer", "random"), r.field("balancer"));
  if (s.balancer == Balancer::kKey) {
    s.keys = static_cast<int>(r.integer("keys", 1, 100000000));
  } else if (r.has("keys")) {
    throw ModelError(r.field("keys"), "only a key balancer has a key space");
  }
  if (r.has("threads") && !r.raw("threads").is_null())
    s.threads = static_cast<int>(r.integer("threads", 1, kMaxCount));
  if (r.has("stations")) {
    const json& xs = r.list("stations");
    for (std::size_t i = 0; i < xs.size(); ++i)
      s.stations.push_back(read_station(xs[i], index_path(r.field("stations"), i)));
  }
  if (r.has("pools")) {
    const json& xs = r.list("pools");
    for (std::size_t i = 0; i < xs.size(); ++i)
      s.pools.push_back(read_pool(xs[i], index_path(r.field("pools"), i)));
  }
  const json& ops = r.list("operations");
  if (ops.empty())
    throw ModelError(r.field("operations"), "a service needs at least one operation");
  for (std::size_t i = 0; i < ops.size(); ++i)
    s.operations.push_back(read_operation(ops[i], index_path(r.field("operations"), i)));
  return s;
}

Distribution read_distribution(const json& v, const std::string& path) {
  if (v.is_number()) {
    double x = detail::number_at(v, path, 0, false);
    return Distribution::deterministic(x);
  }
  if (!v.is_object())
    throw ModelError(path, "expected a distribution ({dist: ...}) or a number, got " +
                               detail::type_name(v) + " " + detail::show(v));
  if (!v.contains("dist")) throw ModelError(path + ".dist", "is required");
  if (!v["dist"].is_string())
    throw ModelError(path + ".dist", "expected a string, got " + detail::show(v["dist"]));
  std::string d = v["dist"].get<std::string>();
  auto positive = [&](const ObjectReader& r, const char* k) { return r.number(k, 0, true); };
  if (d == "deterministic") {
    ObjectReader r(v, path, {"dist", "value"});
    return Distribution::deterministic(r.number("value", 0));
  }
  if (d == "exponential") {
    ObjectReader r(v, path, {"dist", "mean", "rate"});
    if (r.has("mean") == r.has("rate"))
      throw ModelError(path, "an exponential takes exactly one of 'mean' or 'rate'");
    double mean = r.has("mean") ? positive(r, "mean") : 1.0 / positive(r, "rate");
    return checked(path, [&] { return Distribution::exponential(mean); });
  }
  if (d == "uniform") {
    ObjectReader r(v, path, {"dist", "low", "high"});
    double lo = r.number("low", 0), hi = r.number("high", 0);
    if (hi < lo) throw ModelError(r.field("high"), detail::show(r.raw("high")) + " is below low");
    return Distribution::uniform(lo, hi);
  }
  if (d == "erlang") {
    ObjectReader r(v, path, {"dist", "k", "mean"});
    int k = static_cast<int>(r.integer("k", 1, 1000000));
    return Distribution::erlang(k, positive(r, "mean"));
  }
  if (d == "hyperexponential") {
    ObjectReader r(v, path, {"dist", "mean", "scv", "p", "mean1", "mean2"});
    if (r.has("scv")) {
      double scv = r.number("scv", 1);
      if (scv > kMaxScv)
        throw ModelError(r.field("scv"), detail::show(r.raw("scv")) + kTooVariable);
      double mean = positive(r, "mean");
      try {
        return Distribution::hyperexponential(mean, scv);
      } catch (const std::invalid_argument&) {
        // Near scv 1e16 the balanced fit's long phase has probability 0 and infinite mean.
        throw ModelError(r.field("scv"), detail::show(r.raw("scv")) +
                                             " is too large for a two-phase fit of mean " +
                                             detail::show(r.raw("mean")));
      }
    }
    double p = r.number("p", 0);
    if (p > 1) throw ModelError(r.field("p"), detail::show(r.raw("p")) + " is not a probability");
    return Distribution::hyperexponential2(p, positive(r, "mean1"), positive(r, "mean2"));
  }
  if (d == "lognormal") {
    ObjectReader r(v, path, {"dist", "mean", "cv"});
    const double cv = positive(r, "cv");
    if (cv * cv > kMaxScv)
      throw ModelError(r.field("cv"), detail::show(r.raw("cv")) + kTooVariable);
    return Distribution::lognormal(positive(r, "mean"), cv);
  }
  if (d == "pareto") {
    ObjectReader r(v, path, {"dist", "alpha", "mean"});
    double alpha = r.number("alpha", 1, true);
    return Distribution::pareto(alpha, positive(r, "mean"));
  }
  if (d == "empirical") {
    ObjectReader r(v, path, {"dist", "samples", "cdf"});
    if (r.has("samples") == r.has("cdf"))
      throw ModelError(path, "an empirical distribution takes exactly one of 'samples' or 'cdf'");
    if (r.has("samples")) {
      const json& xs = r.list("samples");
      if (xs.empty()) throw ModelError(r.field("samples"), "needs at least one value");
      if (xs.size() > 10000000) throw ModelError(r.field("samples"), "has more than 1e7 values");
      std::vector<double> vals;
      vals.reserve(xs.size());
      for (std::size_t i = 0; i < xs.size(); ++i)
        vals.push_back(detail::number_at(xs[i], index_path(r.field("samples"), i), 0, false));
      return Distribution::empirical_samples(std::move(vals));
    }
    const json& pts = r.list("cdf");
    std::vector<double> x, f;
    for (std::size_t i = 0; i < pts.size(); ++i) {
      std::string p = index_path(r.field("cdf"), i);
      if (!pts[i].is_array() || pts[i].size() != 2)
        throw ModelError(p, "expected a pair [x, F], got " + detail::show(pts[i]));
      x.push_back(detail::number_at(pts[i][0], p + "[0]", 0, false));
      f.push_back(detail::number_at(pts[i][1], p + "[1]", 0, false));
    }
    return checked(r.field("cdf"), [&] { return Distribution::empirical_cdf(x, f); });
  }
  std::string msg = "unknown distribution '" + d + "'";
  std::string guess =
      detail::closest_match(d, {"deterministic", "exponential", "uniform", "erlang",
                                "hyperexponential", "lognormal", "pareto", "empirical"});
  if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
  throw ModelError(path + ".dist", msg +
                                       " (expected deterministic, exponential, uniform, erlang, "
                                       "hyperexponential, lognormal, pareto or empirical)");
}

}  // namespace

Distribution distribution_from_json(const json& v, const std::string& path) {
  // A factory can still refuse values that each passed their own check (a
  // huge scv makes a phase mean overflow): report that at the distribution.
  return checked(path, [&] { return read_distribution(v, path); });
}

// run.precision: a relative half-width (0.01), or {relative, confidence,
// metrics, max_replications}; null or 0 turns it off. Metric names are
// checked against the model when the run starts.
static void read_precision(PrecisionSpec& p, const json& v, const std::string& path) {
  if (v.is_null()) {
    p = PrecisionSpec{};
    return;
  }
  auto relative = [&](double x, const std::string& where) {
    if (!(x >= 0 && x < 1))
      throw ModelError(where, "a relative half-width must be in [0, 1), e.g. 0.01 for 1%");
    return x;
  };
  if (v.is_number()) {
    p.relative = relative(detail::number_at(v, path, 0, false), path);
    return;
  }
  ObjectReader r(v, path, {"relative", "confidence", "metrics", "max_replications"});
  p.relative = relative(r.number("relative", 0), r.field("relative"));
  p.confidence = r.number_or("confidence", p.confidence, 0, true);
  if (!(p.confidence < 1)) throw ModelError(r.field("confidence"), "must be below 1, e.g. 0.95");
  p.max_replications =
      static_cast<int>(r.integer_or("max_replications", p.max_replications, 2, 100000));
  if (r.has("metrics")) {
    p.metrics.clear();
    const json& xs = r.list("metrics");
    for (std::size_t i = 0; i < xs.size(); ++i) {
      if (!xs[i].is_string())
        throw ModelError(index_path(r.field("metrics"), i),
                         "expected a metric name such as \"classes.web.response.mean\"");
      p.metrics.push_back(xs[i].get<std::string>());
    }
  }
}

void apply_run_overrides(RunSpec& run, const json& v, const std::string& path) {
  ObjectReader r(v, path,
                 {"until", "max_completions", "warmup", "replications", "seed", "threads",
                  "max_in_system", "batches", "window", "samples", "precision"});
  run.until = r.number_or("until", run.until, 0);
  run.max_completions = static_cast<std::uint64_t>(r.integer_or(
      "max_completions", static_cast<std::int64_t>(run.max_completions), 0, std::int64_t{1} << 53));
  if (r.has("warmup") && r.raw("warmup").is_string()) {
    if (r.raw("warmup").get<std::string>() != "mser5")
      throw ModelError(r.field("warmup"), detail::show(r.raw("warmup")) +
                                              " is not a warm-up; expected a time or \"mser5\"");
    run.warmup_mser5 = true;
    run.warmup = 0;
  } else if (r.has("warmup")) {
    run.warmup = r.number("warmup", 0);
    run.warmup_mser5 = false;
  }
  // Each replication's results (a response histogram per class, ~61 KB) are
  // kept until the summary: 10,000 is 0.6 GB per class. See route_checks.
  run.replications = static_cast<int>(r.integer_or("replications", run.replications, 1, 10000));
  run.seed = static_cast<std::uint64_t>(r.integer_or("seed", static_cast<std::int64_t>(run.seed), 0,
                                                     std::numeric_limits<std::int64_t>::max()));
  run.threads = static_cast<int>(r.integer_or("threads", run.threads, 0, 1024));
  // An open request present costs ~150 bytes (record, event, queue slot): the
  // guard must stop a saturated run before memory does (1e7: ~1.5 GB).
  run.max_in_system = static_cast<std::uint64_t>(
      r.integer_or("max_in_system", static_cast<std::int64_t>(run.max_in_system), 1, 10000000));
  run.batches = static_cast<int>(r.integer_or("batches", run.batches, 2, 1000));
  run.window = r.number_or("window", run.window, 0);
  run.samples = static_cast<std::uint64_t>(
      r.integer_or("samples", static_cast<std::int64_t>(run.samples), 0, 10000000));
  if (r.has("precision")) read_precision(run.precision, r.raw("precision"), r.field("precision"));
}

ModelSpec model_from_json(const json& doc) {
  ObjectReader r(doc, "", {"name", "run", "stations", "pools", "classes", "services"});
  ModelSpec m;
  m.name = r.string_or("name", "model");
  if (r.has("run")) apply_run_overrides(m.run, r.raw("run"), "run");
  if (r.has("stations")) {
    const json& xs = r.list("stations");
    for (std::size_t i = 0; i < xs.size(); ++i)
      m.stations.push_back(read_station(xs[i], index_path("stations", i)));
  }
  if (r.has("pools")) {
    const json& xs = r.list("pools");
    for (std::size_t i = 0; i < xs.size(); ++i)
      m.pools.push_back(read_pool(xs[i], index_path("pools", i)));
  }
  if (r.has("services")) {
    const json& xs = r.list("services");
    for (std::size_t i = 0; i < xs.size(); ++i)
      m.services.push_back(read_service(xs[i], index_path("services", i)));
  }
  if (!r.has("classes"))
    throw ModelError("classes", "is required: a model needs at least one class");
  const json& xs = r.list("classes");
  for (std::size_t i = 0; i < xs.size(); ++i)
    m.classes.push_back(read_class(xs[i], index_path("classes", i)));
  return m;
}

ModelSpec parse_model(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    // parse_error for syntax; out_of_range for a number beyond double (1e400).
    throw ModelError("", std::string("not valid JSON: ") + e.what());
  }
  return model_from_json(doc);
}

}  // namespace tiersim
