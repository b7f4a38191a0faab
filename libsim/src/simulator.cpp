// The event loop: stations (FCFS, priority, PS, delay), pools, routing,
// arrivals and think times, with streaming statistics.
#include "tiersim/sim/simulator.hpp"

#include <algorithm>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>
#include <stdexcept>

#include "detail/ring.hpp"
#include "tiersim/core/event_set.hpp"

namespace tiersim {
namespace {

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

}  // namespace

Counters Counters::minus(const Counters& e) const {
  Counters d = *this;
  d.time = time - e.time;
  d.open_in_system -= e.open_in_system;  // levels become growth over the interval
  for (std::size_t i = 0; i < stations.size(); ++i) {
    auto& a = d.stations[i];
    const auto& b = e.stations[i];
    a.area_in_system -= b.area_in_system;
    a.area_busy -= b.area_busy;
    a.completions -= b.completions;
    a.sum_response -= b.sum_response;
    a.sum_service -= b.sum_service;
    a.losses -= b.losses;
    a.present -= b.present;
  }
  for (std::size_t i = 0; i < pools.size(); ++i) {
    auto& a = d.pools[i];
    const auto& b = e.pools[i];
    a.area_held -= b.area_held;
    a.area_waiting -= b.area_waiting;
    a.acquisitions -= b.acquisitions;
    a.sum_wait -= b.sum_wait;
    a.waiting -= b.waiting;
    a.rejections -= b.rejections;
  }
  for (std::size_t i = 0; i < classes.size(); ++i) {
    auto& a = d.classes[i];
    const auto& b = e.classes[i];
    a.arrivals -= b.arrivals;
    a.completions -= b.completions;
    a.losses -= b.losses;
    a.sum_response -= b.sum_response;
  }
  for (std::size_t i = 0; i < steps.size(); ++i) {
    auto& a = d.steps[i];
    const auto& b = e.steps[i];
    a.count -= b.count;
    a.sum_wait -= b.sum_wait;
    a.sum_service -= b.sum_service;
  }
  for (std::size_t i = 0; i < operations.size(); ++i) {
    auto& a = d.operations[i];
    const auto& b = e.operations[i];
    a.replies -= b.replies;
    a.sum_response -= b.sum_response;
    a.ends -= b.ends;
    a.sum_phase2 -= b.sum_phase2;
  }
  return d;
}

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
  // ---- bookkeeping -------------------------------------------------------
  [[gnu::always_inline]] void touch(std::uint32_t t) {
    StationState& st = stations_[t];
    double dt = now_ - st.last;
    cur_.stations[t].area_in_system += st.n * dt;
    cur_.stations[t].area_busy += st.busy * dt;
    st.last = now_;
  }
  void touch_pool(std::uint32_t p) {
    PoolState& ps = pools_[p];
    double dt = now_ - ps.last;
    cur_.pools[p].area_held += ps.held * dt;
    cur_.pools[p].area_waiting += static_cast<double>(ps.waiting) * dt;
    ps.last = now_;
  }
  void touch_all() {
    derive_totals();
    for (std::uint32_t t = 0; t < stations_.size(); ++t) {
      touch(t);
      cur_.stations[t].present = stations_[t].n;
    }
    for (std::uint32_t p = 0; p < pools_.size(); ++p) {
      touch_pool(p);
      cur_.pools[p].waiting = static_cast<double>(pools_[p].waiting);
    }
    cur_.open_in_system = static_cast<double>(open_in_system_);
    cur_.time = now_;
  }

  // Station and pool totals are sums of their steps' counters, formed when
  // counters are read rather than counted a second time at every departure
  // and grant (3-tier model 2 % faster). A station's response sum is then
  // its visits' waits plus services, each wait clamped at 0 as recorded.
  void derive_totals() {
    for (auto& c : cur_.stations) c.completions = c.sum_response = c.sum_service = 0;
    for (auto& c : cur_.pools) c.acquisitions = c.sum_wait = 0;
    for (const auto& [step, t] : visit_steps_) {
      const StepCounters& sc = cur_.steps[step];
      StationCounters& c = cur_.stations[t];
      c.completions += sc.count;
      c.sum_response += sc.sum_wait + sc.sum_service;
      c.sum_service += sc.sum_service;
    }
    for (const auto& [step, p] : acquire_steps_) {
      const StepCounters& sc = cur_.steps[step];
      cur_.pools[p].acquisitions += sc.count;
      cur_.pools[p].sum_wait += sc.sum_wait;
    }
  }

  [[gnu::always_inline]] std::uint32_t new_customer(std::uint32_t cls) {
    std::uint32_t id;
    if (free_ != kNone) {
      id = free_;
      free_ = customers_[id].next_free;
    } else {
      id = static_cast<std::uint32_t>(customers_.size());
      customers_.emplace_back();
    }
    Customer& k = customers_[id];
    k.cls = cls;
    k.next_free = kNone;
    k.replica = 0;
    k.coff = 0;
    k.caller = kNone;
    k.flags = 0;
    return id;
  }
  [[gnu::always_inline]] void free_customer(std::uint32_t id) {
    customers_[id].next_free = free_;
    customers_[id].step = kNone;
    free_ = id;
  }

  double uniform(std::uint32_t stream) {
    return boost::random::uniform_01<double>()(streams_[stream]);
  }

  // The next value of the one distribution drawn from `stream` (a visit's or
  // delay's time, a class's interarrival or think time), drawn a use ahead.
  // Every use still takes that stream's next value in turn, so results are
  // the same, but the value that goes into the event being scheduled is a
  // load, not a draw: the draw's latency (Mersenne Twister, ziggurat, a
  // division) leaves the chain from one event to the next.
  [[gnu::always_inline]] double draw(const Distribution& d, std::uint32_t stream) {
    const double x = ahead_[stream];
    ahead_[stream] = d.sample(streams_[stream]);
    return x;
  }

  [[gnu::always_inline]] std::uint32_t route(std::uint32_t step) {
    // Most steps have one successor: one load from a dense table instead of
    // two through the (large) step record.
    if (const std::uint32_t next = only_next_[step]; next != kBranches) return next;
    const CompiledStep& s = steps_[step];
    double u = uniform(s.routing_stream);
    for (std::uint32_t e = s.edge_begin; e < s.edge_end; ++e)
      if (u < edges_[e].cumulative) return edges_[e].to;
    return edges_[s.edge_end - 1].to;
  }

