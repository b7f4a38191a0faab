// Bindings of tiersim::analytic as the submodule tiersim._core.analytic: closed-form queues,
// open networks, MVA and bounds. Results are classes with read-only attributes.
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <initializer_list>
#include <sstream>
#include <string>

#include "bindings.hpp"
#include "tiersim/analytic/bounds.hpp"
#include "tiersim/analytic/mva.hpp"
#include "tiersim/analytic/network.hpp"
#include "tiersim/analytic/single_station.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

namespace an = tiersim::analytic;

// The heavier solvers copy their arguments into C++ first, so other Python threads may run
// while they work.
using ReleaseGil = py::call_guard<py::gil_scoped_release>;

// "Name(a=1, b=2)" from the object's own attributes, so reprs never drift from the fields.
std::string fields_repr(const char* name, const py::object& self,
                        std::initializer_list<const char*> fields) {
  std::ostringstream os;
  os << name << "(";
  bool first = true;
  for (const char* f : fields) {
    os << (first ? "" : ", ") << f << "=" << py::str(py::repr(self.attr(f))).cast<std::string>();
    first = false;
  }
  os << ")";
  return os.str();
}

void bind_single_station(py::module_& a) {
  py::class_<an::QueueMetrics>(a, "QueueMetrics",
                               "Steady-state metrics of one station (times in s, rates in 1/s).")
      .def_readonly("utilization", &an::QueueMetrics::utilization,
                    "Busy fraction of each server, in [0, 1].")
      .def_readonly("throughput", &an::QueueMetrics::throughput, "Accepted jobs per second.")
      .def_readonly("mean_wait", &an::QueueMetrics::mean_wait, "Mean time in queue, s.")
      .def_readonly("mean_response", &an::QueueMetrics::mean_response,
                    "Mean time in station (wait + service), s.")
      .def_readonly("mean_queue_length", &an::QueueMetrics::mean_queue_length,
                    "Mean number waiting (not in service).")
      .def_readonly("mean_in_system", &an::QueueMetrics::mean_in_system, "Mean number present.")
      .def_readonly("prob_wait", &an::QueueMetrics::prob_wait,
                    "Probability an accepted arrival waits.")
      .def_readonly("loss_probability", &an::QueueMetrics::loss_probability,
                    "Probability an arrival is lost (finite buffers; else 0).")
      .def_readonly("stable", &an::QueueMetrics::stable,
                    "False when the queue grows without bound.")
      .def("__repr__", [](const py::object& self) {
        return fields_repr(
            "QueueMetrics", self,
            {"utilization", "throughput", "mean_wait", "mean_response", "mean_queue_length",
             "mean_in_system", "prob_wait", "loss_probability", "stable"});
      });

  py::class_<an::PriorityClass>(a, "PriorityClass",
                                "One class of a priority queue: rate (1/s), E[S] (s), E[S^2].")
      .def(py::init([](double lam, double mean, double second_moment) {
             return an::PriorityClass{lam, mean, second_moment};
           }),
           "lam"_a, "mean"_a, "second_moment"_a)
      .def_readonly("lam", &an::PriorityClass::lambda, "Arrival rate, 1/s.")
      .def_readonly("mean", &an::PriorityClass::mean, "E[S], s.")
      .def_readonly("second_moment", &an::PriorityClass::second_moment, "E[S^2], s^2.")
      .def("__repr__", [](const py::object& self) {
        return fields_repr("PriorityClass", self, {"lam", "mean", "second_moment"});
      });

  py::class_<an::PriorityResult>(a, "PriorityResult",
                                 "Per-class results of non-preemptive priority M/G/1.")
      .def_readonly("mean_wait", &an::PriorityResult::mean_wait, "W_k per class, s.")
      .def_readonly("mean_response", &an::PriorityResult::mean_response, "W_k + E[S_k], s.")
      .def_readonly("utilization", &an::PriorityResult::utilization, "rho_k per class.")
      .def_readonly("total_utilization", &an::PriorityResult::total_utilization, "sum rho_k.")
      .def_readonly("stable", &an::PriorityResult::stable, "False when sum rho_k >= 1.")
      .def("__repr__", [](const py::object& self) {
        return fields_repr(
            "PriorityResult", self,
            {"mean_wait", "mean_response", "utilization", "total_utilization", "stable"});
      });

  a.def("erlang_b", &an::erlang_b, "c"_a, "a"_a,
        "Erlang B blocking probability of c servers offered a erlangs.");
  a.def("erlang_c", &an::erlang_c, "c"_a, "a"_a,
        "Erlang C probability of waiting (1 when a >= c).");
  a.def("mm1", &an::mm1, "lam"_a, "mu"_a, "M/M/1 metrics.");
  a.def("mmc", &an::mmc, "lam"_a, "mu"_a, "c"_a, "M/M/c metrics (Erlang C).");
  a.def("mm1k", &an::mm1k, "lam"_a, "mu"_a, "K"_a, "M/M/1/K metrics (K jobs at most).");
  a.def("mmck_loss", &an::mmck_loss, "lam"_a, "mu"_a, "c"_a, "M/M/c/c Erlang loss system metrics.");
  a.def("mmck", &an::mmck, "lam"_a, "mu"_a, "c"_a, "K"_a, "M/M/c/K metrics (K >= c).");
  a.def("mg1", &an::mg1, "lam"_a, "mean_s"_a, "scv_s"_a, "M/G/1 FCFS (Pollaczek-Khinchine).");
  a.def("mg1_ps", &an::mg1_ps, "lam"_a, "mean_s"_a, "M/G/1 processor sharing.");
  a.def("priority_mg1", &an::priority_mg1, "classes"_a,
        "Non-preemptive priority M/G/1 (Cobham); class 0 is the highest priority.");
  a.def("kingman", &an::kingman, "rho"_a, "ca2"_a, "cs2"_a, "mean_s"_a,
        "Kingman's G/G/1 approximate mean wait in queue, s.");
  a.def("mm1_response_quantile", &an::mm1_response_quantile, "lam"_a, "mu"_a, "p"_a,
        "p-quantile of the M/M/1 FCFS response time, s.");
}

