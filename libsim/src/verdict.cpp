// The bottleneck verdict (see verdict.hpp and docs/guides/finding-bottlenecks.md).
#include "tiersim/report/verdict.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <map>
#include <sstream>

namespace tiersim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A cause whose own work keeps it at least this busy limits throughput;
// below it, nothing is near its ceiling and the verdict is about response time.
// (This only frames the sentence: the cause and its ceiling are the same.)
constexpr double kNearCeiling = 0.5;
// A pool is a symptom when most of its holding time is spent waiting elsewhere.
constexpr double kMostlyWaiting = 0.5;
// ... and it is worth mentioning: it has a queue or is at least half held.
constexpr double kQueueing = 0.01;
constexpr double kBusy = 0.5;
// A station is a symptom of memory when most of its work is page-ins.
constexpr double kMostlyPaging = 0.5;

std::string describe(const std::string& kind, const std::string& name) {
  if (kind == "lock") return "lock table '" + name + "'";
  if (kind == "memory") return "memory '" + name + "'";
  if (kind == "admission") return "admission limit '" + name + "'";
  if (kind == "delay") return "delay '" + name + "'";
  return kind + " '" + name + "'";
}

std::string pct(double x) {
  std::ostringstream os;
  double p = 100 * x;
  os << std::fixed << std::setprecision(p < 9.95 ? 1 : 0) << p << "%";
  return os.str();
}

std::string num3(double x) {
  std::ostringstream os;
  if (std::abs(x) >= 100)
    os << std::fixed << std::setprecision(0) << x;
  else
    os << std::setprecision(3) << x;
  return os.str();
}

// Delay steps numbered apart ("reply 1 window", "reply 2 window": the parts of
// one transfer) are one place the time goes: numbers standing alone become '*'.
std::string group_name(const std::string& id) {
  std::string out;
  std::size_t i = 0;
  while (i < id.size()) {
    std::size_t j = i;
    while (j < id.size() && id[j] >= '0' && id[j] <= '9') ++j;
    const bool alone = j > i && (i == 0 || id[i - 1] == ' ' || id[i - 1] == '#') &&
                       (j == id.size() || id[j] == ' ');
    if (alone) {
      out += '*';
      i = j;
    } else {
      out += id[i++];
    }
  }
  return out;
}

std::string rate(double x) { return std::isfinite(x) ? num3(x) + "/s" : "unbounded"; }

}  // namespace

double hottest_key_share(const CompiledModel& model, std::uint32_t pool,
                         const std::vector<double>& rates) {
  const std::uint32_t keys = model.pools.at(pool).keys;
  if (keys == 0) return 0;
  double hot = 0, cold = 0, weight = 0;
  bool any = false;
  for (int pass = 0; pass < 2 && !any; ++pass) {
    // First weighted by the measured acquisition rates; if nothing was acquired,
    // every acquire step counts once.
    for (std::size_t s = 0; s < model.steps.size(); ++s) {
      const CompiledStep& st = model.steps[s];
      if (st.kind != StepKind::kAcquire || st.target != pool) continue;
      double w = pass == 0 ? (s < rates.size() ? rates[s] : 0) : 1.0;
      if (!(w > 0)) continue;
      any = true;
      const double f = st.key.hot_fraction;
      const auto h = static_cast<double>(std::max(1, st.key.hot_keys));
      const auto k = static_cast<double>(keys);
      double s0 = 0, sc = 0;  // key 0 (hot when any key is), a cold key
      if (f > 0 && h >= k) {
        s0 = 1 / k;
        sc = 1 / k;
      } else if (f > 0) {
        s0 = f / h;
        sc = (1 - f) / (k - h);
      } else {
        s0 = sc = 1 / k;
      }
      hot += w * s0;
      cold += w * sc;
      weight += w;
    }
  }
  return weight > 0 ? std::max(hot, cold) / weight : 1.0 / keys;
}

