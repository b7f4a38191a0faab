// Raw measurements of one replication: cumulative counters, snapshotted at
// batch boundaries so any interval's statistics are a difference of two.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tiersim/stats/response_histogram.hpp"

namespace tiersim {

struct StationCounters {
  double area_in_system = 0;  ///< integral of the number present over time
  double area_busy = 0;       ///< integral of busy servers over time
  double completions = 0;
  double sum_response = 0;
  double sum_service = 0;
  double losses = 0;
  double present = 0;  ///< a level, not a sum: the number present at snapshot time
};

struct PoolCounters {
  double area_held = 0;     ///< integral of tokens held
  double area_waiting = 0;  ///< integral of requests waiting
  double acquisitions = 0;
  double sum_wait = 0;
  double waiting = 0;     ///< a level: requests waiting at snapshot time
  double rejections = 0;  ///< requests turned away (on_full: reject)
};

struct ClassCounters {
  double arrivals = 0;
  double completions = 0;
  double losses = 0;
  double sum_response = 0;
};

struct StepCounters {
  double count = 0;
  double sum_wait = 0;
  double sum_service = 0;
};

/// One operation of a service, over all its replicas. (Its calls and thread
/// waits are the counters of its first step, which takes the thread.)
struct OperationCounters {
  double replies = 0;
  double sum_response = 0;  ///< call to reply
  double ends = 0;
  double sum_phase2 = 0;  ///< reply to end
};

/// Every additive statistic at one instant.
struct Counters {
  double time = 0;
  double open_in_system = 0;  ///< a level: open-class requests present at snapshot time
  std::vector<StationCounters> stations;
  std::vector<PoolCounters> pools;
  std::vector<ClassCounters> classes;
  std::vector<StepCounters> steps;  ///< per step, and per replica of an operation's steps
  std::vector<OperationCounters> operations;

  /// this - earlier, field by field (the statistics of the interval between).
  [[nodiscard]] Counters minus(const Counters& earlier) const;
};

/// Contention on one key of a lock table.
struct KeyContention {
  std::uint32_t key = 0;
  double acquisitions = 0;
  double sum_wait = 0;
};

struct ReplicationResult {
  std::vector<Counters> snapshots;          ///< at warm-up end, each batch end, and run end
  std::vector<ResponseHistogram> response;  ///< per class, after warm-up
  std::vector<Counters> windows;            ///< at the end of each time-series window
  std::vector<double> makespan;  ///< per class: when its last batch job finished (NaN: not all did)
  std::vector<std::vector<KeyContention>> hot_keys;  ///< per pool: most-waited keys (lock tables)
  std::vector<std::vector<double>> samples;  ///< per class: a uniform sample of response times
  std::uint64_t events = 0;
  bool saturated = false;
  bool interrupted = false;
  std::string saturated_at;  ///< the station or pool with the longest queue
  std::string saturation_reason;
  bool deadlocked = false;
  double deadlock_time = 0;
  std::vector<std::string> deadlock_pools;  ///< pools no request can ever be granted again
  std::string deadlock_reason;
  /// Block means of end-to-end response in completion order (MSER-5 pilot only).
  std::vector<double> warmup_series;
  std::vector<double> warmup_series_time;  ///< completion time ending each block
};

}  // namespace tiersim
