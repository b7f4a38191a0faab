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

constexpr EventKind kAllKinds[] = {
    EventKind::kArrival,  EventKind::kServiceEnd, EventKind::kPsCompletion,
    EventKind::kStepDone, EventKind::kResume,     EventKind::kWarmupEnd,
    EventKind::kBatchEnd, EventKind::kWindowEnd,  EventKind::kStop};

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

// Timers against the way they replace: a plain heap where a moved timer is a
// fresh event and the old copy is skipped as stale when it comes out.
TEST(EventSetTest, TimersPopLikeFreshEventsWithStaleCopiesSkipped) {
  constexpr std::uint32_t kTimers = 7;
  EventSet lanes(4);
  lanes.reserve_timers(kTimers);
  EventQueue one(4);
  std::vector<std::uint64_t> live(kTimers, 0);  // per timer: the id of its live event, 0 = none
  std::vector<std::uint64_t> event_of;          // reference event id -> timer generation
  RandomEngine eng(23);
  boost::random::uniform_int_distribution<int> offset(0, 12), action(0, 9), timer(0, kTimers - 1);
  double now = 0;
  std::uint32_t id = 1;
  std::size_t timer_pops = 0;
  for (int round = 0; round < 30000; ++round) {
    const int act = action(eng);
    const double t = now + offset(eng);
    if (act < 3) {  // a plain event
      lanes.push(t, EventPriority::kNormal, EventKind::kArrival, id, id);
      one.push(t, EventPriority::kNormal, EventKind::kArrival, id, id);
      ++id;
    } else if (act < 5) {  // move (or start) a timer
      const std::uint32_t k = timer(eng);
      lanes.set_timer(k, t, EventPriority::kNormal, EventKind::kPsCompletion);
      one.push(t, EventPriority::kNormal, EventKind::kPsCompletion, k, id);
      live[k] = id++;
    } else if (act == 5 && round % 4 == 0) {  // now and then, cancel a timer
      const std::uint32_t k = timer(eng);
      lanes.cancel_timer(k);
      live[k] = 0;
    } else if (act >= 6) {  // pop, skipping the reference's stale timer copies
      while (!one.empty() && one.top().kind == EventKind::kPsCompletion &&
             live[one.top().a] != one.top().b)
        one.pop();
      if (one.empty()) {
        ASSERT_TRUE(lanes.empty());
        continue;
      }
      Event ref = one.pop();
      Event got = lanes.pop();
      ASSERT_EQ(got.kind, ref.kind) << "round " << round;
      ASSERT_EQ(got.a, ref.a) << "round " << round;
      ASSERT_EQ(got.time, ref.time);
      if (ref.kind == EventKind::kPsCompletion) {
        live[ref.a] = 0;
        ++timer_pops;
      }
      now = ref.time;
    }
  }
  EXPECT_GT(timer_pops, 1000u) << "the mix should fire many timers";
}

TEST(EventSetTest, NegativeZeroSortsAsZero) {
  EventSet q;
  q.push(0.0, EventPriority::kNormal, EventKind::kArrival, 1);
  q.push(-0.0, EventPriority::kUrgent, EventKind::kServiceEnd, 2);
  EXPECT_EQ(q.pop().a, 2u);
  EXPECT_EQ(q.pop().a, 1u);
}

// The engine's freeze check: true exactly while every pending event (timers
// included) is bookkeeping, whatever comes first.
TEST(EventSetTest, OnlyBookkeepingWhileNothingElseIsPending) {
  EventSet q(4);
  q.reserve_timers(2);
  EXPECT_TRUE(q.only_bookkeeping()) << "an empty set holds nothing else";
  q.push(1.0, EventPriority::kLate, EventKind::kStop);
  q.push(0.5, EventPriority::kLate, EventKind::kWindowEnd);
  EXPECT_TRUE(q.only_bookkeeping());
  q.push(5.0, EventPriority::kNormal, EventKind::kStepDone, 0, 7);  // after every bookkeeping event
  EXPECT_FALSE(q.only_bookkeeping());
  q.set_timer(1, 2.0, EventPriority::kNormal, EventKind::kPsCompletion);
  EXPECT_FALSE(q.only_bookkeeping());
  EXPECT_EQ(q.pop().kind, EventKind::kWindowEnd);
  EXPECT_EQ(q.pop().kind, EventKind::kStop);
  EXPECT_FALSE(q.only_bookkeeping()) << "a timer and a think time are still pending";
  EXPECT_EQ(q.pop().kind, EventKind::kPsCompletion);
  EXPECT_FALSE(q.only_bookkeeping());
  q.push(9.0, EventPriority::kLate, EventKind::kBatchEnd);
  q.set_timer(0, 3.0, EventPriority::kNormal, EventKind::kPsCompletion);
  q.cancel_timer(0);
  EXPECT_EQ(q.pop().kind, EventKind::kStepDone);
  EXPECT_TRUE(q.only_bookkeeping());
  q.pop();
  EXPECT_TRUE(q.only_bookkeeping());
}

}  // namespace
}  // namespace tiersim
