// Services in the results: a planner reads "app.cpu: 40 replicas, mean 63 %
// busy, busiest 71 %" rather than 40 rows, and per operation its throughput,
// response and phases with their intervals.
#include "detail/service_summary.hpp"

#include <cmath>
#include <limits>

#include "tiersim/stats/confidence.hpp"

namespace tiersim::detail {
namespace {

double ratio(double num, double den) {
  return den > 0 ? num / den : std::numeric_limits<double>::quiet_NaN();
}

Estimate mean_of(const std::vector<const Estimate*>& xs) {
  Estimate e{0, 0, 0};
  for (const Estimate* x : xs) {
    e.mean += x->mean / static_cast<double>(xs.size());
    e.lo += x->lo / static_cast<double>(xs.size());
    e.hi += x->hi / static_cast<double>(xs.size());
  }
  return e;
}

Estimate sum_of(const std::vector<const Estimate*>& xs) {
  Estimate e{0, 0, 0};
  for (const Estimate* x : xs) {
    e.mean += x->mean;
    e.lo += x->lo;
    e.hi += x->hi;
  }
  return e;
}

// A time weighted by each replica's throughput (replicas with none skipped).
Estimate weighted(const std::vector<const Estimate*>& xs, const std::vector<double>& w) {
  Estimate e{0, 0, 0};
  double total = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!(w[i] > 0) || !std::isfinite(xs[i]->mean)) continue;
    e.mean += w[i] * xs[i]->mean;
    e.lo += w[i] * xs[i]->lo;
    e.hi += w[i] * xs[i]->hi;
    total += w[i];
  }
  if (!(total > 0)) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    return {nan, nan, nan};
  }
  return {e.mean / total, e.lo / total, e.hi / total};
}

template <class Row>
void busiest(const std::vector<Row>& rows, Row& folded) {
  folded.utilization_max = -1;
  for (std::size_t r = 0; r < rows.size(); ++r)
    if (rows[r].utilization.mean > folded.utilization_max) {
      folded.utilization_max = rows[r].utilization.mean;
      folded.busiest_replica = static_cast<int>(r);
    }
}

StationResult fold_stations(const std::vector<StationResult>& rows, const std::string& name,
                            const std::string& service) {
  StationResult f = rows.front();
  f.name = name;
  f.service = service;
  f.replicas = static_cast<int>(rows.size());
  std::vector<const Estimate*> u, x, l, q, w, r, s;
  std::vector<double> tput;
  f.losses = 0;
  for (const auto& row : rows) {
    u.push_back(&row.utilization);
    x.push_back(&row.throughput);
    l.push_back(&row.mean_in_system);
    q.push_back(&row.mean_queue_length);
    w.push_back(&row.mean_wait);
    r.push_back(&row.mean_response);
    s.push_back(&row.mean_service);
    tput.push_back(row.throughput.mean);
    f.losses += row.losses;
  }
  f.utilization = mean_of(u);
  f.throughput = sum_of(x);
  f.mean_in_system = mean_of(l);
  f.mean_queue_length = mean_of(q);
  f.mean_wait = weighted(w, tput);
  f.mean_response = weighted(r, tput);
  f.mean_service = weighted(s, tput);
  busiest(rows, f);
  return f;
}

PoolResult fold_pools(const std::vector<PoolResult>& rows, const std::string& name,
                      const std::string& service, bool unlimited) {
  PoolResult f = rows.front();
  f.name = name;
  f.service = service;
  f.replicas = static_cast<int>(rows.size());
  f.unlimited = unlimited;
  std::vector<const Estimate*> u, w, h, x, q;
  std::vector<double> tput;
  f.rejections = 0;
  f.hot_keys.clear();
  for (const auto& row : rows) {
    u.push_back(&row.utilization);
    w.push_back(&row.mean_wait);
    h.push_back(&row.mean_held);
    x.push_back(&row.throughput);
    q.push_back(&row.mean_queue_length);
    tput.push_back(row.throughput.mean);
    f.rejections += row.rejections;
  }
  f.utilization = mean_of(u);
  f.mean_wait = weighted(w, tput);
  f.mean_held = sum_of(h);
  f.throughput = sum_of(x);
  f.mean_queue_length = sum_of(q);
  busiest(rows, f);
  if (unlimited) {
    f.capacity = 0;
    f.utilization = {0, 0, 0};
    f.utilization_max = 0;
  }
  return f;
}

}  // namespace

