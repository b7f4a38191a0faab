// The engine's pending-event set: one 4-ary heap per family of events,
// popped in the single total order (time, priority, insertion sequence).
#pragma once

#include <array>
#include <cstdint>

#include "tiersim/core/event_queue.hpp"
#include "tiersim/core/timer_tree.hpp"

namespace tiersim {

/// Pending events split into lanes by what they are: service completions,
/// sources (arrivals, think times, delays) and bookkeeping (warm-up, batch and
/// window ends, the stop). Every event gets its sequence number here, so the
/// earliest lane head is exactly the event one heap holding everything would
/// pop: the trajectory is the same, but each heap is small. In a closed model
/// the thinking users are most of the pending events; kept apart, they no
/// longer lengthen the sift of every service completion (3-tier model: ~45
/// pending events, ~7 of them services).
///
/// The service lane also holds timers: movable events, at most one per id (a
/// processor-sharing station's next completion, which moves whenever a job
/// arrives or leaves). As plain events each move left a stale copy behind
/// (one PS event in five on the 3-tier model); a timer moves in place.
class EventSet {
 public:
  explicit EventSet(std::size_t reserve_per_lane = 1024)
      : lanes_{EventQueue(reserve_per_lane), EventQueue(reserve_per_lane),
               EventQueue(reserve_per_lane)} {}

  /// Schedules an event; `time` must be >= 0 (not NaN). Always inlined: the
  /// kind is a constant at every call site, so the lane is chosen at compile
  /// time, and a call frame cost as much as the push into a short lane.
  [[gnu::always_inline]] void push(double time, EventPriority priority, EventKind kind,
                                   std::uint32_t a = 0, std::uint32_t b = 0) {
    const std::size_t l = lane_of(kind);
    const Event e = Event::make(time, priority, seq_++, kind, a, b);
    lanes_[l].push(e);
    // The new event heads its lane exactly when it is earlier than the old head.
    if (const EventKey k = e.key(); k < head_[l]) head_[l] = k;
    ++n_;
  }

  /// Makes room for timers 0 .. ids-1 (before any is set).
  void reserve_timers(std::size_t ids) { timers_.resize(ids); }

  /// Schedules timer `id` (its event has a = id), replacing its pending event
  /// if any. Numbered like a push, so the order is the one a fresh push of the
  /// event would have had.
  void set_timer(std::uint32_t id, double time, EventPriority priority, EventKind kind) {
    if (!timers_.pending(id)) ++n_;
    timers_.set(Event::make(time, priority, seq_++, kind, id, 0));
    timers_changed();  // a moved timer can also become later
  }

  /// Timer `id` has an event pending.
  [[nodiscard]] bool timer_pending(std::uint32_t id) const noexcept { return timers_.pending(id); }

  /// Drops timer `id`'s pending event, if any.
  void cancel_timer(std::uint32_t id) {
    if (!timers_.pending(id)) return;
    timers_.cancel(id);
    --n_;
    timers_changed();
  }

  /// Removes and returns the earliest event; the set must not be empty.
  Event pop() {
    const std::size_t l = earliest();
    --n_;
    if (l == 0) {
      if (timer_head_ < lane_head(0)) {
        const Event e = timers_.pop();
        timers_changed();
        return e;
      }
      const Event e = lanes_[0].pop();
      refresh_service_head();
      return e;
    }
    const Event e = lanes_[l].pop();
    head_[l] = lane_head(l);
    return e;
  }

  [[nodiscard]] const Event& top() const noexcept {
    const std::size_t l = earliest();
    if (l == 0 && timer_head_ < lane_head(0)) return timers_.top();
    return lanes_[l].top();
  }
  [[nodiscard]] bool empty() const noexcept { return n_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  /// Nothing is pending but bookkeeping (warm-up, batch or window ends, the
  /// stop), if anything. Two loads and a compare: the engine asks after every
  /// event whether the model has frozen.
  [[nodiscard]] bool only_bookkeeping() const noexcept { return n_ == lanes_[2].size(); }

 private:
  static constexpr std::size_t kLanes = 3;
  // Above every real key: the bits of +inf or NaN times are below all ones.
  static constexpr EventKey kNoEvent = ~EventKey{0};

  static constexpr std::size_t lane_of(EventKind kind) noexcept {
    switch (kind) {
      case EventKind::kServiceEnd:
      case EventKind::kPsCompletion:
      case EventKind::kPsJobEnd:
      case EventKind::kResume:
        return 0;
      case EventKind::kArrival:
      case EventKind::kStepDone:
        return 1;
      case EventKind::kWarmupEnd:
      case EventKind::kBatchEnd:
      case EventKind::kWindowEnd:
      case EventKind::kStop:
        return 2;
    }
    return 2;
  }

  [[nodiscard]] EventKey lane_head(std::size_t l) const noexcept {
    return lanes_[l].empty() ? kNoEvent : lanes_[l].top().key();
  }
  void timers_changed() noexcept {
    timer_head_ = timers_.empty() ? kNoEvent : timers_.top().key();
    refresh_service_head();
  }
  // The service lane's head is the earlier of its heap's and the timers'.
  void refresh_service_head() noexcept {
    const EventKey h = lane_head(0);
    head_[0] = timer_head_ < h ? timer_head_ : h;
  }

  [[nodiscard]] std::size_t earliest() const noexcept {
    std::size_t l = head_[1] < head_[0] ? 1 : 0;
    return head_[2] < head_[l] ? 2 : l;
  }

  std::array<EventQueue, kLanes> lanes_;
  std::array<EventKey, kLanes> head_{kNoEvent, kNoEvent, kNoEvent};
  TimerTree timers_;
  EventKey timer_head_ = kNoEvent;
  std::uint64_t seq_ = 0;
  std::size_t n_ = 0;
};

}  // namespace tiersim