  // ---- customers walking their route -----------------------------------
  // A cycle of steps that take no time (acquire, release, choose, branch)
  // would never let the clock move: the model is at fault. Out of line, so
  // that building the message does not crowd the walk's registers.
  [[gnu::cold, gnu::noinline, noreturn]] void throw_zero_time_cycle(std::uint32_t cu,
                                                                    std::uint32_t step) const {
    const std::uint32_t c = customers_[cu].cls;
    throw ModelError("classes[" + std::to_string(c) + "].steps",
                     "requests of class '" + classes_[c].name + "' cycle through step '" +
                         steps_[step].id +
                         "' and others that take no time, without ever taking time; "
                         "add a delay or a visit to the cycle");
  }
  void enter(std::uint32_t cu, std::uint32_t step) {
    for (unsigned guard = 0;; ++guard) {
      if (guard > kZeroTimeStepLimit) [[unlikely]]
        throw_zero_time_cycle(cu, step);
      if (step == kExit) {
        finish(cu);
        return;
      }
      Customer& k = customers_[cu];
      k.step = step;
      k.mark = now_;
      const CompiledStep& s = steps_[step];
      switch (s.kind) {
        case StepKind::kVisit:
          arrive(cu, s);
          return;
        case StepKind::kDelay:
          k.service = draw(s.time, s.stream);
          q_.push(now_ + k.service, EventPriority::kNormal, EventKind::kStepDone, 0, cu);
          return;
        case StepKind::kAcquire:
          switch (try_acquire(cu, s)) {
            case Acquire::kGranted:
              step = route(step);
              continue;
            case Acquire::kWaiting:
              // A cycle of waits can only close when a request that holds
              // tokens starts waiting: look now, so a deadlock is reported
              // when it forms, whatever else keeps the clock moving.
              if (m_.deadlock_possible && !s.held.empty()) blocked_holding(cu, s);
              return;
            case Acquire::kRejected:
              lose(cu);
              return;
          }
          return;
        case StepKind::kRelease:
          release(cu, s);
          cur_.steps[step + k.coff].count += 1;
          step = route(step);
          continue;
        case StepKind::kChoose:
          cur_.steps[step + k.coff].count += 1;
          step = choose(step, s, k.replica);
          continue;
        case StepKind::kBranch:
          cur_.steps[step + k.coff].count += 1;
          step = branch(s, k.replica);
          continue;
        case StepKind::kFork:
          fork(cu, s);
          return;
        case StepKind::kJoin:
          cur_.steps[step + k.coff].count += 1;
          branch_done(cu);
          return;
        case StepKind::kCall:
          if (begin_calls(cu, s)) return;  // waits for the reply
          step = route(step);
          continue;
        case StepKind::kSend:
          send(cu, s);
          cur_.steps[step + customers_[cu].coff].count += 1;
          step = route(step);
          continue;
        case StepKind::kReply:
          cur_.steps[step + k.coff].count += 1;
          reply(cu);
          step = route(step);
          continue;
        case StepKind::kEnd:
          end_operation(cu, s);
          return;
      }
    }
  }

  [[gnu::always_inline]] void arrive(std::uint32_t cu, const CompiledStep& s) {
    Customer& k = customers_[cu];
    const std::uint32_t t = s.target + (k.replica & s.local);
    StationState& st = stations_[t];
    if (st.capacity != 0 && st.n >= st.capacity) {
      cur_.stations[t].losses += 1;
      lose(cu);
      return;
    }
    touch(t);
    if (st.shared) ps_advance(st);  // at the old job count (only PS stations share)
    ++st.n;
    k.service = draw(s.time, s.stream);
    switch (st.discipline) {
      case Discipline::kFcfs:
      case Discipline::kPriority:
        if (st.busy < st.servers) {
          ++st.busy;
          q_.push(now_ + k.service, EventPriority::kNormal, EventKind::kServiceEnd, t, cu);
        } else {
          std::uint32_t level = st.discipline == Discipline::kPriority ? classes_[k.cls].level : 0;
          st.queues[level].push(cu);
          ++st.waiting;
        }
        break;
      case Discipline::kDelay:
        ++st.busy;
        q_.push(now_ + k.service, EventPriority::kNormal, EventKind::kServiceEnd, t, cu);
        break;
      case Discipline::kPs:
        st.busy = std::min(st.n, st.servers);
        if (!st.shared && st.n <= st.servers) {
          // A core is free: the job runs alone, like a delay, with its own event.
          k.ps_slot = static_cast<std::uint32_t>(st.jobs.size());
          st.jobs.push_back({now_ + k.service, 0, cu});
          q_.push(now_ + k.service, EventPriority::kNormal, EventKind::kPsJobEnd, ++k.ps_gen, cu);
          break;
        }
        if (!st.shared) ps_start_sharing(st);
        st.jobs.push_back({st.vtime + k.service, st.seq++, cu});
        std::push_heap(st.jobs.begin(), st.jobs.end(), std::greater<>());
        ps_schedule(t, st);
        break;
    }
  }

  // Every core is taken and one more job arrives: the jobs running alone move
  // into the virtual-time heap with the work they have left, and their own
  // events go stale (a station of c cores pays at most c stale events per
  // busy period, which takes at least c + 1 arrivals to reach).
  void ps_start_sharing(StationState& st) {
    st.shared = true;
    st.vtime = 0;
    st.vlast = now_;
    for (PsJob& j : st.jobs) {
      j.finish = std::max(0.0, j.finish - now_);  // work left, at full speed until now
      j.seq = st.seq++;
      ++customers_[j.customer].ps_gen;
    }
    std::make_heap(st.jobs.begin(), st.jobs.end(), std::greater<>());
  }

  // The station began sharing after this job-end event was scheduled.
  [[nodiscard]] bool ps_job_end_stale(const Event& e) const noexcept {
    return e.kind == EventKind::kPsJobEnd && e.a != customers_[e.b].ps_gen;
  }

