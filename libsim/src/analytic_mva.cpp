// Exact, multi-class, approximate (Schweitzer) and multi-server mean value analysis for
// tiersim::analytic.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tiersim/analytic/mva.hpp"

namespace tiersim::analytic {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
// Lattice points times stations: the doubles the exact multi-class recursion stores (400 MB).
constexpr double kMaxLatticeValues = 5e7;

template <typename T>
[[noreturn]] void fail(const std::string& fn, const std::string& name, T value,
                       const std::string& expected) {
  std::ostringstream os;
  os << fn << ": " << name << " = " << value << " is invalid; expected " << expected;
  throw std::invalid_argument(os.str());
}

std::string at(const char* vec, std::size_t i) {
  return std::string(vec) + "[" + std::to_string(i) + "]";
}

void require_size(const std::string& fn, const char* name, std::size_t got, std::size_t want,
                  const char* per) {
  if (got != want) {
    std::ostringstream os;
    os << fn << ": " << name << " has " << got << " entries; expected " << want << " (one per "
       << per << ")";
    throw std::invalid_argument(os.str());
  }
}

void require_time(const std::string& fn, const std::string& name, double v) {
  if (!std::isfinite(v) || v < 0.0) fail(fn, name, v, "a finite time >= 0 s");
}

// Checks the inputs every single-class solver shares.
void check_single(const std::string& fn, const std::vector<double>& demands,
                  const std::vector<bool>& is_delay, double think, int population) {
  require_size(fn, "is_delay", is_delay.size(), demands.size(), "station in demands");
  double total = think;
  for (std::size_t k = 0; k < demands.size(); ++k) {
    require_time(fn, at("demands", k), demands[k]);
    total += demands[k];
  }
  require_time(fn, "think", think);
  if (population < 0) fail(fn, "population", population, "an integer >= 0");
  if (population > 0 && total == 0.0) {
    throw std::invalid_argument(fn +
                                ": all demands and the think time are 0, so throughput "
                                "would be infinite; expected some positive demand");
  }
}

// Checks the inputs the multi-class solvers share.
void check_multi(const std::string& fn, const Eigen::MatrixXd& demands,
                 const std::vector<bool>& is_delay, const std::vector<double>& think,
                 const std::vector<int>& population) {
  const auto classes = static_cast<std::size_t>(demands.rows());
  const auto stations = static_cast<std::size_t>(demands.cols());
  require_size(fn, "is_delay", is_delay.size(), stations, "column of demands");
  require_size(fn, "think", think.size(), classes, "row of demands");
  require_size(fn, "population", population.size(), classes, "row of demands");
  if (classes == 0) {
    throw std::invalid_argument(fn + ": demands has no rows; expected one row per class");
  }
  for (std::size_t c = 0; c < classes; ++c) {
    double total = think[c];
    for (std::size_t k = 0; k < stations; ++k) {
      const double d = demands(static_cast<Eigen::Index>(c), static_cast<Eigen::Index>(k));
      require_time(fn, "demands(" + std::to_string(c) + ", " + std::to_string(k) + ")", d);
      total += d;
    }
    require_time(fn, at("think", c), think[c]);
    if (population[c] < 0) fail(fn, at("population", c), population[c], "an integer >= 0");
    if (population[c] > 0 && total == 0.0) {
      throw std::invalid_argument(fn + ": class " + std::to_string(c) +
                                  " has jobs but zero demand and think time, so its "
                                  "throughput would be infinite");
    }
  }
}

// log(exp(a) + exp(b)) without overflow; -inf stands for a zero term.
double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double hi = std::max(a, b);
  return hi + std::log1p(std::exp(-std::abs(a - b)));
}

// log f(j), j = 0..n, of a station with demand d and c servers: f(j) = d^j / prod min(i, c).
// c <= 0 stands for infinitely many servers (a delay station).
std::vector<double> log_station_terms(double d, int c, int n) {
  std::vector<double> lf(static_cast<std::size_t>(n) + 1, kNegInf);
  lf[0] = 0.0;
  if (d == 0.0) return lf;
  const double log_d = std::log(d);
  for (int j = 1; j <= n; ++j) {
    const int busy = c <= 0 ? j : std::min(j, c);
    lf[static_cast<std::size_t>(j)] =
        lf[static_cast<std::size_t>(j) - 1] + log_d - std::log(static_cast<double>(busy));
  }
  return lf;
}

