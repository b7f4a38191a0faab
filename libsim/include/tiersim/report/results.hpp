// What a run returns: per-replication measurements and their summary across
// replications with 95% confidence intervals (the results contract).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace tiersim {

/// A point estimate with its 95% confidence interval. lo == hi == mean when
/// no interval can be formed (fewer than two replications or batches).
struct Estimate {
  double mean = 0;
  double lo = 0;
  double hi = 0;
  [[nodiscard]] double half_width() const noexcept { return (hi - lo) / 2; }
  [[nodiscard]] bool contains(double x) const noexcept { return lo <= x && x <= hi; }
};

struct StationResult {
  std::string name;
  std::string discipline;
  int servers = 1;             ///< 0 for a delay (infinite-server) station
  Estimate utilization;        ///< busy servers / servers; for a delay station, mean busy
  Estimate throughput;         ///< completions per unit time
  Estimate mean_in_system;     ///< time-averaged number present (L)
  Estimate mean_queue_length;  ///< time-averaged number waiting, not in service
  Estimate mean_wait;          ///< mean response minus the request's own service time
  Estimate mean_response;      ///< mean time from arrival to departure (R)
  Estimate mean_service;       ///< mean service time actually received
  double losses = 0;           ///< requests turned away by a full buffer, per replication
  // A service's station, folded over its replicas: utilization, mean_in_system
  // and mean_queue_length are per replica (their mean), throughput is the
  // total, and times are weighted by each replica's throughput.
  std::string service;  ///< the service it belongs to, or empty
  int replicas = 1;
  double utilization_max = 0;  ///< the busiest replica's utilization
  int busiest_replica = 0;
};

/// Contention on one key of a lock table, per replication.
struct KeyResult {
  std::uint32_t key = 0;
  double acquisitions = 0;
  double mean_wait = 0;
};

struct PoolResult {
  std::string name;
  int capacity = 1;
  std::string on_full = "wait";     ///< "wait", "reject" or "overcommit"
  int keys = 0;                     ///< > 0: a lock table of this many keys
  double rejections = 0;            ///< requests turned away, per replication
  std::vector<KeyResult> hot_keys;  ///< lock tables: the most-waited keys
  Estimate utilization;             ///< mean tokens held / capacity (a lock table: its hottest key's)
  Estimate mean_wait;               ///< time from asking for tokens to getting them
  Estimate mean_held;               ///< time-averaged tokens held
  Estimate throughput;              ///< acquisitions per unit time
  Estimate mean_queue_length;       ///< time-averaged number waiting for tokens
  std::string service;              ///< a service's pool (its threads, or a template pool), folded
  int replicas = 1;                 ///< over its replicas as stations are
  double utilization_max = 0;
  int busiest_replica = 0;
  bool unlimited = false;  ///< a service's threads declared without a count
};

/// One operation of a service, over all its replicas.
struct OperationResult {
  std::string name;
  Estimate throughput;   ///< calls (and sends) per unit time
  Estimate response;     ///< call to reply, as its callers see it
  Estimate thread_wait;  ///< call to a thread of the replica granted
  Estimate phase1;       ///< thread granted to reply
  Estimate phase2;       ///< reply to end, still holding the thread
};

struct ServiceResult {
  std::string name;
  int replicas = 1;
  int threads = 0;        ///< per replica; 0: unlimited
  Estimate busy_threads;  ///< threads in use, summed over replicas
  std::vector<OperationResult> operations;
};

/// Percentiles of the end-to-end response, from the histogram pooled over replications.
struct ResponseResult {
  Estimate mean;
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0;
  double max = 0;
  /// 95% intervals of p50 ... p999 by sectioning: centred on the pooled
  /// percentile, half-width t * s / sqrt(n) from the spread of the n
  /// replications' own percentiles. lo == hi with fewer than two replications.
  Estimate p50_ci, p90_ci, p95_ci, p99_ci, p999_ci;
};

/// Time spent by one class at one step, per request (a visit counts its wait
/// and service, a pool acquisition its wait, a delay its duration).
struct StepResult {
  std::string id;
  std::string kind;    ///< "visit", "acquire", "release", "delay"
  std::string target;  ///< station or pool, empty for a delay
  double visits = 0;   ///< mean visits per completed request
  double wait = 0;     ///< mean waiting time per request at this step
  double service = 0;  ///< mean service (or delay) time per request at this step
};

struct ClassResult {
  std::string name;
  std::string type;  ///< "open" or "closed"
  Estimate throughput;
  double arrivals = 0;     ///< per replication
  double completions = 0;  ///< per replication
  double losses = 0;       ///< per replication
  double loss_probability = 0;
  ResponseResult response;
  std::vector<StepResult> steps;
  Estimate makespan;      ///< batch classes: time until the last job finished
  double unfinished = 0;  ///< batch classes: replications where not every job finished
};