void bind_network(py::module_& a) {
  py::class_<an::JacksonResult>(a, "JacksonResult", "Results of an open Jackson network.")
      .def_readonly("arrival_rate", &an::JacksonResult::arrival_rate, "lambda_i, 1/s.")
      .def_readonly("visit_ratio", &an::JacksonResult::visit_ratio, "V_i per external arrival.")
      .def_readonly("utilization", &an::JacksonResult::utilization, "Per-server rho_i.")
      .def_readonly("mean_wait", &an::JacksonResult::mean_wait, "Wait per visit, s.")
      .def_readonly("mean_response", &an::JacksonResult::mean_response, "Response per visit, s.")
      .def_readonly("mean_in_system", &an::JacksonResult::mean_in_system, "L_i per station.")
      .def_readonly("total_arrival_rate", &an::JacksonResult::total_arrival_rate,
                    "sum(gamma), 1/s.")
      .def_readonly("end_to_end_response", &an::JacksonResult::end_to_end_response,
                    "R = sum V_i R_i, s.")
      .def_readonly("mean_in_network", &an::JacksonResult::mean_in_network, "sum L_i.")
      .def_readonly("stable", &an::JacksonResult::stable, "False if any station saturates.")
      .def("__repr__", [](const py::object& self) {
        return fields_repr(
            "JacksonResult", self,
            {"arrival_rate", "utilization", "mean_response", "end_to_end_response", "stable"});
      });

  a.def("solve_traffic", &an::solve_traffic, "P"_a, "gamma"_a,
        "Per-station arrival rates solving lambda = gamma + P^T lambda.");
  a.def("open_jackson", &an::open_jackson, "P"_a, "gamma"_a, "mu"_a, "servers"_a,
        "Open Jackson network of M/M/c stations.");
}

