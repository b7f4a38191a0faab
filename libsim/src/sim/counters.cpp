// Counters: every additive statistic at one instant, and the difference of two.
#include "tiersim/sim/replication.hpp"

namespace tiersim {

Counters Counters::minus(const Counters& e) const {
  Counters d = *this;
  d.time = time - e.time;
  d.open_in_system -= e.open_in_system;  // levels become growth over the interval
  for (std::size_t i = 0; i < stations.size(); ++i) {
    auto& a = d.stations[i];
    const auto& b = e.stations[i];
    a.area_in_system -= b.area_in_system;
    a.area_busy -= b.area_busy;
    a.completions -= b.completions;
    a.sum_response -= b.sum_response;
    a.sum_service -= b.sum_service;
    a.losses -= b.losses;
    a.present -= b.present;
  }
  for (std::size_t i = 0; i < pools.size(); ++i) {
    auto& a = d.pools[i];
    const auto& b = e.pools[i];
    a.area_held -= b.area_held;
    a.area_waiting -= b.area_waiting;
    a.acquisitions -= b.acquisitions;
    a.sum_wait -= b.sum_wait;
    a.waiting -= b.waiting;
    a.rejections -= b.rejections;
  }
  for (std::size_t i = 0; i < classes.size(); ++i) {
    auto& a = d.classes[i];
    const auto& b = e.classes[i];
    a.arrivals -= b.arrivals;
    a.completions -= b.completions;
    a.losses -= b.losses;
    a.sum_response -= b.sum_response;
  }
  for (std::size_t i = 0; i < steps.size(); ++i) {
    auto& a = d.steps[i];
    const auto& b = e.steps[i];
    a.count -= b.count;
    a.sum_wait -= b.sum_wait;
    a.sum_service -= b.sum_service;
  }
  for (std::size_t i = 0; i < operations.size(); ++i) {
    auto& a = d.operations[i];
    const auto& b = e.operations[i];
    a.replies -= b.replies;
    a.sum_response -= b.sum_response;
    a.ends -= b.ends;
    a.sum_phase2 -= b.sum_phase2;
  }
  return d;
}

}  // namespace tiersim