  // A job that ran alone on its core is done.
  [[gnu::always_inline]] void on_ps_job_end(std::uint32_t cu) {
    Customer& k = customers_[cu];
    const std::uint32_t t = steps_[k.step].target + (k.replica & steps_[k.step].local);
    StationState& st = stations_[t];
    touch(t);
    --st.n;
    st.busy = std::min(st.n, st.servers);
    // Unordered list: the last job takes the finished one's place.
    const PsJob last = st.jobs.back();
    st.jobs[k.ps_slot] = last;
    customers_[last.customer].ps_slot = k.ps_slot;
    st.jobs.pop_back();
    depart(cu);
    enter(cu, route(k.step));
  }

  // Each job's speed: full up to one job per core, then shared (no division
  // while there are idle cores, the common case).
  static double ps_rate(const StationState& st) noexcept {
    return st.n <= st.servers ? 1.0 : double(st.servers) / st.n;
  }
  void ps_advance(StationState& st) {
    if (st.n > 0) st.vtime += (now_ - st.vlast) * ps_rate(st);
    st.vlast = now_;
  }
  // Inlined where jobs come and go, so the common case (the pending
  // completion is still right) costs a few compares and no call.
  [[gnu::always_inline]] void ps_schedule(std::uint32_t t, StationState& st) {
    if (st.jobs.empty()) {  // emptied: no timer, and the next jobs run alone again
      q_.cancel_timer(t);
      st.shared = false;
      return;
    }
    const double rate = ps_rate(st);
    // Below c jobs every job runs at full speed: an arrival that finishes later
    // than the earliest job leaves the pending completion exactly right, so
    // keep it instead of scheduling a duplicate (most PS events otherwise).
    if (st.pending_seq == st.jobs.front().seq && st.pending_rate == rate && q_.timer_pending(t))
      return;
    ps_move_timer(t, st, rate);
  }
  void ps_move_timer(std::uint32_t t, StationState& st, double rate) {
    st.pending_seq = st.jobs.front().seq;
    st.pending_rate = rate;
    double dt = std::max(0.0, (st.jobs.front().finish - st.vtime) / rate);
    q_.set_timer(t, now_ + dt, EventPriority::kNormal, EventKind::kPsCompletion);
  }

  [[gnu::always_inline]] void depart(std::uint32_t cu) {
    Customer& k = customers_[cu];
    double response = now_ - k.mark;
    auto& sc = cur_.steps[k.step + k.coff];
    sc.count += 1;
    sc.sum_wait += std::max(0.0, response - k.service);  // rounding can dip below 0
    sc.sum_service += k.service;
  }

  void on_service_end(std::uint32_t t, std::uint32_t cu) {
    StationState& st = stations_[t];
    touch(t);
    --st.n;
    depart(cu);
    if (st.discipline == Discipline::kDelay) {
      --st.busy;
    } else if (st.waiting > 0) {
      for (auto& queue : st.queues) {
        if (queue.empty()) continue;
        std::uint32_t next = queue.pop();
        --st.waiting;
        q_.push(now_ + customers_[next].service, EventPriority::kNormal, EventKind::kServiceEnd, t,
                next);
        break;
      }
    } else {
      --st.busy;
    }
    enter(cu, route(customers_[cu].step));
  }

  // The station's one pending completion (a timer, moved in place as jobs
  // come and go, so it is never stale).
  void on_ps_completion(std::uint32_t t) {
    StationState& st = stations_[t];
    touch(t);
    ps_advance(st);
    std::pop_heap(st.jobs.begin(), st.jobs.end(), std::greater<>());
    PsJob done = st.jobs.back();
    st.jobs.pop_back();
    st.vtime = std::max(st.vtime, done.finish);  // absorb rounding drift
    --st.n;
    st.busy = std::min(st.n, st.servers);
    depart(done.customer);
    ps_schedule(t, st);
    enter(done.customer, route(customers_[done.customer].step));
  }

  // A lock table's key: hot_fraction of requests hit the first hot_keys keys.
  std::uint32_t pick_key(const CompiledStep& s, std::uint32_t keys) {
    RandomEngine& eng = streams_[s.stream];
    double u = boost::random::uniform_01<double>()(eng);
    auto hot = static_cast<std::uint32_t>(s.key.hot_keys);
    if (s.key.hot_fraction > 0 && (u < s.key.hot_fraction || hot >= keys))
      return boost::random::uniform_int_distribution<std::uint32_t>(0, hot - 1)(eng);
    std::uint32_t cold_first = s.key.hot_fraction > 0 ? hot : 0;
    return boost::random::uniform_int_distribution<std::uint32_t>(cold_first, keys - 1)(eng);
  }

  Acquire try_acquire(std::uint32_t cu, const CompiledStep& s) {
    const std::uint32_t pool = s.target + (customers_[cu].replica & s.local);
    PoolState& p = pools_[pool];
    touch_pool(pool);
    std::uint32_t key = p.keyed ? pick_key(s, static_cast<std::uint32_t>(p.slots.size())) : 0;
    customers_[cu].key = key;
    PoolSlot& slot = p.slots[key];
    bool fits = slot.waiting.empty() && slot.held + s.tokens <= p.capacity;
    if (fits || p.on_full == OnFull::kOvercommit) {
      grant(pool, key, s.tokens, cu, 0.0);
      return Acquire::kGranted;
    }
    if (p.on_full == OnFull::kReject) {
      cur_.pools[pool].rejections += 1;
      return Acquire::kRejected;
    }
    customers_[cu].want = s.tokens;
    slot.waiting.push(cu);
    ++p.waiting;
    return Acquire::kWaiting;
  }

  void grant(std::uint32_t pool, std::uint32_t key, std::uint32_t tokens, std::uint32_t cu,
             double wait) {
    PoolState& p = pools_[pool];
    p.slots[key].held += tokens;
    p.held += tokens;
    auto& sc = cur_.steps[customers_[cu].step + customers_[cu].coff];
    sc.count += 1;
    sc.sum_wait += wait;
    if (p.keyed) {
      p.key_acquisitions[key] += 1;
      p.key_wait[key] += wait;
    }
  }