void summarize_services(const CompiledModel& model, const std::vector<Counters>& obs,
                        ExperimentResult& out) {
  if (model.services.empty()) return;
  std::vector<StationResult> stations;
  std::vector<PoolResult> pools;
  // Shared resources keep their rows; a service's come folded, in its place.
  std::size_t s = 0, p = 0;
  std::vector<bool> station_done(model.stations.size(), false),
      pool_done(model.pools.size(), false);
  for (const CompiledService& sv : model.services) {
    for (std::uint32_t j = 0; j < sv.station_count; ++j) {
      const std::uint32_t base = sv.station_base + j * sv.replicas;
      std::vector<StationResult> rows(out.stations.begin() + base,
                                      out.stations.begin() + base + sv.replicas);
      for (std::uint32_t r = 0; r < sv.replicas; ++r) station_done[base + r] = true;
      const std::string& instance = rows.front().name;
      const std::string local = instance.substr(instance.find('.') + 1);
      stations.push_back(fold_stations(rows, sv.name + "." + local, sv.name));
      for (auto& row : rows) {
        row.service = sv.name;
        out.replica_stations.push_back(row);
      }
    }
    for (std::uint32_t j = 0; j < sv.pool_count; ++j) {
      const std::uint32_t base = sv.pool_base + j * sv.replicas;
      std::vector<PoolResult> rows(out.pools.begin() + base,
                                   out.pools.begin() + base + sv.replicas);
      for (std::uint32_t r = 0; r < sv.replicas; ++r) pool_done[base + r] = true;
      const std::string& instance = rows.front().name;
      const std::string local = instance.substr(instance.find('.') + 1);
      pools.push_back(
          fold_pools(rows, sv.name + "." + local, sv.name, j == 0 && model.pools[base].unlimited));
      for (auto& row : rows) {
        row.service = sv.name;
        out.replica_pools.push_back(row);
      }
    }
  }
  std::vector<StationResult> merged_stations;
  for (; s < model.stations.size(); ++s)
    if (!station_done[s]) merged_stations.push_back(out.stations[s]);
  merged_stations.insert(merged_stations.end(), stations.begin(), stations.end());
  out.stations = std::move(merged_stations);
  std::vector<PoolResult> merged_pools;
  for (; p < model.pools.size(); ++p)
    if (!pool_done[p]) merged_pools.push_back(out.pools[p]);
  merged_pools.insert(merged_pools.end(), pools.begin(), pools.end());
  out.pools = std::move(merged_pools);

  for (std::size_t si = 0; si < model.services.size(); ++si) {
    const CompiledService& sv = model.services[si];
    ServiceResult sr;
    sr.name = sv.name;
    sr.replicas = static_cast<int>(sv.replicas);
    sr.threads = sv.threads == kUnlimitedThreads ? 0 : static_cast<int>(sv.threads);
    std::vector<double> busy;
    for (const auto& o : obs) {
      double held = 0;
      for (std::uint32_t r = 0; r < sv.replicas; ++r) held += o.pools[sv.pool_base + r].area_held;
      busy.push_back(ratio(held, o.time));
    }
    sr.busy_threads = estimate(busy);
    for (std::uint32_t oi = sv.op_begin; oi < sv.op_end; ++oi) {
      const CompiledOperation& op = model.operations[oi];
      std::vector<double> x, resp, wait, ph1, ph2;
      for (const auto& o : obs) {
        double calls = 0, waited = 0;
        for (std::uint32_t r = 0; r < sv.replicas; ++r) {
          const StepCounters& c = o.steps[op.entry + op.counter_offset(r)];
          calls += c.count;
          waited += c.sum_wait;
        }
        const OperationCounters& oc = o.operations[oi];
        const double response = ratio(oc.sum_response, oc.replies);
        const double thread_wait = ratio(waited, calls);
        x.push_back(ratio(calls, o.time));
        resp.push_back(response);
        wait.push_back(thread_wait);
        ph1.push_back(response - thread_wait);
        ph2.push_back(ratio(oc.sum_phase2, oc.ends));
      }
      OperationResult orr;
      orr.name = op.name.substr(sv.name.size() + 1);
      orr.throughput = estimate(x);
      orr.response = estimate(resp);
      orr.thread_wait = estimate(wait);
      orr.phase1 = estimate(ph1);
      orr.phase2 = estimate(ph2);
      sr.operations.push_back(orr);
    }
    out.services.push_back(sr);
  }
}

}  // namespace tiersim::detail