void bind_mva(py::module_& a) {
  py::class_<an::MvaResult>(a, "MvaResult",
                            "Exact single-class MVA: curves over n = 0..N, stations at N.")
      .def_readonly("throughput", &an::MvaResult::throughput, "X(n), n = 0..N, jobs/s.")
      .def_readonly("response", &an::MvaResult::response, "R(n), n = 0..N, s (no think).")
      .def_readonly("queue_length", &an::MvaResult::queue_length, "Q_k(N).")
      .def_readonly("residence_time", &an::MvaResult::residence_time, "R_k(N), s.")
      .def_readonly("utilization", &an::MvaResult::utilization, "Per-server U_k(N).")
      .def_readonly("marginal_probability", &an::MvaResult::marginal_probability,
                    "p_k(j|N), j = 0..N (exact_mva_ld only).")
      .def("__repr__", [](const an::MvaResult& r) {
        std::ostringstream os;
        os << "MvaResult(population=" << r.throughput.size() - 1
           << ", throughput[N]=" << r.throughput.back() << ", response[N]=" << r.response.back()
           << ", stations=" << r.queue_length.size() << ")";
        return os.str();
      });

  py::class_<an::ApproxMvaResult>(a, "ApproxMvaResult", "Single-class Schweitzer MVA at N.")
      .def_readonly("throughput", &an::ApproxMvaResult::throughput, "X(N), jobs/s.")
      .def_readonly("response", &an::ApproxMvaResult::response, "R(N), s (no think).")
      .def_readonly("queue_length", &an::ApproxMvaResult::queue_length, "Q_k(N).")
      .def_readonly("residence_time", &an::ApproxMvaResult::residence_time, "R_k(N), s.")
      .def_readonly("utilization", &an::ApproxMvaResult::utilization, "U_k = X D_k.")
      .def_readonly("iterations", &an::ApproxMvaResult::iterations, "Iterations used.")
      .def_readonly("converged", &an::ApproxMvaResult::converged, "Reached the tolerance.")
      .def("__repr__", [](const py::object& self) {
        return fields_repr("ApproxMvaResult", self,
                           {"throughput", "response", "iterations", "converged"});
      });

  py::class_<an::MultiClassMvaResult>(a, "MultiClassMvaResult",
                                      "Multi-class MVA at N; matrices are classes x stations.")
      .def_readonly("throughput", &an::MultiClassMvaResult::throughput, "X_c, jobs/s.")
      .def_readonly("response", &an::MultiClassMvaResult::response, "R_c, s (no think).")
      .def_readonly("queue_length", &an::MultiClassMvaResult::queue_length, "Q_ck.")
      .def_readonly("residence_time", &an::MultiClassMvaResult::residence_time, "R_ck, s.")
      .def_readonly("utilization", &an::MultiClassMvaResult::utilization, "U_ck = X_c D_ck.")
      .def_readonly("iterations", &an::MultiClassMvaResult::iterations, "Iterations (0 for exact).")
      .def_readonly("converged", &an::MultiClassMvaResult::converged, "Reached the tolerance.")
      .def("__repr__", [](const py::object& self) {
        return fields_repr("MultiClassMvaResult", self,
                           {"throughput", "response", "iterations", "converged"});
      });

  a.attr("MAX_MVA_LATTICE_POINTS") = an::kMaxMvaLatticePoints;
  a.def("exact_mva", &an::exact_mva, "demands"_a, "is_delay"_a, "think"_a, "population"_a,
        ReleaseGil(), "Exact single-class MVA.");
  a.def("exact_mva_ld", &an::exact_mva_ld, "demands"_a, "servers"_a, "is_delay"_a, "think"_a,
        "population"_a, ReleaseGil(), "Exact MVA with multi-server stations.");
  a.def("exact_mva_multiclass", &an::exact_mva_multiclass, "demands"_a, "is_delay"_a, "think"_a,
        "population"_a, ReleaseGil(), "Exact multi-class MVA.");
  a.def("schweitzer_mva", &an::schweitzer_mva, "demands"_a, "is_delay"_a, "think"_a, "population"_a,
        "tolerance"_a = 1e-10, "max_iterations"_a = 100000, ReleaseGil(),
        "Schweitzer approximate MVA, single class.");
  a.def("schweitzer_mva_multiclass", &an::schweitzer_mva_multiclass, "demands"_a, "is_delay"_a,
        "think"_a, "population"_a, "tolerance"_a = 1e-10, "max_iterations"_a = 100000, ReleaseGil(),
        "Schweitzer approximate MVA, multi-class.");
}

void bind_bounds(py::module_& a) {
  py::class_<an::Bounds>(a, "Bounds", "Asymptotic bounds of a closed network at population N.")
      .def_readonly("throughput_upper", &an::Bounds::throughput_upper, "min(N/(D+Z), 1/Dmax).")
      .def_readonly("throughput_lower", &an::Bounds::throughput_lower, "N/(N D + Z).")
      .def_readonly("response_lower", &an::Bounds::response_lower, "max(D, N Dmax - Z), s.")
      .def_readonly("response_upper", &an::Bounds::response_upper, "N D, s.")
      .def_readonly("n_star", &an::Bounds::n_star, "(D+Z)/Dmax.")
      .def_readonly("total_demand", &an::Bounds::total_demand, "D = sum D_k, s.")
      .def_readonly("max_demand", &an::Bounds::max_demand, "Dmax = max D_k/c_k, s.")
      .def_readonly("saturation_throughput", &an::Bounds::saturation_throughput, "1/Dmax.")
      .def_readonly("bottleneck", &an::Bounds::bottleneck, "Index of the bottleneck station.")
      .def("__repr__", [](const py::object& self) {
        return fields_repr(
            "Bounds", self,
            {"throughput_upper", "throughput_lower", "response_lower", "response_upper", "n_star",
             "total_demand", "max_demand", "saturation_throughput", "bottleneck"});
      });

  a.def("asymptotic_bounds", &an::asymptotic_bounds, "demands"_a, "servers"_a, "think"_a,
        "population"_a, "Asymptotic bounds of a closed network.");
  a.def("open_saturation_rate", &an::open_saturation_rate, "demands"_a, "servers"_a,
        "Largest sustainable arrival rate of an open network, 1/Dmax.");
}

}  // namespace

void bind_analytic(py::module_& m) {
  py::module_ a = m.def_submodule(
      "analytic", "Queueing theory: closed-form stations, open networks, MVA, bounds.");
  bind_single_station(a);
  bind_network(a);
  bind_mva(a);
  bind_bounds(a);
}
