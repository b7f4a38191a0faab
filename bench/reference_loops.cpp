// The reference loops: Lindley recursion, hand-written M/M/1 and tandem
// event loops (binary heap + ring-buffer FIFOs), and the M/M/1 loop with the
// engine's parts added level by level.
#include "reference_loops.hpp"

#include <algorithm>
#include <boost/random/exponential_distribution.hpp>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <vector>

#include "tiersim/core/event_set.hpp"
#include "tiersim/random/stream.hpp"
#include "tiersim/stats/response_histogram.hpp"

namespace tiersim::bench {
namespace {

using Exponential = boost::random::exponential_distribution<double>;

// A pending event: when, and which station finishes (kExternal: an arrival).
struct HandEvent {
  double time;
  std::uint32_t station;
};
constexpr std::uint32_t kExternal = std::numeric_limits<std::uint32_t>::max();

// Min-heap order for std::push_heap / std::pop_heap (which build max-heaps).
struct Later {
  bool operator()(const HandEvent& x, const HandEvent& y) const noexcept { return x.time > y.time; }
};

// FIFO in a power-of-two ring that doubles when full and never shrinks: no
// allocation once the longest queue has been seen.
template <class T>
class Fifo {
 public:
  Fifo() : buf_(64), mask_(63) {}

  void push(T x) {
    if (size_ == buf_.size()) grow();
    buf_[(head_ + size_) & mask_] = x;
    ++size_;
  }
  T pop() noexcept {
    T x = buf_[head_];
    head_ = (head_ + 1) & mask_;
    --size_;
    return x;
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

 private:
  void grow() {
    std::vector<T> bigger(buf_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = buf_[(head_ + i) & mask_];
    buf_.swap(bigger);
    head_ = 0;
    mask_ = buf_.size() - 1;
  }

  std::vector<T> buf_;
  std::size_t mask_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};
using TimeFifo = Fifo<double>;  // arrival times

void check_rates(double lambda, double mu) {
  if (!(lambda > 0) || !(mu > 0))
    throw std::invalid_argument("reference loop: lambda and mu must be > 0");
}

class Heap {
 public:
  Heap() { v_.reserve(64); }
  void push(double time, std::uint32_t station) {
    v_.push_back(HandEvent{time, station});
    std::push_heap(v_.begin(), v_.end(), Later{});
  }
  HandEvent pop() {
    std::pop_heap(v_.begin(), v_.end(), Later{});
    HandEvent e = v_.back();
    v_.pop_back();
    return e;
  }
  [[nodiscard]] bool empty() const noexcept { return v_.empty(); }

 private:
  std::vector<HandEvent> v_;
};

}  // namespace

ReferenceResult lindley_mm1(double lambda, double mu, std::uint64_t customers, std::uint64_t seed) {
  check_rates(lambda, mu);
  RandomEngine arrivals = make_stream(seed, 0, 0);
  RandomEngine services = make_stream(seed, 0, 1);
  Exponential interarrival(lambda);
  Exponential service(mu);
  double wait = 0;  // W_n: time customer n waits before service
  double sum = 0;
  for (std::uint64_t n = 0; n < customers; ++n) {
    double s = service(services);
    sum += wait + s;
    wait = std::max(0.0, wait + s - interarrival(arrivals));
  }
  ReferenceResult r;
  r.completions = customers;
  r.events = 2 * customers;
  r.mean_response = customers > 0 ? sum / static_cast<double>(customers) : 0.0;
  return r;
}

ReferenceResult hand_loop_mm1(double lambda, double mu, std::uint64_t events, std::uint64_t seed) {
  check_rates(lambda, mu);
  RandomEngine arrivals = make_stream(seed, 0, 0);
  RandomEngine services = make_stream(seed, 0, 1);
  Exponential interarrival(lambda);
  Exponential service(mu);
  Heap heap;
  TimeFifo queue;  // arrival times; the front one is in service
  double sum = 0;
  ReferenceResult r;

  heap.push(interarrival(arrivals), kExternal);
  while (r.events < events && !heap.empty()) {
    const HandEvent e = heap.pop();
    ++r.events;
    const double now = e.time;
    if (e.station == kExternal) {
      queue.push(now);
      if (queue.size() == 1) heap.push(now + service(services), 0);
      heap.push(now + interarrival(arrivals), kExternal);
    } else {
      sum += now - queue.pop();
      ++r.completions;
      if (!queue.empty()) heap.push(now + service(services), 0);
    }
  }
  r.mean_response = r.completions > 0 ? sum / static_cast<double>(r.completions) : 0.0;
  return r;
}

ReferenceResult hand_loop_tandem(double lambda, double mu, int stations, std::uint64_t events,
                                 std::uint64_t seed) {
  check_rates(lambda, mu);
  if (stations < 1) throw std::invalid_argument("hand_loop_tandem: stations must be >= 1");
  const auto k = static_cast<std::size_t>(stations);
  RandomEngine arrivals = make_stream(seed, 0, 0);
  std::vector<RandomEngine> services;
  services.reserve(k);
  for (std::size_t i = 0; i < k; ++i) services.push_back(make_stream(seed, 0, i + 1));
  Exponential interarrival(lambda);
  Exponential service(mu);
  Heap heap;
  std::vector<TimeFifo> queues(k);  // system-entry times; each front is in service
  double sum = 0;
  ReferenceResult r;

  heap.push(interarrival(arrivals), kExternal);
  while (r.events < events && !heap.empty()) {
    const HandEvent e = heap.pop();
    ++r.events;
    const double now = e.time;
    if (e.station == kExternal) {
      queues[0].push(now);
      if (queues[0].size() == 1) heap.push(now + service(services[0]), 0);
      heap.push(now + interarrival(arrivals), kExternal);
      continue;
    }
    const std::size_t s = e.station;
    const double entered = queues[s].pop();
    if (!queues[s].empty()) heap.push(now + service(services[s]), static_cast<std::uint32_t>(s));
    if (s + 1 < k) {
      queues[s + 1].push(entered);
      if (queues[s + 1].size() == 1)
        heap.push(now + service(services[s + 1]), static_cast<std::uint32_t>(s + 1));
    } else {
      sum += now - entered;
      ++r.completions;
    }
  }
  r.mean_response = r.completions > 0 ? sum / static_cast<double>(r.completions) : 0.0;
  return r;
}

namespace {

// The M/M/1 hand loop with the engine's parts added one level at a time (see
// hand_loop_mm1_parts). Each part is what the engine keeps for the same
// purpose, but reached directly, as a loop written for this model would.
template <int kParts>
ReferenceResult mm1_with_parts(double lambda, double mu, std::uint64_t events, std::uint64_t seed) {
  RandomEngine arrivals = make_stream(seed, 0, 0);
  RandomEngine services = make_stream(seed, 0, 1);
  Exponential interarrival(lambda);
  Exponential service(mu);
  EventSet set(64);
  // Level 1: times of arrival; level 2 and up: customer ids, records below.
  TimeFifo times;
  Fifo<std::uint32_t> ids;
  struct Record {
    double born, mark, service;
  };
  std::vector<Record> records;
  std::vector<std::uint32_t> free_ids;
  // Level 3: the station's areas, its step's and class's counters.
  std::uint32_t present = 0, busy = 0;
  double last = 0, area_present = 0, area_busy = 0;
  double step_count = 0, step_wait = 0, step_service = 0, class_arrivals = 0;
  ResponseHistogram histogram;  // level 4
  double sum = 0;
  ReferenceResult r;

  // The engine keeps its run's end pending among the bookkeeping.
  set.push(std::numeric_limits<double>::max(), EventPriority::kLate, EventKind::kStop);
  set.push(interarrival(arrivals), EventPriority::kNormal, EventKind::kArrival);
  while (r.events < events) {
    const Event e = set.pop();
    ++r.events;
    const double now = e.time;
    if constexpr (kParts >= 3) {
      const double dt = now - last;
      area_present += present * dt;
      area_busy += busy * dt;
      last = now;
    }
    switch (e.kind) {
      case EventKind::kArrival: {
        set.push(now + interarrival(arrivals), EventPriority::kNormal, EventKind::kArrival);
        if constexpr (kParts == 1) {
          times.push(now);
          if (times.size() == 1)
            set.push(now + service(services), EventPriority::kNormal, EventKind::kServiceEnd);
        } else {
          std::uint32_t id;
          if (free_ids.empty()) {
            id = static_cast<std::uint32_t>(records.size());
            records.emplace_back();
          } else {
            id = free_ids.back();
            free_ids.pop_back();
          }
          Record& k = records[id];
          k.born = k.mark = now;
          k.service = service(services);  // drawn on arrival, as the engine does
          if constexpr (kParts >= 3) {
            class_arrivals += 1;
            ++present;
          }
          if (busy == 0) {
            busy = 1;
            set.push(now + k.service, EventPriority::kNormal, EventKind::kServiceEnd, 0, id);
          } else {
            ids.push(id);
          }
        }
        break;
      }
      case EventKind::kServiceEnd: {
        ++r.completions;
        if constexpr (kParts == 1) {
          sum += now - times.pop();
          if (!times.empty())
            set.push(now + service(services), EventPriority::kNormal, EventKind::kServiceEnd);
        } else {
          const Record k = records[e.b];
          const double response = now - k.born;
          sum += response;
          if constexpr (kParts >= 3) {
            --present;
            step_count += 1;
            step_wait += std::max(0.0, now - k.mark - k.service);
            step_service += k.service;
          }
          if constexpr (kParts >= 4) histogram.add(response);
          free_ids.push_back(e.b);
          if (ids.empty()) {
            busy = 0;
          } else {
            const std::uint32_t next = ids.pop();
            set.push(now + records[next].service, EventPriority::kNormal, EventKind::kServiceEnd, 0,
                     next);
          }
        }
        break;
      }
      default:
        break;
    }
  }
  r.mean_response = r.completions > 0 ? sum / static_cast<double>(r.completions) : 0.0;
  // Keep the statistics observable, so the compiler cannot drop them.
  r.mean_response += 0 * (area_present + area_busy + step_count + step_wait + step_service +
                          class_arrivals + static_cast<double>(histogram.count()));
  return r;
}

}  // namespace

ReferenceResult hand_loop_mm1_parts(int parts, double lambda, double mu, std::uint64_t events,
                                    std::uint64_t seed) {
  check_rates(lambda, mu);
  switch (parts) {
    case 0:
      return hand_loop_mm1(lambda, mu, events, seed);
    case 1:
      return mm1_with_parts<1>(lambda, mu, events, seed);
    case 2:
      return mm1_with_parts<2>(lambda, mu, events, seed);
    case 3:
      return mm1_with_parts<3>(lambda, mu, events, seed);
    case 4:
      return mm1_with_parts<4>(lambda, mu, events, seed);
  }
  throw std::invalid_argument("hand_loop_mm1_parts: parts must be 0..4");
}

}  // namespace tiersim::bench
