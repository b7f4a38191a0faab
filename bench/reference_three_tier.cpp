// The 3-tier model of examples/models/three_tier.yaml as a hand-written event
// loop: the limit for the engine's benchmark of that model.
#include <algorithm>
#include <array>
#include <boost/random/exponential_distribution.hpp>
#include <cstdint>
#include <vector>

#include "reference_loops.hpp"
#include "tiersim/random/stream.hpp"

namespace tiersim::bench {
namespace {

using Exponential = boost::random::exponential_distribution<double>;

// The model, fixed: what a hand-written simulation of one system would do.
constexpr std::uint32_t kUsers = 100;
constexpr double kThink = 1.0;
constexpr int kDbCalls = 2;

// Where a user is in its cycle; each blocks until an event moves it on.
enum Stage : std::uint8_t {
  kWantWeb,   // waiting for a web thread
  kWebCpu,    // on the web CPU
  kWantApp,   // waiting for an app thread
  kAppCpu,    // on the app CPU
  kWantDb,    // waiting for a db thread
  kDbCpu,     // on the db CPU
  kDisk,      // at the disk
  kThinking,  // between cycles
};

struct User {
  double born = 0;
  Stage stage = kThinking;
  int calls_left = 0;
};

// Pending event: a think end or disk completion for `user`, or a PS station's
// earliest completion (valid only while `user` equals the station's generation:
// a hand loop leaves the superseded ones in the heap and skips them).
enum What : std::uint32_t { kThinkEnd, kDiskDone, kPsDone0 };
struct TierEvent {
  double time;
  std::uint32_t what;
  std::uint32_t user;
};
struct Later {
  bool operator()(const TierEvent& x, const TierEvent& y) const noexcept { return x.time > y.time; }
};

// A FIFO of user ids in a power-of-two ring (never more than kUsers).
class UserFifo {
 public:
  void push(std::uint32_t u) noexcept {
    buf_[(head_ + size_) & kMask] = u;
    ++size_;
  }
  std::uint32_t pop() noexcept {
    std::uint32_t u = buf_[head_];
    head_ = (head_ + 1) & kMask;
    --size_;
    return u;
  }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

 private:
  static constexpr std::uint32_t kMask = 127;
  static_assert(kMask + 1 >= kUsers);
  std::array<std::uint32_t, kMask + 1> buf_{};
  std::uint32_t head_ = 0, size_ = 0;
};

struct Pool {
  explicit Pool(std::uint32_t c) : capacity(c) {}
  std::uint32_t capacity;
  std::uint32_t held = 0;
  UserFifo waiting;
};

// Processor sharing on `cores` cores in virtual time: every job advances at
// min(1, cores/n) per second; jobs in a min-heap on virtual finish.
struct PsJob {
  double finish;
  std::uint32_t user;
  bool operator>(const PsJob& o) const noexcept { return finish > o.finish; }
};
struct PsStation {
  explicit PsStation(double c) : cores(c) {}
  double cores;
  double vtime = 0, vlast = 0;
  std::uint32_t generation = 0;  // numbers the pending completion event
  bool pending = false;
  std::uint32_t pending_user = 0;
  double pending_rate = 0;
  std::vector<PsJob> jobs;
  [[nodiscard]] double rate() const noexcept {
    const auto n = static_cast<double>(jobs.size());
    return n <= cores ? 1.0 : cores / n;
  }
  void advance(double now) noexcept {
    if (!jobs.empty()) vtime += (now - vlast) * rate();
    vlast = now;
  }
};

// kThinkersApart: the thinking users in a heap of their own (as the engine
// keeps them), or every pending event in one heap.
template <bool kThinkersApart>
class ThreeTier {
 public:
  explicit ThreeTier(std::uint64_t seed)
      : think_s_(make_stream(seed, 0, 0)),
        web_s_(make_stream(seed, 0, 1)),
        app_s_(make_stream(seed, 0, 2)),
        db_s_{make_stream(seed, 0, 3), make_stream(seed, 0, 5)},
        disk_s_{make_stream(seed, 0, 4), make_stream(seed, 0, 6)} {
    heap_.reserve(256);
    for (auto& st : ps_) st.jobs.reserve(kUsers);
  }

  ReferenceResult run(double until) {
    double sum = 0;
    ReferenceResult r;
    for (std::uint32_t u = 0; u < kUsers; ++u) push(think_(think_s_), kThinkEnd, u);
    while (!heap_.empty() || !ready_.empty() || !think_heap_.empty()) {
      std::uint32_t u;
      if (!ready_.empty()) {  // granted a thread: goes on now, before anything else
        u = ready_.pop();
        ++r.events;
        step(u);
        continue;
      }
      auto& h =
          think_heap_.empty() || (!heap_.empty() && heap_.front().time < think_heap_.front().time)
              ? heap_
              : think_heap_;
      std::pop_heap(h.begin(), h.end(), Later{});
      const TierEvent e = h.back();
      h.pop_back();
      if (e.time > until) break;
      now_ = e.time;
      ++r.events;
      if (e.what == kThinkEnd) {
        u = e.user;
        users_[u].born = now_;
        users_[u].stage = kWantWeb;
        step(u);
      } else if (e.what == kDiskDone) {
        u = e.user;
        disk_busy_ = false;
        if (!disk_queue_.empty()) start_disk(disk_queue_.pop());
        // Back from the disk: the db thread is released, then the next call.
        release(db_);
        if (--users_[u].calls_left > 0) {
          users_[u].stage = kWantDb;
          step(u);
        } else {
          release(app_);
          release(web_);
          sum += now_ - users_[u].born;
          ++r.completions;
          users_[u].stage = kThinking;
          push(now_ + think_(think_s_), kThinkEnd, u);
        }
      } else {
        const std::uint32_t s = e.what - kPsDone0;
        if (!ps_[s].pending || e.user != ps_[s].generation) continue;  // superseded
        ps_[s].pending = false;
        u = ps_done(s);
        users_[u].stage = users_[u].stage == kWebCpu   ? kWantApp
                          : users_[u].stage == kAppCpu ? kWantDb
                                                       : kDisk;
        if (users_[u].stage == kWantDb) users_[u].calls_left = kDbCalls;
        step(u);
      }
    }
    r.mean_response = r.completions > 0 ? sum / static_cast<double>(r.completions) : 0.0;
    return r;
  }

