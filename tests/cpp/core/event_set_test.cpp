// The lanes of the engine's pending-event set pop in the one total order a
// single heap would: the split must never change a trajectory.
#include "tiersim/core/event_set.hpp"

#include <gtest/gtest.h>

#include <boost/random/uniform_int_distribution.hpp>
#include <vector>

#include "tiersim/core/event_queue.hpp"
#include "tiersim/random/stream.hpp"

namespace tiersim {
namespace {

constexpr EventKind kAllKinds[] = {EventKind::kArrival,   EventKind::kServiceEnd,
                                   EventKind::kPsCompletion, EventKind::kStepDone,
                                   EventKind::kResume,    EventKind::kWarmupEnd,
                                   EventKind::kBatchEnd,  EventKind::kWindowEnd,
                                   EventKind::kStop};

TEST(EventSetTest, PopsExactlyAsOneHeapWouldUnderMixedLoadWithTies) {
  EventSet lanes(4);  // tiny lanes: growth is exercised too
  EventQueue one(4);
  RandomEngine eng(17);
  boost::random::uniform_int_distribution<int> offset(0, 20), kind(0, 8), prio(0, 2), pushes(0, 3);
  double now = 0;
  std::uint32_t id = 0;
  std::size_t popped = 0;
  for (int round = 0; round < 20000; ++round) {
    for (int k = pushes(eng); k > 0; --k) {
      // Integer times: many exact ties across lanes and priorities.
      double t = now + offset(eng);
      auto p = static_cast<EventPriority>(prio(eng));
      EventKind kd = kAllKinds[kind(eng)];
      lanes.push(t, p, kd, id, id);
      one.push(t, p, kd, id, id);
      ++id;
    }
    ASSERT_EQ(lanes.size(), one.size());
    if (one.empty()) continue;
    ASSERT_EQ(lanes.top().a, one.top().a);
    Event a = lanes.pop(), b = one.pop();
    ASSERT_EQ(a.a, b.a) << "pop " << popped;
    ASSERT_EQ(a.time, b.time);
    ASSERT_EQ(a.kind, b.kind);
    now = a.time;
    ++popped;
  }
  while (!one.empty()) ASSERT_EQ(lanes.pop().a, one.pop().a);
  EXPECT_TRUE(lanes.empty());
  EXPECT_GT(popped, 10000u);
}

TEST(EventSetTest, NegativeZeroSortsAsZero) {
  EventSet q;
  q.push(0.0, EventPriority::kNormal, EventKind::kArrival, 1);
  q.push(-0.0, EventPriority::kUrgent, EventKind::kServiceEnd, 2);
  EXPECT_EQ(q.pop().a, 2u);
  EXPECT_EQ(q.pop().a, 1u);
}

}  // namespace
}  // namespace tiersim
