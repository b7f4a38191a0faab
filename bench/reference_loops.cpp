// The reference loops: Lindley recursion and hand-written M/M/1 and tandem
// event loops (binary heap + ring-buffer FIFOs).
#include "reference_loops.hpp"

#include <algorithm>
#include <boost/random/exponential_distribution.hpp>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <vector>

#include "tiersim/random/stream.hpp"

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

// FIFO of arrival times in a power-of-two ring that doubles when full and never
// shrinks: no allocation once the longest queue has been seen.
class TimeFifo {
 public:
  TimeFifo() : buf_(64), mask_(63) {}

  void push(double t) {
    if (size_ == buf_.size()) grow();
    buf_[(head_ + size_) & mask_] = t;
    ++size_;
  }
  double pop() noexcept {
    double t = buf_[head_];
    head_ = (head_ + 1) & mask_;
    --size_;
    return t;
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

 private:
  void grow() {
    std::vector<double> bigger(buf_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = buf_[(head_ + i) & mask_];
    buf_.swap(bigger);
    head_ = 0;
    mask_ = buf_.size() - 1;
  }

  std::vector<double> buf_;
  std::size_t mask_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

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

}  // namespace tiersim::bench
