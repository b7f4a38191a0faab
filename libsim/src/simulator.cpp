// One replication: set-up, the arrivals of open and closed classes, the
// dispatch of events and the stop. The engine's parts by concern are in
// sim/ (engine.hpp declares them).
#include "tiersim/sim/simulator.hpp"

#include "sim/calls.hpp"
#include "sim/engine.hpp"
#include "sim/pools.hpp"
#include "sim/routing.hpp"
#include "sim/stations.hpp"
#include "sim/statistics.hpp"

namespace tiersim {

inline double Simulator::Impl::uniform(std::uint32_t stream) {
  return boost::random::uniform_01<double>()(streams_[stream]);
}

// The next value of the one distribution drawn from `stream` (a visit's or
// delay's time, a class's interarrival or think time), drawn a use ahead.
// Every use still takes that stream's next value in turn, so results are
// the same, but the value that goes into the event being scheduled is a
// load, not a draw: the draw's latency (Mersenne Twister, ziggurat, a
// division) leaves the chain from one event to the next.
inline double Simulator::Impl::draw(const Distribution& d, std::uint32_t stream) {
  const double x = ahead_[stream];
  ahead_[stream] = d.sample(streams_[stream]);
  return x;
}

inline void Simulator::Impl::start_cycle(std::uint32_t cu) {
  Customer& k = customers_[cu];
  k.born = now_;
  cur_.classes[k.cls].arrivals += 1;
  enter(cu, classes_[k.cls].entry);
}

inline void Simulator::Impl::end_cycle(std::uint32_t cu) {
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
    q_.push(now_ + draw(c.think, c.source_stream), EventPriority::kNormal, EventKind::kStepDone, 0,
            cu);
  } else {
    free_customer(cu);
    --open_in_system_;
  }
}

inline void Simulator::Impl::finish(std::uint32_t cu) {
  const std::uint32_t cls = customers_[cu].cls;
  double response = now_ - customers_[cu].born;
  auto& cc = cur_.classes[cls];
  cc.completions += 1;
  cc.sum_response += response;
  result_.response[cls].add(response);
  end_cycle(cu);
  if (rare_finish_work_) finish_rare(cls, response);
}

// The next arrival of an open class after `t`: a renewal draw, or for a
// rate schedule a non-homogeneous Poisson process by inverting its
// cumulative rate piece by piece (exact, one exponential draw).
inline double Simulator::Impl::next_arrival(std::uint32_t cls, double t) {
  const CompiledClass& c = classes_[cls];
  if (c.schedule.empty()) return t + draw(c.interarrival, c.source_stream);
  return next_scheduled_arrival(c, t);
}

// Works in (cycle, position inside the cycle) coordinates: the position
// only moves forward from piece boundary to piece boundary and whole
// cycles are skipped by their mass, so no step depends on re-deriving the
// position from an absolute time (which can round back onto the boundary it
// just left, for a short cycle late in a run). The result is never before t.
inline double Simulator::Impl::next_scheduled_arrival(const CompiledClass& c, double t) {
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

inline void Simulator::Impl::schedule_arrival(std::uint32_t cls, double t) {
  double next = next_arrival(cls, t);
  if (std::isfinite(next)) q_.push(next, EventPriority::kNormal, EventKind::kArrival, cls);
}

inline void Simulator::Impl::on_arrival(std::uint32_t cls) {
  schedule_arrival(cls, now_);
  if (++open_in_system_ > run_.max_in_system) {
    saturate();
    return;
  }
  std::uint32_t cu = new_customer(cls);
  start_cycle(cu);
}

inline void Simulator::Impl::saturate() {
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
                              std::to_string(now_) + "; " + std::to_string(worst) + " waiting at " +
                              where;
}

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
