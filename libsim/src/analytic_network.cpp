// Traffic equations and open Jackson networks for tiersim::analytic.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tiersim/analytic/network.hpp"
#include "tiersim/analytic/single_station.hpp"

namespace tiersim::analytic {
namespace {

// A row whose sum falls short of 1 by more than this lets jobs leave the network. Rounding
// in a row meant to sum to 1 stays far below it.
constexpr double kExitTolerance = 1e-12;
// Rows may exceed 1 by rounding only.
constexpr double kRowSumTolerance = 1e-9;

template <typename T>
[[noreturn]] void fail(const char* fn, const std::string& name, T value, const char* expected) {
  std::ostringstream os;
  os << fn << ": " << name << " = " << value << " is invalid; expected " << expected;
  throw std::invalid_argument(os.str());
}

std::string index_name(const char* vec, Eigen::Index i) {
  return std::string(vec) + "[" + std::to_string(i) + "]";
}

// Marks the stations from which a job can eventually leave: those whose row leaks, then,
// walking routing edges backwards, every station that can reach a marked one. The network
// is open (spectral radius of P below 1, I - P^T invertible) exactly when all are marked.
std::vector<bool> can_reach_exit(const Eigen::MatrixXd& P) {
  const Eigen::Index n = P.rows();
  std::vector<bool> marked(static_cast<std::size_t>(n), false);
  std::vector<Eigen::Index> frontier;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (1.0 - P.row(i).sum() > kExitTolerance) {
      marked[static_cast<std::size_t>(i)] = true;
      frontier.push_back(i);
    }
  }
  while (!frontier.empty()) {
    const Eigen::Index j = frontier.back();
    frontier.pop_back();
    for (Eigen::Index i = 0; i < n; ++i) {
      if (!marked[static_cast<std::size_t>(i)] && P(i, j) > 0.0) {
        marked[static_cast<std::size_t>(i)] = true;
        frontier.push_back(i);
      }
    }
  }
  return marked;
}

}  // namespace

Eigen::VectorXd solve_traffic(const Eigen::MatrixXd& P, const Eigen::VectorXd& gamma) {
  const Eigen::Index n = P.rows();
  if (P.cols() != n) {
    std::ostringstream os;
    os << "solve_traffic: P is " << P.rows() << "x" << P.cols() << "; expected a square matrix";
    throw std::invalid_argument(os.str());
  }
  if (gamma.size() != n) {
    std::ostringstream os;
    os << "solve_traffic: gamma has " << gamma.size() << " entries; expected " << n
       << " (one per row of P)";
    throw std::invalid_argument(os.str());
  }
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      const double p = P(i, j);
      if (!std::isfinite(p) || p < 0.0 || p > 1.0) {
        fail("solve_traffic", "P[" + std::to_string(i) + "][" + std::to_string(j) + "]", p,
             "a probability in [0, 1]");
      }
    }
    const double row = P.row(i).sum();
    if (row > 1.0 + kRowSumTolerance) {
      fail("solve_traffic", "sum of row " + std::to_string(i) + " of P", row,
           "at most 1 (P must be substochastic)");
    }
    if (!std::isfinite(gamma(i)) || gamma(i) < 0.0) {
      fail("solve_traffic", index_name("gamma", i), gamma(i), "a finite rate >= 0");
    }
  }
  if (n == 0) return Eigen::VectorXd(0);

  const std::vector<bool> open = can_reach_exit(P);
  std::string trapped;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!open[static_cast<std::size_t>(i)])
      trapped += (trapped.empty() ? "" : ", ") + std::to_string(i);
  }
  if (!trapped.empty()) {
    throw std::invalid_argument(
        "solve_traffic: jobs at station(s) " + trapped +
        " can never leave the network (a closed set under P), so I - P^T is singular; "
        "every station needs a routing path to an exit");
  }

  const Eigen::MatrixXd A = Eigen::MatrixXd::Identity(n, n) - P.transpose();
  const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(A);
  // Openness guarantees invertibility in exact arithmetic; exits of ~1e-12 can still leave
  // A numerically singular, and then the rates would be meaningless.
  if (qr.rank() < n) {
    throw std::invalid_argument(
        "solve_traffic: I - P^T is numerically singular (exit probabilities are too small "
        "to resolve); the visit ratios would be meaningless");
  }
  Eigen::VectorXd lambda = qr.solve(gamma);
  const double scale = std::max(1.0, lambda.cwiseAbs().maxCoeff());
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!std::isfinite(lambda(i)) || lambda(i) < -1e-9 * scale) {
      throw std::invalid_argument("solve_traffic: the traffic equations gave " +
                                  index_name("lambda", i) +
                                  " < 0; the routing matrix is too ill-conditioned to solve");
    }
    lambda(i) = std::max(0.0, lambda(i));  // clear rounding-level negatives
  }
  return lambda;
}

JacksonResult open_jackson(const Eigen::MatrixXd& P, const Eigen::VectorXd& gamma,
                           const Eigen::VectorXd& mu, const std::vector<int>& servers) {
  const Eigen::Index n = P.rows();
  if (mu.size() != n) {
    std::ostringstream os;
    os << "open_jackson: mu has " << mu.size() << " entries; expected " << n
       << " (one per station)";
    throw std::invalid_argument(os.str());
  }
  if (static_cast<Eigen::Index>(servers.size()) != n) {
    std::ostringstream os;
    os << "open_jackson: servers has " << servers.size() << " entries; expected " << n
       << " (one per station)";
    throw std::invalid_argument(os.str());
  }
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!std::isfinite(mu(i)) || mu(i) <= 0.0) {
      fail("open_jackson", index_name("mu", i), mu(i), "a finite rate > 0");
    }
    if (servers[static_cast<std::size_t>(i)] < 1) {
      fail("open_jackson", index_name("servers", i), servers[static_cast<std::size_t>(i)],
           "an integer >= 1");
    }
  }

  JacksonResult r;
  r.arrival_rate = solve_traffic(P, gamma);
  r.total_arrival_rate = gamma.sum();
  if (!(r.total_arrival_rate > 0.0)) {
    fail("open_jackson", "sum(gamma)", r.total_arrival_rate,
         "a positive total external arrival rate (visit ratios are per external arrival)");
  }
  r.visit_ratio = r.arrival_rate / r.total_arrival_rate;
  r.utilization.resize(n);
  r.mean_wait.resize(n);
  r.mean_response.resize(n);
  r.mean_in_system.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const QueueMetrics m = mmc(r.arrival_rate(i), mu(i), servers[static_cast<std::size_t>(i)]);
    r.utilization(i) = m.utilization;
    r.mean_wait(i) = m.mean_wait;
    r.mean_response(i) = m.mean_response;
    r.mean_in_system(i) = m.mean_in_system;
    r.stable = r.stable && m.stable;
    // Stations no job visits add nothing, and must not turn 0 * R_i into NaN.
    if (r.visit_ratio(i) > 0.0) {
      r.end_to_end_response += r.visit_ratio(i) * m.mean_response;
      r.mean_in_network += m.mean_in_system;
    }
  }
  return r;
}

}  // namespace tiersim::analytic
