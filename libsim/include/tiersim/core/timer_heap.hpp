// Events that can be moved: at most one pending per id, kept in an indexed
// 4-ary heap so that rescheduling one updates it in place.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "tiersim/core/event_queue.hpp"

namespace tiersim {

/// One optional pending event per id (0 .. ids-1). A processor-sharing
/// station's next completion moves every time a job arrives or leaves; as a
/// plain event each move left a stale copy in the heap to be popped and
/// skipped later (about one in five PS events on the 3-tier model).
class TimerHeap {
 public:
  explicit TimerHeap(std::size_t ids = 0) { resize(ids); }

  void resize(std::size_t ids) {
    events_.assign(ids, Event{});
    pos_.assign(ids, kAbsent);
    heap_.reserve(ids);
    heap_.clear();
  }

  /// Schedules `e` as id `e.a`'s event, replacing any pending one.
  void set(const Event& e) {
    const std::uint32_t id = e.a;
    const EventKey old = events_[id].key();
    events_[id] = e;
    std::size_t i = pos_[id];
    if (i == kAbsent) {
      i = heap_.size();
      heap_.push_back(id);
      sift_up(i);
    } else if (e.key() < old) {
      sift_up(i);
    } else {
      sift_down(i);
    }
  }

  /// Drops id's pending event, if any.
  void cancel(std::uint32_t id) {
    const std::size_t i = pos_[id];
    if (i == kAbsent) return;
    pos_[id] = kAbsent;
    const std::uint32_t last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;
    place(i, last);
    // The moved entry may belong above or below the hole.
    sift_up(i);
    sift_down(pos_[last]);
  }

  /// Removes and returns the earliest event; must not be empty.
  Event pop() {
    const std::uint32_t id = heap_[0];
    cancel(id);
    return events_[id];
  }

  [[nodiscard]] const Event& top() const noexcept { return events_[heap_[0]]; }
  [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
  [[nodiscard]] bool pending(std::uint32_t id) const noexcept { return pos_[id] != kAbsent; }

 private:
  static constexpr std::size_t kArity = 4;
  static constexpr std::size_t kAbsent = std::numeric_limits<std::size_t>::max();

  [[nodiscard]] EventKey key_at(std::size_t i) const noexcept { return events_[heap_[i]].key(); }
  void place(std::size_t i, std::uint32_t id) noexcept {
    heap_[i] = id;
    pos_[id] = i;
  }
  void sift_up(std::size_t i) noexcept {
    const std::uint32_t id = heap_[i];
    const EventKey k = events_[id].key();
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (!(k < key_at(parent))) break;
      place(i, heap_[parent]);
      i = parent;
    }
    place(i, id);
  }
  void sift_down(std::size_t i) noexcept {
    const std::size_t n = heap_.size();
    const std::uint32_t id = heap_[i];
    const EventKey k = events_[id].key();
    for (;;) {
      const std::size_t first = i * kArity + 1;
      if (first >= n) break;
      std::size_t best = first;
      EventKey bk = key_at(first);
      const std::size_t end = first + kArity < n ? first + kArity : n;
      for (std::size_t c = first + 1; c < end; ++c) {
        const EventKey kc = key_at(c);
        if (kc < bk) {
          best = c;
          bk = kc;
        }
      }
      if (!(bk < k)) break;
      place(i, heap_[best]);
      i = best;
    }
    place(i, id);
  }

  std::vector<Event> events_;        // per id: its event (meaningful while pending)
  std::vector<std::size_t> pos_;     // per id: index in heap_, or kAbsent
  std::vector<std::uint32_t> heap_;  // ids, a min-heap on their events' keys
};

}  // namespace tiersim
