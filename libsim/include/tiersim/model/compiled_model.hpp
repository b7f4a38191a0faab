// A checked model in the form the engine runs: names resolved to indices,
// each class's route held as a Boost.Graph and flattened into routing tables.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tiersim/model/model.hpp"

namespace tiersim {

inline constexpr std::uint32_t kExit = std::numeric_limits<std::uint32_t>::max();
/// Marks a pool in a step's `held` list as the replica's own copy (index + replica).
inline constexpr std::uint32_t kLocalPool = 1u << 31;
/// The thread count of a service declared without one: never binds.
inline constexpr std::uint32_t kUnlimitedThreads = 1u << 30;

/// One class's route: a vertex per step plus a final "exit" vertex; edges carry
/// routing probabilities.
struct RouteEdge {
  double probability = 1.0;
};
using RouteGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS,
                                         boost::no_property, RouteEdge>;

struct CompiledEdge {
  double cumulative;   ///< upper end of this edge's slice of [0, 1)
  std::uint32_t to;    ///< global step index, or kExit
  double probability;  ///< visits along this edge per visit of its step (fork: 1 each)
};

/// What a shortest-queue choice compares for one option.
struct QueueProbe {
  bool pool;  ///< a pool (held + waiting) rather than a station (present)
  std::uint32_t index;
  std::uint32_t local = 0;  ///< ~0u: the replica's own copy (index + replica)
};

struct CompiledStep {
  StepKind kind;
  std::uint32_t cls;         ///< owning class (kExit for an operation's step)
  std::uint32_t op = kExit;  ///< owning operation, or kExit for a class's step
  /// Station or pool index; for a resource of the operation's own service,
  /// that of replica 0, and a request at replica r uses target + r.
  std::uint32_t target;
  std::uint32_t local = 0;  ///< ~0u when `target` is per replica (added as replica & local)
  std::uint32_t routing_stream = 0;  ///< its route's branch choices
  Distribution time;                 ///< already divided by the station's speed for a visit
  std::uint32_t tokens;
  std::uint32_t edge_begin, edge_end;  ///< slice of CompiledModel::edges
  std::uint32_t stream;                ///< random stream of its time (or its key / branch draws)
  std::string id;
  ChoosePolicy policy = ChoosePolicy::kRandom;   ///< choose steps
  std::uint32_t probe_begin = 0, probe_end = 0;  ///< choose by shortest queue: slice of probes
  std::uint32_t fork = kExit;                    ///< join steps: the global index of their fork
  std::uint32_t join = kExit;                    ///< fork steps: the global index of their join
  std::uint32_t fanout = 0;  ///< fork and join steps: number of parallel branches
  KeySpec key;               ///< acquire of a keyed pool; call or send: the balancer's key
  double calls = 1;          ///< call / send: exactly this many, or the geometric mean
  bool geometric = false;
  double again = 0;  ///< geometric calls: probability of one more, calls / (1 + calls)
  /// Pool tokens a request holds when it enters this step, as (pool, tokens)
  /// where pool may carry kLocalPool (the replica's own copy):
  /// the same on every path (compile() checks), so a request lost here can
  /// give back exactly what it holds.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> held;
};

struct CompiledStation {
  std::string name;
  Discipline discipline;
  std::uint32_t servers;   ///< 0: infinitely many (delay)
  std::uint32_t capacity;  ///< 0: unlimited
};

struct CompiledPool {
  std::string name;
  std::uint32_t capacity;
  OnFull on_full = OnFull::kWait;
  std::uint32_t keys = 0;  ///< > 0: a lock table; capacity is per key
  bool unlimited = false;  ///< a service's threads declared without a count
};

/// A service's resources are laid out per template entry and then per
/// replica: template station j of replica r is station station_base + j *
/// replicas + r (pools likewise), so a step's target for replica 0 plus r
/// reaches replica r's copy.
struct CompiledService {
  std::string name;
  std::uint32_t replicas = 1;
  Balancer balancer = Balancer::kRandom;
  std::uint32_t keys = 0;
  std::uint32_t threads = 0;                          ///< kUnlimitedThreads when not declared
  std::uint32_t station_base = 0, station_count = 0;  ///< template stations
  std::uint32_t pool_base = 0, pool_count = 0;        ///< template pools; the threads pool is first
  std::uint32_t op_begin = 0, op_end = 0;             ///< its operations
};

struct CompiledOperation {
  std::string name;  ///< "SERVICE.OPERATION"
  std::uint32_t service = 0;
  std::uint32_t entry = 0;  ///< global index of its first step (taking a thread)
  std::uint32_t first_step = 0, end_step = 0;
  /// Step counters of replica r > 0 live at step + counter_offset(r); replica
  /// 0 uses the step's own counters.
  std::uint32_t counter_block = 0;
  [[nodiscard]] std::uint32_t counter_offset(std::uint32_t r) const noexcept {
    return r == 0 ? 0 : counter_block + (r - 1) * (end_step - first_step) - first_step;
  }
};

struct CompiledClass {
  std::string name;
  bool closed;
  bool batch = false;
  std::vector<RatePiece> schedule;
  double cycle = 0;
  Distribution interarrival;
  std::uint32_t population;
  Distribution think;
  std::uint32_t level;  ///< rank of its priority among the model's priorities, 0 first
  std::uint32_t entry;  ///< global index of its first step
  std::uint32_t first_step, end_step;
  std::uint32_t source_stream;   ///< interarrivals or think times
  std::uint32_t routing_stream;  ///< branch choices
  RouteGraph graph;              ///< vertices: local step index, plus exit at the end

