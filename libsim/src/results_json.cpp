// The results contract as JSON, fields in the contract's order; non-finite
// numbers become null.
#include <cmath>
#include <nlohmann/json.hpp>

#include "tiersim/report/results.hpp"

namespace tiersim {
namespace {

using json = nlohmann::ordered_json;

json num(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }
json interval(const Estimate& e) { return json::array({num(e.lo), num(e.hi)}); }

json station_json(const StationResult& s) {
  json row = {
      {"name", s.name},
      {"discipline", s.discipline},
      {"servers", s.servers > 0 ? json(s.servers) : json(nullptr)},
      {"utilization", num(s.utilization.mean)},
      {"throughput", num(s.throughput.mean)},
      {"mean_in_system", num(s.mean_in_system.mean)},
      {"mean_queue_length", num(s.mean_queue_length.mean)},
      {"mean_wait", num(s.mean_wait.mean)},
      {"mean_response", num(s.mean_response.mean)},
      {"mean_service", num(s.mean_service.mean)},
      {"losses", num(s.losses)},
      {"ci95",
       {{"utilization", interval(s.utilization)},
        {"throughput", interval(s.throughput)},
        {"mean_in_system", interval(s.mean_in_system)},
        {"mean_queue_length", interval(s.mean_queue_length)},
        {"mean_wait", interval(s.mean_wait)},
        {"mean_response", interval(s.mean_response)}}},
  };
  if (!s.service.empty()) {
    row["service"] = s.service;
    row["replicas"] = s.replicas;
    row["utilization_max"] = num(s.utilization_max);
    row["busiest_replica"] = s.busiest_replica;
  }
  return row;
}

json pool_json(const PoolResult& p) {
  json keys = json::array();
  for (const auto& k : p.hot_keys)
    keys.push_back(
        {{"key", k.key}, {"acquisitions", num(k.acquisitions)}, {"mean_wait", num(k.mean_wait)}});
  json row = {
      {"name", p.name},
      {"capacity", p.unlimited ? json(nullptr) : json(p.capacity)},
      {"on_full", p.on_full},
      {"keys", p.keys > 0 ? json(p.keys) : json(nullptr)},
      {"rejections", num(p.rejections)},
      {"hot_keys", keys},
      {"utilization", num(p.utilization.mean)},
      {"mean_wait", num(p.mean_wait.mean)},
      {"mean_held", num(p.mean_held.mean)},
      {"throughput", num(p.throughput.mean)},
      {"mean_queue_length", num(p.mean_queue_length.mean)},
      {"ci95", {{"utilization", interval(p.utilization)}, {"mean_wait", interval(p.mean_wait)}}}};
  if (!p.service.empty()) {
    row["service"] = p.service;
    row["replicas"] = p.replicas;
    row["utilization_max"] = num(p.utilization_max);
    row["busiest_replica"] = p.busiest_replica;
  }
  return row;
}

json estimate_json(const Estimate& e) { return {{"mean", num(e.mean)}, {"ci95", interval(e)}}; }

}  // namespace

json to_json(const ExperimentResult& r) {
  json out;
  out["model"] = r.model;
  out["run"] = {{"replications", r.run.replications}, {"until", num(r.run.until)},
                {"warmup", num(r.run.warmup)},        {"seed", r.run.seed},
                {"threads", r.run.threads},           {"simulated_time", num(r.run.simulated_time)},
                {"events", r.run.events},             {"wall_seconds", num(r.run.wall_seconds)},
                {"interrupted", r.run.interrupted}};
  json stations = json::array();
  for (const auto& s : r.stations) stations.push_back(station_json(s));
  out["stations"] = stations;
  json pools = json::array();
  for (const auto& p : r.pools) pools.push_back(pool_json(p));
  out["pools"] = pools;
  json classes = json::array();
  for (const auto& c : r.classes) {
    json steps = json::array();
    for (const auto& s : c.steps)
      steps.push_back({{"id", s.id},
                       {"kind", s.kind},
                       {"target", s.target},
                       {"visits", num(s.visits)},
                       {"wait", num(s.wait)},
                       {"service", num(s.service)}});
    classes.push_back({{"name", c.name},
                       {"type", c.type},
                       {"throughput", num(c.throughput.mean)},
                       {"throughput_ci95", interval(c.throughput)},
                       {"arrivals", num(c.arrivals)},
                       {"completions", num(c.completions)},
                       {"losses", num(c.losses)},
                       {"loss_probability", num(c.loss_probability)},
                       {"response",
                        {{"mean", num(c.response.mean.mean)},
                         {"p50", num(c.response.p50)},
                         {"p90", num(c.response.p90)},
                         {"p95", num(c.response.p95)},
                         {"p99", num(c.response.p99)},
                         {"p999", num(c.response.p999)},
                         {"max", num(c.response.max)},
                         {"ci95", interval(c.response.mean)},
                         {"percentiles_ci95",
                          {{"p50", interval(c.response.p50_ci)},
                           {"p90", interval(c.response.p90_ci)},
                           {"p95", interval(c.response.p95_ci)},
                           {"p99", interval(c.response.p99_ci)},
                           {"p999", interval(c.response.p999_ci)}}}}},
                       {"steps", steps},
                       {"makespan", c.type == "batch" ? num(c.makespan.mean) : json(nullptr)},
                       {"makespan_ci95", c.type == "batch" ? interval(c.makespan) : json(nullptr)},
                       {"unfinished", c.type == "batch" ? num(c.unfinished) : json(nullptr)}});
  }
  out["classes"] = classes;
  if (!r.services.empty()) {
    json services = json::array();
    for (const auto& sv : r.services) {
      json ops = json::array();
      for (const auto& o : sv.operations)
        ops.push_back({{"name", o.name},
                       {"throughput", num(o.throughput.mean)},
                       {"response", estimate_json(o.response)},
                       {"thread_wait", estimate_json(o.thread_wait)},
                       {"phase1", estimate_json(o.phase1)},
                       {"phase2", estimate_json(o.phase2)},
                       {"throughput_ci95", interval(o.throughput)}});
      services.push_back({{"name", sv.name},
                          {"replicas", sv.replicas},
                          {"threads", sv.threads > 0 ? json(sv.threads) : json(nullptr)},
                          {"busy_threads", estimate_json(sv.busy_threads)},
                          {"operations", ops}});
    }
    out["services"] = services;
    json rs = json::array(), rp = json::array();
    for (const auto& s : r.replica_stations) rs.push_back(station_json(s));
    for (const auto& p : r.replica_pools) rp.push_back(pool_json(p));
    out["replicas"] = {{"stations", rs}, {"pools", rp}};
  }
  json symptoms = json::array(), spent = json::array(), resources = json::array();
  for (const auto& s : r.bottleneck.symptoms) symptoms.push_back(s);
  for (const auto& t : r.bottleneck.response)
    spent.push_back({{"name", t.name},
                     {"kind", t.kind},
                     {"share", num(t.share)},
                     {"wait_share", num(t.wait_share)}});
  out["bottleneck"] = {{"station", r.bottleneck.station},
                       {"kind", r.bottleneck.kind},
                       {"utilization", num(r.bottleneck.utilization)},
                       {"saturation_throughput", num(r.bottleneck.saturation_throughput)},
                       {"resource", r.bottleneck.station},
                       {"problem", r.bottleneck.problem},
                       {"share", num(r.bottleneck.share)},
                       {"reason", r.bottleneck.reason},
                       {"symptoms", symptoms},
                       {"response", spent}};
  for (const auto& v : r.resources)
    resources.push_back({{"name", v.name},
                         {"kind", v.kind},
                         {"utilization", num(v.utilization)},
                         {"demand_utilization", num(v.demand_utilization)},
                         {"ceiling", num(v.ceiling)},
                         {"share", num(v.share)},
                         {"wait_share", num(v.wait_share)},
                         {"queue", num(v.queue)},
                         {"waits_on", v.waits_on},
                         {"waits_on_share", num(v.waits_on_share)},
                         {"waiting_share", num(v.waiting_share)},
                         {"key_share", v.kind == "lock" ? num(v.key_share) : json(nullptr)},
                         {"hottest_keys", v.hottest_keys},
                         {"role", v.role},
                         {"points_to", v.points_to}});
  out["resources"] = resources;
  out["saturation"] = {{"saturated", r.saturation.saturated},
                       {"station", r.saturation.station},
                       {"reason", r.saturation.reason},
                       {"growth_rate", num(r.saturation.growth_rate)},
                       {"predicted_station", r.saturation.predicted_station},
                       {"predicted_utilization", num(r.saturation.predicted_utilization)},
                       {"predicted_kind", r.saturation.predicted_kind}};
  if (r.windows.length > 0) {
    json series = json::array();
    for (const auto& s : r.windows.series) {
      json values = json::array(), lo = json::array(), hi = json::array();
      for (double v : s.values) values.push_back(num(v));
      for (double v : s.lo) lo.push_back(num(v));
      for (double v : s.hi) hi.push_back(num(v));
      series.push_back({{"kind", s.kind},
                        {"name", s.name},
                        {"metric", s.metric},
                        {"values", values},
                        {"lo", lo},
                        {"hi", hi}});
    }
    json starts = json::array(), ends = json::array();
    for (double v : r.windows.start) starts.push_back(num(v));
    for (double v : r.windows.end) ends.push_back(num(v));
    out["windows"] = {
        {"length", r.windows.length}, {"start", starts}, {"end", ends}, {"series", series}};
  } else {
    out["windows"] = nullptr;
  }
  if (!r.samples.empty()) {
    json samples = json::object();
    for (std::size_t c = 0; c < r.samples.size() && c < r.classes.size(); ++c)
      samples[r.classes[c].name] = r.samples[c];
    out["samples"] = samples;
  } else {
    out["samples"] = nullptr;
  }
  if (r.precision.requested) {
    json targets = json::array();
    for (const auto& t : r.precision.targets)
      targets.push_back({{"metric", t.metric},
                         {"target", num(t.target)},
                         {"mean", num(t.mean)},
                         {"half_width", num(t.half_width)},
                         {"relative", num(t.relative)},
                         {"met", t.met}});
    out["precision"] = {{"met", r.precision.met},
                        {"replications", r.precision.replications},
                        {"max_replications", r.precision.max_replications},
                        {"confidence", num(r.precision.confidence)},
                        {"reason", r.precision.reason},
                        {"targets", targets}};
  } else {
    out["precision"] = nullptr;
  }
  out["deadlock"] = {{"detected", r.deadlock.detected},
                     {"time", num(r.deadlock.time)},
                     {"pools", r.deadlock.pools},
                     {"reason", r.deadlock.reason}};
  return out;
}

}  // namespace tiersim
