// Distribution factories (parameter checks, moments) and sampling.
#include "tiersim/random/distribution.hpp"

#include <algorithm>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/gamma_distribution.hpp>
#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace tiersim {
namespace {

[[noreturn]] void bad(const std::string& dist, const std::string& param, double value,
                      const std::string& expected) {
  std::ostringstream os;
  os << dist << ": " << param << " = " << value << " is invalid; expected " << expected;
  throw std::invalid_argument(os.str());
}

void require_positive(const char* dist, const char* param, double v) {
  if (!(std::isfinite(v) && v > 0)) bad(dist, param, v, "a finite number > 0");
}

void require_non_negative(const char* dist, const char* param, double v) {
  if (!(std::isfinite(v) && v >= 0)) bad(dist, param, v, "a finite number >= 0");
}

// Every distribution's mean and second moment must be finite numbers (a Pareto
// with alpha <= 2 has an infinite variance by design): the engine sums drawn
// values and the analysis uses both moments, so an overflow there would turn
// into silent zeros or NaNs downstream.
Distribution finite_moments(const char* dist, Distribution d) {
  if (!std::isfinite(d.mean()))
    throw std::invalid_argument(std::string(dist) + ": the mean overflows (is " +
                                std::to_string(d.mean()) +
                                "); expected values whose mean is "
                                "a finite number");
  const bool heavy_tail = d.kind() == Distribution::Kind::kPareto;
  if (!heavy_tail && !std::isfinite(d.second_moment())) {
    std::ostringstream os;
    os << dist << ": the second moment overflows (mean " << d.mean()
       << "); expected values whose square is a finite number";
    throw std::invalid_argument(os.str());
  }
  return d;
}

// Uniform on (0, 1]: safe to take the log of or divide by.
double open_uniform(RandomEngine& eng) { return 1.0 - boost::random::uniform_01<double>()(eng); }

}  // namespace

Distribution Distribution::deterministic(double value) {
  require_non_negative("deterministic", "value", value);
  Distribution d;
  d.kind_ = Kind::kDeterministic;
  d.p0_ = value;
  d.mean_ = value;
  d.variance_ = 0;
  return finite_moments("deterministic", d);
}

Distribution Distribution::exponential(double mean) {
  require_positive("exponential", "mean", mean);
  if (!std::isfinite(1.0 / mean))
    bad("exponential", "mean", mean, "a mean whose rate 1/mean is finite");
  Distribution d;
  d.kind_ = Kind::kExponential;
  d.p0_ = 1.0 / mean;
  d.mean_ = mean;
  d.variance_ = mean * mean;
  return finite_moments("exponential", d);
}

Distribution Distribution::uniform(double low, double high) {
  require_non_negative("uniform", "low", low);
  require_non_negative("uniform", "high", high);
  if (!(high >= low)) bad("uniform", "high", high, "high >= low");
  Distribution d;
  d.kind_ = Kind::kUniform;
  d.p0_ = low;
  d.p1_ = high;
  d.mean_ = (low + high) / 2;
  if (!std::isfinite(d.mean_)) d.mean_ = low / 2 + high / 2;  // two huge bounds: no overflow
  d.variance_ = (high - low) * (high - low) / 12;
  return finite_moments("uniform", d);
}

Distribution Distribution::erlang(int k, double mean) {
  if (k < 1 || k > 1000000) bad("erlang", "k", k, "an integer from 1 to 1000000");
  require_positive("erlang", "mean", mean);
  Distribution d;
  d.kind_ = Kind::kErlang;
  d.p0_ = k;
  d.p1_ = mean / k;  // phase mean
  if (!(d.p1_ > 0)) bad("erlang", "mean", mean, "a mean whose phase mean mean/k is > 0");
  d.mean_ = mean;
  d.variance_ = mean * mean / k;
  return finite_moments("erlang", d);
}

Distribution Distribution::hyperexponential(double mean, double scv) {
  require_positive("hyperexponential", "mean", mean);
  if (!(std::isfinite(scv) && scv >= 1)) bad("hyperexponential", "scv", scv, "a number >= 1");
  // Balanced means (p1/mu1 = p2/mu2) fix the two phases from mean and SCV.
  double p = 0.5 * (1 + std::sqrt((scv - 1) / (scv + 1)));
  return hyperexponential2(p, mean / (2 * p), mean / (2 * (1 - p)));
}

