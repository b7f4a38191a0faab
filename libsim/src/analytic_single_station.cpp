// Single-station formulas of tiersim::analytic: Erlang B/C, birth-death M/M/c/K, M/G/1
// variants, Kingman and M/M/1 quantiles.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tiersim/analytic/single_station.hpp"

namespace tiersim::analytic {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

template <typename T>
[[noreturn]] void fail(const char* fn, const char* name, T value, const char* expected) {
  std::ostringstream os;
  os << fn << ": " << name << " = " << value << " is invalid; expected " << expected;
  throw std::invalid_argument(os.str());
}

void require_rate(const char* fn, const char* name, double v) {
  if (!std::isfinite(v) || v < 0.0) fail(fn, name, v, "a finite number >= 0");
}

void require_positive(const char* fn, const char* name, double v) {
  if (!std::isfinite(v) || v <= 0.0) fail(fn, name, v, "a finite number > 0");
}

void require_servers(const char* fn, int c) {
  if (c < 1) fail(fn, "c", c, "an integer >= 1");
}

// What an infinite-buffer queue reports once it saturates: its servers are always busy and
// it completes jobs at c*mu, while the backlog (and so every time) grows without bound.
QueueMetrics saturated(double max_throughput) {
  QueueMetrics m;
  m.utilization = 1.0;
  m.throughput = max_throughput;
  m.mean_wait = kInf;
  m.mean_response = kInf;
  m.mean_queue_length = kInf;
  m.mean_in_system = kInf;
  m.prob_wait = 1.0;
  m.stable = false;
  return m;
}

QueueMetrics mmc_impl(double lambda, double mu, int c) {
  const double a = lambda / mu;
  const double rho = a / c;
  if (rho >= 1.0) return saturated(c * mu);
  QueueMetrics m;
  m.utilization = rho;
  m.throughput = lambda;
  m.prob_wait = erlang_c(c, a);
  m.mean_wait = m.prob_wait / (c * mu - lambda);
  m.mean_response = m.mean_wait + 1.0 / mu;
  m.mean_queue_length = lambda * m.mean_wait;
  m.mean_in_system = lambda * m.mean_response;
  return m;
}

// Birth-death M/M/c/K. Weights are kept in log form and rescaled by their maximum so that
// rho^K neither overflows (rho > 1) nor underflows (rho < 1) for large K; two passes avoid
// storing K + 1 probabilities.
QueueMetrics mmck_impl(double lambda, double mu, int c, int K) {
  QueueMetrics m;
  if (lambda == 0.0) {
    m.utilization = 0.0;
    m.throughput = 0.0;
    m.mean_response = 1.0 / mu;
    return m;
  }
  auto log_step = [&](int n) { return std::log(lambda / (std::min(n, c) * mu)); };
  double log_w = 0.0;
  double log_max = 0.0;
  for (int n = 1; n <= K; ++n) {
    log_w += log_step(n);
    log_max = std::max(log_max, log_w);
  }
  double total = 0.0, in_system = 0.0, waiting = 0.0, busy_below_full = 0.0, full = 0.0;
  log_w = 0.0;
  for (int n = 0; n <= K; ++n) {
    if (n > 0) log_w += log_step(n);
    const double w = std::exp(log_w - log_max);
    total += w;
    in_system += n * w;
    if (n > c) waiting += (n - c) * w;
    if (n >= c && n < K) busy_below_full += w;
    if (n == K) full = w;
  }
  m.loss_probability = full / total;
  m.throughput = lambda * (1.0 - m.loss_probability);
  m.utilization = m.throughput / (c * mu);
  m.mean_in_system = in_system / total;
  m.mean_queue_length = waiting / total;
  m.mean_response = m.mean_in_system / m.throughput;
  m.mean_wait = m.mean_queue_length / m.throughput;
  // PASTA: an accepted arrival sees the stationary state conditioned on "not full".
  m.prob_wait = (busy_below_full / total) / (1.0 - m.loss_probability);
  return m;
}

}  // namespace

double erlang_b(int c, double a) {
  if (c < 0) fail("erlang_b", "c", c, "an integer >= 0");
  require_rate("erlang_b", "a", a);
  // The recursion only ever divides by k + a*B > 0 and stays in [0, 1], unlike a^c/c!.
  double b = 1.0;
  for (int k = 1; k <= c; ++k) b = a * b / (k + a * b);
  return b;
}

double erlang_c(int c, double a) {
  require_servers("erlang_c", c);
  require_rate("erlang_c", "a", a);
  if (a >= c) return 1.0;
  const double b = erlang_b(c, a);
  return c * b / (c - a * (1.0 - b));
}

QueueMetrics mm1(double lambda, double mu) {
  require_rate("mm1", "lambda", lambda);
  require_positive("mm1", "mu", mu);
  return mmc_impl(lambda, mu, 1);
}

QueueMetrics mmc(double lambda, double mu, int c) {
  require_rate("mmc", "lambda", lambda);
  require_positive("mmc", "mu", mu);
  require_servers("mmc", c);
  return mmc_impl(lambda, mu, c);
}

QueueMetrics mm1k(double lambda, double mu, int K) {
  require_rate("mm1k", "lambda", lambda);
  require_positive("mm1k", "mu", mu);
  if (K < 1) fail("mm1k", "K", K, "an integer >= 1");
  return mmck_impl(lambda, mu, 1, K);
}