// Convolves log-sequence h (length N + 1) with a c-server station of demand d. Beyond c
// busy servers f(j + 1) = (d/c) f(j), so the tail sum T(n) = sum_{j>=c} f(j) h(n - j) obeys
// T(n) = (d/c) T(n - 1) + f(c) h(n - c): O(N c) rather than O(N^2).
std::vector<double> log_convolve(const std::vector<double>& h, double d, int c) {
  if (d == 0.0) return h;
  const int n_max = static_cast<int>(h.size()) - 1;
  const bool has_tail = c <= n_max;
  const int head_max = has_tail ? c - 1 : n_max;
  const std::vector<double> lf = log_station_terms(d, c, has_tail ? c : n_max);
  const double log_ratio = std::log(d / c);
  std::vector<double> g(h.size(), kNegInf);
  double tail = kNegInf;
  for (int n = 0; n <= n_max; ++n) {
    double s = kNegInf;
    for (int j = 0; j <= std::min(n, head_max); ++j) {
      s = log_add(s, lf[static_cast<std::size_t>(j)] + h[static_cast<std::size_t>(n - j)]);
    }
    if (has_tail && n >= c) {
      tail = log_add(tail == kNegInf ? kNegInf : log_ratio + tail,
                     lf[static_cast<std::size_t>(c)] + h[static_cast<std::size_t>(n - c)]);
      s = log_add(s, tail);
    }
    g[static_cast<std::size_t>(n)] = s;
  }
  return g;
}

// log of the normalising constants G(0..N) of all stations except `skip` (none if skip is
// out of range). Delay stations and think time merge into one term e^{(Z + sum D) x}.
std::vector<double> log_normalising_constants(const std::vector<double>& demands,
                                              const std::vector<int>& servers,
                                              const std::vector<bool>& is_delay, double think,
                                              int population, std::size_t skip) {
  double delay_total = think;
  for (std::size_t k = 0; k < demands.size(); ++k) {
    if (is_delay[k] && k != skip) delay_total += demands[k];
  }
  std::vector<double> g = log_station_terms(delay_total, 0, population);
  for (std::size_t k = 0; k < demands.size(); ++k) {
    if (!is_delay[k] && k != skip) g = log_convolve(g, demands[k], servers[k]);
  }
  return g;
}

}  // namespace

MvaResult exact_mva(const std::vector<double>& demands, const std::vector<bool>& is_delay,
                    double think, int population) {
  check_single("exact_mva", demands, is_delay, think, population);
  const std::size_t stations = demands.size();
  MvaResult r;
  r.throughput.assign(static_cast<std::size_t>(population) + 1, 0.0);
  r.response.assign(static_cast<std::size_t>(population) + 1, 0.0);
  r.queue_length.assign(stations, 0.0);
  r.residence_time.assign(stations, 0.0);
  r.utilization.assign(stations, 0.0);
  for (int n = 1; n <= population; ++n) {
    double response = 0.0;
    for (std::size_t k = 0; k < stations; ++k) {
      // Arrival theorem: an arriving job sees the network at population n - 1.
      r.residence_time[k] = is_delay[k] ? demands[k] : demands[k] * (1.0 + r.queue_length[k]);
      response += r.residence_time[k];
    }
    const double x = n / (think + response);
    for (std::size_t k = 0; k < stations; ++k) r.queue_length[k] = x * r.residence_time[k];
    r.throughput[static_cast<std::size_t>(n)] = x;
    r.response[static_cast<std::size_t>(n)] = response;
  }
  const double x = r.throughput.back();
  for (std::size_t k = 0; k < stations; ++k) r.utilization[k] = x * demands[k];
  return r;
}

