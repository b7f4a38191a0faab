// Open queueing networks in tiersim::analytic: traffic equations and open Jackson networks
// of M/M/c stations.
#pragma once

#include <Eigen/Dense>
#include <vector>

namespace tiersim::analytic {

/// Solves the traffic equations lambda = gamma + P^T lambda for the per-station arrival
/// rates (1/s). P[i][j] is the probability a job leaving station i goes to station j; rows
/// must be non-negative and sum to at most 1 (the rest leaves the network). gamma holds the
/// external arrival rates (1/s, >= 0). Throws std::invalid_argument on bad shapes or entries
/// and when some station can never leave the network (I - P^T singular).
Eigen::VectorXd solve_traffic(const Eigen::MatrixXd& P, const Eigen::VectorXd& gamma);

/// Per-station and end-to-end results of an open Jackson network.
struct JacksonResult {
  Eigen::VectorXd arrival_rate;      ///< lambda_i, 1/s
  Eigen::VectorXd visit_ratio;       ///< V_i = lambda_i / sum(gamma), visits per job
  Eigen::VectorXd utilization;       ///< per-server utilization rho_i (1 when saturated)
  Eigen::VectorXd mean_wait;         ///< mean wait in queue per visit, s
  Eigen::VectorXd mean_response;     ///< mean response time per visit, s (M/M/c_i)
  Eigen::VectorXd mean_in_system;    ///< mean number at station i
  double total_arrival_rate = 0.0;   ///< sum(gamma), 1/s
  double end_to_end_response = 0.0;  ///< R = sum_i V_i R_i, s
  double mean_in_network = 0.0;      ///< sum_i L_i (= total_arrival_rate * R)
  bool stable = true;                ///< false when any station has rho_i >= 1
};

/// Open Jackson network: each station i is M/M/c_i with service rate mu[i] (1/s per server)
/// and servers[i] >= 1 servers, fed at the rates solve_traffic(P, gamma) returns. gamma
/// must have a positive total. Saturated stations make stable false and times infinite.
JacksonResult open_jackson(const Eigen::MatrixXd& P, const Eigen::VectorXd& gamma,
                           const Eigen::VectorXd& mu, const std::vector<int>& servers);

}  // namespace tiersim::analytic