Distribution Distribution::hyperexponential2(double p, double mean1, double mean2) {
  if (!(p >= 0 && p <= 1)) bad("hyperexponential", "p", p, "a probability in [0, 1]");
  require_positive("hyperexponential", "mean1", mean1);
  require_positive("hyperexponential", "mean2", mean2);
  Distribution d;
  d.kind_ = Kind::kHyperexponential;
  d.p0_ = p;
  d.p1_ = mean1;
  d.p2_ = mean2;
  d.mean_ = p * mean1 + (1 - p) * mean2;
  double m2 = 2 * (p * mean1 * mean1 + (1 - p) * mean2 * mean2);
  d.variance_ = m2 - d.mean_ * d.mean_;
  return finite_moments("hyperexponential", d);
}

Distribution Distribution::lognormal(double mean, double cv) {
  require_positive("lognormal", "mean", mean);
  require_positive("lognormal", "cv", cv);
  Distribution d;
  d.kind_ = Kind::kLognormal;
  double s2 = std::log1p(cv * cv);
  d.p0_ = std::log(mean) - s2 / 2;  // mu of the underlying normal
  d.p1_ = std::sqrt(s2);            // sigma of the underlying normal
  if (!std::isfinite(d.p0_) || !std::isfinite(d.p1_))
    bad("lognormal", "cv", cv, "a cv whose underlying normal has finite parameters");
  d.mean_ = mean;
  d.variance_ = (cv * mean) * (cv * mean);
  return finite_moments("lognormal", d);
}

Distribution Distribution::pareto(double alpha, double mean) {
  if (!(std::isfinite(alpha) && alpha > 1)) bad("pareto", "alpha", alpha, "a number > 1");
  require_positive("pareto", "mean", mean);
  Distribution d;
  d.kind_ = Kind::kPareto;
  d.p0_ = alpha;
  d.p1_ = mean * (alpha - 1) / alpha;  // scale x_m
  if (!(d.p1_ > 0)) bad("pareto", "mean", mean, "a mean whose scale mean (alpha-1)/alpha is > 0");
  d.mean_ = mean;
  d.variance_ = alpha > 2 ? d.p1_ * d.p1_ * alpha / ((alpha - 1) * (alpha - 1) * (alpha - 2))
                          : std::numeric_limits<double>::infinity();
  return finite_moments("pareto", d);
}

Distribution Distribution::empirical_samples(std::vector<double> samples) {
  if (samples.empty())
    throw std::invalid_argument("empirical: samples is empty; expected at least one value");
  double sum = 0, sum2 = 0;
  for (double v : samples) {
    require_non_negative("empirical", "sample", v);
    sum += v;
    sum2 += v * v;
  }
  Distribution d;
  d.kind_ = Kind::kEmpiricalSamples;
  double n = static_cast<double>(samples.size());
  d.mean_ = sum / n;
  d.variance_ = std::max(0.0, sum2 / n - d.mean_ * d.mean_);
  d.xs_ = std::make_shared<const std::vector<double>>(std::move(samples));
  return finite_moments("empirical", d);
}

Distribution Distribution::empirical_cdf(std::vector<double> x, std::vector<double> cdf) {
  if (x.size() < 2 || x.size() != cdf.size())
    throw std::invalid_argument(
        "empirical: cdf needs at least two points [x, F], with as many F values as x values");
  for (std::size_t i = 0; i < x.size(); ++i) {
    require_non_negative("empirical", "cdf x", x[i]);
    if (!(cdf[i] >= 0 && cdf[i] <= 1)) bad("empirical", "cdf F", cdf[i], "a value in [0, 1]");
    if (i > 0 && !(x[i] > x[i - 1])) bad("empirical", "cdf x", x[i], "strictly increasing x");
    if (i > 0 && !(cdf[i] >= cdf[i - 1])) bad("empirical", "cdf F", cdf[i], "non-decreasing F");
  }
  if (cdf.front() != 0) bad("empirical", "cdf F[0]", cdf.front(), "0");
  if (cdf.back() != 1) bad("empirical", "cdf F[last]", cdf.back(), "1");
  // Piecewise-uniform density between points: exact first two moments.
  double m1 = 0, m2 = 0;
  for (std::size_t i = 1; i < x.size(); ++i) {
    double w = cdf[i] - cdf[i - 1], a = x[i - 1], b = x[i];
    m1 += w * (a + b) / 2;
    m2 += w * (a * a + a * b + b * b) / 3;
  }
  Distribution d;
  d.kind_ = Kind::kEmpiricalCdf;
  d.mean_ = m1;
  d.variance_ = std::max(0.0, m2 - m1 * m1);
  d.xs_ = std::make_shared<const std::vector<double>>(std::move(x));
  d.fs_ = std::make_shared<const std::vector<double>>(std::move(cdf));
  return finite_moments("empirical", d);
}

