// Stations: arrivals at a station, FCFS / priority / delay service ends, and
// processor sharing (each job alone on a core until the cores are all taken,
// then virtual time and one timer per station).
#pragma once

#include "sim/engine.hpp"

namespace tiersim {

inline void Simulator::Impl::arrive(std::uint32_t cu, const CompiledStep& s) {
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
inline void Simulator::Impl::ps_start_sharing(StationState& st) {
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
inline bool Simulator::Impl::ps_job_end_stale(const Event& e) const noexcept {
  return e.kind == EventKind::kPsJobEnd && e.a != customers_[e.b].ps_gen;
}

// A job that ran alone on its core is done.
inline void Simulator::Impl::on_ps_job_end(std::uint32_t cu) {
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
inline double Simulator::Impl::ps_rate(const StationState& st) noexcept {
  return st.n <= st.servers ? 1.0 : double(st.servers) / st.n;
}

inline void Simulator::Impl::ps_advance(StationState& st) {
  if (st.n > 0) st.vtime += (now_ - st.vlast) * ps_rate(st);
  st.vlast = now_;
}

// Inlined where jobs come and go, so the common case (the pending
// completion is still right) costs a few compares and no call.
inline void Simulator::Impl::ps_schedule(std::uint32_t t, StationState& st) {
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

inline void Simulator::Impl::ps_move_timer(std::uint32_t t, StationState& st, double rate) {
  st.pending_seq = st.jobs.front().seq;
  st.pending_rate = rate;
  double dt = std::max(0.0, (st.jobs.front().finish - st.vtime) / rate);
  q_.set_timer(t, now_ + dt, EventPriority::kNormal, EventKind::kPsCompletion);
}

inline void Simulator::Impl::depart(std::uint32_t cu) {
  Customer& k = customers_[cu];
  double response = now_ - k.mark;
  auto& sc = cur_.steps[k.step + k.coff];
  sc.count += 1;
  sc.sum_wait += std::max(0.0, response - k.service);  // rounding can dip below 0
  sc.sum_service += k.service;
}

inline void Simulator::Impl::on_service_end(std::uint32_t t, std::uint32_t cu) {
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
inline void Simulator::Impl::on_ps_completion(std::uint32_t t) {
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

}  // namespace tiersim
