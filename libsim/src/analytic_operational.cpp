// Operational analysis: demands from the route graphs, bounds, and MVA for
// closed models, with the caveats that make a model depart from product form.
#include "tiersim/analytic/operational.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "tiersim/analytic/bounds.hpp"
#include "tiersim/analytic/mva.hpp"

namespace tiersim::analytic {
namespace {

constexpr double kMaxExactLattice = 2e5;

std::string fmt(double x) {
  std::ostringstream os;
  os.precision(3);
  os << x;
  return os.str();
}

ClassAnalysis analyse_class(const CompiledModel& m, std::uint32_t c) {
  const CompiledClass& cc = m.classes[c];
  ClassAnalysis a;
  a.name = cc.name;
  // A batch is analysed as a closed population without think time.
  a.closed = !cc.open();
  if (a.closed) {
    a.population = static_cast<int>(cc.population);
    a.think = cc.batch ? 0.0 : cc.think.mean();
  } else {
    a.arrival_rate = 1.0 / cc.interarrival.mean();
  }
  a.demands.resize(m.stations.size());
  for (std::size_t k = 0; k < m.stations.size(); ++k) {
    a.demands[k].station = m.stations[k].name;
    a.demands[k].servers = static_cast<int>(m.stations[k].servers);
  }
  // Through the class's route and the operations it calls (services).
  for (const VisitFlow& f : m.visit_flows(c)) {
    const CompiledStep& st = m.steps[f.step];
    if (st.kind == StepKind::kDelay) a.think += f.visits * st.time.mean();
    if (st.kind != StepKind::kVisit) continue;
    auto& d = a.demands[f.station];
    d.visits += f.visits;
    d.demand += f.visits * st.time.mean();
  }
  for (auto& d : a.demands) {
    if (d.servers == 0) {  // a delay station adds to the think time, never queues
      a.think += d.demand;
      continue;
    }
    d.demand_per_server = d.demand / d.servers;
    a.total_demand += d.demand;
    if (d.demand_per_server > a.max_demand) {
      a.max_demand = d.demand_per_server;
      a.bottleneck = d.station;
    }
  }
  if (a.max_demand > 0) {
    if (a.closed) {
      std::vector<double> dem;
      std::vector<int> servers;
      for (const auto& d : a.demands)
        if (d.servers > 0) {
          dem.push_back(d.demand);
          servers.push_back(d.servers);
        }
      Bounds b = asymptotic_bounds(dem, servers, a.think, a.population);
      a.throughput_upper = b.throughput_upper;
      a.response_lower = b.response_lower;
      a.n_star = b.n_star;
    } else {
      a.throughput_upper = 1.0 / a.max_demand;
      a.response_lower = a.total_demand;
      a.n_star = (a.total_demand + a.think) / a.max_demand;
    }
  }
  return a;
}

void add_caveats(const CompiledModel& m, OperationalAnalysis& out) {
  auto& cv = out.caveats;
  if (!m.pools.empty())
    cv.push_back(
        "pools (threads, connections, locks) hold requests outside the stations; MVA and the "
        "bounds ignore time spent waiting for tokens, so a model whose pools fill up runs "
        "slower than they predict (it is a layered queueing model)");
  bool open = false, closed = false;
  for (const auto& c : m.classes) (c.open() ? open : closed) = true;
  if (open && closed)
    cv.push_back("open and closed classes are mixed; MVA is not applied, bounds are per class");
  for (std::size_t k = 0; k < m.stations.size(); ++k) {
    const auto& st = m.stations[k];
    if (st.capacity > 0)
      cv.push_back("station '" + st.name + "' has a finite capacity (" +
                   std::to_string(st.capacity) + "): losses are not in the analytic results");
    if (st.discipline == Discipline::kPriority)
      cv.push_back("station '" + st.name + "' serves by priority, which is not product form");
    if (st.discipline != Discipline::kFcfs) continue;
    std::set<double> means;
    for (const auto& s : m.steps) {
      if (s.kind != StepKind::kVisit || s.target != k) continue;
      means.insert(s.time.mean());
      if (std::abs(s.time.scv() - 1.0) > 1e-9) {
        cv.push_back("station '" + st.name + "' is FCFS with non-exponential service (SCV " +
                     fmt(s.time.scv()) + " at step '" + s.id +
                     "'): product form needs exponential service there; waits scale roughly "
                     "with (1 + SCV)/2");
        break;
      }
    }
    if (means.size() > 1)
      cv.push_back("station '" + st.name +
                   "' is FCFS with different mean service times per visit: product form "
                   "needs one exponential rate per FCFS station");
  }
  for (const auto& c : m.classes)
    if (c.open() && std::abs(c.interarrival.scv() - 1.0) > 1e-9)
      cv.push_back("class '" + c.name + "' does not arrive as a Poisson process (SCV " +
                   fmt(c.interarrival.scv()) + ")");
}

void apply_mva(const CompiledModel& m, OperationalAnalysis& out) {
  std::vector<std::size_t> queueing;
  bool multi_server = false;
  for (std::size_t k = 0; k < m.stations.size(); ++k)
    if (m.stations[k].servers > 0) {
      queueing.push_back(k);
      multi_server = multi_server || m.stations[k].servers > 1;
    }
  const std::size_t nc = out.classes.size(), nk = queueing.size();
  if (nk == 0) return;
  if (nc == 1) {
    const ClassAnalysis& a = out.classes[0];
    std::vector<double> dem;
    std::vector<int> servers;
    std::vector<bool> delay(nk, false);
    for (std::size_t k : queueing) {
      dem.push_back(a.demands[k].demand);
      servers.push_back(a.demands[k].servers);
    }
    MvaResult r = multi_server ? exact_mva_ld(dem, servers, delay, a.think, a.population)
                               : exact_mva(dem, delay, a.think, a.population);
    out.mva_applied = true;
    out.mva_method = multi_server ? "exact (load-dependent)" : "exact";
    out.mva_throughput = {r.throughput.back()};
    out.mva_response = {r.response.back()};
    for (std::size_t i = 0; i < nk; ++i) {
      auto& st = out.stations[queueing[i]];
      st.mva_utilization = r.utilization[i];
      st.mva_queue_length = r.queue_length[i];
      st.mva_residence = r.residence_time[i];
    }
    return;
  }
  // Several classes: multi-server stations by Seidmann's approximation (a
  // single server at D/c plus a pure delay of D(c-1)/c), then exact MVA over
  // the population lattice when it is small, else Schweitzer.
  Eigen::MatrixXd d(static_cast<Eigen::Index>(nc), static_cast<Eigen::Index>(nk));
  std::vector<double> think(nc);
  std::vector<int> pop(nc);
  double lattice = 1;
  for (std::size_t c = 0; c < nc; ++c) {
    const ClassAnalysis& a = out.classes[c];
    think[c] = a.think;
    pop[c] = a.population;
    lattice *= a.population + 1;
    for (std::size_t i = 0; i < nk; ++i) {
      const auto& sd = a.demands[queueing[i]];
      d(static_cast<Eigen::Index>(c), static_cast<Eigen::Index>(i)) = sd.demand / sd.servers;
      think[c] += sd.demand * (sd.servers - 1) / sd.servers;
    }
  }
  std::vector<bool> delay(nk, false);
  MultiClassMvaResult r = lattice <= kMaxExactLattice ? exact_mva_multiclass(d, delay, think, pop)
                                                      : schweitzer_mva_multiclass(d, delay, think, pop);
  out.mva_applied = true;
  out.mva_method = lattice <= kMaxExactLattice ? "exact" : "schweitzer";
  if (multi_server) out.mva_method += " with Seidmann's multi-server approximation";
  for (std::size_t c = 0; c < nc; ++c) {
    out.mva_throughput.push_back(r.throughput(static_cast<Eigen::Index>(c)));
    // Seidmann moved part of the demand into think time; it is response.
    double moved = think[c] - out.classes[c].think;
    out.mva_response.push_back(r.response(static_cast<Eigen::Index>(c)) + moved);
  }
  for (std::size_t i = 0; i < nk; ++i) {
    auto& st = out.stations[queueing[i]];
    double u = 0, q = 0;
    for (std::size_t c = 0; c < nc; ++c) {
      u += r.utilization(static_cast<Eigen::Index>(c), static_cast<Eigen::Index>(i));
      q += r.queue_length(static_cast<Eigen::Index>(c), static_cast<Eigen::Index>(i));
    }
    st.mva_utilization = u;
    st.mva_queue_length = q;
    st.mva_residence =
        r.residence_time(0, static_cast<Eigen::Index>(i));
  }
  if (multi_server)
    out.caveats.push_back("multi-server stations are approximated (Seidmann) in multi-class MVA");
}

}  // namespace

OperationalAnalysis analyze(const CompiledModel& m) {
  OperationalAnalysis out;
  for (std::uint32_t c = 0; c < m.classes.size(); ++c) out.classes.push_back(analyse_class(m, c));
  auto open_u = m.open_utilization();
  bool any_open = false, any_closed = false;
  for (const auto& c : out.classes) (c.closed ? any_closed : any_open) = true;
  double best = -1;
  for (std::size_t k = 0; k < m.stations.size(); ++k) {
    StationAnalysis s;
    s.name = m.stations[k].name;
    s.servers = static_cast<int>(m.stations[k].servers);
    s.open_utilization = open_u[k];
    out.stations.push_back(s);
    if (s.servers == 0) continue;
    // Weight: each open class by its rate; closed classes by population share.
    double load = open_u[k];
    if (!any_open) {
      double total_pop = 0;
      for (const auto& c : out.classes) total_pop += c.population;
      for (const auto& c : out.classes)
        load += c.demands[k].demand_per_server * c.population / std::max(1.0, total_pop);
    }
    if (load > best) {
      best = load;
      out.bottleneck = s.name;
    }
  }
  add_caveats(m, out);
  if (any_closed && !any_open) apply_mva(m, out);
  return out;
}

}  // namespace tiersim::analytic
