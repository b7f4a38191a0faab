// The private compiled module tiersim._core; the public API is the Python
// package around it.
#include "bindings.hpp"

#ifndef TIERSIM_VERSION
#define TIERSIM_VERSION "0.0.0"
#endif

PYBIND11_MODULE(_core, m) {
  m.doc() = "tiersim's compiled core (private: use the tiersim package)";
  m.attr("__version__") = TIERSIM_VERSION;
  tiersim::python::bind_run(m);
  bind_analytic(m);
}
