// The model description: plain data, as read from a model file or built in
// code. Nothing here runs; compile() checks it and builds the runtime form.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tiersim/random/distribution.hpp"

namespace tiersim {

/// A model that cannot run. `path()` names the offending field, e.g.
/// "classes[0].steps[2].next[1].p"; what() reads "path: message".
class ModelError : public std::invalid_argument {
 public:
  ModelError(std::string path, const std::string& message)
      : std::invalid_argument(path.empty() ? message : path + ": " + message),
        path_(std::move(path)) {}
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

enum class Discipline {
  kFcfs,      ///< first come first served over c servers
  kPs,        ///< processor sharing over c cores (the CPU model)
  kPriority,  ///< non-pre-emptive priority over c servers, FCFS within a priority
  kDelay,     ///< infinitely many servers: a pure delay that is still measured
};

struct StationSpec {
  std::string name;
  int servers = 1;  ///< ignored for kDelay
  Discipline discipline = Discipline::kFcfs;
  double speed = 1.0;           ///< service time = work / speed
  std::optional<int> capacity;  ///< K, the most requests in the station; more are lost
};

/// What an acquire does when the pool cannot grant its tokens at once.
enum class OnFull {
  kWait,       ///< queue FCFS until tokens are released (threads, connections, locks)
  kReject,     ///< turn the request away, counted as a loss (admission control)
  kOvercommit  ///< grant anyway; holdings beyond capacity are the overflow (memory)
};

struct PoolSpec {
  std::string name;
  int capacity = 1;  ///< tokens per key: threads, connections, a lock (1)
  OnFull on_full = OnFull::kWait;
  int keys = 0;  ///< > 0: a lock table of this many independent keys (rows)
};

/// How an acquire of a keyed pool picks its key: with probability
/// `hot_fraction` uniformly among the first `hot_keys` keys, else uniformly
/// among the others (a hot row and a cold table).
struct KeySpec {
  double hot_fraction = 0;
  int hot_keys = 1;
};

enum class StepKind {
  kVisit,
  kAcquire,
  kRelease,
  kDelay,
  kChoose,
  kBranch,
  kFork,
  kJoin,
  kCall,   ///< synchronous call of a service's operation: wait for its reply
  kSend,   ///< asynchronous call: start the operation and go on at once
  kReply,  ///< inside an operation: the caller resumes; the rest is the second phase
  kEnd,    ///< compiled only: an operation's end (gives back its thread, replies if it has not)
};

/// How a choose step picks among its options.
enum class ChoosePolicy { kRandom, kRoundRobin, kShortestQueue };

/// A route edge; `to` is a step id or "exit".
struct EdgeSpec {
  std::string to;
  double probability = 1.0;
};

struct StepSpec {
  std::string id;  ///< unique within the class
  StepKind kind = StepKind::kVisit;
  std::string target;          ///< station (visit) or pool (acquire, release)
  Distribution time;           ///< work for a visit, duration for a delay
  int tokens = 1;              ///< acquire / release
  KeySpec key;                 ///< acquire of a keyed pool
  std::vector<EdgeSpec> next;  ///< empty: the next step in order, the last one exits
  // choose: `next` holds the options (probabilities = weights for random);
  // `by` names, per option, the station or pool whose occupancy shortest-queue compares.
  ChoosePolicy policy = ChoosePolicy::kRandom;
  std::vector<std::string> by;
  // call / send (target = "SERVICE.OPERATION"): how many calls in sequence.
  // geometric: a geometric number with mean `calls` (P(K=k) = (1-q) q^k,
  // q = calls / (1 + calls), as in LQN); else exactly `calls` (an integer).
  double calls = 1;
  bool geometric = false;
  // branch (target = an overcommit pool): `next` is [over, under]; a request goes
  // `over` with the probability that its working set is not resident.
  // fork: `next` holds the starts of the parallel branches; join: target = fork id.
};

/// How a call picks the replica of the service it calls.
enum class Balancer {
  kRandom,         ///< uniformly at random
  kRoundRobin,     ///< in turn
  kShortestQueue,  ///< the fewest calls present (holding or waiting for a thread); ties first
  kLeastUtilized,  ///< the lowest time-averaged number of calls present so far; ties first
  kKey,            ///< by a key drawn at the call: key k always reaches replica k % replicas
};

/// A named entry point of a service (an LQN entry): a route of its own.
struct OperationSpec {
  std::string name;
  std::vector<StepSpec> steps;
};

/// A tier of identical servers (an LQN task): each replica has its own copy
/// of the stations and pools declared here, and a pool of `threads`; a call
/// holds one thread of the replica it reaches from its start to its end.
struct ServiceSpec {
  std::string name;
  int replicas = 1;
  Balancer balancer = Balancer::kRandom;
  int keys = 0;                       ///< the key space of a key balancer
  int threads = 0;                    ///< per replica; 0: unlimited
  std::vector<StationSpec> stations;  ///< template, one copy per replica
  std::vector<PoolSpec> pools;        ///< template, one copy per replica
  std::vector<OperationSpec> operations;
};

/// A piecewise-constant arrival rate: from `from` on, arrivals come at `rate`.
struct RatePiece {
  double from = 0;
  double rate = 0;
};

struct ClassSpec {
  std::string name;
  bool closed = false;
  bool batch = false;               ///< `population` jobs start at time 0 and run once each
  std::vector<RatePiece> schedule;  ///< open classes: Poisson arrivals at a varying rate
  double cycle = 0;                 ///< > 0: the schedule repeats with this period
  Distribution interarrival;        ///< open classes
  int population = 0;               ///< closed classes
  Distribution think;               ///< closed classes
  int priority = 0;                 ///< 0 is served first at priority stations
  std::vector<StepSpec> steps;
};

/// Run until the interval of every named metric is narrow enough (run.precision).
struct PrecisionSpec {
  double relative = 0;  ///< target half-width / |mean|; 0: no precision run
  double confidence = 0.95;
  std::vector<std::string> metrics;  ///< empty: every class's response mean
  int max_replications = 1000;       ///< the budget
};

/// How to run: length, warm-up, replications, seed, safety limits.
struct RunSpec {
  double until = 0;                   ///< simulated time per replication (0: none)
  std::uint64_t max_completions = 0;  ///< stop after this many completions (0: none)
  double warmup = 0;                  ///< statistics before this time are deleted
  bool warmup_mser5 = false;          ///< choose the warm-up with MSER-5 from a pilot run
  int replications = 1;
  std::uint64_t seed = 1;
  int threads = 0;                       ///< 0: all hardware threads
  std::uint64_t max_in_system = 100000;  ///< more open requests present: stop as saturated
  int batches = 20;                      ///< batch means when there is one replication
  double window = 0;                     ///< time-series window length after warm-up (0: none)
  std::uint64_t samples = 0;  ///< response times kept per class and replication (reservoir)
  PrecisionSpec precision;    ///< add replications until intervals are narrow enough
};

struct ModelSpec {
  std::string name = "model";
  std::vector<StationSpec> stations;
  std::vector<PoolSpec> pools;
  std::vector<ClassSpec> classes;
  std::vector<ServiceSpec> services;
  RunSpec run;
};

}  // namespace tiersim
