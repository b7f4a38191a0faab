// The pending-event set's total order: time, then priority, then insertion.
#include "tiersim/core/event_queue.hpp"

#include <gtest/gtest.h>

#include <boost/random/uniform_real_distribution.hpp>
#include <vector>

#include "tiersim/random/stream.hpp"

namespace tiersim {
namespace {

TEST(EventQueueTest, PopsEqualTimesInPriorityThenScheduleOrder) {
  EventQueue q;
  q.push(2.0, EventPriority::kNormal, EventKind::kArrival, 1);
  q.push(1.0, EventPriority::kLate, EventKind::kStop, 2);
  q.push(1.0, EventPriority::kNormal, EventKind::kArrival, 3);
  q.push(1.0, EventPriority::kUrgent, EventKind::kResume, 4);
  q.push(1.0, EventPriority::kNormal, EventKind::kServiceEnd, 5);
  q.push(0.5, EventPriority::kLate, EventKind::kStepDone, 6);
  q.push(1.0, EventPriority::kUrgent, EventKind::kResume, 7);
  std::vector<std::uint32_t> trace;
  while (!q.empty()) trace.push_back(q.pop().a);
  EXPECT_EQ(trace, (std::vector<std::uint32_t>{6, 4, 7, 3, 5, 2, 1}));
}

TEST(EventQueueTest, MatchesASortedReferenceUnderRandomLoad) {
  EventQueue q;
  RandomEngine eng(5);
  boost::random::uniform_real_distribution<double> coarse(0, 50);
  std::vector<Event> pushed;
  double now = 0;
  std::vector<std::uint32_t> popped;
  std::uint32_t id = 0;
  // Interleave pushes and pops, with many exact ties (times rounded to integers).
  for (int round = 0; round < 2000; ++round) {
    for (int k = 0; k < 3; ++k) {
      double t = now + static_cast<double>(static_cast<int>(coarse(eng)));
      auto pr = static_cast<EventPriority>(id % 3);
      q.push(t, pr, EventKind::kArrival, id++);
    }
    Event e = q.pop();
    EXPECT_GE(e.time, now);
    now = e.time;
    popped.push_back(e.a);
  }
  // Drain: the remaining events must come out in (time, priority, id) order.
  Event prev = q.pop();
  while (!q.empty()) {
    Event e = q.pop();
    ASSERT_TRUE(prev.before(e));
    prev = e;
  }
}

TEST(EventQueueTest, DoesNotGrowStorageInSteadyState) {
  EventQueue q(16);
  for (int i = 0; i < 16; ++i) q.push(i, EventPriority::kNormal, EventKind::kArrival);
  std::size_t size_before = q.size();
  for (int i = 0; i < 100000; ++i) {
    Event e = q.pop();
    q.push(e.time + 16, EventPriority::kNormal, EventKind::kArrival);
  }
  EXPECT_EQ(q.size(), size_before);
}

}  // namespace
}  // namespace tiersim