  void release(std::uint32_t cu, const CompiledStep& s) {
    const std::uint32_t pool = s.target + (customers_[cu].replica & s.local);
    const PoolState& p = pools_[pool];
    std::uint32_t key = p.keyed ? customers_[cu].key : 0;
    if (s.tokens > p.slots[key].held)  // compile() rules this out; stay loud if it slips
      throw std::logic_error("step '" + s.id + "' releases more tokens of pool '" +
                             m_.pools[pool].name + "' than are held");
    release_tokens(pool, key, s.tokens);
  }

  void release_tokens(std::uint32_t pool, std::uint32_t key, std::uint32_t tokens) {
    PoolState& p = pools_[pool];
    touch_pool(pool);
    PoolSlot& slot = p.slots[key];
    slot.held -= tokens;
    p.held -= tokens;
    // Grant waiting requests in FCFS order; the head blocks those behind it.
    // (What each wants sits in its own record: one load, not two through the
    // step table.)
    while (!slot.waiting.empty()) {
      const std::uint32_t head = slot.waiting.front();
      const Customer& k = customers_[head];
      if (slot.held + k.want > p.capacity) break;
      slot.waiting.pop();
      --p.waiting;
      grant(pool, key, k.want, head, now_ - k.mark);
      if (m_.deadlock_possible)
        for (const auto& [held, n] : steps_[k.step].held)
          held_by_waiting_[held_pool(held, k.replica)] -= n;
      granted_.push(head);
    }
  }

  std::uint32_t choose(std::uint32_t step, const CompiledStep& s, std::uint32_t replica) {
    const std::uint32_t n = s.edge_end - s.edge_begin;
    switch (s.policy) {
      case ChoosePolicy::kRandom:
        return route(step);
      case ChoosePolicy::kRoundRobin:
        return edges_[s.edge_begin + rr_[step]++ % n].to;
      case ChoosePolicy::kShortestQueue: {
        // The fewest requests present; ties go to the earliest option.
        std::uint32_t best = 0;
        std::uint64_t best_load = std::numeric_limits<std::uint64_t>::max();
        for (std::uint32_t i = 0; i < n; ++i) {
          const QueueProbe& probe = m_.probes[s.probe_begin + i];
          const std::uint32_t at = probe.index + (replica & probe.local);
          std::uint64_t load =
              probe.pool ? std::uint64_t{pools_[at].held} + pools_[at].waiting : stations_[at].n;
          if (load < best_load) {
            best_load = load;
            best = i;
          }
        }
        return edges_[s.edge_begin + best].to;
      }
    }
    return route(step);
  }

  // Memory overcommitted beyond capacity pages: the chance that an access
  // misses is the share of the working set that is not resident.
  std::uint32_t branch(const CompiledStep& s, std::uint32_t replica) {
    const PoolState& p = pools_[s.target + (replica & s.local)];
    double over = p.held > p.capacity ? double(p.held - p.capacity) / p.held : 0.0;
    double u = boost::random::uniform_01<double>()(streams_[s.stream]);
    return edges_[s.edge_begin + (u < over ? 0 : 1)].to;
  }

  // The parent waits at the fork; each branch is a request of its own that
  // starts now and ends at the join.
  void fork(std::uint32_t cu, const CompiledStep& s) {
    const std::uint32_t cls = customers_[cu].cls;
    customers_[cu].pending = s.fanout;
    for (std::uint32_t e = s.edge_begin; e < s.edge_end; ++e) {
      std::uint32_t child = new_customer(cls);
      customers_[child].replica = customers_[cu].replica;
      customers_[child].coff = customers_[cu].coff;
      customers_[child].parent = cu;
      customers_[child].born = now_;
      customers_[child].resume_to = edges_[e].to;
      granted_.push(child);
    }
  }

  void branch_done(std::uint32_t child) {
    std::uint32_t parent = customers_[child].parent;
    customers_[child].parent = kNone;
    free_customer(child);
    Customer& p = customers_[parent];
    if (--p.pending > 0) return;
    // The fork step's time is the parallel section's duration.
    auto& sc = cur_.steps[p.step + p.coff];
    sc.count += 1;
    sc.sum_service += now_ - p.mark;
    p.step = steps_[p.step].join;  // resolved by compile()
    p.resume_to = route(p.step);
    granted_.push(parent);
  }

  // ---- calls between services -------------------------------------------
  // A call is a request of its own (a frame): it starts at the operation's
  // first step, which takes a thread of the replica the balancer picked, and
  // ends at its end step. Its caller waits at the call step until the frame
  // replies. Frames live in the customer slab, so calls allocate nothing in
  // steady state.

  [[nodiscard]] static std::uint32_t held_pool(std::uint32_t held, std::uint32_t replica) noexcept {
    return (held & ~kLocalPool) + ((held & kLocalPool) != 0 ? replica : 0);
  }

  // The caller reaches a call step: makes its first call, or none (a
  // geometric count can be 0). True while it waits for a reply.
  bool begin_calls(std::uint32_t cu, const CompiledStep& s) {
    if (s.geometric) {
      if (!(uniform(s.stream) < s.again)) return false;
    } else {
      customers_[cu].calls_left = static_cast<std::uint32_t>(s.calls);
    }
    start_call(cu, s, true);
    return true;
  }

  void send(std::uint32_t cu, const CompiledStep& s) {
    if (s.geometric) {
      while (uniform(s.stream) < s.again) start_call(cu, s, false);
    } else {
      for (auto i = static_cast<std::uint32_t>(s.calls); i > 0; --i) start_call(cu, s, false);
    }
  }

  void start_call(std::uint32_t cu, const CompiledStep& s, bool sync) {
    const CompiledOperation& op = m_.operations[s.target];
    const std::uint32_t r = pick_replica(op.service, s);
    const std::uint32_t child = new_customer(customers_[cu].cls);
    Customer& c = customers_[child];
    c.replica = r;
    c.coff = op.counter_offset(r);
    c.born = now_;
    c.parent = kNone;
    c.resume_to = op.entry;
    if (sync) {
      c.caller = cu;
      customers_[cu].mark = now_;
    } else {
      c.flags = kAsync;
      if (++open_in_system_ > run_.max_in_system && !stop_) saturate();
    }
    present_change(op.service, r, +1);
    granted_.push(child);  // starts at this instant, after the caller's step
  }