  /// Requests arrive from outside (not a closed population, not a batch).
  [[nodiscard]] bool open() const noexcept { return !closed && !batch; }
};

/// Visits per request of one class to one station instance through one step
/// (a visit or a delay step; `station` is meaningless for a delay).
struct VisitFlow {
  std::uint32_t step;
  std::uint32_t station;
  double visits;
};

struct CompiledModel {
  ModelSpec spec;
  std::vector<CompiledStation> stations;
  std::vector<CompiledPool> pools;
  std::vector<CompiledClass> classes;
  std::vector<CompiledService> services;
  std::vector<CompiledOperation> operations;
  std::vector<CompiledStep> steps;  ///< all classes' steps, class by class, then operations'
  std::uint32_t counters = 0;       ///< step counters: every step, plus replicas > 0 of operations
  std::vector<CompiledEdge> edges;
  std::vector<QueueProbe> probes;
  /// Some request may wait for a pool while holding tokens of pools in a
  /// cycle of acquisition order (through calls too): only then can requests
  /// deadlock, and only then does the engine look for a deadlock each time a
  /// request holding tokens starts to wait.
  bool deadlock_possible = false;
  std::uint32_t priority_levels = 1;
  std::uint32_t streams = 0;

  /// Mean visits of class `c` to each step per request (from the traffic equations).
  [[nodiscard]] std::vector<double> visit_ratios(std::uint32_t c) const;
  /// Mean visits to each step of operation `o` per invocation.
  [[nodiscard]] std::vector<double> operation_visit_ratios(std::uint32_t o) const;
  /// Mean invocations of each operation per request of class `c`, through
  /// its calls and sends and theirs.
  [[nodiscard]] std::vector<double> operation_invocations(std::uint32_t c) const;
  /// Share of the calls made by call or send step `step` that reach each
  /// replica of the service it calls (uniform but for a key balancer, whose
  /// hot keys load the replicas that own them).
  [[nodiscard]] std::vector<double> replica_shares(std::uint32_t step) const;
  /// Every visit and delay of a request of class `c`, in its own route and
  /// in the operations it calls, with visits per request (a service's steps
  /// once per replica, by the replica's share of the calls).
  [[nodiscard]] std::vector<VisitFlow> visit_flows(std::uint32_t c) const;
  /// Service demand per request of class `c` at each station (visits x mean time), per server.
  [[nodiscard]] std::vector<double> station_demands(std::uint32_t c) const;
  /// Utilization each station would have from the open classes alone (λ x demand);
  /// a value >= 1 means the open load alone saturates it.
  [[nodiscard]] std::vector<double> open_utilization() const;
};

/// Checks a model and builds its runtime form. Throws ModelError naming the field.
CompiledModel compile(const ModelSpec& spec);

}  // namespace tiersim
