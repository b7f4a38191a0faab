// The traffic equations of a compiled model: visits per step of each route,
// invocations of each operation through the calls, and the demand each
// station instance receives. Sparse throughout, so set-up grows with the
// routes the user wrote, not with their square or cube.
#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <cmath>

#include "tiersim/model/compiled_model.hpp"

namespace tiersim {
namespace {

using SparseMatrix = Eigen::SparseMatrix<double>;
using Triplet = Eigen::Triplet<double>;

std::vector<double> solve(SparseMatrix& a, Eigen::VectorXd rhs) {
  a.makeCompressed();
  Eigen::SparseLU<SparseMatrix, Eigen::COLAMDOrdering<int>> lu;
  lu.analyzePattern(a);
  lu.factorize(a);
  Eigen::VectorXd v = lu.info() == Eigen::Success ? Eigen::VectorXd(lu.solve(rhs))
                                                  : Eigen::VectorXd::Zero(rhs.size());
  std::vector<double> out(v.data(), v.data() + v.size());
  // Steps never reached (a branch whose probability is 0 in this analysis)
  // come out as rounding noise around 0, which may be negative: clamp it.
  for (double& x : out)
    if (std::abs(x) < 1e-12) x = 0.0;
  return out;
}

// v = e_entry + P^T v over the steps [first, end) of one route (exit absorbs).
std::vector<double> route_visits(const CompiledModel& m, std::uint32_t first, std::uint32_t end,
                                 std::uint32_t entry) {
  const auto n = static_cast<Eigen::Index>(end - first);
  std::vector<Triplet> t;
  t.reserve(static_cast<std::size_t>(n) * 3);
  for (Eigen::Index s = 0; s < n; ++s) {
    t.emplace_back(s, s, 1.0);
    const CompiledStep& st = m.steps[first + static_cast<std::uint32_t>(s)];
    // A join passes its parent on once for all of its branches' arrivals.
    double scale = st.kind == StepKind::kJoin ? 1.0 / st.fanout : 1.0;
    for (std::uint32_t e = st.edge_begin; e < st.edge_end; ++e)
      if (m.edges[e].to != kExit)
        t.emplace_back(m.edges[e].to - first, s, -scale * m.edges[e].probability);
  }
  SparseMatrix a(n, n);
  a.setFromTriplets(t.begin(), t.end());  // duplicates (parallel edges) are summed
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n);
  rhs(entry - first) = 1.0;
  return solve(a, rhs);
}

// Mean calls a call or send step makes each time it is reached.
double calls_per_visit(const CompiledStep& st) { return st.calls; }

bool is_call(const CompiledStep& st) {
  return st.kind == StepKind::kCall || st.kind == StepKind::kSend;
}

// Keys in [0, n) congruent to r modulo R.
double congruent(double n, std::uint32_t r, std::uint32_t R) {
  auto whole = std::floor(n / R);
  double rest = n - whole * R;
  return whole + (r < rest ? 1.0 : 0.0);
}

// Visits per invocation to each step of every operation (they do not
// depend on who calls).
std::vector<std::vector<double>> all_operation_visits(const CompiledModel& m) {
  std::vector<std::vector<double>> ov;
  ov.reserve(m.operations.size());
  for (const CompiledOperation& op : m.operations)
    ov.push_back(route_visits(m, op.first_step, op.end_step, op.entry));
  return ov;
}

// Invocations of each operation per request of class `c`, from the class's
// visits `v` and the operations' `ov`: inv = b + A inv, where b counts the
// class's own calls and A[o'][o] the invocations of o' per invocation of o.
std::vector<double> invocations(const CompiledModel& m, std::uint32_t c,
                                const std::vector<double>& v,
                                const std::vector<std::vector<double>>& ov) {
  const auto no = static_cast<Eigen::Index>(m.operations.size());
  const CompiledClass& cc = m.classes.at(c);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(no);
  for (std::uint32_t s = cc.first_step; s < cc.end_step; ++s)
    if (is_call(m.steps[s]))
      b(m.steps[s].target) += v[s - cc.first_step] * calls_per_visit(m.steps[s]);
  std::vector<Triplet> t;
  for (Eigen::Index o = 0; o < no; ++o) {
    t.emplace_back(o, o, 1.0);
    const CompiledOperation& op = m.operations[static_cast<std::size_t>(o)];
    const auto& visits = ov[static_cast<std::size_t>(o)];
    for (std::uint32_t s = op.first_step; s < op.end_step; ++s)
      if (is_call(m.steps[s]))
        t.emplace_back(m.steps[s].target, o,
                       -visits[s - op.first_step] * calls_per_visit(m.steps[s]));
  }
  SparseMatrix a(no, no);
  a.setFromTriplets(t.begin(), t.end());
  return solve(a, b);
}

}  // namespace

std::vector<double> CompiledModel::visit_ratios(std::uint32_t c) const {
  const CompiledClass& cc = classes.at(c);
  return route_visits(*this, cc.first_step, cc.end_step, cc.entry);
}

