// The engine's state and the class that runs one replication, declared
// once for the files that define its parts by concern (stations.hpp,
// pools.hpp, calls.hpp, routing.hpp, statistics.hpp; simulator.cpp keeps
// set-up, arrivals and the event loop). Included only by simulator.cpp:
// the engine stays one translation unit, so its hot path still inlines
// across those concerns (docs/architecture.md).
#pragma once

#include <algorithm>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "detail/ring.hpp"
#include "tiersim/core/event_set.hpp"
#include "tiersim/sim/simulator.hpp"

namespace tiersim {
// The engine's own types: named (not anonymous) because Impl, declared in
// this header, holds them.
namespace engine {

constexpr std::uint32_t kThinking = kExit - 1;  // a closed customer between cycles
constexpr std::uint32_t kNone = kExit;
constexpr std::uint32_t kNoResume = kExit - 2;  // resume by routing from the current step
constexpr std::uint32_t kBranches = kExit - 3;  // a step with more than one successor
constexpr std::size_t kHotKeysReported = 5;
constexpr std::size_t kMaxWarmupBlocks = 1u << 15;
constexpr unsigned kZeroTimeStepLimit = 1000000;

struct Customer {
  double born = 0;     // start of the current cycle (open: arrival)
  double mark = 0;     // when the current step began
  double service = 0;  // service time drawn for the current visit
  std::uint32_t step = kNone;
  std::uint32_t cls = 0;
  std::uint32_t next_free = kNone;
  std::uint32_t resume_to = kNoResume;  // where a resumed request continues
  std::uint32_t parent = kNone;         // a fork's branch: the request waiting at the join
  std::uint32_t pending = 0;            // a forked request: branches not yet joined
  std::uint32_t key = 0;                // the lock-table key it holds or waits for
  std::uint32_t want = 0;               // tokens it waits for at a pool
  // Processor sharing, while the job runs alone on a core: its place in the
  // station's job list, and the generation its completion event must carry
  // (bumped when the event goes stale; never reset, as a reused record may
  // still have stale events pending).
  std::uint32_t ps_slot = 0;
  std::uint32_t ps_gen = 0;
  // Inside a service's operation (a call frame): the replica it runs on (its
  // stations and pools are the step's target + replica), where its step
  // counters are (step + coff), and who waits for its reply.
  std::uint32_t replica = 0;
  std::uint32_t coff = 0;
  std::uint32_t caller = kNone;
  std::uint32_t calls_left = 0;  // at a call step with a count: calls still to make
  std::uint32_t flags = 0;       // kReplied, kAsync
};

constexpr std::uint32_t kReplied = 1;  // the operation has replied (its second phase runs)
constexpr std::uint32_t kAsync = 2;    // started by a send: counts as an open request

struct PsJob {
  double finish;  // virtual time at which its work is done
  std::uint64_t seq;
  std::uint32_t customer;
  bool operator>(const PsJob& o) const noexcept {
    return finish > o.finish || (finish == o.finish && seq > o.seq);
  }
};

struct StationState {
  Discipline discipline = Discipline::kFcfs;
  std::uint32_t servers = 1;   // 0: infinite
  std::uint32_t capacity = 0;  // 0: unlimited
  std::uint32_t n = 0;         // present
  std::uint32_t busy = 0;      // servers in use
  std::uint32_t waiting = 0;
  double last = 0;                   // areas are integrated up to here
  std::vector<detail::Ring> queues;  // one per priority level (FCFS uses [0])
  // Processor sharing: every job advances at min(1, c/n) work units per unit
  // time. Until a job has to share (an arrival finds every core taken), each
  // job runs alone at full speed and has its own completion event: `jobs`
  // then lists them unordered, `finish` in real time. Once shared, `jobs` is
  // a min-heap on virtual finish with one pending completion, the timer,
  // until the station empties.
  bool shared = false;
  double vtime = 0, vlast = 0;
  std::vector<PsJob> jobs;
  // The completion now pending (the station's timer in the event set): for
  // which job, at which per-job rate.
  std::uint64_t pending_seq = 0;
  double pending_rate = 0;
  std::uint64_t seq = 0;
};

// One key of a pool (a plain pool has exactly one): tokens held and the FCFS
// queue of requests waiting for them.
struct PoolSlot {
  std::uint32_t held = 0;
  detail::Ring waiting;
};

struct PoolState {
  std::uint32_t capacity = 1;  // per slot
  OnFull on_full = OnFull::kWait;
  bool keyed = false;
  std::uint32_t held = 0;     // over all slots
  std::uint32_t waiting = 0;  // over all slots
  double last = 0;
  std::vector<PoolSlot> slots;
  std::vector<double> key_acquisitions, key_wait;  // lock tables only
};

enum class Acquire { kGranted, kWaiting, kRejected };

}  // namespace engine
using namespace engine;  // NOLINT: a private header of one translation unit

class Simulator::Impl {
 public:
  Impl(const CompiledModel& m, const ReplicationOptions& o) : m_(m), opt_(o), run_(m.spec.run) {
    streams_.reserve(m.streams);
    for (std::uint32_t s = 0; s < m.streams; ++s)
      streams_.push_back(make_stream(run_.seed, o.replication, s));
    for (const auto& s : m.stations) {
      StationState st;
      st.discipline = s.discipline;
      st.servers = s.servers;
      st.capacity = s.capacity;
      st.queues.resize(s.discipline == Discipline::kPriority ? m.priority_levels : 1);
      stations_.push_back(std::move(st));
    }
    for (const auto& p : m.pools) {
      PoolState ps;
      ps.capacity = p.capacity;
      ps.on_full = p.on_full;
      ps.keyed = p.keys > 0;
      ps.slots.resize(ps.keyed ? p.keys : 1);
      if (ps.keyed) {
        ps.key_acquisitions.assign(p.keys, 0.0);
        ps.key_wait.assign(p.keys, 0.0);
      }
      pools_.push_back(std::move(ps));
    }
    rr_.assign(m.steps.size(), 0);
    only_next_.assign(m.steps.size(), kBranches);
    for (std::uint32_t i = 0; i < m.steps.size(); ++i) {
      const CompiledStep& s = m.steps[i];
      if (s.edge_end - s.edge_begin == 1) only_next_[i] = m.edges[s.edge_begin].to;
      // Each replica of an operation's step has its counters and, for the
      // service's own resources, its station or pool.
      const std::uint32_t replicas =
          s.op == kExit ? 1 : m.services[m.operations[s.op].service].replicas;
      for (std::uint32_t r = 0; r < replicas; ++r) {
        const std::uint32_t counter = s.op == kExit ? i : i + m.operations[s.op].counter_offset(r);
        if (s.kind == StepKind::kVisit)
          visit_steps_.emplace_back(counter, s.target + (r & s.local));
        if (s.kind == StepKind::kAcquire)
          acquire_steps_.emplace_back(counter, s.target + (r & s.local));
      }
    }
    for (const CompiledService& sv : m.services) {
      present_base_.push_back(static_cast<std::uint32_t>(present_.size()));
      present_.resize(present_.size() + sv.replicas, 0);
    }
    rr_service_.assign(m.services.size(), 0);
    present_area_.assign(present_.size(), 0.0);
    held_by_waiting_.assign(m.pools.size(), 0);
    present_last_.assign(present_.size(), 0.0);
    rare_finish_work_ = run_.samples > 0 || o.record_warmup_series || run_.max_completions > 0;
    batch_left_.assign(m.classes.size(), 0);
    result_.makespan.assign(m.classes.size(), std::numeric_limits<double>::quiet_NaN());
    result_.hot_keys.resize(m.pools.size());
    cur_.stations.resize(m.stations.size());
    cur_.pools.resize(m.pools.size());
    cur_.classes.resize(m.classes.size());
    cur_.steps.resize(m.counters);
    cur_.operations.resize(m.operations.size());
    result_.response.resize(m.classes.size());
    if (run_.samples > 0) {
      result_.samples.resize(m.classes.size());
      seen_.assign(m.classes.size(), 0);
      // Sampling draws on its own stream so that asking for samples never
      // changes the simulated trajectory.
      sample_stream_ = make_stream(run_.seed, o.replication, m.streams);
    }
    customers_.reserve(1024);
    q_.reserve_timers(m.stations.size());
    // Each time stream's first value, for draw(). Drawn here, step by step
    // and class by class: any order will do, as every stream is a sequence of
    // its own. The owners are those draw() is called with (FirstDrawTest).
    ahead_.assign(m.streams, 0.0);
    for (const CompiledStep& s : m.steps)
      if (s.kind == StepKind::kVisit || s.kind == StepKind::kDelay)
        ahead_[s.stream] = s.time.sample(streams_[s.stream]);
    for (const CompiledClass& c : m.classes) {
      if (c.batch) continue;
      if (c.closed)
        ahead_[c.source_stream] = c.think.sample(streams_[c.source_stream]);
      else if (c.schedule.empty())
        ahead_[c.source_stream] = c.interarrival.sample(streams_[c.source_stream]);
    }
  }