double Distribution::sample_other(RandomEngine& eng) const {
  switch (kind_) {
    case Kind::kDeterministic:
      return p0_;
    case Kind::kExponential:
      return boost::random::exponential_distribution<double>(p0_)(eng);
    case Kind::kUniform:
      // Boost needs low < high: with low == high it asserts, or without
      // assertions loops forever waiting for a draw below high.
      if (!(p1_ > p0_)) return p0_;
      return boost::random::uniform_real_distribution<double>(p0_, p1_)(eng);
    case Kind::kErlang:
      return boost::random::gamma_distribution<double>(p0_, p1_)(eng);
    case Kind::kHyperexponential: {
      double m = boost::random::uniform_01<double>()(eng) < p0_ ? p1_ : p2_;
      return boost::random::exponential_distribution<double>(1.0 / m)(eng);
    }
    case Kind::kLognormal:
      return boost::random::lognormal_distribution<double>(p0_, p1_)(eng);
    case Kind::kPareto:
      return p1_ / std::pow(open_uniform(eng), 1.0 / p0_);
    case Kind::kEmpiricalSamples: {
      const auto& xs = *xs_;
      boost::random::uniform_int_distribution<std::size_t> pick(0, xs.size() - 1);
      return xs[pick(eng)];
    }
    case Kind::kEmpiricalCdf: {
      const auto& xs = *xs_;
      const auto& fs = *fs_;
      double u = boost::random::uniform_01<double>()(eng);
      auto it = std::upper_bound(fs.begin(), fs.end(), u);
      std::size_t i = static_cast<std::size_t>(it - fs.begin());
      if (i == 0) return xs.front();
      if (i >= fs.size()) return xs.back();
      double f0 = fs[i - 1], f1 = fs[i];
      return xs[i - 1] + (xs[i] - xs[i - 1]) * (u - f0) / (f1 - f0);
    }
  }
  return 0;
}

double Distribution::scv() const noexcept { return mean_ > 0 ? variance_ / (mean_ * mean_) : 0; }

std::string Distribution::describe() const {
  std::ostringstream os;
  switch (kind_) {
    case Kind::kDeterministic:
      os << "deterministic(" << p0_ << ")";
      break;
    case Kind::kExponential:
      os << "exponential(mean=" << mean_ << ")";
      break;
    case Kind::kUniform:
      os << "uniform(" << p0_ << ", " << p1_ << ")";
      break;
    case Kind::kErlang:
      os << "erlang(k=" << p0_ << ", mean=" << mean_ << ")";
      break;
    case Kind::kHyperexponential:
      os << "hyperexponential(mean=" << mean_ << ", scv=" << scv() << ")";
      break;
    case Kind::kLognormal:
      os << "lognormal(mean=" << mean_ << ", cv=" << std::sqrt(scv()) << ")";
      break;
    case Kind::kPareto:
      os << "pareto(alpha=" << p0_ << ", mean=" << mean_ << ")";
      break;
    case Kind::kEmpiricalSamples:
      os << "empirical(" << xs_->size() << " samples, mean=" << mean_ << ")";
      break;
    case Kind::kEmpiricalCdf:
      os << "empirical(cdf of " << xs_->size() << " points, mean=" << mean_ << ")";
      break;
  }
  return os.str();
}

Distribution Distribution::scaled(double f) const {
  require_positive("scaled", "factor", f);
  Distribution d = *this;
  d.mean_ *= f;
  d.variance_ *= f * f;
  switch (kind_) {
    case Kind::kDeterministic:
      d.p0_ *= f;
      break;
    case Kind::kExponential:
      d.p0_ /= f;  // a rate
      break;
    case Kind::kUniform:
      d.p0_ *= f;
      d.p1_ *= f;
      break;
    case Kind::kErlang:
      d.p1_ *= f;
      break;
    case Kind::kHyperexponential:
      d.p1_ *= f;
      d.p2_ *= f;
      break;
    case Kind::kLognormal:
      d.p0_ += std::log(f);
      break;
    case Kind::kPareto:
      d.p1_ *= f;
      break;
    case Kind::kEmpiricalSamples:
    case Kind::kEmpiricalCdf: {
      auto xs = *xs_;
      for (double& v : xs) v *= f;
      d.xs_ = std::make_shared<const std::vector<double>>(std::move(xs));
      break;
    }
  }
  return d;
}

}  // namespace tiersim