std::vector<double> CompiledModel::operation_visit_ratios(std::uint32_t o) const {
  const CompiledOperation& op = operations.at(o);
  return route_visits(*this, op.first_step, op.end_step, op.entry);
}

std::vector<double> CompiledModel::operation_invocations(std::uint32_t c) const {
  if (operations.empty()) return {};
  return invocations(*this, c, visit_ratios(c), all_operation_visits(*this));
}

std::vector<double> CompiledModel::replica_shares(std::uint32_t step) const {
  const CompiledStep& st = steps.at(step);
  const CompiledService& svc = services.at(operations.at(st.target).service);
  const std::uint32_t R = svc.replicas;
  std::vector<double> share(R, 1.0 / R);
  if (svc.balancer != Balancer::kKey) return share;
  const double keys = svc.keys;
  const double hot = st.key.hot_fraction > 0 ? st.key.hot_keys : 0;
  const double h = st.key.hot_fraction;
  for (std::uint32_t r = 0; r < R; ++r) {
    double hot_here = congruent(hot, r, R);
    double cold_here = congruent(keys, r, R) - hot_here;
    double cold_keys = keys - hot;
    share[r] = (hot > 0 ? h * hot_here / hot : 0.0) +
               (cold_keys > 0 ? (hot > 0 ? 1 - h : 1.0) * cold_here / cold_keys
                              : (hot > 0 ? (1 - h) * hot_here / hot : 0.0));
  }
  return share;
}

std::vector<VisitFlow> CompiledModel::visit_flows(std::uint32_t c) const {
  std::vector<VisitFlow> out;
  auto v = visit_ratios(c);
  const CompiledClass& cc = classes.at(c);
  for (std::uint32_t s = cc.first_step; s < cc.end_step; ++s)
    if (steps[s].kind == StepKind::kVisit || steps[s].kind == StepKind::kDelay)
      out.push_back({s, steps[s].target, v[s - cc.first_step]});
  if (operations.empty()) return out;

  // Operations: visits per request = invocations x visits per invocation,
  // spread over the replicas by the shares of the calls that reach them.
  const auto ov = all_operation_visits(*this);
  const auto inv = invocations(*this, c, v, ov);
  std::vector<std::vector<double>> share(operations.size());
  std::vector<double> weight(operations.size(), 0.0);
  auto add_site = [&](std::uint32_t s, double visits) {
    const std::uint32_t o = steps[s].target;
    double w = visits * calls_per_visit(steps[s]);
    if (!(w > 0)) return;
    auto sh = replica_shares(s);
    if (share[o].empty()) share[o].assign(sh.size(), 0.0);
    for (std::size_t r = 0; r < sh.size(); ++r) share[o][r] += w * sh[r];
    weight[o] += w;
  };
  for (std::uint32_t s = cc.first_step; s < cc.end_step; ++s)
    if (is_call(steps[s])) add_site(s, v[s - cc.first_step]);
  for (std::uint32_t o = 0; o < operations.size(); ++o) {
    if (!(inv[o] > 0)) continue;
    const CompiledOperation& op = operations[o];
    for (std::uint32_t s = op.first_step; s < op.end_step; ++s)
      if (is_call(steps[s])) add_site(s, inv[o] * ov[o][s - op.first_step]);
  }
  for (std::uint32_t o = 0; o < operations.size(); ++o) {
    if (!(inv[o] > 0) || share[o].empty()) continue;
    const CompiledOperation& op = operations[o];
    for (double& x : share[o]) x /= weight[o];
    for (std::uint32_t s = op.first_step; s < op.end_step; ++s) {
      const CompiledStep& st = steps[s];
      if (st.kind != StepKind::kVisit && st.kind != StepKind::kDelay) continue;
      double visits = inv[o] * ov[o][s - op.first_step];
      if (st.local == 0 || st.kind == StepKind::kDelay) {
        out.push_back({s, st.target, visits});
      } else {
        for (std::uint32_t r = 0; r < share[o].size(); ++r)
          out.push_back({s, st.target + r, visits * share[o][r]});
      }
    }
  }
  return out;
}

std::vector<double> CompiledModel::station_demands(std::uint32_t c) const {
  std::vector<double> d(stations.size(), 0.0);
  for (const VisitFlow& f : visit_flows(c)) {
    const CompiledStep& st = steps[f.step];
    // A delay station never queues, so it holds no demand that can saturate.
    if (st.kind != StepKind::kVisit || stations[f.station].servers == 0) continue;
    d[f.station] += f.visits * st.time.mean() / stations[f.station].servers;
  }
  return d;
}

std::vector<double> CompiledModel::open_utilization() const {
  std::vector<double> u(stations.size(), 0.0);
  for (std::uint32_t c = 0; c < classes.size(); ++c) {
    if (!classes[c].open()) continue;
    double lambda = 1.0 / classes[c].interarrival.mean();
    auto d = station_demands(c);
    for (std::size_t k = 0; k < u.size(); ++k) u[k] += lambda * d[k];
  }
  return u;
}

}  // namespace tiersim