MvaResult exact_mva_ld(const std::vector<double>& demands, const std::vector<int>& servers,
                       const std::vector<bool>& is_delay, double think, int population) {
  check_single("exact_mva_ld", demands, is_delay, think, population);
  require_size("exact_mva_ld", "servers", servers.size(), demands.size(), "station in demands");
  for (std::size_t k = 0; k < servers.size(); ++k) {
    if (servers[k] < 1) fail("exact_mva_ld", at("servers", k), servers[k], "an integer >= 1");
  }
  const std::size_t stations = demands.size();
  const auto pop = static_cast<std::size_t>(population);

  // G(n) = sum over states with n jobs of prod_k f_k(n_k): X(n) = G(n-1)/G(n) and
  // p_k(j|N) = f_k(j) G_{-k}(N-j) / G(N). Logs keep G in range for any N and demand scale;
  // measuring time in units of the largest per-server demand also keeps log G(n) small, so
  // the rounding of log_add (relative to |log G|) stays near machine precision.
  double scale = 0.0;
  double delay_total = think;
  for (std::size_t k = 0; k < stations; ++k) {
    if (is_delay[k]) {
      delay_total += demands[k];
    } else {
      scale = std::max(scale, demands[k] / servers[k]);
    }
  }
  if (scale == 0.0) scale = delay_total / std::max(population, 1);
  if (scale == 0.0) scale = 1.0;  // nothing to scale: no jobs and no demand
  std::vector<double> scaled(demands);
  for (double& d : scaled) d /= scale;
  const double scaled_think = think / scale;

  const std::vector<double> log_g =
      log_normalising_constants(scaled, servers, is_delay, scaled_think, population, stations);
  MvaResult r;
  r.throughput.assign(pop + 1, 0.0);
  r.response.assign(pop + 1, 0.0);
  for (std::size_t n = 1; n <= pop; ++n) {
    const double x = std::exp(log_g[n - 1] - log_g[n]) / scale;
    r.throughput[n] = x;
    // n/X - Z can dip a rounding error below 0 when only the think time has demand.
    r.response[n] = std::max(0.0, static_cast<double>(n) / x - think);
  }

  const double x = r.throughput[pop];
  r.queue_length.assign(stations, 0.0);
  r.residence_time.assign(stations, 0.0);
  r.utilization.assign(stations, 0.0);
  r.marginal_probability.assign(stations, std::vector<double>(pop + 1, 0.0));
  for (std::size_t k = 0; k < stations; ++k) {
    std::vector<double>& p = r.marginal_probability[k];
    if (population == 0 || demands[k] == 0.0) {
      p[0] = 1.0;
      r.residence_time[k] = demands[k];
      continue;
    }
    const std::vector<double> log_rest =
        log_normalising_constants(scaled, servers, is_delay, scaled_think, population, k);
    const std::vector<double> log_f =
        log_station_terms(scaled[k], is_delay[k] ? 0 : servers[k], population);
    double q = 0.0;
    for (std::size_t j = 0; j <= pop; ++j) {
      p[j] = std::exp(log_f[j] + log_rest[pop - j] - log_g[pop]);
      q += static_cast<double>(j) * p[j];
    }
    if (is_delay[k]) {
      r.queue_length[k] = x * demands[k];
      r.residence_time[k] = demands[k];
      r.utilization[k] = x * demands[k];
    } else {
      r.queue_length[k] = q;
      r.residence_time[k] = q / x;
      r.utilization[k] = x * demands[k] / servers[k];
    }
  }
  return r;
}

