// Closed-form results for single queueing stations: Erlang B/C, M/M/c(/K), M/G/1 (FCFS, PS,
// non-preemptive priority), Kingman's approximation and M/M/1 response-time quantiles.
#pragma once

#include <vector>

namespace tiersim::analytic {

/// Steady-state metrics of one station; times in seconds, rates in jobs per second.
/// Infinite-buffer queues with offered load >= 1 report stable = false, utilization 1,
/// throughput at the saturation rate c*mu, prob_wait 1 and infinite times and lengths.
struct QueueMetrics {
  double utilization = 0.0;        ///< busy fraction of each server, in [0, 1]
  double throughput = 0.0;         ///< accepted jobs per second (lambda minus losses)
  double mean_wait = 0.0;          ///< mean time in queue before service, s
  double mean_response = 0.0;      ///< mean time in station (wait + service), s
  double mean_queue_length = 0.0;  ///< mean number waiting, excluding those in service
  double mean_in_system = 0.0;     ///< mean number present, waiting or in service
  double prob_wait = 0.0;          ///< probability an accepted arrival has to wait
  double loss_probability = 0.0;   ///< probability an arrival is turned away (finite buffers)
  bool stable = true;              ///< false when the queue grows without bound
};

/// Erlang B blocking probability of c servers offered a = lambda/mu erlangs (c >= 0).
double erlang_b(int c, double a);

/// Erlang C probability of waiting with c >= 1 servers and a erlangs; 1 when a >= c.
double erlang_c(int c, double a);

/// M/M/1: arrival rate lambda and service rate mu, both in 1/s.
QueueMetrics mm1(double lambda, double mu);

/// M/M/c: c identical servers of rate mu each (Erlang C).
QueueMetrics mmc(double lambda, double mu, int c);

/// M/M/1/K: at most K jobs in the system (one in service); arrivals finding K are lost.
QueueMetrics mm1k(double lambda, double mu, int K);

/// M/M/c/c Erlang loss system: no waiting room, loss probability = Erlang B.
QueueMetrics mmck_loss(double lambda, double mu, int c);

/// M/M/c/K with K >= c, from the birth-death stationary distribution.
QueueMetrics mmck(double lambda, double mu, int c, int K);

/// M/G/1 FCFS by Pollaczek-Khinchine; mean_s in s, scv_s = Var[S]/E[S]^2 (0 for M/D/1).
QueueMetrics mg1(double lambda, double mean_s, double scv_s);

/// M/G/1 processor sharing: R = E[S]/(1 - rho) for any service distribution.
/// mean_wait is the slowdown delay R - E[S]; prob_wait is the chance of sharing (rho).
QueueMetrics mg1_ps(double lambda, double mean_s);

/// One class of a priority queue: arrival rate (1/s), E[S] (s) and E[S^2] (s^2).
struct PriorityClass {
  double lambda = 0.0;
  double mean = 0.0;
  double second_moment = 0.0;
};

/// Per-class results of the non-preemptive priority M/G/1 queue, index 0 = highest priority.
struct PriorityResult {
  std::vector<double> mean_wait;      ///< W_k, s; infinite for classes that are not served
  std::vector<double> mean_response;  ///< W_k + E[S_k], s
  std::vector<double> utilization;    ///< offered load rho_k = lambda_k E[S_k] per class
  double total_utilization = 0.0;     ///< sum of rho_k (may exceed 1 when unstable)
  bool stable = true;                 ///< false when the total load is >= 1
};

/// Non-preemptive priority M/G/1 (Cobham): W_k = W0 / ((1 - s_{k-1})(1 - s_k)).
/// When overloaded, classes above the saturated one keep finite (exact) waits.
PriorityResult priority_mg1(const std::vector<PriorityClass>& classes);

/// Kingman's G/G/1 heavy-traffic mean wait in queue, s: rho/(1-rho) (ca2+cs2)/2 E[S];
/// infinite when rho >= 1.
double kingman(double rho, double ca2, double cs2, double mean_s);

/// p-quantile of the M/M/1 FCFS response time, s: -ln(1-p)/(mu-lambda); infinite if
/// lambda >= mu. Requires 0 <= p < 1.
double mm1_response_quantile(double lambda, double mu, double p);

}  // namespace tiersim::analytic
