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

// How one metric of a service's resource folds over its replicas.
enum class Fold {
  kMean,          ///< per replica: utilization, queue lengths
  kSum,           ///< in total: throughput, tokens held
  kByThroughput,  ///< a time, weighted by each replica's throughput (replicas with none skipped)
};

template <class Row>
Estimate fold(const std::vector<Row>& rows, Estimate Row::*metric, Fold how) {
  Estimate e{0, 0, 0};
  double total = 0;
  for (const Row& row : rows) {
    const Estimate& x = row.*metric;
    double w = how == Fold::kByThroughput ? row.throughput.mean : 1.0;
    if (how == Fold::kByThroughput && (!(w > 0) || !std::isfinite(x.mean))) continue;
    e.mean += w * x.mean;
    e.lo += w * x.lo;
    e.hi += w * x.hi;
    total += w;
  }
  if (how == Fold::kSum) return e;
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
  f.losses = 0;
  for (const auto& row : rows) f.losses += row.losses;
  f.utilization = fold(rows, &StationResult::utilization, Fold::kMean);
  f.throughput = fold(rows, &StationResult::throughput, Fold::kSum);
  f.mean_in_system = fold(rows, &StationResult::mean_in_system, Fold::kMean);
  f.mean_queue_length = fold(rows, &StationResult::mean_queue_length, Fold::kMean);
  f.mean_wait = fold(rows, &StationResult::mean_wait, Fold::kByThroughput);
  f.mean_response = fold(rows, &StationResult::mean_response, Fold::kByThroughput);
  f.mean_service = fold(rows, &StationResult::mean_service, Fold::kByThroughput);
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
  f.rejections = 0;
  f.hot_keys.clear();
  for (const auto& row : rows) f.rejections += row.rejections;
  f.utilization = fold(rows, &PoolResult::utilization, Fold::kMean);
  f.mean_wait = fold(rows, &PoolResult::mean_wait, Fold::kByThroughput);
  f.mean_held = fold(rows, &PoolResult::mean_held, Fold::kSum);
  f.throughput = fold(rows, &PoolResult::throughput, Fold::kSum);
  f.mean_queue_length = fold(rows, &PoolResult::mean_queue_length, Fold::kSum);
  busiest(rows, f);
  if (unlimited) {
    f.capacity = 0;
    f.utilization = {0, 0, 0};
    f.utilization_max = 0;
  }
  return f;
}

// The compiled layout puts the model's own stations (or pools) first and
// then each service's, template entry by template entry, replica by
// replica. The shared rows stay; each entry's replicas fold into one row,
// and go on, marked with their service, to the per-replica rows.
template <class Row, class FoldOne>
void fold_service_rows(std::vector<Row>& rows, std::vector<Row>& per_replica, std::size_t shared,
                       const std::vector<CompiledService>& services,
                       std::uint32_t CompiledService::*base, std::uint32_t CompiledService::*count,
                       FoldOne fold_one) {
  std::vector<Row> folded(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(shared));
  for (const CompiledService& sv : services) {
    for (std::uint32_t j = 0; j < sv.*count; ++j) {
      const std::uint32_t first = sv.*base + j * sv.replicas;
      std::vector<Row> replicas(rows.begin() + first, rows.begin() + first + sv.replicas);
      const std::string& instance = replicas.front().name;  // "app[0].cpu" or "app.cpu"
      folded.push_back(
          fold_one(replicas, sv.name + "." + instance.substr(instance.find('.') + 1), sv, first));
      for (Row& row : replicas) {
        row.service = sv.name;
        per_replica.push_back(std::move(row));
      }
    }
  }
  rows = std::move(folded);
}

}  // namespace

void summarize_services(const CompiledModel& model, const std::vector<Counters>& obs,
                        ExperimentResult& out) {
  if (model.services.empty()) return;
  fold_service_rows(
      out.stations, out.replica_stations, model.spec.stations.size(), model.services,
      &CompiledService::station_base, &CompiledService::station_count,
      [&](const std::vector<StationResult>& rows, const std::string& name,
          const CompiledService& sv, std::uint32_t) { return fold_stations(rows, name, sv.name); });
  fold_service_rows(out.pools, out.replica_pools, model.spec.pools.size(), model.services,
                    &CompiledService::pool_base, &CompiledService::pool_count,
                    [&](const std::vector<PoolResult>& rows, const std::string& name,
                        const CompiledService& sv, std::uint32_t first) {
                      // The threads pool comes first; unlimited when declared without a count.
                      return fold_pools(rows, name, sv.name,
                                        first == sv.pool_base && model.pools[first].unlimited);
                    });

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