QueueMetrics mmck_loss(double lambda, double mu, int c) {
  require_rate("mmck_loss", "lambda", lambda);
  require_positive("mmck_loss", "mu", mu);
  require_servers("mmck_loss", c);
  const double a = lambda / mu;
  QueueMetrics m;
  m.loss_probability = erlang_b(c, a);
  m.throughput = lambda * (1.0 - m.loss_probability);
  m.mean_in_system = a * (1.0 - m.loss_probability);
  m.utilization = m.mean_in_system / c;
  m.mean_response = 1.0 / mu;
  return m;
}

QueueMetrics mmck(double lambda, double mu, int c, int K) {
  require_rate("mmck", "lambda", lambda);
  require_positive("mmck", "mu", mu);
  require_servers("mmck", c);
  if (K < c) {
    std::ostringstream expected;
    expected << "an integer >= c = " << c;
    fail("mmck", "K", K, expected.str().c_str());
  }
  return mmck_impl(lambda, mu, c, K);
}

QueueMetrics mg1(double lambda, double mean_s, double scv_s) {
  require_rate("mg1", "lambda", lambda);
  require_positive("mg1", "mean_s", mean_s);
  require_rate("mg1", "scv_s", scv_s);
  const double rho = lambda * mean_s;
  if (rho >= 1.0) return saturated(1.0 / mean_s);
  const double second_moment = (1.0 + scv_s) * mean_s * mean_s;
  QueueMetrics m;
  m.utilization = rho;
  m.throughput = lambda;
  m.prob_wait = rho;  // PASTA: an arrival waits iff it finds the server busy
  m.mean_wait = lambda * second_moment / (2.0 * (1.0 - rho));
  m.mean_response = m.mean_wait + mean_s;
  m.mean_queue_length = lambda * m.mean_wait;
  m.mean_in_system = lambda * m.mean_response;
  return m;
}

QueueMetrics mg1_ps(double lambda, double mean_s) {
  require_rate("mg1_ps", "lambda", lambda);
  require_positive("mg1_ps", "mean_s", mean_s);
  const double rho = lambda * mean_s;
  if (rho >= 1.0) return saturated(1.0 / mean_s);
  QueueMetrics m;
  m.utilization = rho;
  m.throughput = lambda;
  m.prob_wait = rho;
  m.mean_response = mean_s / (1.0 - rho);
  m.mean_wait = m.mean_response - mean_s;
  m.mean_in_system = rho / (1.0 - rho);
  m.mean_queue_length = m.mean_in_system - rho;
  return m;
}

PriorityResult priority_mg1(const std::vector<PriorityClass>& classes) {
  if (classes.empty()) {
    throw std::invalid_argument("priority_mg1: classes is empty; expected at least one class");
  }
  const std::size_t n = classes.size();
  PriorityResult r;
  r.utilization.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const PriorityClass& k = classes[i];
    const std::string where = "classes[" + std::to_string(i) + "]";
    require_rate("priority_mg1", (where + ".lambda").c_str(), k.lambda);
    require_positive("priority_mg1", (where + ".mean").c_str(), k.mean);
    // E[S^2] >= E[S]^2 (variance >= 0); the slack admits deterministic service computed as
    // mean * mean with rounding.
    if (!std::isfinite(k.second_moment) || k.second_moment < k.mean * k.mean * (1.0 - 1e-12)) {
      fail("priority_mg1", (where + ".second_moment").c_str(), k.second_moment,
           "a finite number >= mean^2");
    }
    r.utilization[i] = k.lambda * k.mean;
    r.total_utilization += r.utilization[i];
  }
  r.stable = r.total_utilization < 1.0;

  // The residual work W0 seen by an arrival sums, over classes, the fraction of time the
  // server spends on that class times E[S^2]/(2 E[S]). Under overload the first class whose
  // cumulative load reaches 1 takes all the leftover capacity and lower classes get none,
  // so classes above it still have exact, finite waits.
  std::size_t saturated_class = n;
  double w0 = 0.0;
  double sigma = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const PriorityClass& k = classes[i];
    if (sigma + r.utilization[i] >= 1.0) {
      saturated_class = i;
      w0 += (1.0 - sigma) * k.second_moment / (2.0 * k.mean);
      break;
    }
    sigma += r.utilization[i];
    w0 += k.lambda * k.second_moment / 2.0;
  }

  r.mean_wait.assign(n, kInf);
  r.mean_response.assign(n, kInf);
  double sigma_before = 0.0;
  for (std::size_t i = 0; i < saturated_class; ++i) {
    const double sigma_after = sigma_before + r.utilization[i];
    r.mean_wait[i] = w0 / ((1.0 - sigma_before) * (1.0 - sigma_after));
    r.mean_response[i] = r.mean_wait[i] + classes[i].mean;
    sigma_before = sigma_after;
  }
  return r;
}

double kingman(double rho, double ca2, double cs2, double mean_s) {
  require_rate("kingman", "rho", rho);
  require_rate("kingman", "ca2", ca2);
  require_rate("kingman", "cs2", cs2);
  require_positive("kingman", "mean_s", mean_s);
  if (rho >= 1.0) return kInf;
  return rho / (1.0 - rho) * (ca2 + cs2) / 2.0 * mean_s;
}

double mm1_response_quantile(double lambda, double mu, double p) {
  require_rate("mm1_response_quantile", "lambda", lambda);
  require_positive("mm1_response_quantile", "mu", mu);
  if (!(p >= 0.0 && p < 1.0)) fail("mm1_response_quantile", "p", p, "a number in [0, 1)");
  if (lambda >= mu) return kInf;
  return -std::log1p(-p) / (mu - lambda);
}

}  // namespace tiersim::analytic
