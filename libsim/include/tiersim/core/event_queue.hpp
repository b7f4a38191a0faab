// Pending-event set: an implicit 4-ary min-heap of plain events with a total,
// deterministic order (time, then priority, then insertion sequence).
#pragma once

#include <bit>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace tiersim {

// GCC and Clang's 128-bit integer; __extension__ keeps -Wpedantic quiet.
__extension__ using EventKey = unsigned __int128;

/// What an event does when it fires; dispatched by a switch, never by name.
enum class EventKind : std::uint8_t {
  kArrival,       ///< an open class generates its next request (a = class)
  kServiceEnd,    ///< a FCFS / priority / delay server finishes (a = station, b = customer)
  kPsCompletion,  ///< a PS station's earliest job finishes (a = station, b = generation)
  kStepDone,      ///< a pure delay or think time ends (b = customer)
  kResume,        ///< a customer granted a pool token continues (b = customer)
  kWarmupEnd,     ///< statistics are reset
  kBatchEnd,      ///< statistics are snapshotted (batch means)
  kWindowEnd,     ///< statistics are snapshotted (time series)
  kStop,          ///< the run ends
};

/// Priorities for events scheduled at the same instant; lower runs first.
enum class EventPriority : std::uint8_t { kUrgent = 0, kNormal = 1, kLate = 2 };

struct Event {
  double time;
  std::uint64_t order;  ///< priority in the top 8 bits, insertion sequence below
  EventKind kind;
  std::uint32_t a;
  std::uint32_t b;

  [[nodiscard]] EventPriority priority() const noexcept {
    return static_cast<EventPriority>(order >> 56);
  }
  /// Total order on (time, order). Times are never negative, and for
  /// non-negative doubles the bit patterns order like the values, so one
  /// 128-bit integer comparison replaces a branchy two-field compare.
  [[nodiscard]] bool before(const Event& o) const noexcept {
    return key() < o.key();
  }
  [[nodiscard]] EventKey key() const noexcept {
    return (static_cast<EventKey>(std::bit_cast<std::uint64_t>(time)) << 64) | order;
  }
};

/// Min-heap of events. The storage grows by doubling and is never shrunk, so a
/// run in steady state allocates nothing per event.
class EventQueue {
 public:
  explicit EventQueue(std::size_t reserve = 1024) { heap_.reserve(reserve); }

  /// Schedules an event; `time` must be >= 0 (not NaN, not -0.0).
  void push(double time, EventPriority priority, EventKind kind, std::uint32_t a = 0,
            std::uint32_t b = 0) {
    if (seq_ >= kSeqLimit) throw std::overflow_error("EventQueue: insertion sequence exhausted");
    time += 0.0;  // -0.0 becomes +0.0, whose bits sort first
    Event e{time, (static_cast<std::uint64_t>(priority) << 56) | seq_++, kind, a, b};
    heap_.push_back(e);
    sift_up(heap_.size() - 1);
  }

  /// Removes and returns the earliest event; the queue must not be empty.
  Event pop() noexcept {
    Event top = heap_.front();
    Event last = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(last);
    return top;
  }

  [[nodiscard]] const Event& top() const noexcept { return heap_.front(); }
  [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
  void clear() noexcept {
    heap_.clear();
    seq_ = 0;
  }

 private:
  static constexpr std::uint64_t kSeqLimit = std::uint64_t{1} << 56;
  static constexpr std::size_t kArity = 4;

  void sift_up(std::size_t i) noexcept {
    Event e = heap_[i];
    while (i > 0) {
      std::size_t parent = (i - 1) / kArity;
      if (!e.before(heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  // Places `e` (the former last element) starting from the root.
  void sift_down(const Event& e) noexcept {
    const std::size_t n = heap_.size();
    std::size_t i = 0;
    for (;;) {
      std::size_t first = i * kArity + 1;
      if (first >= n) break;
      std::size_t best = first;
      std::size_t end = first + kArity < n ? first + kArity : n;
      for (std::size_t c = first + 1; c < end; ++c)
        if (heap_[c].before(heap_[best])) best = c;
      if (!heap_[best].before(e)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = e;
  }

  std::vector<Event> heap_;
  std::uint64_t seq_ = 0;
};

}  // namespace tiersim
