// Hand-written reference simulations: the performance "limit" the engine is
// measured against. Same RNG as the engine (RandomEngine streams, Boost's
// exponential_distribution), no generality, no statistics beyond a mean.
#pragma once

#include <cstdint>

namespace tiersim::bench {

/// What a reference loop measured.
struct ReferenceResult {
  double mean_response = 0;       ///< mean end-to-end response of completed customers (s)
  std::uint64_t completions = 0;  ///< customers that left the system
  std::uint64_t events = 0;       ///< events processed (Lindley: 2 per customer, see below)
};

/// M/M/1 FCFS by the Lindley recursion W_{n+1} = max(0, W_n + S_n - A_{n+1}),
/// over `customers` customers starting empty. No event set at all, so this is
/// the floor for any M/M/1 simulation; `events` is reported as 2 per customer
/// (the arrival and departure an event-driven simulator would process).
/// Rates per second; arrivals use stream 0 and services stream 1 of `seed`.
ReferenceResult lindley_mm1(double lambda, double mu, std::uint64_t customers, std::uint64_t seed);

/// M/M/1 FCFS as a minimal event loop: a binary heap (std::push_heap on a
/// vector) of 16-byte events and a ring buffer of arrival times. Processes
/// exactly `events` events starting empty. Streams as in lindley_mm1.
ReferenceResult hand_loop_mm1(double lambda, double mu, std::uint64_t events, std::uint64_t seed);

/// hand_loop_mm1 with the engine's own parts added one level at a time, each
/// reached directly as a loop written for this model would: the gap between
/// the engine and the plain loop split into what its parts cost and what the
/// general model walk costs. `parts`: 0 the plain loop (hand_loop_mm1); 1 the
/// engine's EventSet (three lanes, 128-bit keys, a pending stop event) instead
/// of the binary heap; 2 + a record per customer from a free list, service
/// drawn on arrival, a FIFO of ids; 3 + the station's time-weighted areas and
/// the step's and class's counters; 4 + a ResponseHistogram fill per
/// completion. For one seed every level simulates the same trajectory (same
/// draws, same order) and reports the same mean response; the benchmark
/// checks this against level 0 on every run.
ReferenceResult hand_loop_mm1_parts(int parts, double lambda, double mu, std::uint64_t events,
                                    std::uint64_t seed);

/// A tandem of `stations` M/M/1 FCFS stations, each of rate `mu`, fed by a
/// Poisson stream of rate `lambda`; the same hand loop as hand_loop_mm1 with
/// one FIFO per station. Arrivals use stream 0, station k stream k + 1.
/// Theory: mean response = stations / (mu - lambda).
ReferenceResult hand_loop_tandem(double lambda, double mu, int stations, std::uint64_t events,
                                 std::uint64_t seed);

/// The 3-tier model of examples/models/three_tier.yaml (100 users, think
/// exp(1 s); web 20 threads on 4 PS cores, exp(2 ms); app 10 threads on 4
/// cores, exp(10 ms); two calls to db, 5 threads on 2 cores, exp(5 ms), each
/// with one FCFS disk read exp(8 ms)) written for that model alone: binary
/// heaps of 16-byte events (with `thinkers_apart` one for the thinking users
/// and one for the rest, as the engine keeps them; else one for all), PS
/// in virtual time with a superseded completion left in the heap and skipped,
/// pools as counters with FIFOs of waiters.
/// Runs `until` simulated seconds from all users thinking. Streams: think 0,
/// web 1, app 2, db and disk of the first call 3 and 4, of the second 5 and 6.
/// `completions` are user cycles. Bound analysis: X -> 62.5/s, R -> 0.6 s.
ReferenceResult hand_loop_three_tier(double until, std::uint64_t seed, bool thinkers_apart);

}  // namespace tiersim::bench