  std::uint32_t pick_replica(std::uint32_t service, const CompiledStep& s) {
    const CompiledService& sv = m_.services[service];
    const std::uint32_t n = sv.replicas;
    if (n == 1) return 0;
    const std::uint32_t* present = present_.data() + present_base_[service];
    switch (sv.balancer) {
      case Balancer::kRandom:
        return boost::random::uniform_int_distribution<std::uint32_t>(0, n - 1)(streams_[s.stream]);
      case Balancer::kRoundRobin:
        return rr_service_[service]++ % n;
      case Balancer::kShortestQueue:
        return static_cast<std::uint32_t>(std::min_element(present, present + n) - present);
      case Balancer::kLeastUtilized: {
        const std::uint32_t base = present_base_[service];
        std::uint32_t best = 0;
        double best_area = std::numeric_limits<double>::infinity();
        for (std::uint32_t r = 0; r < n; ++r) {
          double area = present_area_[base + r] + present[r] * (now_ - present_last_[base + r]);
          if (area < best_area) {
            best_area = area;
            best = r;
          }
        }
        return best;
      }
      case Balancer::kKey:
        return pick_key(s, sv.keys) % n;
    }
    return 0;
  }

  void present_change(std::uint32_t service, std::uint32_t r, int delta) {
    const std::uint32_t i = present_base_[service] + r;
    if (m_.services[service].balancer == Balancer::kLeastUtilized) {
      present_area_[i] += present_[i] * (now_ - present_last_[i]);
      present_last_[i] = now_;
    }
    present_[i] = static_cast<std::uint32_t>(static_cast<int>(present_[i]) + delta);
  }

  // The operation's caller resumes now (at its reply step, or at its end if
  // it has none); what the operation does after this is its second phase.
  void reply(std::uint32_t cu) {
    // A parallel branch replies for the request that forked it.
    while (customers_[cu].parent != kNone) cu = customers_[cu].parent;
    Customer& k = customers_[cu];
    if ((k.flags & kReplied) != 0) return;
    k.flags |= kReplied;
    auto& oc = cur_.operations[steps_[k.step].op];
    oc.replies += 1;
    oc.sum_response += now_ - k.born;
    k.born = now_;  // the second phase starts
    const std::uint32_t caller = k.caller;
    k.caller = kNone;
    if (caller != kNone) call_returned(caller);
  }

  // A call the caller made has replied: it calls again, or goes on.
  void call_returned(std::uint32_t cu) {
    Customer& p = customers_[cu];
    const CompiledStep& s = steps_[p.step];
    auto& sc = cur_.steps[p.step + p.coff];
    sc.count += 1;
    sc.sum_service += now_ - p.mark;
    const bool again = s.geometric ? uniform(s.stream) < s.again : --p.calls_left > 0;
    if (again) {
      start_call(cu, s, true);
      return;
    }
    p.resume_to = kNoResume;
    granted_.push(cu);
  }

  void end_operation(std::uint32_t cu, const CompiledStep& s) {
    {
      Customer& k = customers_[cu];
      cur_.steps[k.step + k.coff].count += 1;
      release_tokens(s.target + (k.replica & s.local), 0, 1);
    }
    reply(cu);
    Customer& k = customers_[cu];
    auto& oc = cur_.operations[s.op];
    oc.ends += 1;
    oc.sum_phase2 += now_ - k.born;
    end_frame(cu);
  }

  void end_frame(std::uint32_t cu) {
    const Customer& k = customers_[cu];
    present_change(m_.operations[steps_[k.step].op].service, k.replica, -1);
    if ((k.flags & kAsync) != 0) --open_in_system_;
    free_customer(cu);
  }

  void start_cycle(std::uint32_t cu) {
    Customer& k = customers_[cu];
    k.born = now_;
    cur_.classes[k.cls].arrivals += 1;
    enter(cu, classes_[k.cls].entry);
  }

  [[gnu::always_inline]] void end_cycle(std::uint32_t cu) {
    const std::uint32_t cls = customers_[cu].cls;
    const CompiledClass& c = classes_[cls];
    if (c.batch) {
      free_customer(cu);
      if (--batch_left_[cls] == 0) {
        result_.makespan[cls] = now_;
        if (--batch_classes_left_ == 0 && stop_when_batches_done_) stop_ = true;
      }
    } else if (c.closed) {
      customers_[cu].step = kThinking;
      q_.push(now_ + draw(c.think, c.source_stream), EventPriority::kNormal, EventKind::kStepDone,
              0, cu);
    } else {
      free_customer(cu);
      --open_in_system_;
    }
  }

  // A request turned away gives back every pool token it holds at this step.
  // A lost fork branch simply ends: its parent goes on when the others join.
  // Inside an operation, the call is lost too: its caller, still waiting
  // for the reply, is lost with it (and so on up the chain).
  void lose(std::uint32_t cu) {
    for (const auto& [held, tokens] : steps_[customers_[cu].step].held) {
      const std::uint32_t pool = held_pool(held, customers_[cu].replica);
      release_tokens(pool, pools_[pool].keyed ? customers_[cu].key : 0, tokens);
    }
    if (customers_[cu].parent != kNone) {
      branch_done(cu);
      return;
    }
    if (steps_[customers_[cu].step].op != kExit) {
      const std::uint32_t caller = customers_[cu].caller;
      end_frame(cu);
      if (caller != kNone) lose(caller);
      return;
    }
    cur_.classes[customers_[cu].cls].losses += 1;
    end_cycle(cu);
  }

  [[gnu::always_inline]] void finish(std::uint32_t cu) {
    const std::uint32_t cls = customers_[cu].cls;
    double response = now_ - customers_[cu].born;
    auto& cc = cur_.classes[cls];
    cc.completions += 1;
    cc.sum_response += response;
    result_.response[cls].add(response);
    end_cycle(cu);
    if (rare_finish_work_) finish_rare(cls, response);
  }

