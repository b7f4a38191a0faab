// Events that can be moved: at most one pending per id, kept in a tournament
// (winner) tree so that rescheduling one replays only its path to the root.
#pragma once

#include <cstdint>
#include <vector>

#include "tiersim/core/event_queue.hpp"

namespace tiersim {

/// One optional pending event per id (0 .. ids-1). A processor-sharing
/// station's next completion moves every time a job arrives or leaves; as a
/// plain event each move left a stale copy in the heap to be popped and
/// skipped later (about one in five PS events on the 3-tier model).
///
/// The ids are fixed (one per station), so a winner tree fits better than a
/// heap: every internal node names the earlier of its two children, a move
/// replays the log2(ids) matches above the id's leaf, and the root is the
/// earliest timer. No positions to track and no sift in either direction: on
/// the 3-tier model ~5% less wall time than the indexed heap it replaced.
class TimerTree {
 public:
  explicit TimerTree(std::size_t ids = 0) { resize(ids); }

  /// Makes room for ids 0 .. ids-1, none pending.
  void resize(std::size_t ids) {
    leaves_ = 1;
    while (leaves_ < ids) leaves_ *= 2;
    events_.assign(leaves_, Event{});
    keys_.assign(leaves_, kAbsent);
    // Nodes 1 .. leaves-1 are matches, leaves .. 2 leaves-1 the ids.
    win_.assign(2 * leaves_, 0);
    for (std::size_t i = 0; i < leaves_; ++i) win_[leaves_ + i] = static_cast<std::uint32_t>(i);
    for (std::size_t i = leaves_ - 1; i >= 1; --i) win_[i] = win_[2 * i];
  }

  /// Schedules `e` as id `e.a`'s event, replacing any pending one.
  void set(const Event& e) {
    const std::uint32_t id = e.a;
    events_[id] = e;
    keys_[id] = e.key();
    replay(id);
  }

  /// Drops id's pending event, if any.
  void cancel(std::uint32_t id) {
    if (keys_[id] == kAbsent) return;
    keys_[id] = kAbsent;
    replay(id);
  }

  /// Removes and returns the earliest event; must not be empty.
  Event pop() {
    const std::uint32_t id = win_[1];
    const Event e = events_[id];
    cancel(id);
    return e;
  }

  [[nodiscard]] const Event& top() const noexcept { return events_[win_[1]]; }
  /// No id is pending: the root's winner is absent.
  [[nodiscard]] bool empty() const noexcept { return keys_[win_[1]] == kAbsent; }
  [[nodiscard]] bool pending(std::uint32_t id) const noexcept { return keys_[id] != kAbsent; }

 private:
  // Above every real key (the bits of a time that is not NaN are below all
  // ones), so an absent id loses every match.
  static constexpr EventKey kAbsent = ~EventKey{0};

  void replay(std::uint32_t id) noexcept {
    for (std::size_t i = (leaves_ + id) >> 1; i >= 1; i >>= 1) {
      const std::uint32_t l = win_[2 * i], r = win_[2 * i + 1];
      win_[i] = keys_[r] < keys_[l] ? r : l;
    }
  }

  std::size_t leaves_ = 1;          // ids rounded up to a power of two
  std::vector<Event> events_;       // per id: its event (meaningful while pending)
  std::vector<EventKey> keys_;      // per id: its event's key, or kAbsent
  std::vector<std::uint32_t> win_;  // per node: the id that wins below it
};

}  // namespace tiersim
