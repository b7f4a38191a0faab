// Pending-event set: an implicit 4-ary min-heap of plain events with a total,
// deterministic order (time, then priority, then insertion sequence).
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

namespace tiersim {

// GCC and Clang's 128-bit integer; __extension__ keeps -Wpedantic quiet.
__extension__ using EventKey = unsigned __int128;

/// What an event does when it fires; dispatched by a switch, never by name.
enum class EventKind : std::uint8_t {
  kArrival,       ///< an open class generates its next request (a = class)
  kServiceEnd,    ///< a FCFS / priority / delay server finishes (a = station, b = customer)
  kPsCompletion,  ///< a PS station's earliest job finishes (a = station; a timer)
  kPsJobEnd,      ///< a PS job running alone on a core finishes (a = generation, b = customer)
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

  /// The event at `time` (>= 0, not NaN) numbered `seq` among its priority.
  /// -0.0 becomes +0.0, whose bits sort first.
  [[gnu::always_inline]] static Event make(double time, EventPriority priority, std::uint64_t seq,
                                           EventKind kind, std::uint32_t a,
                                           std::uint32_t b) noexcept {
    return Event{time + 0.0, (static_cast<std::uint64_t>(priority) << 56) | seq, kind, a, b};
  }

  [[nodiscard]] EventPriority priority() const noexcept {
    return static_cast<EventPriority>(order >> 56);
  }
  /// Total order on (time, order). Times are never negative, and for
  /// non-negative doubles the bit patterns order like the values, so one
  /// 128-bit integer comparison replaces a branchy two-field compare.
  [[nodiscard]] bool before(const Event& o) const noexcept { return key() < o.key(); }
  [[nodiscard]] EventKey key() const noexcept {
    return (static_cast<EventKey>(std::bit_cast<std::uint64_t>(time)) << 64) | order;
  }
};

/// Min-heap of events. The storage grows by doubling and is never shrunk, so a
/// run in steady state allocates nothing per event.
class EventQueue {
 public:
  explicit EventQueue(std::size_t reserve = 1024) : heap_(reserve > 0 ? reserve : 1) {}

  /// Schedules an event; `time` must be >= 0 (not NaN). The 56-bit insertion
  /// sequence lasts 2^56 events: over twenty years at a hundred million a
  /// second, so it is not checked on this, the engine's busiest path.
  void push(double time, EventPriority priority, EventKind kind, std::uint32_t a = 0,
            std::uint32_t b = 0) {
    push(Event::make(time, priority, seq_++, kind, a, b));
  }

  /// Inserts an event whose order (priority and sequence) the caller numbered:
  /// several queues can then share one total order (see EventSet).
  [[gnu::always_inline]] void push(const Event& e) {
    if (n_ == heap_.size()) grow();
    const EventKey k = e.key();
    std::size_t i = n_++;
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (!(k < heap_[parent].key())) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  /// Removes and returns the earliest event; the queue must not be empty.
  Event pop() noexcept {
    const Event top = heap_[0];
    if (--n_ > 0) sift_down(heap_[n_]);
    return top;
  }

  [[nodiscard]] const Event& top() const noexcept { return heap_[0]; }
  [[nodiscard]] bool empty() const noexcept { return n_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  void clear() noexcept {
    n_ = 0;
    seq_ = 0;
  }

 private:
  static constexpr std::size_t kArity = 4;
  // 2^16 events of 32 bytes fill a 2 MiB L2: beyond that, sift with branches.
  static constexpr std::size_t kBranchFreeLimit = std::size_t{1} << 16;

  [[gnu::cold, gnu::noinline]] void grow() { heap_.resize(heap_.size() * 2); }

  // Places `e` (the former last element) starting from the root. A full set
  // of four children is reduced as a tournament of two pairs, each pick a
  // conditional move rather than a branch: the comparisons are coin flips,
  // and mispredicting them was most of the cost of a pop (bench: ~15-20%
  // less per hold step at 100-10^4 pending events). Past the caches the
  // trade turns: a predicted branch lets the CPU fetch the next level while
  // the compare still waits for memory, where a conditional move must wait
  // (hold model at 10^6 pending: ~350 ns branchy, ~510 branch-free).
  void sift_down(const Event e) noexcept {
    const std::size_t n = n_;
    if (n > kBranchFreeLimit) {
      sift_down_branchy(e);
      return;
    }
    const EventKey ek = e.key();
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = i * kArity + 1;
      std::size_t best;
      EventKey bk;
      if (first + kArity <= n) {
        best = first;
        bk = heap_[first].key();
        if (EventKey k = heap_[first + 1].key(); k < bk) {
          best = first + 1;
          bk = k;
        }
        std::size_t b = first + 2;
        EventKey kb = heap_[first + 2].key();
        if (EventKey k = heap_[first + 3].key(); k < kb) {
          b = first + 3;
          kb = k;
        }
        if (kb < bk) {
          best = b;
          bk = kb;
        }
      } else {
        if (first >= n) break;
        best = first;
        bk = heap_[first].key();
        for (std::size_t c = first + 1; c < n; ++c) {
          EventKey kc = heap_[c].key();
          if (kc < bk) {
            best = c;
            bk = kc;
          }
        }
      }
      if (!(bk < ek)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = e;
  }

  [[gnu::noinline]] void sift_down_branchy(const Event e) noexcept {
    const std::size_t n = n_;
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = i * kArity + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = first + kArity < n ? first + kArity : n;
      for (std::size_t c = first + 1; c < end; ++c)
        if (heap_[c].before(heap_[best])) best = c;
      if (!heap_[best].before(e)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = e;
  }

  std::vector<Event> heap_;  // [0, n_) is the heap; the rest is spare room
  std::size_t n_ = 0;
  std::uint64_t seq_ = 0;
};

}  // namespace tiersim
