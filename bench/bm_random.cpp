// Cost of randomness: raw engine draws and one sample() of each Distribution.
#include <benchmark/benchmark.h>

#include <boost/random/exponential_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <cmath>
#include <cstddef>
#include <vector>

#include "tiersim/random/distribution.hpp"
#include "tiersim/random/stream.hpp"

namespace {

using tiersim::Distribution;
using tiersim::RandomEngine;

void BM_RngRaw(benchmark::State& state) {
  RandomEngine engine = tiersim::make_stream(1, 0, 0);
  for (auto _ : state) benchmark::DoNotOptimize(engine());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RngRaw);

void BM_RngUniform01(benchmark::State& state) {
  RandomEngine engine = tiersim::make_stream(1, 0, 0);
  boost::random::uniform_01<double> u;
  for (auto _ : state) benchmark::DoNotOptimize(u(engine));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RngUniform01);

// Boost's exponential called directly: what Distribution::exponential costs
// without the dispatch in sample().
void BM_RngExponential(benchmark::State& state) {
  RandomEngine engine = tiersim::make_stream(1, 0, 0);
  boost::random::exponential_distribution<double> e(1.0);
  for (auto _ : state) benchmark::DoNotOptimize(e(engine));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RngExponential);

// An Erlang-4 draw as -mean/k * ln(U1 U2 U3 U4): the cheap alternative to the
// gamma sampler Distribution::erlang uses, for comparison.
void BM_RngErlang4ByUniforms(benchmark::State& state) {
  RandomEngine engine = tiersim::make_stream(1, 0, 0);
  boost::random::uniform_01<double> u;
  constexpr int kPhases = 4;
  constexpr double kPhaseMean = 1.0 / kPhases;
  for (auto _ : state) {
    double product = 1.0;
    for (int i = 0; i < kPhases; ++i) product *= 1.0 - u(engine);
    benchmark::DoNotOptimize(-kPhaseMean * std::log(product));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RngErlang4ByUniforms);

// A deterministic stand-in for a recorded trace: 1000 response-like values.
std::vector<double> trace_samples() {
  std::vector<double> xs;
  xs.reserve(1000);
  for (std::size_t i = 0; i < 1000; ++i)
    xs.push_back(0.001 * (1.0 + static_cast<double>((i * 7919) % 1000)));
  return xs;
}

void BM_DistributionSample(benchmark::State& state, const Distribution& dist) {
  RandomEngine engine = tiersim::make_stream(1, 0, 0);
  double sum = 0;
  for (auto _ : state) {
    sum += dist.sample(engine);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  // A gross error in a sampler shows here before it shows anywhere else.
  state.counters["sample_mean"] = sum / static_cast<double>(state.iterations());
  state.counters["expected_mean"] = dist.mean();
}
BENCHMARK_CAPTURE(BM_DistributionSample, deterministic, Distribution::deterministic(1.0));
BENCHMARK_CAPTURE(BM_DistributionSample, exponential, Distribution::exponential(1.0));
BENCHMARK_CAPTURE(BM_DistributionSample, uniform, Distribution::uniform(0.0, 2.0));
BENCHMARK_CAPTURE(BM_DistributionSample, erlang_k4, Distribution::erlang(4, 1.0));
BENCHMARK_CAPTURE(BM_DistributionSample, hyperexponential_scv4,
                  Distribution::hyperexponential(1.0, 4.0));
BENCHMARK_CAPTURE(BM_DistributionSample, lognormal_cv1, Distribution::lognormal(1.0, 1.0));
BENCHMARK_CAPTURE(BM_DistributionSample, pareto_alpha2_5, Distribution::pareto(2.5, 1.0));
BENCHMARK_CAPTURE(BM_DistributionSample, empirical_samples_1000,
                  Distribution::empirical_samples(trace_samples()));
BENCHMARK_CAPTURE(BM_DistributionSample, empirical_cdf_5pt,
                  Distribution::empirical_cdf({0.0, 0.5, 1.0, 2.0, 4.0},
                                              {0.0, 0.3, 0.7, 0.95, 1.0}));

}  // namespace
