// Pools: acquiring and releasing tokens (FCFS per key), lock-table keys,
// memory branches, and the deadlock check over the wait-for relation.
#pragma once

#include "sim/engine.hpp"

namespace tiersim {

inline void Simulator::Impl::touch_pool(std::uint32_t p) {
  PoolState& ps = pools_[p];
  double dt = now_ - ps.last;
  cur_.pools[p].area_held += ps.held * dt;
  cur_.pools[p].area_waiting += static_cast<double>(ps.waiting) * dt;
  ps.last = now_;
}

// A lock table's key: hot_fraction of requests hit the first hot_keys keys.
inline std::uint32_t Simulator::Impl::pick_key(const CompiledStep& s, std::uint32_t keys) {
  RandomEngine& eng = streams_[s.stream];
  double u = boost::random::uniform_01<double>()(eng);
  auto hot = static_cast<std::uint32_t>(s.key.hot_keys);
  if (s.key.hot_fraction > 0 && (u < s.key.hot_fraction || hot >= keys))
    return boost::random::uniform_int_distribution<std::uint32_t>(0, hot - 1)(eng);
  std::uint32_t cold_first = s.key.hot_fraction > 0 ? hot : 0;
  return boost::random::uniform_int_distribution<std::uint32_t>(cold_first, keys - 1)(eng);
}

inline Acquire Simulator::Impl::try_acquire(std::uint32_t cu, const CompiledStep& s) {
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

inline void Simulator::Impl::grant(std::uint32_t pool, std::uint32_t key, std::uint32_t tokens,
                                   std::uint32_t cu, double wait) {
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

inline void Simulator::Impl::release(std::uint32_t cu, const CompiledStep& s) {
  const std::uint32_t pool = s.target + (customers_[cu].replica & s.local);
  const PoolState& p = pools_[pool];
  std::uint32_t key = p.keyed ? customers_[cu].key : 0;
  if (s.tokens > p.slots[key].held)  // compile() rules this out; stay loud if it slips
    throw std::logic_error("step '" + s.id + "' releases more tokens of pool '" +
                           m_.pools[pool].name + "' than are held");
  release_tokens(pool, key, s.tokens);
}

inline void Simulator::Impl::release_tokens(std::uint32_t pool, std::uint32_t key,
                                            std::uint32_t tokens) {
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

// Memory overcommitted beyond capacity pages: the chance that an access
// misses is the share of the working set that is not resident.
inline std::uint32_t Simulator::Impl::branch(const CompiledStep& s, std::uint32_t replica) {
  const PoolState& p = pools_[s.target + (replica & s.local)];
  double over = p.held > p.capacity ? double(p.held - p.capacity) / p.held : 0.0;
  double u = boost::random::uniform_01<double>()(streams_[s.stream]);
  return edges_[s.edge_begin + (u < over ? 0 : 1)].to;
}

// A pool is stuck when its head waiter can never be granted: the missing
// tokens are held only by requests that are themselves waiting at stuck
// pools. Start from every pool whose head cannot be granted now and drop
// pools that some running request could still free, until nothing changes.
// Whatever remains is a cycle of waits: a deadlock.
// Lock tables (keyed pools) are left out: a request holds one key of a
// table at a time, so they take part in a cycle only through plain pools.
inline bool Simulator::Impl::detect_deadlock() {
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
    const std::string where = want.op == kExit ? "class '" + classes_[want.cls].name + "'"
                                               : "operation '" + m_.operations[want.op].name +
                                                     "' of class '" + classes_[head.cls].name + "'";
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

inline void Simulator::Impl::collect_hot_keys() {
  for (std::size_t p = 0; p < pools_.size(); ++p) {
    const PoolState& ps = pools_[p];
    if (!ps.keyed) continue;
    std::vector<std::uint32_t> order(ps.slots.size());
    for (std::uint32_t k = 0; k < order.size(); ++k) order[k] = k;
    std::size_t top = std::min(kHotKeysReported, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                      [&](std::uint32_t a, std::uint32_t b) {
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
void Simulator::Impl::blocked_holding(std::uint32_t cu, const CompiledStep& s) {
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
inline bool Simulator::Impl::frozen_on_pools() {
  return q_.only_bookkeeping() && any_pool_waiting() && detect_deadlock();
}

inline bool Simulator::Impl::any_pool_waiting() const noexcept {
  for (const auto& p : pools_)
    if (p.waiting > 0) return true;
  return false;
}

}  // namespace tiersim
