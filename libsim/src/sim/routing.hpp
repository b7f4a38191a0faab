// Customers walking their routes: the step dispatch, routing choices and
// balancers of choose steps, fork and join, and losses.
#pragma once

#include "sim/engine.hpp"

namespace tiersim {

inline std::uint32_t Simulator::Impl::new_customer(std::uint32_t cls) {
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

inline void Simulator::Impl::free_customer(std::uint32_t id) {
  customers_[id].next_free = free_;
  customers_[id].step = kNone;
  free_ = id;
}

inline std::uint32_t Simulator::Impl::route(std::uint32_t step) {
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
void Simulator::Impl::throw_zero_time_cycle(std::uint32_t cu, std::uint32_t step) const {
  const std::uint32_t c = customers_[cu].cls;
  throw ModelError("classes[" + std::to_string(c) + "].steps",
                   "requests of class '" + classes_[c].name + "' cycle through step '" +
                       steps_[step].id +
                       "' and others that take no time, without ever taking time; "
                       "add a delay or a visit to the cycle");
}

inline void Simulator::Impl::enter(std::uint32_t cu, std::uint32_t step) {
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

inline std::uint32_t Simulator::Impl::choose(std::uint32_t step, const CompiledStep& s,
                                             std::uint32_t replica) {
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

// The parent waits at the fork; each branch is a request of its own that
// starts now and ends at the join.
inline void Simulator::Impl::fork(std::uint32_t cu, const CompiledStep& s) {
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

inline void Simulator::Impl::branch_done(std::uint32_t child) {
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

// A request turned away gives back every pool token it holds at this step.
// A lost fork branch simply ends: its parent goes on when the others join.
// Inside an operation, the call is lost too: its caller, still waiting
// for the reply, is lost with it (and so on up the chain).
inline void Simulator::Impl::lose(std::uint32_t cu) {
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

}  // namespace tiersim
