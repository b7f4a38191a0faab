// Independent, reproducible random streams derived from one model seed.
#pragma once

#include <boost/random/mersenne_twister.hpp>
#include <cstdint>

namespace tiersim {

/// The engine behind every stream: Boost's 64-bit Mersenne Twister, whose
/// output is identical on every platform and standard library.
using RandomEngine = boost::random::mt19937_64;

/// Mixes a 64-bit value (SplitMix64 finaliser): nearby inputs give unrelated outputs.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Seed of stream `stream` in replication `replication` of a model seeded `seed`.
/// Each (seed, replication, stream) triple names its own generator, so adding a
/// station or a replication never shifts the numbers another stream draws.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t replication,
                                    std::uint64_t stream) noexcept {
  return mix64(mix64(mix64(seed) ^ replication) + 0x632be59bd9b4e019ULL * (stream + 1));
}

/// Creates the engine of one stream.
inline RandomEngine make_stream(std::uint64_t seed, std::uint64_t replication,
                                std::uint64_t stream) {
  return RandomEngine(derive_seed(seed, replication, stream));
}

}  // namespace tiersim
