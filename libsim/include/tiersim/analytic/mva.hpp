// Mean value analysis of closed product-form networks in tiersim::analytic: exact single- and
// multi-class MVA, Schweitzer's approximation, and exact solution with multi-server stations.
#pragma once

#include <Eigen/Dense>
#include <vector>

namespace tiersim::analytic {

/// Exact single-class solution: curves over the population n = 0..N and per-station values
/// at N. Demands D_k = V_k S_k are in seconds per job; "response" excludes the think time.
struct MvaResult {
  std::vector<double> throughput;      ///< X(n), jobs/s, n = 0..N (X(0) = 0)
  std::vector<double> response;        ///< R(n) = n/X(n) - Z, s, n = 0..N (R(0) = 0)
  std::vector<double> queue_length;    ///< Q_k(N), mean jobs at station k
  std::vector<double> residence_time;  ///< R_k(N), s per job (all visits)
  std::vector<double> utilization;     ///< per-server U_k(N) = X D_k / c_k; X D_k at delays
  /// p_k(j|N), j = 0..N, the probability of j jobs at station k (exact_mva_ld only; empty
  /// from exact_mva).
  std::vector<std::vector<double>> marginal_probability;
};

/// Exact MVA, single class, load-independent single-server (or delay) stations.
/// demands[k] in s, is_delay[k] marks infinite-server stations, think Z in s, population N.
MvaResult exact_mva(const std::vector<double>& demands, const std::vector<bool>& is_delay,
                    double think, int population);

/// Exact MVA for closed networks whose stations have servers[k] >= 1 identical servers
/// (load-dependent rate min(j, c_k)/S_k). Computed from log-scaled normalising constants:
/// the textbook marginal-probability recursion loses p_k(0|n) to cancellation and diverges
/// for c >= 3 at high load, while every term here is positive. Cost O(K^2 N min(c, N)).
MvaResult exact_mva_ld(const std::vector<double>& demands, const std::vector<int>& servers,
                       const std::vector<bool>& is_delay, double think, int population);

/// Multi-class results at the full population; matrices are classes x stations.
struct MultiClassMvaResult {
  Eigen::VectorXd throughput;      ///< X_c, jobs/s per class
  Eigen::VectorXd response;        ///< R_c = sum_k R_ck, s, excluding think time
  Eigen::MatrixXd queue_length;    ///< Q_ck, mean class-c jobs at station k
  Eigen::MatrixXd residence_time;  ///< R_ck, s; for a class with no jobs, what one would see
  Eigen::MatrixXd utilization;     ///< U_ck = X_c D_ck
  int iterations = 0;              ///< fixed-point iterations (0 for exact MVA)
  bool converged = true;           ///< false if the iteration hit max_iterations
};

/// Largest population lattice prod_c (N_c + 1) exact_mva_multiclass accepts.
inline constexpr double kMaxMvaLatticePoints = 5e6;

/// Exact multi-class MVA by recursion over all population vectors 0 <= n <= N.
/// demands is classes x stations (s), is_delay per station, think and population per class.
/// Throws std::invalid_argument when the lattice exceeds kMaxMvaLatticePoints points.
MultiClassMvaResult exact_mva_multiclass(const Eigen::MatrixXd& demands,
                                         const std::vector<bool>& is_delay,
                                         const std::vector<double>& think,
                                         const std::vector<int>& population);

/// Single-class result of approximate MVA at population N.
struct ApproxMvaResult {
  double throughput = 0.0;             ///< X(N), jobs/s
  double response = 0.0;               ///< R(N), s, excluding think time
  std::vector<double> queue_length;    ///< Q_k(N)
  std::vector<double> residence_time;  ///< R_k(N), s
  std::vector<double> utilization;     ///< U_k = X D_k
  int iterations = 0;                  ///< fixed-point iterations used
  bool converged = true;               ///< false if max_iterations was reached
};

/// Schweitzer's approximate MVA: Q_k(N-1) ~ (N-1)/N Q_k(N), iterated until no queue length
/// moves by more than tolerance * N between iterations.
ApproxMvaResult schweitzer_mva(const std::vector<double>& demands,
                               const std::vector<bool>& is_delay, double think, int population,
                               double tolerance = 1e-10, int max_iterations = 100000);

/// Multi-class Schweitzer approximation: a class-c arrival sees the other classes' full queues
/// and (N_c - 1)/N_c of its own; stops when no Q_ck moves by more than tolerance * sum(N).
MultiClassMvaResult schweitzer_mva_multiclass(const Eigen::MatrixXd& demands,
                                              const std::vector<bool>& is_delay,
                                              const std::vector<double>& think,
                                              const std::vector<int>& population,
                                              double tolerance = 1e-10,
                                              int max_iterations = 100000);

}  // namespace tiersim::analytic
