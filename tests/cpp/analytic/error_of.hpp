// For the analytic tests: the message of the std::invalid_argument a call throws.
#pragma once

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace tiersim::analytic::test_support {

// Runs f, expects std::invalid_argument, and returns its message.
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected std::invalid_argument";
  return {};
}

}  // namespace tiersim::analytic::test_support