 private:
  void push(double t, std::uint32_t what, std::uint32_t user) {
    auto& h = kThinkersApart && what == kThinkEnd ? think_heap_ : heap_;
    h.push_back({t, what, user});
    std::push_heap(h.begin(), h.end(), Later{});
  }

  // Runs user `u` from its stage until it waits for something.
  void step(std::uint32_t u) {
    User& k = users_[u];
    switch (k.stage) {
      case kWantWeb:
        if (!acquire(web_, u)) return;
        k.stage = kWebCpu;
        ps_arrive(0, u, web_d_(web_s_));
        return;
      case kWantApp:
        if (!acquire(app_, u)) return;
        k.stage = kAppCpu;
        ps_arrive(1, u, app_d_(app_s_));
        return;
      case kWantDb:
        if (!acquire(db_, u)) return;
        k.stage = kDbCpu;
        ps_arrive(2, u, db_d_(db_s_[kDbCalls - k.calls_left]));
        return;
      case kDisk:
        if (disk_busy_)
          disk_queue_.push(u);
        else
          start_disk(u);
        return;
      default:
        return;
    }
  }

  // A pool hands a released thread straight to its first waiter, which goes
  // on at this instant (from the ready FIFO) after the releaser, as in the
  // engine.
  bool acquire(Pool& p, std::uint32_t u) {
    if (granted_[u]) {
      granted_[u] = false;
      return true;
    }
    if (p.held < p.capacity && p.waiting.empty()) {
      ++p.held;
      return true;
    }
    p.waiting.push(u);
    return false;
  }
  void release(Pool& p) {
    if (p.waiting.empty()) {
      --p.held;
      return;
    }
    const std::uint32_t next = p.waiting.pop();
    granted_[next] = true;
    ready_.push(next);
  }

  void start_disk(std::uint32_t u) {
    disk_busy_ = true;
    const int call = kDbCalls - users_[u].calls_left;
    push(now_ + disk_d_(disk_s_[call]), kDiskDone, u);
  }

  void ps_arrive(std::uint32_t s, std::uint32_t u, double work) {
    PsStation& st = ps_[s];
    st.advance(now_);
    st.jobs.push_back({st.vtime + work, u});
    std::push_heap(st.jobs.begin(), st.jobs.end(), std::greater<>());
    ps_schedule(s);
  }
  std::uint32_t ps_done(std::uint32_t s) {
    PsStation& st = ps_[s];
    st.advance(now_);
    std::pop_heap(st.jobs.begin(), st.jobs.end(), std::greater<>());
    const PsJob done = st.jobs.back();
    st.jobs.pop_back();
    st.vtime = std::max(st.vtime, done.finish);
    ps_schedule(s);
    return done.user;
  }
  // The pending event stays right while the same job leads at the same rate
  // (every arrival below the core count); otherwise supersede it.
  void ps_schedule(std::uint32_t s) {
    PsStation& st = ps_[s];
    if (st.jobs.empty()) {
      st.pending = false;
      ++st.generation;
      return;
    }
    const double rate = st.rate();
    if (st.pending && st.pending_user == st.jobs.front().user && st.pending_rate == rate) return;
    st.pending = true;
    st.pending_user = st.jobs.front().user;
    st.pending_rate = rate;
    const double dt = std::max(0.0, (st.jobs.front().finish - st.vtime) / rate);
    push(now_ + dt, kPsDone0 + s, ++st.generation);
  }

  RandomEngine think_s_, web_s_, app_s_;
  std::array<RandomEngine, kDbCalls> db_s_, disk_s_;
  Exponential think_{1.0 / kThink}, web_d_{1.0 / 0.002}, app_d_{1.0 / 0.010}, db_d_{1.0 / 0.005},
      disk_d_{1.0 / 0.008};
  std::array<User, kUsers> users_{};
  std::array<bool, kUsers> granted_{};
  Pool web_{20}, app_{10}, db_{5};
  std::array<PsStation, 3> ps_{PsStation{4}, PsStation{4}, PsStation{2}};
  bool disk_busy_ = false;
  UserFifo disk_queue_;
  // The thinking users are most of the pending events; think_heap_ stays
  // empty unless kThinkersApart.
  std::vector<TierEvent> heap_, think_heap_;
  UserFifo ready_;
  double now_ = 0;
};

}  // namespace

ReferenceResult hand_loop_three_tier(double until, std::uint64_t seed, bool thinkers_apart) {
  return thinkers_apart ? ThreeTier<true>(seed).run(until) : ThreeTier<false>(seed).run(until);
}

}  // namespace tiersim::bench
