// Running models: JSON text in, results JSON text out. The core runs on a
// worker thread with the GIL released; the calling thread keeps the GIL-side
// work (progress callbacks, Ctrl-C) so every Python call happens where Python
// expects it.
#include <pybind11/functional.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "bindings.hpp"
#include "tiersim/analytic/operational.hpp"
#include "tiersim/model/compiled_model.hpp"
#include "tiersim/model/loader.hpp"
#include "tiersim/report/verdict.hpp"
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

CompiledModel compile_json(const std::string& model_json, const std::string& overrides_json) {
  try {
    ModelSpec spec = parse_model(model_json);
    nlohmann::json overrides;
    try {
      overrides = nlohmann::json::parse(overrides_json);
    } catch (const nlohmann::json::exception& e) {
      throw ModelError("overrides", std::string("not valid JSON: ") + e.what());
    }
    if (!overrides.is_null() && !overrides.empty()) apply_run_overrides(spec.run, overrides, "run");
    return compile(spec);
  } catch (const ModelError& e) {
    raise_model_error(e);
  }
}

std::string run(const std::string& model_json, const std::string& overrides_json,
                const std::function<void(int, int)>& progress) {
  CompiledModel model = compile_json(model_json, overrides_json);

  std::atomic<bool> cancel{false};
  std::atomic<int> done{0};
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  ExperimentResult result;
  std::exception_ptr failure;

  RunHooks hooks;
  hooks.cancel = &cancel;
  hooks.progress = [&](int d, int) {
    done.store(d);
    cv.notify_all();
  };
  std::thread worker;
  {
    py::gil_scoped_release release;
    worker = std::thread([&] {
      try {
        result = run_experiment(model, hooks);
      } catch (...) {
        failure = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mu);
      finished = true;
      cv.notify_all();
    });
  }

  // Poll for Ctrl-C and report progress from this (the calling) thread.
  const int total = model.spec.run.replications;
  int reported = 0;
  bool interrupted = false;
  py::object callback_error;
  for (;;) {
    bool over;
    {
      py::gil_scoped_release release;
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, std::chrono::milliseconds(100));
      over = finished;
    }
    if (!interrupted && PyErr_CheckSignals() != 0) {
      // A KeyboardInterrupt: stop every replication, keep what they measured.
      PyErr_Clear();
      interrupted = true;
      cancel.store(true);
    }
    int now_done = done.load();
    if (progress && now_done > reported && !callback_error) {
      reported = now_done;
      try {
        progress(now_done, total);
      } catch (py::error_already_set& e) {
        callback_error = py::reinterpret_borrow<py::object>(e.value());
        cancel.store(true);
      }
    }
    if (over) break;
  }
  {
    py::gil_scoped_release release;
    worker.join();
  }
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const ModelError& e) {
      raise_model_error(e);
    }
  }
  if (callback_error) {
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(callback_error.ptr())),
                    callback_error.ptr());
    throw py::error_already_set();
  }
  if (interrupted) result.run.interrupted = true;
  return to_json(result).dump();
}

void check(const std::string& model_json, const std::string& overrides_json) {
  compile_json(model_json, overrides_json);
}

std::string analyze(const std::string& model_json, const std::string& overrides_json) {
  CompiledModel model = compile_json(model_json, overrides_json);
  auto out = analytic::to_json(analytic::analyze(model));
  out["structure"] = structure_json(model);  // for the layered solver (analysis.py)
  return out.dump();
}

}  // namespace

void bind_run(py::module_& m) {
  static py::exception<ModelError> model_error(m, "ModelError", PyExc_ValueError);
  g_model_error = model_error.ptr();
  model_error.attr("path") = "";
  m.def("run_json", &run, py::arg("model_json"), py::arg("overrides_json") = "{}",
        py::arg("progress") = nullptr,
        "Run a model given as JSON text; returns the results as JSON text. Ctrl-C stops\n"
        "the run and returns what was measured, with run.interrupted set.");
  m.def("analyze_json", &analyze, py::arg("model_json"), py::arg("overrides_json") = "{}",
        "Operational analysis of a model (demands, bounds, MVA, caveats) as JSON text;\n"
        "no simulation. Raises ModelError naming the field.");
  m.def("check_json", &check, py::arg("model_json"), py::arg("overrides_json") = "{}",
        "Validate a model given as JSON text; raises ModelError naming the field.");
}

}  // namespace tiersim::python