  void finish_rare(std::uint32_t cls, double response) {
    if (run_.samples > 0 && measuring_) keep_sample(cls, response);
    if (opt_.record_warmup_series) record_warmup(response);
    if (measuring_ && run_.max_completions > 0) {
      ++measured_completions_;
      if (count_batches_ && measured_completions_ >= next_batch_at_ &&
          measured_completions_ < run_.max_completions) {
        snapshot();
        next_batch_at_ += batch_size_;
      }
      if (measured_completions_ >= run_.max_completions) stop_ = true;
    }
  }

  // Reservoir sampling (Algorithm R): after n completions each has been kept
  // with probability samples / n, in constant memory.
  void keep_sample(std::uint32_t cls, double response) {
    auto& kept = result_.samples[cls];
    std::uint64_t n = ++seen_[cls];
    if (kept.size() < run_.samples) {
      kept.push_back(response);
      return;
    }
    std::uint64_t j =
        boost::random::uniform_int_distribution<std::uint64_t>(0, n - 1)(sample_stream_);
    if (j < run_.samples) kept[j] = response;
  }

  void record_warmup(double response) {
    block_sum_ += response;
    if (++block_count_ < block_size_) return;
    result_.warmup_series.push_back(block_sum_ / static_cast<double>(block_size_));
    result_.warmup_series_time.push_back(now_);
    block_sum_ = 0;
    block_count_ = 0;
    if (result_.warmup_series.size() >= kMaxWarmupBlocks) {
      // Keep memory constant: merge neighbouring blocks and double the block size.
      auto& xs = result_.warmup_series;
      auto& ts = result_.warmup_series_time;
      for (std::size_t i = 0; i < xs.size() / 2; ++i) {
        xs[i] = (xs[2 * i] + xs[2 * i + 1]) / 2;
        ts[i] = ts[2 * i + 1];
      }
      xs.resize(xs.size() / 2);
      ts.resize(ts.size() / 2);
      block_size_ *= 2;
    }
  }

  // The next arrival of an open class after `t`: a renewal draw, or for a
  // rate schedule a non-homogeneous Poisson process by inverting its
  // cumulative rate piece by piece (exact, one exponential draw).
  [[gnu::always_inline]] double next_arrival(std::uint32_t cls, double t) {
    const CompiledClass& c = classes_[cls];
    if (c.schedule.empty()) return t + draw(c.interarrival, c.source_stream);
    return next_scheduled_arrival(c, t);
  }
  // Works in (cycle, position inside the cycle) coordinates: the position
  // only moves forward from piece boundary to piece boundary and whole
  // cycles are skipped by their mass, so no step depends on re-deriving the
  // position from an absolute time (which can round back onto the boundary it
  // just left, for a short cycle late in a run). The result is never before t.
  double next_scheduled_arrival(const CompiledClass& c, double t) {
    double need = boost::random::exponential_distribution<double>(1.0)(streams_[c.source_stream]);
    const auto& pieces = c.schedule;
    constexpr double kNever = std::numeric_limits<double>::infinity();
    const double cycle = c.cycle;
    // The piece holding position x of the cycle (or of the whole time line).
    auto piece_at = [&](double x) {
      std::size_t i = 0;
      while (i + 1 < pieces.size() && pieces[i + 1].from <= x) ++i;
      return i;
    };
    auto piece_end = [&](std::size_t i) {
      return i + 1 < pieces.size() ? pieces[i + 1].from : cycle > 0 ? cycle : kNever;
    };
    // Walks from position x to the end of the cycle (or forever without one);
    // returns the position where `need` runs out, or -1 with `need` reduced by
    // the mass walked over.
    auto walk = [&](double x) {
      for (std::size_t i = piece_at(x); i < pieces.size(); ++i) {
        double end = piece_end(i), rate = pieces[i].rate;
        if (x < pieces[i].from) x = pieces[i].from;
        if (rate > 0 && need <= rate * (end - x)) return x + need / rate;
        if (!std::isfinite(end)) return kNever;
        need -= rate * (end - x);
      }
      return -1.0;
    };
    if (!(cycle > 0)) {
      double at = walk(t);
      return at < t ? t : at;
    }
    double k = std::floor(t / cycle);
    double local = t - k * cycle;
    if (local < 0) local = 0;
    if (local >= cycle) {  // t / cycle rounded down onto the previous cycle
      k += 1;
      local = 0;
    }
    double at = walk(local);
    if (at >= 0) return std::max(t, t + (at - local));
    // Whole cycles: skip as many as the remaining need covers, then walk the next.
    double mass = 0;
    for (std::size_t i = 0; i < pieces.size(); ++i)
      mass += pieces[i].rate * (piece_end(i) - pieces[i].from);
    double whole = std::floor(need / mass);
    need -= whole * mass;
    if (need < 0) need = 0;
    k += 1 + whole;
    for (;;) {  // at most twice: `need` < mass up to rounding
      at = walk(0);
      if (at >= 0) return std::max(t, k * cycle + at);
      k += 1;
    }
  }

  [[gnu::always_inline]] void schedule_arrival(std::uint32_t cls, double t) {
    double next = next_arrival(cls, t);
    if (std::isfinite(next)) q_.push(next, EventPriority::kNormal, EventKind::kArrival, cls);
  }

  void on_arrival(std::uint32_t cls) {
    schedule_arrival(cls, now_);
    if (++open_in_system_ > run_.max_in_system) {
      saturate();
      return;
    }
    std::uint32_t cu = new_customer(cls);
    start_cycle(cu);
  }

  void saturate() {
    result_.saturated = true;
    stop_ = true;
    std::uint32_t worst = 0;
    std::string where;
    for (std::size_t t = 0; t < stations_.size(); ++t)
      if (stations_[t].waiting >= worst) {
        worst = stations_[t].waiting;
        where = "station '" + m_.stations[t].name + "'";
        result_.saturated_at = m_.stations[t].name;
      }
    for (std::size_t p = 0; p < pools_.size(); ++p)
      if (pools_[p].waiting > worst) {
        worst = pools_[p].waiting;
        where = "pool '" + m_.pools[p].name + "'";
        result_.saturated_at = m_.pools[p].name;
      }
    result_.saturation_reason = std::to_string(open_in_system_ - 1) +
                                " requests in the system (limit run.max_in_system) at time " +
                                std::to_string(now_) + "; " + std::to_string(worst) +
                                " waiting at " + where;
  }

