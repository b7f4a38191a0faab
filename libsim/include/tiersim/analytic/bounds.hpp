// Asymptotic (bottleneck) bounds for closed and open networks in tiersim::analytic.
#pragma once

#include <vector>

namespace tiersim::analytic {

/// Asymptotic bounds of a closed single-class network at population N.
struct Bounds {
  double throughput_upper = 0.0;       ///< min(N/(D+Z), 1/D_max), jobs/s
  double throughput_lower = 0.0;       ///< N/(N D + Z), jobs/s (every job queues behind all)
  double response_lower = 0.0;         ///< max(D, N D_max - Z), s
  double response_upper = 0.0;         ///< N D, s
  double n_star = 0.0;                 ///< (D+Z)/D_max, population where the bounds cross
  double total_demand = 0.0;           ///< D = sum_k D_k, s (not divided by servers)
  double max_demand = 0.0;             ///< D_max = max_k D_k / c_k, s per server
  double saturation_throughput = 0.0;  ///< 1/D_max, jobs/s
  int bottleneck = 0;                  ///< index of the station with D_max (first on ties)
};

/// Asymptotic bounds; demands[k] = V_k S_k (s) of a station with servers[k] >= 1 servers,
/// think Z (s), population N >= 1. At least one demand must be positive.
Bounds asymptotic_bounds(const std::vector<double>& demands, const std::vector<int>& servers,
                         double think, int population);

/// Largest arrival rate an open network sustains, 1/D_max in jobs/s (D_max = max D_k/c_k).
double open_saturation_rate(const std::vector<double>& demands, const std::vector<int>& servers);

}  // namespace tiersim::analytic