  ReplicationResult run();

 private:
  [[gnu::always_inline]] void touch(std::uint32_t t);
  void touch_pool(std::uint32_t p);
  void touch_all();

  void derive_totals();

  [[gnu::always_inline]] std::uint32_t new_customer(std::uint32_t cls);
  [[gnu::always_inline]] void free_customer(std::uint32_t id);

  double uniform(std::uint32_t stream);

  [[gnu::always_inline]] double draw(const Distribution& d, std::uint32_t stream);

  [[gnu::always_inline]] std::uint32_t route(std::uint32_t step);

  [[gnu::cold, gnu::noinline, noreturn]] void throw_zero_time_cycle(std::uint32_t cu,
                                                                    std::uint32_t step) const;
  void enter(std::uint32_t cu, std::uint32_t step);

  [[gnu::always_inline]] void arrive(std::uint32_t cu, const CompiledStep& s);

  void ps_start_sharing(StationState& st);

  [[nodiscard]] bool ps_job_end_stale(const Event& e) const noexcept;

  [[gnu::always_inline]] void on_ps_job_end(std::uint32_t cu);

  static double ps_rate(const StationState& st) noexcept;
  void ps_advance(StationState& st);
  [[gnu::always_inline]] void ps_schedule(std::uint32_t t, StationState& st);
  void ps_move_timer(std::uint32_t t, StationState& st, double rate);