MultiClassMvaResult exact_mva_multiclass(const Eigen::MatrixXd& demands,
                                         const std::vector<bool>& is_delay,
                                         const std::vector<double>& think,
                                         const std::vector<int>& population) {
  const std::string fn = "exact_mva_multiclass";
  check_multi(fn, demands, is_delay, think, population);
  const Eigen::Index classes = demands.rows();
  const Eigen::Index stations = demands.cols();

  // Mixed-radix index of population vector n: sum_c n_c * stride_c. Every n - e_c has a
  // smaller index, so one increasing sweep visits each point after all it depends on.
  std::vector<std::size_t> stride(static_cast<std::size_t>(classes));
  double points = 1.0;
  for (Eigen::Index c = 0; c < classes; ++c) {
    stride[static_cast<std::size_t>(c)] = static_cast<std::size_t>(points);
    points *= population[static_cast<std::size_t>(c)] + 1.0;
  }
  if (points > kMaxMvaLatticePoints) {
    std::ostringstream os;
    os << fn << ": the population lattice prod(N_c + 1) has " << points
       << " points, above the limit of " << kMaxMvaLatticePoints
       << "; use schweitzer_mva_multiclass for populations this large";
    throw std::invalid_argument(os.str());
  }
  if (points * static_cast<double>(stations) > kMaxLatticeValues) {
    std::ostringstream os;
    os << fn << ": the population lattice (" << points << " points) times " << stations
       << " stations needs more than " << kMaxLatticeValues
       << " stored queue lengths; use schweitzer_mva_multiclass";
    throw std::invalid_argument(os.str());
  }
  const auto n_points = static_cast<std::size_t>(points);
  const auto n_stations = static_cast<std::size_t>(stations);

  // Only the total queue length per station is needed from smaller populations.
  std::vector<double> total_q(n_points * n_stations, 0.0);
  std::vector<int> n(static_cast<std::size_t>(classes), 0);
  Eigen::MatrixXd residence = Eigen::MatrixXd::Zero(classes, stations);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(classes);
  for (std::size_t idx = 1; idx < n_points; ++idx) {
    for (std::size_t c = 0; c < n.size(); ++c) {  // mixed-radix increment of n
      if (++n[c] <= population[c]) break;
      n[c] = 0;
    }
    double* q = total_q.data() + idx * n_stations;
    for (Eigen::Index c = 0; c < classes; ++c) {
      const auto cu = static_cast<std::size_t>(c);
      if (n[cu] == 0) continue;
      const double* q_prev = total_q.data() + (idx - stride[cu]) * n_stations;
      double response = 0.0;
      for (Eigen::Index k = 0; k < stations; ++k) {
        const double d = demands(c, k);
        residence(c, k) = is_delay[static_cast<std::size_t>(k)]
                              ? d
                              : d * (1.0 + q_prev[static_cast<std::size_t>(k)]);
        response += residence(c, k);
      }
      x(c) = n[cu] / (think[cu] + response);
      for (Eigen::Index k = 0; k < stations; ++k) {
        q[static_cast<std::size_t>(k)] += x(c) * residence(c, k);
      }
    }
  }

  MultiClassMvaResult r;
  r.throughput = Eigen::VectorXd::Zero(classes);
  r.response = Eigen::VectorXd::Zero(classes);
  r.queue_length = Eigen::MatrixXd::Zero(classes, stations);
  r.residence_time = Eigen::MatrixXd::Zero(classes, stations);
  const double* q_full = total_q.data() + (n_points - 1) * n_stations;
  for (Eigen::Index c = 0; c < classes; ++c) {
    if (population[static_cast<std::size_t>(c)] > 0) {
      r.throughput(c) = x(c);
      r.residence_time.row(c) = residence.row(c);
    } else {
      // No job of this class exists; report what a single one would see on arrival.
      for (Eigen::Index k = 0; k < stations; ++k) {
        const double d = demands(c, k);
        r.residence_time(c, k) = is_delay[static_cast<std::size_t>(k)] ? d : d * (1.0 + q_full[k]);
      }
    }
    r.response(c) = r.residence_time.row(c).sum();
    r.queue_length.row(c) = r.throughput(c) * r.residence_time.row(c);
  }
  r.utilization = r.throughput.asDiagonal() * demands;
  return r;
}