/// One resource a request can wait for, judged on one scale: its utilization
/// per unit of capacity and the throughput at which its own work fills it.
struct ResourceVerdict {
  std::string name;  ///< a station, a pool, or (kind "delay") a delay step's id
  /// "station", "delay" (infinite-server station), "pool", "lock" (a lock table, judged
  /// per key), "memory" (an overcommitting pool) or "admission" (a rejecting pool)
  std::string kind;
  double utilization = 0;  ///< measured, per unit of capacity (lock: its hottest key)
  /// What its own work alone keeps busy: a pool's holding time less the time its
  /// holders spend waiting for other resources (for a station, its utilization).
  double demand_utilization = 0;
  double ceiling = 0;         ///< total throughput (this mix) at which demand_utilization is 1
  double share = 0;           ///< share of the response time spent at it (pools: waiting for it)
  double wait_share = 0;      ///< share of the response time spent waiting for it
  double queue = 0;           ///< mean requests waiting for it
  std::string waits_on;       ///< pools: where its holders wait most while holding it
  double waits_on_share = 0;  ///< that wait as a share of its holding time
  double waiting_share = 0;   ///< pools: all their holders' waiting, as a share of holding time
  double key_share = 0;       ///< lock tables: share of acquisitions taken by the hottest key
  std::vector<std::uint32_t> hottest_keys;  ///< lock tables: the most-waited keys
  std::string role;  ///< "cause", "symptom" or ""
  std::string points_to;  ///< symptoms: the resource behind them
};

/// Where the response time goes, one entry per resource (or delay step).
struct TimeShare {
  std::string name;
  std::string kind;  ///< as ResourceVerdict::kind
  double share = 0;  ///< of the mean response time
  double wait_share = 0;
};

struct Bottleneck {
  std::string station;       ///< the cause's name (a station, a pool or a lock table)
  /// "station", "pool", "lock", "memory" or "admission" (see ResourceVerdict::kind)
  std::string kind = "station";
  double utilization = 0;            ///< the cause's measured utilization per unit of capacity
  double saturation_throughput = 0;  ///< its ceiling: total throughput when its own work fills it
  /// "throughput" when the cause's own work keeps it at least half busy, else
  /// "response": nothing is near its ceiling and the time goes elsewhere.
  std::string problem;
  double share = 0;  ///< the cause's share of the response time
  std::string reason;  ///< one sentence: why this resource
  std::vector<std::string> symptoms;  ///< names of the resources that point to the cause
  std::vector<TimeShare> response;    ///< where the response time goes, largest first
};

/// Whether the open load exceeds what the system can serve: predicted from
/// demands before the run, and observed as a backlog that keeps growing.
struct Saturation {
  bool saturated = false;
  std::string station;  ///< where the queue grew (a station or a pool)
  std::string reason;
  double growth_rate = 0;            ///< open requests added to the backlog per unit time
  std::string predicted_station;     ///< busiest station (or pool) by open-class demand
  double predicted_utilization = 0;  ///< its utilization from λ x demand (>= 1: overloaded)
  std::string predicted_kind;        ///< "station", "pool" or "lock"
};

/// Requests blocked forever on pools whose tokens are all held by requests
/// that are themselves blocked (a cycle of waits). The run ends at detection.
struct Deadlock {
  bool detected = false;
  double time = 0;  ///< simulated time of detection
  std::vector<std::string> pools;
  std::string reason;
};

struct RunInfo {
  int replications = 0;
  double until = 0;
  double warmup = 0;
  std::uint64_t seed = 0;
  int threads = 1;
  double simulated_time = 0;  ///< measured time per replication, after warm-up
  std::uint64_t events = 0;   ///< over all replications
  double wall_seconds = 0;
  bool interrupted = false;
};

/// One precision target (run.precision) and where it ended.
struct PrecisionTarget {
  std::string metric;     ///< e.g. "classes.web.response.mean"
  double target = 0;      ///< relative half-width asked for
  double mean = 0;        ///< the estimate
  double half_width = 0;  ///< at the requested confidence
  double relative = 0;    ///< half_width / |mean| (NaN when undefined)
  bool met = false;
};

/// What run.precision asked for and what it got: replications are added until
/// every target is met or max_replications is reached.
struct PrecisionResult {
  bool requested = false;
  double confidence = 0.95;
  int max_replications = 0;
  int replications = 0;  ///< replications run
  bool met = false;      ///< every target met
  std::string reason;    ///< how the run stopped, in words
  std::vector<PrecisionTarget> targets;
};

/// One metric of one station, pool or class, per time window (mean over
/// replications, with its 95% interval across them: lo == hi == value with
/// one replication).
struct WindowSeries {
  std::string kind;  ///< "station", "pool" or "class"
  std::string name;
  std::string metric;  ///< e.g. "utilization", "mean_queue_length", "throughput"
  std::vector<double> values;
  std::vector<double> lo, hi;
};

/// Time series: the measured period cut into windows of equal length.
struct Windows {
  double length = 0;
  std::vector<double> start, end;
  std::vector<WindowSeries> series;
};

struct ExperimentResult {
  std::string model;
  RunInfo run;
  std::vector<StationResult> stations;
  std::vector<PoolResult> pools;
  std::vector<ClassResult> classes;
  std::vector<ServiceResult> services;
  /// Services' stations and pools replica by replica ("app[3].cpu"); the
  /// rows above hold them folded into one per template resource ("app.cpu").
  std::vector<StationResult> replica_stations;
  std::vector<PoolResult> replica_pools;
  Bottleneck bottleneck;
  std::vector<ResourceVerdict> resources;  ///< every station, pool and lock table, judged
  Saturation saturation;
  Deadlock deadlock;
  Windows windows;            ///< empty unless run.window > 0
  PrecisionResult precision;  ///< requested only with run.precision
  /// Per class, a uniform sample of response times (run.samples per replication).
  std::vector<std::vector<double>> samples;
};

/// The results contract as JSON (the document `tiersim run --json` prints).
nlohmann::ordered_json to_json(const ExperimentResult& r);

}  // namespace tiersim