  [[gnu::always_inline]] void depart(std::uint32_t cu);

  void on_service_end(std::uint32_t t, std::uint32_t cu);

  void on_ps_completion(std::uint32_t t);

  std::uint32_t pick_key(const CompiledStep& s, std::uint32_t keys);

  Acquire try_acquire(std::uint32_t cu, const CompiledStep& s);

  void grant(std::uint32_t pool, std::uint32_t key, std::uint32_t tokens, std::uint32_t cu,
             double wait);

  void release(std::uint32_t cu, const CompiledStep& s);

  void release_tokens(std::uint32_t pool, std::uint32_t key, std::uint32_t tokens);

  std::uint32_t choose(std::uint32_t step, const CompiledStep& s, std::uint32_t replica);

  std::uint32_t branch(const CompiledStep& s, std::uint32_t replica);

  void fork(std::uint32_t cu, const CompiledStep& s);

  void branch_done(std::uint32_t child);

  // ---- calls between services -------------------------------------------
  // A call is a request of its own (a frame): it starts at the operation's
  // first step, which takes a thread of the replica the balancer picked, and
  // ends at its end step. Its caller waits at the call step until the frame
  // replies. Frames live in the customer slab, so calls allocate nothing in
  // steady state.

  [[nodiscard]] static std::uint32_t held_pool(std::uint32_t held, std::uint32_t replica) noexcept;

  bool begin_calls(std::uint32_t cu, const CompiledStep& s);

  void send(std::uint32_t cu, const CompiledStep& s);

  void start_call(std::uint32_t cu, const CompiledStep& s, bool sync);

  std::uint32_t pick_replica(std::uint32_t service, const CompiledStep& s);

