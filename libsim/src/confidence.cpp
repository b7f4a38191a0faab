// Student-t intervals (Boost.Math) and MSER truncation.
#include "tiersim/stats/confidence.hpp"

#include <array>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

namespace tiersim {

namespace {

// The Student-t quantile for an interval at `level` with `df` degrees of
// freedom. A summary asks for the same one for every metric of every
// station (thousands of rows for a tier of many replicas), and Boost's
// inverse is slow, so the last few are remembered, per thread.
double t_quantile(std::size_t df, double level) {
  struct Known {
    std::size_t df;
    double level, q;
  };
  thread_local std::array<Known, 4> known{};
  thread_local std::size_t next = 0;
  for (const Known& k : known)
    if (k.df == df && k.level == level && k.df != 0) return k.q;
  boost::math::students_t t(static_cast<double>(df));
  const double q = boost::math::quantile(t, 0.5 + level / 2);
  known[next++ % known.size()] = {df, level, q};
  return q;
}

}  // namespace

Estimate estimate(const std::vector<double>& obs, double level) {
  double sum = 0;
  std::size_t n = 0;
  for (double x : obs)
    if (std::isfinite(x)) {
      sum += x;
      ++n;
    }
  Estimate e;
  if (n == 0) {
    e.mean = e.lo = e.hi = std::numeric_limits<double>::quiet_NaN();
    return e;
  }
  e.mean = sum / static_cast<double>(n);
  e.lo = e.hi = e.mean;
  if (n < 2) return e;
  double ss = 0;
  for (double x : obs)
    if (std::isfinite(x)) ss += (x - e.mean) * (x - e.mean);
  double sd = std::sqrt(ss / static_cast<double>(n - 1));
  double h = t_quantile(n - 1, level) * sd / std::sqrt(static_cast<double>(n));
  e.lo = e.mean - h;
  e.hi = e.mean + h;
  return e;
}

std::size_t mser_truncation(const std::vector<double>& x) {
  const std::size_t n = x.size();
  if (n < 4) return 0;
  // Suffix sums give the mean and variance of x[d..n) for every d in O(n).
  std::vector<double> s1(n + 1, 0), s2(n + 1, 0);
  for (std::size_t i = n; i-- > 0;) {
    s1[i] = s1[i + 1] + x[i];
    s2[i] = s2[i + 1] + x[i] * x[i];
  }
  std::size_t best = 0;
  double best_v = std::numeric_limits<double>::infinity();
  for (std::size_t d = 0; d <= n / 2; ++d) {
    double m = static_cast<double>(n - d);
    double mean = s1[d] / m;
    double ss = std::max(0.0, s2[d] - m * mean * mean);
    double v = ss / (m * m);
    if (v < best_v) {
      best_v = v;
      best = d;
    }
  }
  return best;
}

}  // namespace tiersim