  // A pool is stuck when its head waiter can never be granted: the missing
  // tokens are held only by requests that are themselves waiting at stuck
  // pools. Start from every pool whose head cannot be granted now and drop
  // pools that some running request could still free, until nothing changes.
  // Whatever remains is a cycle of waits: a deadlock.
  // Lock tables (keyed pools) are left out: a request holds one key of a
  // table at a time, so they take part in a cycle only through plain pools.
  bool detect_deadlock() {
    if (result_.deadlocked) return true;  // reported once, where it formed
    const std::size_t np = pools_.size();
    std::vector<bool> stuck(np, false);
    bool any = false;
    auto head_need = [&](const PoolState& ps) {
      return customers_[ps.slots[0].waiting.front()].want;
    };
    for (std::size_t p = 0; p < np; ++p) {
      const PoolState& ps = pools_[p];
      if (ps.keyed || ps.slots[0].waiting.empty()) continue;
      stuck[p] = ps.capacity - ps.held < head_need(ps);
      any = any || stuck[p];
    }
    if (!any) return false;
    for (bool changed = true; changed;) {
      changed = false;
      std::vector<std::uint64_t> held_by_stuck(np, 0);
      for (std::size_t p = 0; p < np; ++p) {
        if (!stuck[p]) continue;
        const detail::Ring& waiting = pools_[p].slots[0].waiting;
        for (std::size_t i = 0; i < waiting.size(); ++i)
          for (const auto& [held, tokens] : steps_[customers_[waiting.at(i)].step].held)
            held_by_stuck[held_pool(held, customers_[waiting.at(i)].replica)] += tokens;
      }
      for (std::size_t p = 0; p < np; ++p) {
        if (!stuck[p]) continue;
        const PoolState& ps = pools_[p];
        std::uint64_t could_free = ps.capacity - held_by_stuck[p];
        if (could_free >= head_need(ps)) {
          stuck[p] = false;
          changed = true;
        }
      }
    }
    std::string pools_text;
    for (std::size_t p = 0; p < np; ++p) {
      if (!stuck[p]) continue;
      result_.deadlock_pools.push_back(m_.pools[p].name);
      const PoolState& ps = pools_[p];
      const Customer& head = customers_[ps.slots[0].waiting.front()];
      const CompiledStep& want = steps_[head.step];
      const std::string where = want.op == kExit
                                    ? "class '" + classes_[want.cls].name + "'"
                                    : "operation '" + m_.operations[want.op].name + "' of class '" +
                                          classes_[head.cls].name + "'";
      pools_text += (pools_text.empty() ? "" : "; ") + std::string("pool '") + m_.pools[p].name +
                    "' has " + std::to_string(ps.held) + "/" + std::to_string(ps.capacity) +
                    " tokens held and " + std::to_string(ps.waiting) + " waiting (first: " + where +
                    " at step '" + want.id + "')";
    }
    if (result_.deadlock_pools.empty()) return false;
    result_.deadlocked = true;
    result_.deadlock_time = now_;
    result_.deadlock_reason =
        "every token these requests wait for is held by requests that are themselves waiting: " +
        pools_text;
    return true;
  }

  void collect_hot_keys() {
    for (std::size_t p = 0; p < pools_.size(); ++p) {
      const PoolState& ps = pools_[p];
      if (!ps.keyed) continue;
      std::vector<std::uint32_t> order(ps.slots.size());
      for (std::uint32_t k = 0; k < order.size(); ++k) order[k] = k;
      std::size_t top = std::min(kHotKeysReported, order.size());
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top),
                        order.end(), [&](std::uint32_t a, std::uint32_t b) {
                          return ps.key_wait[a] > ps.key_wait[b] ||
                                 (ps.key_wait[a] == ps.key_wait[b] && a < b);
                        });
      for (std::size_t i = 0; i < top; ++i)
        result_.hot_keys[p].push_back(
            {order[i], ps.key_acquisitions[order[i]], ps.key_wait[order[i]]});
    }
  }

  // A request holding tokens starts waiting at the pool of step `s`. Its
  // holdings now count as held by a waiting request; only if every token
  // that could satisfy the pool's head is held by waiting requests can a
  // cycle have closed here, so only then run the full check.
  [[gnu::noinline]] void blocked_holding(std::uint32_t cu, const CompiledStep& s) {
    for (const auto& [held, tokens] : s.held)
      held_by_waiting_[held_pool(held, customers_[cu].replica)] += tokens;
    const std::uint32_t pool = s.target + (customers_[cu].replica & s.local);
    const PoolState& p = pools_[pool];
    if (p.keyed) return;  // lock tables take part only through plain pools
    const std::uint64_t need = customers_[p.slots[0].waiting.front()].want;
    if (p.capacity - std::min<std::uint64_t>(p.capacity, held_by_waiting_[pool]) >= need) return;
    if (detect_deadlock()) stop_ = true;
  }

  // Nothing but bookkeeping is left to happen while requests wait on pools:
  // the model has frozen now, so look for the deadlock at this instant.
  bool frozen_on_pools() {
    return q_.only_bookkeeping() && any_pool_waiting() && detect_deadlock();
  }

  bool any_pool_waiting() const noexcept {
    for (const auto& p : pools_)
      if (p.waiting > 0) return true;
    return false;
  }

  // Windows are chained, one pending at a time, so a long time series costs
  // the event set one entry rather than thousands.
  void schedule_window(double start) {
    ++windows_started_;
    window_end_ = std::min(start_of_windows_ + static_cast<double>(windows_started_) * run_.window,
                           run_.until);
    if (windows_started_ == 1) {
      start_of_windows_ = start;
      window_end_ = std::min(start + run_.window, run_.until);
    }
    q_.push(window_end_, EventPriority::kLate, EventKind::kWindowEnd);
  }
  void end_window() {
    if (!result_.windows.empty() && result_.windows.back().time >= now_) return;
    touch_all();
    result_.windows.push_back(cur_);
    if (window_end_ < run_.until) schedule_window(now_);
  }

  void snapshot() {
    touch_all();
    result_.snapshots.push_back(cur_);
  }

  void reset_statistics() {
    touch_all();
    for (auto& x : cur_.stations) x = {};
    for (auto& x : cur_.pools) x = {};
    for (auto& x : cur_.classes) x = {};
    for (auto& x : cur_.steps) x = {};
    for (auto& x : cur_.operations) x = {};
    for (auto& h : result_.response) h.reset();
    for (auto& kept : result_.samples) kept.clear();
    for (auto& p : pools_) {
      std::fill(p.key_acquisitions.begin(), p.key_acquisitions.end(), 0.0);
      std::fill(p.key_wait.begin(), p.key_wait.end(), 0.0);
    }
    std::fill(seen_.begin(), seen_.end(), 0);
    cur_.time = now_;
  }

  void begin_measuring() {
    measuring_ = true;
    result_.snapshots.push_back(cur_);
  }

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