std::vector<double> open_pool_utilization(const CompiledModel& model) {
  std::vector<double> u(model.pools.size(), 0.0);
  std::vector<double> rates(model.steps.size(), 0.0);
  for (std::uint32_t c = 0; c < model.classes.size(); ++c) {
    const CompiledClass& cc = model.classes[c];
    if (!cc.open()) continue;
    const double lambda = 1.0 / cc.interarrival.mean();
    auto v = model.visit_ratios(c);
    for (std::uint32_t s = cc.first_step; s < cc.end_step; ++s) {
      const CompiledStep& st = model.steps[s];
      const double visits = v[s - cc.first_step];
      rates[s] += lambda * visits;
      if (st.kind != StepKind::kVisit && st.kind != StepKind::kDelay) continue;
      for (const auto& [p, tokens] : st.held) u[p] += lambda * visits * tokens * st.time.mean();
    }
  }
  for (std::uint32_t p = 0; p < u.size(); ++p) {
    const CompiledPool& cp = model.pools[p];
    if (cp.on_full == OnFull::kOvercommit) {
      u[p] = 0;
      continue;
    }
    u[p] /= cp.capacity;
    if (cp.keys > 0) u[p] *= hottest_key_share(model, p, rates);
  }
  return u;
}

void judge_bottleneck(const CompiledModel& model, const std::vector<Counters>& totals,
                      ExperimentResult& out) {
  // Step instances: a class's step once, an operation's step once per replica
  // of its service (its counters, station and local pools are the replica's).
  struct Inst {
    std::uint32_t step, replica, counter;
  };
  std::vector<Inst> insts;
  for (std::uint32_t s = 0; s < model.steps.size(); ++s) {
    const CompiledStep& st = model.steps[s];
    if (st.op == kExit) {
      insts.push_back({s, 0, s});
      continue;
    }
    const CompiledOperation& op = model.operations[st.op];
    const std::uint32_t replicas = model.services[op.service].replicas;
    for (std::uint32_t r = 0; r < replicas; ++r) insts.push_back({s, r, s + op.counter_offset(r)});
  }
  auto target_of = [&](const Inst& i) {
    const CompiledStep& st = model.steps[i.step];
    return st.target + (i.replica & st.local);
  };
  auto held_pool = [&](std::uint32_t hp, const Inst& i) {
    return (hp & kLocalPool) ? (hp & ~kLocalPool) + i.replica : hp;
  };

  double time = 0, in_system = 0, throughput = 0;
  const std::size_t n = insts.size();
  std::vector<double> count(n, 0), wait(n, 0), service(n, 0);
  std::vector<double> held(model.pools.size(), 0), waiting(model.pools.size(), 0);
  std::vector<double> busy_area(model.stations.size(), 0), queued(model.stations.size(), 0);
  for (const auto& t : totals) {
    time += t.time;
    for (const auto& c : t.classes) in_system += c.sum_response;
    for (std::size_t i = 0; i < n; ++i) {
      if (insts[i].counter >= t.steps.size()) continue;
      const StepCounters& sc = t.steps[insts[i].counter];
      count[i] += sc.count;
      wait[i] += sc.sum_wait;
      service[i] += sc.sum_service;
    }
    for (std::size_t p = 0; p < held.size() && p < t.pools.size(); ++p) {
      held[p] += t.pools[p].area_held;
      waiting[p] += t.pools[p].area_waiting;
    }
    for (std::size_t k = 0; k < busy_area.size() && k < t.stations.size(); ++k) {
      busy_area[k] += t.stations[k].area_busy;
      queued[k] += t.stations[k].area_in_system - t.stations[k].area_busy;
    }
  }
  if (!(time > 0)) return;
  // Everything below is per unit of time: a step's wait and service rates are
  // the mean numbers of requests waiting and served there.
  in_system /= time;
  for (std::size_t i = 0; i < n; ++i) {
    count[i] /= time;
    wait[i] /= time;
    service[i] /= time;
  }
  for (auto& h : held) h /= time;
  for (auto& w : waiting) w /= time;
  for (const auto& c : out.classes)
    if (std::isfinite(c.throughput.mean)) throughput += c.throughput.mean;

  // Per operation: the time a call waits, per invocation, before its reply
  // (for its thread, at its stations and pools, in its own calls) — what a
  // caller holding a pool across the call spends waiting rather than working.
  std::vector<double> op_wait(model.operations.size(), 0);
  std::vector<char> phase2(model.steps.size(), 0);
  {
    std::vector<double> invocations(model.operations.size(), 0), waited(model.operations.size(), 0);
    for (std::uint32_t o = 0; o < model.operations.size(); ++o) {
      const CompiledOperation& op = model.operations[o];
      std::vector<std::uint32_t> todo;
      for (std::uint32_t s = op.first_step; s < op.end_step; ++s)
        if (model.steps[s].kind == StepKind::kReply)
          for (std::uint32_t e = model.steps[s].edge_begin; e < model.steps[s].edge_end; ++e)
            if (model.edges[e].to != kExit) todo.push_back(model.edges[e].to);
      while (!todo.empty()) {
        std::uint32_t s = todo.back();
        todo.pop_back();
        if (s < op.first_step || s >= op.end_step || phase2[s]) continue;
        phase2[s] = 1;
        for (std::uint32_t e = model.steps[s].edge_begin; e < model.steps[s].edge_end; ++e)
          if (model.edges[e].to != kExit) todo.push_back(model.edges[e].to);
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      const CompiledStep& st = model.steps[insts[i].step];
      if (st.op == kExit) continue;
      if (insts[i].step == model.operations[st.op].entry) invocations[st.op] += count[i];
      if (!phase2[insts[i].step] && (st.kind == StepKind::kVisit || st.kind == StepKind::kAcquire))
        waited[st.op] += wait[i];
    }
    // Nested calls add their callee's waits; callees never call back (compile
    // checks), so a few passes settle every chain.
    for (std::size_t pass = 0; pass <= model.operations.size(); ++pass) {
      std::vector<double> next = waited;
      for (std::size_t i = 0; i < n; ++i) {
        const CompiledStep& st = model.steps[insts[i].step];
        if (st.op == kExit || st.kind != StepKind::kCall || phase2[insts[i].step]) continue;
        next[st.op] += count[i] * op_wait[st.target];
      }
      for (std::size_t o = 0; o < op_wait.size(); ++o)
        op_wait[o] = invocations[o] > 0 ? next[o] / invocations[o] : 0;
    }
  }
  // The waiting part of a step instance: its own wait, or for a call its callee's.
  auto waited_at = [&](std::size_t i) {
    const CompiledStep& st = model.steps[insts[i].step];
    if (st.kind == StepKind::kCall) return std::min(service[i], count[i] * op_wait[st.target]);
    return wait[i];
  };

  // Where the response time goes, per station, pool, call and delay step (a
  // class's own steps: a call's time includes everything its callee does).
  std::map<std::string, TimeShare> spent;
  std::vector<std::string> order;
  auto spend = [&](const std::string& name, const std::string& kind, double w, double sv) {
    auto [it, fresh] = spent.try_emplace(kind + "\x1f" + name);
    if (fresh) {
      it->second.name = name;
      it->second.kind = kind;
      order.push_back(it->first);
    }
    it->second.share += w + sv;
    it->second.wait_share += w;
  };
  auto pool_kind = [&](std::uint32_t p) -> std::string {
    const CompiledPool& cp = model.pools[p];
    if (cp.keys > 0) return "lock";
    if (cp.on_full == OnFull::kOvercommit) return "memory";
    if (cp.on_full == OnFull::kReject) return "admission";
    return "pool";
  };
  // Parallel branches overlap in time: a step inside a fork's branches counts
  // 1/fanout of its time (nested forks multiply).
  std::vector<double> weight(model.steps.size(), 1.0);
  for (std::size_t f = 0; f < model.steps.size(); ++f) {
    const CompiledStep& fs = model.steps[f];
    if (fs.kind != StepKind::kFork || fs.fanout == 0) continue;
    std::vector<char> seen(model.steps.size(), 0);
    std::vector<std::uint32_t> todo;
    for (std::uint32_t e = fs.edge_begin; e < fs.edge_end; ++e)
      if (model.edges[e].to != kExit) todo.push_back(model.edges[e].to);
    while (!todo.empty()) {
      std::uint32_t s = todo.back();
      todo.pop_back();
      if (s == fs.join || seen[s]) continue;
      seen[s] = 1;
      weight[s] /= fs.fanout;
      const CompiledStep& st = model.steps[s];
      for (std::uint32_t e = st.edge_begin; e < st.edge_end; ++e)
        if (model.edges[e].to != kExit) todo.push_back(model.edges[e].to);
    }
  }
  double total_spent = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const CompiledStep& st = model.steps[insts[i].step];
    if (st.op != kExit) continue;
    const double wgt = weight[insts[i].step];
    const double w = wgt * waited_at(i), sv = wgt * service[i];
    if (st.kind == StepKind::kVisit) {
      const CompiledStation& cs = model.stations[target_of(insts[i])];
      spend(cs.name, cs.servers == 0 ? "delay" : "station", w, sv);
    } else if (st.kind == StepKind::kAcquire) {
      spend(model.pools[target_of(insts[i])].name, pool_kind(target_of(insts[i])), w, 0);
    } else if (st.kind == StepKind::kDelay) {
      spend(group_name(st.id), "delay", 0, sv);
    } else if (st.kind == StepKind::kCall) {
      spend(model.operations[st.target].name, "call", w, sv - w);
    } else {
      continue;
    }
    total_spent += (st.kind == StepKind::kCall ? sv : w + sv);
  }
  // Parallel branches overlap in time: never claim more than the whole.
  const double norm = std::max(in_system, total_spent);

  // Page-ins: the work of the step an overflowing branch leads to.
  std::vector<double> paging(model.stations.size(), 0), busy(model.stations.size(), 0);
  std::vector<std::uint32_t> paging_pool(model.stations.size(), 0);
  for (std::size_t i = 0; i < n; ++i) {
    const CompiledStep& st = model.steps[insts[i].step];
    if (st.kind == StepKind::kVisit) busy[target_of(insts[i])] += service[i];
    if (st.kind != StepKind::kBranch || st.edge_begin == st.edge_end) continue;
    const std::uint32_t over = model.edges[st.edge_begin].to;
    if (over == kExit || model.steps[over].kind != StepKind::kVisit) continue;
    // The same replica's instance of the page-in step.
    for (std::size_t j = 0; j < n; ++j)
      if (insts[j].step == over && insts[j].replica == insts[i].replica) {
        paging[target_of(insts[j])] += service[j];
        paging_pool[target_of(insts[j])] = target_of(insts[i]);
      }
  }

  // Each compiled station and pool judged on its own ...
  std::vector<ResourceVerdict> each;
  for (std::size_t k = 0; k < model.stations.size(); ++k) {
    const CompiledStation& cs = model.stations[k];
    ResourceVerdict v;
    v.name = cs.name;
    v.kind = cs.servers == 0 ? "delay" : "station";
    const double u = busy_area[k] / (time * (cs.servers > 0 ? cs.servers : 1.0));
    v.utilization = u;
    v.demand_utilization = cs.servers == 0 ? kNaN : u;
    v.ceiling = v.demand_utilization > 0 ? throughput / v.demand_utilization : kNaN;
    v.queue = std::max(0.0, queued[k] / time);
    each.push_back(v);
  }
  for (std::uint32_t p = 0; p < model.pools.size(); ++p) {
    const CompiledPool& cp = model.pools[p];
    ResourceVerdict v;
    v.name = cp.name;
    v.kind = pool_kind(p);
    // Time its holders spend waiting for other resources, per resource.
    std::map<std::string, double> inside;
    double inside_total = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const CompiledStep& st = model.steps[insts[i].step];
      if (st.kind != StepKind::kVisit && st.kind != StepKind::kAcquire &&
          st.kind != StepKind::kCall)
        continue;
      for (const auto& [hp, tokens] : st.held) {
        if (held_pool(hp, insts[i]) != p) continue;
        const double w = tokens * waited_at(i);
        std::string where;
        if (st.kind == StepKind::kVisit) {
          const CompiledStation& ts = model.stations[target_of(insts[i])];
          where = describe(ts.servers == 0 ? "delay" : "station", ts.name);
        } else if (st.kind == StepKind::kAcquire) {
          where = describe(pool_kind(target_of(insts[i])), model.pools[target_of(insts[i])].name);
        } else {
          where = "call '" + model.operations[st.target].name + "'";
        }
        inside[where] += w;
        inside_total += w;
      }
    }
    const double cap = cp.capacity;
    const double u_all = held[p] / cap;  // summed over keys for a lock table
    const double u0_all = std::max(0.0, held[p] - inside_total) / cap;
    double scale = 1;
    if (cp.keys > 0) {
      std::vector<double> rates(model.steps.size(), 0);
      for (std::size_t i = 0; i < n; ++i) rates[insts[i].step] += count[i];
      v.key_share = hottest_key_share(model, p, rates);
      scale = v.key_share;
      // Its rows in the results, by name: a lock table is judged per key, its
      // utilization its hottest key's, never the sum over keys (which reads
      // 500% for a cold table at ease).
      auto rescale = [&](std::vector<PoolResult>& rows) {
        for (auto& row : rows) {
          if (row.name != cp.name) continue;
          for (const auto& k : row.hot_keys)
            if (k.acquisitions > 0 && v.hottest_keys.size() < 3) v.hottest_keys.push_back(k.key);
          row.utilization.mean *= scale;
          row.utilization.lo *= scale;
          row.utilization.hi *= scale;
        }
      };
      rescale(out.pools);
      rescale(out.replica_pools);
    }
    v.utilization = u_all * scale;
    if (cp.on_full == OnFull::kOvercommit || cp.unlimited) {
      v.demand_utilization = kNaN;  // never waits: an overcommitting pool's cost shows as paging
      v.ceiling = kNaN;
    } else {
      v.demand_utilization = u0_all * scale;
      v.ceiling = v.demand_utilization > 0 ? throughput / v.demand_utilization : kNaN;
    }
    v.queue = waiting[p];
    double most = 0;
    for (const auto& [where, w] : inside)
      if (w > most) {
        most = w;
        v.waits_on = where;
      }
    v.waits_on_share = held[p] > 0 ? most / held[p] : 0;
    v.waiting_share = held[p] > 0 ? std::min(1.0, inside_total / held[p]) : 0;
    each.push_back(v);
  }

  // ... then a service's replicas folded into one resource per template entry,
  // named as the results name it ("app.cpu"), judged by its busiest replica.
  const std::size_t ns = model.stations.size();
  std::vector<std::string> display(each.size());
  for (std::size_t i = 0; i < each.size(); ++i) display[i] = each[i].name;
  for (const CompiledService& sv : model.services) {
    auto fold = [&](std::uint32_t base, std::uint32_t count_of, std::size_t offset,
                    const std::vector<std::string>& names) {
      for (std::uint32_t j = 0; j < count_of; ++j) {
        const std::uint32_t first = base + j * sv.replicas;
        const std::string& instance = names[first];
        const std::string name = sv.name + "." + instance.substr(instance.find('.') + 1);
        for (std::uint32_t r = 0; r < sv.replicas; ++r) display[offset + first + r] = name;
      }
    };
    std::vector<std::string> sn, pn;
    for (const auto& st : model.stations) sn.push_back(st.name);
    for (const auto& pl : model.pools) pn.push_back(pl.name);
    fold(sv.station_base, sv.station_count, 0, sn);
    fold(sv.pool_base, sv.pool_count, ns, pn);
  }
  std::map<std::string, std::string> renamed;  // "station 'app[2].cpu'" -> "station 'app.cpu'"
  for (std::size_t i = 0; i < each.size(); ++i)
    if (display[i] != each[i].name)
      renamed[describe(each[i].kind, each[i].name)] = describe(each[i].kind, display[i]);
  auto rename = [&](const std::string& text) {
    auto it = renamed.find(text);
    return it == renamed.end() ? text : it->second;
  };
  out.resources.clear();
  std::vector<std::size_t> rep;  // the instance each folded resource is judged by
  std::vector<double> paging_share;
  std::vector<std::string> paging_by;
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < each.size(); ++i) {
    ResourceVerdict v = each[i];
    v.name = display[i];
    v.waits_on = rename(v.waits_on);
    auto [it, fresh] = index.try_emplace(v.kind + "\x1f" + v.name, out.resources.size());
    const double pg = i < ns && busy[i] > 0 ? paging[i] / busy[i] : 0;
    const std::string pb =
        i < ns && paging[i] > 0 ? describe("memory", display[ns + paging_pool[i]]) : "";
    if (fresh) {
      out.resources.push_back(v);
      rep.push_back(i);
      paging_share.push_back(pg);
      paging_by.push_back(pb);
      continue;
    }
    ResourceVerdict& f = out.resources[it->second];
    const double queue = f.queue + v.queue;
    const auto key = [](const ResourceVerdict& x) {
      return std::isfinite(x.demand_utilization) ? x.demand_utilization : x.utilization;
    };
    if (key(v) > key(f)) {
      f = v;
      rep[it->second] = i;
      paging_share[it->second] = pg;
      paging_by[it->second] = pb;
    }
    f.queue = queue;
  }
  // A resource's share of the response time: a class's own steps there, and the
  // steps of synchronously called operations before their reply (the caller waits
  // through them).
  std::vector<char> called(model.operations.size(), 0);
  for (const auto& st : model.steps)
    if (st.kind == StepKind::kCall) called[st.target] = 1;
  std::map<std::string, std::pair<double, double>> inner;  // kind, name -> (time, wait)
  for (std::size_t i = 0; i < n; ++i) {
    const CompiledStep& st = model.steps[insts[i].step];
    if (st.op == kExit || !called[st.op] || phase2[insts[i].step]) continue;
    const std::uint32_t t = target_of(insts[i]);
    if (st.kind == StepKind::kVisit) {
      auto& e = inner[each[t].kind + "\x1f" + display[t]];
      e.first += wait[i] + service[i];
      e.second += wait[i];
    } else if (st.kind == StepKind::kAcquire) {
      auto& e = inner[each[ns + t].kind + "\x1f" + display[ns + t]];
      e.first += wait[i];
      e.second += wait[i];
    }
  }
  for (auto& v : out.resources) {
    v.share = 0;
    v.wait_share = 0;
    const std::string key = v.kind + "\x1f" + v.name;
    auto it = spent.find(key);
    if (it != spent.end() && norm > 0) {
      v.share = it->second.share / norm;
      v.wait_share = it->second.wait_share / norm;
    }
    auto jt = inner.find(key);
    if (jt != inner.end() && norm > 0) {
      v.share = std::min(1.0, v.share + jt->second.first / norm);
      v.wait_share = std::min(1.0, v.wait_share + jt->second.second / norm);
    }
  }

  // The cause: the lowest ceiling (first of equals).
  Bottleneck& b = out.bottleneck;
  b = Bottleneck{};
  int cause = -1;
  double best = 0;
  for (std::size_t i = 0; i < out.resources.size(); ++i) {
    const auto& v = out.resources[i];
    if (v.kind == "delay" || v.kind == "memory" || !std::isfinite(v.demand_utilization)) continue;
    if (v.demand_utilization > best * (1 + 1e-9)) {
      best = v.demand_utilization;
      cause = static_cast<int>(i);
    }
  }
  for (const auto& key : order) b.response.push_back(spent[key]);
  for (auto& t : b.response) {
    t.share = norm > 0 ? t.share / norm : 0;
    t.wait_share = norm > 0 ? t.wait_share / norm : 0;
  }
  std::stable_sort(b.response.begin(), b.response.end(),
                   [](const TimeShare& a, const TimeShare& c) { return a.share > c.share; });
  if (b.response.size() > 5) b.response.resize(5);
  if (cause < 0) return;

  ResourceVerdict& c = out.resources[static_cast<std::size_t>(cause)];
  std::ostringstream why;
  // A station busy mostly with page-ins is the symptom of the memory that overflows.
  const std::size_t k = static_cast<std::size_t>(cause);
  std::size_t mp = out.resources.size();
  if (c.kind == "station" && paging_share[k] > kMostlyPaging)
    for (std::size_t i = 0; i < out.resources.size(); ++i)
      if (describe(out.resources[i].kind, out.resources[i].name) == paging_by[k]) mp = i;
  if (mp < out.resources.size()) {
    ResourceVerdict& mem = out.resources[mp];
    c.role = "symptom";
    c.points_to = describe(mem.kind, mem.name);
    mem.role = "cause";
    mem.ceiling = c.ceiling;
    b.station = mem.name;
    b.kind = mem.kind;
    b.utilization = mem.utilization;
    b.saturation_throughput = c.ceiling;
    b.share = c.share + mem.share;
    b.symptoms.push_back(c.name);
    why << describe(mem.kind, mem.name) << " is at " << pct(mem.utilization)
        << " of its size: " << pct(paging_share[k]) << " of the work of "
        << describe(c.kind, c.name) << " is page-ins, which makes it the busiest resource ("
        << pct(c.utilization) << ", " << pct(c.share)
        << " of the response time); throughput caps near " << rate(c.ceiling) << " (now "
        << rate(throughput) << ")";
    best = c.demand_utilization;
  } else {
    c.role = "cause";
    b.station = c.name;
    b.kind = c.kind;
    b.utilization = c.utilization;
    b.saturation_throughput = c.ceiling;
    b.share = c.share;
    if (best >= kNearCeiling) {
      why << describe(c.kind, c.name);
      if (c.kind == "lock") {
        why << " (its hottest key";
        if (!c.hottest_keys.empty()) why << ", " << c.hottest_keys.front();
        why << ", takes " << pct(c.key_share) << " of its acquisitions)";
      }
      if (c.kind == "station")
        why << " is " << pct(c.utilization) << " busy";
      else
        why << " is held " << pct(c.utilization) << " of the time, " << pct(best)
            << " by its own work";
      why << "; requests spend " << pct(c.share) << " of their response time "
          << (c.kind == "station" ? "there" : "waiting for it") << " (" << num3(c.queue)
          << " queued); it caps throughput near " << rate(c.ceiling) << " (now "
          << rate(throughput) << ")";
    }
  }
  b.problem = best >= kNearCeiling || out.saturation.saturated ? "throughput" : "response";
  if (b.problem == "response") {
    why.str("");
    why << "no resource is near its ceiling: the busiest, " << describe(c.kind, c.name) << ", is "
        << pct(c.utilization) << " busy (ceiling " << rate(c.ceiling);
    if (throughput > 0 && std::isfinite(c.ceiling))
      why << ", " << num3(c.ceiling / throughput) << "x today's " << rate(throughput);
    why << "); this is a response-time problem";
    if (!b.response.empty())
      why << ": the time goes to " << describe(b.response.front().kind, b.response.front().name)
          << " (" << pct(b.response.front().share) << ")";
  }
  b.reason = why.str();

  // Pools kept full by holders that mostly wait elsewhere point where they wait.
  for (auto& v : out.resources) {
    if (v.role == "cause" || v.kind == "station" || v.kind == "delay" || v.kind == "memory")
      continue;
    if (!(v.queue > kQueueing || v.utilization >= kBusy)) continue;
    if (v.waiting_share < kMostlyWaiting || v.waits_on.empty()) continue;
    v.role = "symptom";
    v.points_to = v.waits_on;
    b.symptoms.push_back(v.name);
  }
}

}  // namespace tiersim
