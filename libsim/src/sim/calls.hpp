// Calls between services: frames in the customer slab, the balancers that
// pick a replica, replies (early or at the end) and the end of an operation.
#pragma once

#include "sim/engine.hpp"

namespace tiersim {

inline std::uint32_t Simulator::Impl::held_pool(std::uint32_t held,
                                                std::uint32_t replica) noexcept {
  return (held & ~kLocalPool) + ((held & kLocalPool) != 0 ? replica : 0);
}

// The caller reaches a call step: makes its first call, or none (a
// geometric count can be 0). True while it waits for a reply.
inline bool Simulator::Impl::begin_calls(std::uint32_t cu, const CompiledStep& s) {
  if (s.geometric) {
    if (!(uniform(s.stream) < s.again)) return false;
  } else {
    customers_[cu].calls_left = static_cast<std::uint32_t>(s.calls);
  }
  start_call(cu, s, true);
  return true;
}

inline void Simulator::Impl::send(std::uint32_t cu, const CompiledStep& s) {
  if (s.geometric) {
    while (uniform(s.stream) < s.again) start_call(cu, s, false);
  } else {
    for (auto i = static_cast<std::uint32_t>(s.calls); i > 0; --i) start_call(cu, s, false);
  }
}

inline void Simulator::Impl::start_call(std::uint32_t cu, const CompiledStep& s, bool sync) {
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

inline std::uint32_t Simulator::Impl::pick_replica(std::uint32_t service, const CompiledStep& s) {
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

inline void Simulator::Impl::present_change(std::uint32_t service, std::uint32_t r, int delta) {
  const std::uint32_t i = present_base_[service] + r;
  if (m_.services[service].balancer == Balancer::kLeastUtilized) {
    present_area_[i] += present_[i] * (now_ - present_last_[i]);
    present_last_[i] = now_;
  }
  present_[i] = static_cast<std::uint32_t>(static_cast<int>(present_[i]) + delta);
}

// The operation's caller resumes now (at its reply step, or at its end if
// it has none); what the operation does after this is its second phase.
inline void Simulator::Impl::reply(std::uint32_t cu) {
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
inline void Simulator::Impl::call_returned(std::uint32_t cu) {
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

inline void Simulator::Impl::end_operation(std::uint32_t cu, const CompiledStep& s) {
  {  // A reference only up to reply(): its caller may call again and grow the slab.
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

inline void Simulator::Impl::end_frame(std::uint32_t cu) {
  const Customer& k = customers_[cu];
  present_change(m_.operations[steps_[k.step].op].service, k.replica, -1);
  if ((k.flags & kAsync) != 0) --open_in_system_;
  free_customer(cu);
}

}  // namespace tiersim
