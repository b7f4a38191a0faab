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

/// One class's route: a vertex per step plus a final "exit" vertex; edges carry
/// routing probabilities.
struct RouteEdge {
  double probability = 1.0;
};
using RouteGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, boost::no_property,
                          RouteEdge>;

struct CompiledEdge {
  double cumulative;   ///< upper end of this edge's slice of [0, 1)
  std::uint32_t to;    ///< global step index, or kExit
  double probability;  ///< visits along this edge per visit of its step (fork: 1 each)
};

/// What a shortest-queue choice compares for one option.
struct QueueProbe {
  bool pool;            ///< a pool (held + waiting) rather than a station (present)
  std::uint32_t index;
};

struct CompiledStep {
  StepKind kind;
  std::uint32_t cls;     ///< owning class
  std::uint32_t target;  ///< station or pool index
  Distribution time;     ///< already divided by the station's speed for a visit
  std::uint32_t tokens;
  std::uint32_t edge_begin, edge_end;  ///< slice of CompiledModel::edges
  std::uint32_t stream;                ///< random stream of its time (or its key / branch draws)
  std::string id;
  ChoosePolicy policy = ChoosePolicy::kRandom;  ///< choose steps
  std::uint32_t probe_begin = 0, probe_end = 0;  ///< choose by shortest queue: slice of probes
  std::uint32_t fork = kExit;     ///< join steps: the global index of their fork
  std::uint32_t join = kExit;     ///< fork steps: the global index of their join
  std::uint32_t fanout = 0;       ///< fork and join steps: number of parallel branches
  KeySpec key;                    ///< acquire of a keyed pool
  /// Pool tokens a request holds when it enters this step, as (pool, tokens):
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

struct CompiledModel {
  ModelSpec spec;
  std::vector<CompiledStation> stations;
  std::vector<CompiledPool> pools;
  std::vector<CompiledClass> classes;
  std::vector<CompiledStep> steps;  ///< all classes' steps, class by class
  std::vector<CompiledEdge> edges;
  std::vector<QueueProbe> probes;
  std::uint32_t priority_levels = 1;
  std::uint32_t streams = 0;

  /// Mean visits of class `c` to each step per request (from the traffic equations).
  [[nodiscard]] std::vector<double> visit_ratios(std::uint32_t c) const;
  /// Service demand per request of class `c` at each station (visits x mean time), per server.
  [[nodiscard]] std::vector<double> station_demands(std::uint32_t c) const;
  /// Utilization each station would have from the open classes alone (λ x demand);
  /// a value >= 1 means the open load alone saturates it.
  [[nodiscard]] std::vector<double> open_utilization() const;
};

/// Checks a model and builds its runtime form. Throws ModelError naming the field.
CompiledModel compile(const ModelSpec& spec);

}  // namespace tiersim
