// Service, interarrival and delay distributions: a small closed family of
// value types, each knowing its mean and variance.
#pragma once

#include <boost/random/exponential_distribution.hpp>
#include <memory>
#include <string>
#include <vector>

#include "tiersim/random/stream.hpp"

namespace tiersim {

/// A non-negative random variable. Immutable once built, so one instance can
/// be sampled from many threads, each with its own engine. Factories throw
/// std::invalid_argument naming the bad parameter.
class Distribution {
 public:
  enum class Kind {
    kDeterministic,
    kExponential,
    kUniform,
    kErlang,
    kHyperexponential,
    kLognormal,
    kPareto,
    kEmpiricalSamples,
    kEmpiricalCdf,
  };

  /// A constant 0: a step that takes no time.
  Distribution() = default;

  static Distribution deterministic(double value);
  static Distribution exponential(double mean);
  static Distribution uniform(double low, double high);
  /// Sum of `k` exponential phases with total mean `mean` (SCV = 1/k).
  static Distribution erlang(int k, double mean);
  /// Two-phase hyperexponential with balanced means, fitted to mean and SCV >= 1.
  static Distribution hyperexponential(double mean, double scv);
  /// Two-phase hyperexponential with explicit branch probability and phase means.
  static Distribution hyperexponential2(double p, double mean1, double mean2);
  /// Lognormal with the given mean and coefficient of variation.
  static Distribution lognormal(double mean, double cv);
  /// Pareto with shape `alpha` > 1 and the given mean (scale = mean (alpha-1)/alpha).
  static Distribution pareto(double alpha, double mean);
  /// Picks uniformly among recorded samples (a trace).
  static Distribution empirical_samples(std::vector<double> samples);
  /// Inverts a piecewise-linear CDF given as increasing points (x_i, F_i),
  /// F from 0 to 1.
  static Distribution empirical_cdf(std::vector<double> x, std::vector<double> cdf);

  /// Draws one value using `engine`. The two commonest kinds are drawn inline:
  /// a call per draw was a tenth of an M/M/1 event.
  [[gnu::always_inline]] double sample(RandomEngine& engine) const {
    if (kind_ == Kind::kExponential)
      return boost::random::exponential_distribution<double>(p0_)(engine);
    if (kind_ == Kind::kDeterministic) return p0_;
    return sample_other(engine);
  }

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  [[nodiscard]] double mean() const noexcept { return mean_; }
  /// Variance; +infinity for a Pareto with alpha <= 2.
  [[nodiscard]] double variance() const noexcept { return variance_; }
  /// Squared coefficient of variation Var/mean^2 (0 when the mean is 0).
  [[nodiscard]] double scv() const noexcept;
  /// Second moment E[S^2].
  [[nodiscard]] double second_moment() const noexcept { return variance_ + mean_ * mean_; }
  /// A short human form, e.g. "exponential(mean=0.002)".
  [[nodiscard]] std::string describe() const;
  /// The same distribution with every value multiplied by `factor` > 0.
  [[nodiscard]] Distribution scaled(double factor) const;

 private:
  double sample_other(RandomEngine& engine) const;

  Kind kind_ = Kind::kDeterministic;
  double p0_ = 0, p1_ = 0, p2_ = 0;  // kind-specific parameters
  double mean_ = 0, variance_ = 0;
  std::shared_ptr<const std::vector<double>> xs_, fs_;  // empirical data
};

}  // namespace tiersim
