// Counts calls to the global operator new, so a benchmark can show that a
// loop allocates nothing (the counting operators live in alloc_counter.cpp).
#pragma once

#include <cstdint>

namespace tiersim::bench {

/// Number of global operator new calls (every form, all threads) since start-up.
std::uint64_t allocation_count() noexcept;

}  // namespace tiersim::bench