ReplicationResult Simulator::Impl::run() {
  const double warmup = opt_.warmup;
  const int batches = run_.replications == 1 ? run_.batches : 1;
  if (warmup > 0)
    q_.push(warmup, EventPriority::kLate, EventKind::kWarmupEnd);
  else
    begin_measuring();
  std::vector<std::uint32_t> batch_jobs;
  for (std::uint32_t c = 0; c < m_.classes.size(); ++c) {
    const CompiledClass& cc = classes_[c];
    if (cc.batch) {
      batch_left_[c] = cc.population;
      ++batch_classes_left_;
      for (std::uint32_t i = 0; i < cc.population; ++i) batch_jobs.push_back(new_customer(c));
    } else if (cc.closed) {
      for (std::uint32_t i = 0; i < cc.population; ++i) {
        std::uint32_t cu = new_customer(c);
        customers_[cu].step = kThinking;
        q_.push(draw(cc.think, cc.source_stream), EventPriority::kNormal, EventKind::kStepDone, 0,
                cu);
      }
    } else {
      schedule_arrival(c, 0.0);
    }
  }
  // A run with no other end stops when every batch job has finished.
  stop_when_batches_done_ =
      batch_classes_left_ > 0 && !(run_.until > 0) && run_.max_completions == 0;
  for (std::uint32_t cu : batch_jobs) start_cycle(cu);
  if (run_.until > 0) {
    q_.push(run_.until, EventPriority::kLate, EventKind::kStop);
    // Batch ends are chained, one pending at a time, to keep the heap small.
    if (batches > 1) {
      batches_ = batches;
      batch_start_ = warmup;
      next_batch_ = 1;
      q_.push(warmup + (run_.until - warmup) / batches, EventPriority::kLate, EventKind::kBatchEnd);
    }
    if (run_.window > 0) schedule_window(warmup);
  } else if (batches > 1) {
    count_batches_ = true;
    batch_size_ = std::max<std::uint64_t>(1, run_.max_completions / batches);
    next_batch_at_ = batch_size_;
  }

  const std::atomic<bool>* cancel = opt_.cancel;
  const bool have_pools = !pools_.empty();
  std::uint64_t events = 0;
  while (!stop_) {
    // Requests granted pool tokens resume at this instant before anything
    // else: in the total order they are urgent events at the current time,
    // kept in a FIFO instead of the heap because nothing can precede them.
    Event e;
    if (!granted_.empty()) {
      e = Event{now_, 0, EventKind::kResume, 0, granted_.pop()};
    } else if (!q_.empty()) {
      e = q_.pop();
      if (ps_job_end_stale(e)) {
        // Not an event: the clock stays where the last one left it, and what
        // follows that event is checked again.
        if (have_pools && frozen_on_pools()) break;
        continue;
      }
    } else {
      break;
    }
    now_ = e.time;
    ++events;
    switch (e.kind) {
      case EventKind::kArrival:
        on_arrival(e.a);
        break;
      case EventKind::kServiceEnd:
        on_service_end(e.a, e.b);
        break;
      case EventKind::kPsCompletion:
        on_ps_completion(e.a);
        break;
      case EventKind::kPsJobEnd:
        on_ps_job_end(e.b);
        break;
      case EventKind::kStepDone: {
        Customer& k = customers_[e.b];
        if (k.step == kThinking) {
          start_cycle(e.b);
        } else {
          auto& sc = cur_.steps[k.step + k.coff];
          sc.count += 1;
          sc.sum_service += now_ - k.mark;
          enter(e.b, route(k.step));
        }
        break;
      }
      case EventKind::kResume: {
        std::uint32_t to = customers_[e.b].resume_to;
        if (to != kNoResume) {
          customers_[e.b].resume_to = kNoResume;
          enter(e.b, to);
        } else {
          enter(e.b, route(customers_[e.b].step));
        }
        break;
      }
      case EventKind::kWarmupEnd:
        reset_statistics();
        begin_measuring();
        break;
      case EventKind::kBatchEnd:
        snapshot();
        if (++next_batch_ < batches_)
          q_.push(batch_start_ + (run_.until - batch_start_) * next_batch_ / batches_,
                  EventPriority::kLate, EventKind::kBatchEnd);
        break;
      case EventKind::kWindowEnd:
        end_window();
        break;
      case EventKind::kStop:
        // The last window ends with the run; its event, scheduled later at the
        // same instant, would otherwise never fire.
        if (run_.window > 0 && window_end_ <= now_) end_window();
        stop_ = true;
        break;
    }
    if ((events & 0x3FFF) == 0) {
      if (cancel && cancel->load(std::memory_order_relaxed)) {
        result_.interrupted = true;
        break;
      }
      if ((events & 0xFFFF) == 0 && !pools_.empty() && detect_deadlock()) break;
    }
    if (have_pools && frozen_on_pools()) break;
  }
  if (q_.empty() && !pools_.empty() && !result_.deadlocked) detect_deadlock();
  if (!measuring_) {  // stopped before the warm-up ended: measure what there is
    reset_statistics();
    begin_measuring();
  }
  snapshot();
  collect_hot_keys();
  result_.events = events;
  return std::move(result_);
}

Simulator::Simulator(const CompiledModel& model, const ReplicationOptions& options)
    : impl_(std::make_unique<Impl>(model, options)) {}
Simulator::~Simulator() = default;
ReplicationResult Simulator::run() { return impl_->run(); }

}  // namespace tiersim