ApproxMvaResult schweitzer_mva(const std::vector<double>& demands,
                               const std::vector<bool>& is_delay, double think, int population,
                               double tolerance, int max_iterations) {
  const std::string fn = "schweitzer_mva";
  check_single(fn, demands, is_delay, think, population);
  if (!(tolerance > 0.0) || !std::isfinite(tolerance)) {
    fail(fn, "tolerance", tolerance, "a finite number > 0");
  }
  if (max_iterations < 1) fail(fn, "max_iterations", max_iterations, "an integer >= 1");
  const std::size_t stations = demands.size();
  ApproxMvaResult r;
  r.queue_length.assign(stations, 0.0);
  r.residence_time = demands;
  r.utilization.assign(stations, 0.0);
  if (population == 0) return r;

  const double big_n = population;
  const double shrink = (big_n - 1.0) / big_n;
  // Start with the jobs spread evenly over the stations.
  for (double& q : r.queue_length) q = big_n / static_cast<double>(stations);
  r.converged = false;
  while (r.iterations < max_iterations) {
    ++r.iterations;
    double response = 0.0;
    for (std::size_t k = 0; k < stations; ++k) {
      r.residence_time[k] =
          is_delay[k] ? demands[k] : demands[k] * (1.0 + shrink * r.queue_length[k]);
      response += r.residence_time[k];
    }
    r.throughput = big_n / (think + response);
    r.response = response;
    double change = 0.0;
    for (std::size_t k = 0; k < stations; ++k) {
      const double q = r.throughput * r.residence_time[k];
      change = std::max(change, std::abs(q - r.queue_length[k]));
      r.queue_length[k] = q;
    }
    if (change <= tolerance * big_n) {
      r.converged = true;
      break;
    }
  }
  for (std::size_t k = 0; k < stations; ++k) r.utilization[k] = r.throughput * demands[k];
  return r;
}

MultiClassMvaResult schweitzer_mva_multiclass(const Eigen::MatrixXd& demands,
                                              const std::vector<bool>& is_delay,
                                              const std::vector<double>& think,
                                              const std::vector<int>& population, double tolerance,
                                              int max_iterations) {
  const std::string fn = "schweitzer_mva_multiclass";
  check_multi(fn, demands, is_delay, think, population);
  if (!(tolerance > 0.0) || !std::isfinite(tolerance)) {
    fail(fn, "tolerance", tolerance, "a finite number > 0");
  }
  if (max_iterations < 1) fail(fn, "max_iterations", max_iterations, "an integer >= 1");
  const Eigen::Index classes = demands.rows();
  const Eigen::Index stations = demands.cols();
  double total_pop = 0.0;
  for (int p : population) total_pop += p;

  MultiClassMvaResult r;
  r.throughput = Eigen::VectorXd::Zero(classes);
  r.response = Eigen::VectorXd::Zero(classes);
  r.residence_time = demands;
  r.queue_length = Eigen::MatrixXd::Zero(classes, stations);
  for (Eigen::Index c = 0; c < classes; ++c) {
    if (stations > 0) {
      r.queue_length.row(c).setConstant(population[static_cast<std::size_t>(c)] /
                                        static_cast<double>(stations));
    }
  }
  r.converged = total_pop == 0.0;
  while (!r.converged && r.iterations < max_iterations) {
    ++r.iterations;
    const Eigen::RowVectorXd total_q = r.queue_length.colwise().sum();
    for (Eigen::Index c = 0; c < classes; ++c) {
      const int n_c = population[static_cast<std::size_t>(c)];
      for (Eigen::Index k = 0; k < stations; ++k) {
        // A class-c arrival sees everyone else, and (N_c - 1)/N_c of its own class.
        const double seen = n_c > 0 ? total_q(k) - r.queue_length(c, k) / n_c : total_q(k);
        r.residence_time(c, k) =
            is_delay[static_cast<std::size_t>(k)] ? demands(c, k) : demands(c, k) * (1.0 + seen);
      }
      r.response(c) = r.residence_time.row(c).sum();
      r.throughput(c) = n_c > 0 ? n_c / (think[static_cast<std::size_t>(c)] + r.response(c)) : 0.0;
    }
    const Eigen::MatrixXd q = r.throughput.asDiagonal() * r.residence_time;
    const double change = stations > 0 ? (q - r.queue_length).cwiseAbs().maxCoeff() : 0.0;
    r.queue_length = q;
    r.converged = change <= tolerance * total_pop;
  }
  if (total_pop == 0.0) {
    for (Eigen::Index c = 0; c < classes; ++c) r.response(c) = demands.row(c).sum();
  }
  r.utilization = r.throughput.asDiagonal() * demands;
  return r;
}

}  // namespace tiersim::analytic
