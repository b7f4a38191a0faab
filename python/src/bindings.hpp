// One registration function per binding area; module.cpp calls them all.
#pragma once

#include <pybind11/pybind11.h>

namespace tiersim::python {

void bind_run(pybind11::module_& m);

}  // namespace tiersim::python

void bind_analytic(pybind11::module_& m);
