// Running models: JSON text in, results JSON text out, the GIL released
// while the core works.
#include <pybind11/functional.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>

#include "bindings.hpp"
#include "tiersim/model/compiled_model.hpp"
#include "tiersim/model/loader.hpp"
#include "tiersim/sim/experiment.hpp"

namespace py = pybind11;

namespace tiersim::python {
namespace {

// Raised as tiersim._core.ModelError (a ValueError) with a `path` attribute.
PyObject* g_model_error = nullptr;

[[noreturn]] void raise_model_error(const ModelError& e) {
  py::object cls = py::reinterpret_borrow<py::object>(g_model_error);
  py::object err = cls(e.what());
  err.attr("path") = e.path();
  PyErr_SetObject(g_model_error, err.ptr());
  throw py::error_already_set();
}

std::string run(const std::string& model_json, const std::string& overrides_json,
                const std::function<void(int, int)>& progress) {
  ModelSpec spec;
  CompiledModel model;
  try {
    spec = parse_model(model_json);
    nlohmann::json overrides = nlohmann::json::parse(overrides_json);
    if (!overrides.empty()) apply_run_overrides(spec.run, overrides, "run");
    model = compile(spec);
  } catch (const ModelError& e) {
    raise_model_error(e);
  } catch (const nlohmann::json::exception& e) {
    raise_model_error(ModelError("overrides", e.what()));
  }

  std::atomic<bool> cancel{false};
  RunHooks hooks;
  hooks.cancel = &cancel;
  // The progress callback also polls for Ctrl-C: a KeyboardInterrupt stops
  // every replication and the partial results come back flagged.
  bool interrupted_by_signal = false;
  hooks.progress = [&](int done, int total) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      PyErr_Clear();
      interrupted_by_signal = true;
      cancel.store(true);
      return;
    }
    if (progress) {
      try {
        progress(done, total);
      } catch (py::error_already_set&) {
        cancel.store(true);
      }
    }
  };
  ExperimentResult result;
  {
    py::gil_scoped_release release;
    result = run_experiment(model, hooks);
  }
  if (interrupted_by_signal) result.run.interrupted = true;
  return to_json(result).dump();
}

void check(const std::string& model_json) {
  try {
    compile(parse_model(model_json));
  } catch (const ModelError& e) {
    raise_model_error(e);
  }
}

}  // namespace

void bind_run(py::module_& m) {
  static py::exception<ModelError> model_error(m, "ModelError", PyExc_ValueError);
  g_model_error = model_error.ptr();
  model_error.attr("path") = "";
  m.def("run_json", &run, py::arg("model_json"), py::arg("overrides_json") = "{}",
        py::arg("progress") = nullptr,
        "Run a model given as JSON text; returns the results as JSON text.");
  m.def("check_json", &check, py::arg("model_json"),
        "Validate a model given as JSON text; raises ModelError naming the field.");
}

}  // namespace tiersim::python