  void present_change(std::uint32_t service, std::uint32_t r, int delta);

  void reply(std::uint32_t cu);

  void call_returned(std::uint32_t cu);

  void end_operation(std::uint32_t cu, const CompiledStep& s);

  void end_frame(std::uint32_t cu);

  void start_cycle(std::uint32_t cu);

  [[gnu::always_inline]] void end_cycle(std::uint32_t cu);

  void lose(std::uint32_t cu);

  [[gnu::always_inline]] void finish(std::uint32_t cu);

  void finish_rare(std::uint32_t cls, double response);

  void keep_sample(std::uint32_t cls, double response);

  void record_warmup(double response);

  [[gnu::always_inline]] double next_arrival(std::uint32_t cls, double t);
  double next_scheduled_arrival(const CompiledClass& c, double t);

  [[gnu::always_inline]] void schedule_arrival(std::uint32_t cls, double t);

  void on_arrival(std::uint32_t cls);

  void saturate();

  bool detect_deadlock();

  void collect_hot_keys();

  [[gnu::noinline]] void blocked_holding(std::uint32_t cu, const CompiledStep& s);

  bool frozen_on_pools();

  bool any_pool_waiting() const noexcept;

  void schedule_window(double start);
  void end_window();

  void snapshot();

  void reset_statistics();

  void begin_measuring();

  const CompiledModel& m_;
  // The model's tables, read on every step of the walk, held one load away
  // rather than two (through m_): the lookups sit on the chain from one event
  // to the next (bench/README.md, "Sixth pass").
  const CompiledStep* const steps_ = m_.steps.data();
  const CompiledClass* const classes_ = m_.classes.data();
  const CompiledEdge* const edges_ = m_.edges.data();
  ReplicationOptions opt_;
  const RunSpec& run_;
  EventSet q_{1024};
  detail::Ring granted_;                  // requests granted pool tokens, resuming now
  std::vector<std::uint32_t> rr_;         // round-robin position per choose step
  std::vector<std::uint32_t> only_next_;  // per step: its one successor, or kBranches
  // Calls present per replica (holding or waiting for a thread), for the
  // balancers: service s's replicas from present_base_[s]; and for
  // least_utilized, their integral over time.
  std::vector<std::uint32_t> present_, present_base_, rr_service_;
  std::vector<double> present_area_, present_last_;
  // Per pool: tokens held by requests that are waiting at a pool (the
  // deadlock check's cheap first test).
  std::vector<std::uint64_t> held_by_waiting_;
  // (step, station) of every visit and (step, pool) of every acquire.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> visit_steps_, acquire_steps_;
  bool rare_finish_work_ = false;          // samples, a warm-up series or a completion limit
  std::vector<std::uint32_t> batch_left_;  // per class: batch jobs not yet finished
  std::uint32_t batch_classes_left_ = 0;
  bool stop_when_batches_done_ = false;
  std::vector<RandomEngine> streams_;
  std::vector<double> ahead_;  // per stream: draw()'s next value
  std::vector<StationState> stations_;
  std::vector<PoolState> pools_;
  std::vector<Customer> customers_;
  std::uint32_t free_ = kNone;
  std::uint64_t open_in_system_ = 0;
  double now_ = 0;
  bool stop_ = false;
  bool measuring_ = false;
  Counters cur_;
  ReplicationResult result_;
  // Batch means by completion count (runs that end on max_completions).
  bool count_batches_ = false;
  std::uint64_t measured_completions_ = 0, next_batch_at_ = 0, batch_size_ = 0;
  int batches_ = 0, next_batch_ = 0;  // time batches: how many, and the next to end
  double batch_start_ = 0;
  double start_of_windows_ = 0, window_end_ = 0;
  std::uint64_t windows_started_ = 0;
  std::vector<std::uint64_t> seen_;  // completions offered to each class's reservoir
  RandomEngine sample_stream_;
  // MSER-5 pilot series.
  double block_sum_ = 0;
  std::size_t block_count_ = 0, block_size_ = 5;
};

}  // namespace tiersim
