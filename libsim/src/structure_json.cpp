// The compiled structure of a model as JSON, for the analytic solvers written
// in Python (the layered solver): every step with its visits per request, its
// mean time and the pool tokens held on entry to it.
#include <cmath>
#include <nlohmann/json.hpp>

#include "tiersim/report/verdict.hpp"

namespace tiersim {

nlohmann::ordered_json structure_json(const CompiledModel& model) {
  using json = nlohmann::ordered_json;
  auto num = [](double x) { return std::isfinite(x) ? json(x) : json(nullptr); };
  // By name, not by the enum's order: kinds added later read "other" until named here.
  auto kind_name = [](StepKind k) -> const char* {
    if (k == StepKind::kVisit) return "visit";
    if (k == StepKind::kAcquire) return "acquire";
    if (k == StepKind::kRelease) return "release";
    if (k == StepKind::kDelay) return "delay";
    if (k == StepKind::kChoose) return "choose";
    if (k == StepKind::kBranch) return "branch";
    if (k == StepKind::kFork) return "fork";
    if (k == StepKind::kJoin) return "join";
    return "other";
  };
  json classes = json::array();
  std::vector<double> rates(model.steps.size(), 0.0);
  for (std::uint32_t c = 0; c < model.classes.size(); ++c) {
    const CompiledClass& cc = model.classes[c];
    auto v = model.visit_ratios(c);
    json steps = json::array();
    for (std::uint32_t s = cc.first_step; s < cc.end_step; ++s) {
      const CompiledStep& st = model.steps[s];
      const double visits = v[s - cc.first_step];
      rates[s] += (cc.open() ? 1.0 / cc.interarrival.mean() : 1.0) * visits;
      json held = json::array();
      for (const auto& [p, tokens] : st.held)
        held.push_back({model.pools[p & ~kLocalPool].name, tokens});
      std::string target;
      if (st.kind == StepKind::kVisit) target = model.stations[st.target].name;
      if (st.kind == StepKind::kAcquire || st.kind == StepKind::kRelease ||
          st.kind == StepKind::kBranch)
        target = model.pools[st.target].name;
      const bool timed = st.kind == StepKind::kVisit || st.kind == StepKind::kDelay;
      steps.push_back({{"id", st.id},
                       {"kind", kind_name(st.kind)},
                       {"target", target},
                       {"visits", num(visits)},
                       {"mean", timed ? num(st.time.mean()) : json(0.0)},
                       {"variance", timed ? num(st.time.variance()) : json(0.0)},
                       {"tokens", st.tokens},
                       {"held", held}});
    }
    classes.push_back(
        {{"name", cc.name},
         {"type", cc.batch ? "batch" : cc.closed ? "closed" : "open"},
         {"arrival_rate", cc.open() ? num(1.0 / cc.interarrival.mean()) : json(nullptr)},
         {"population", cc.closed ? json(cc.population) : json(nullptr)},
         {"think", cc.closed ? num(cc.think.mean()) : json(nullptr)},
         {"steps", steps}});
  }
  json stations = json::array(), pools = json::array();
  for (const auto& s : model.stations)
    stations.push_back({{"name", s.name},
                        {"servers", s.servers > 0 ? json(s.servers) : json(nullptr)},
                        {"discipline", s.discipline == Discipline::kPs ? "ps"
                                       : s.discipline == Discipline::kDelay ? "delay"
                                       : s.discipline == Discipline::kPriority ? "priority"
                                                                               : "fcfs"}});
  for (std::uint32_t p = 0; p < model.pools.size(); ++p) {
    const CompiledPool& cp = model.pools[p];
    pools.push_back({{"name", cp.name},
                     {"capacity", cp.capacity},
                     {"keys", cp.keys > 0 ? json(cp.keys) : json(nullptr)},
                     {"on_full", cp.on_full == OnFull::kReject       ? "reject"
                                 : cp.on_full == OnFull::kOvercommit ? "overcommit"
                                                                     : "wait"},
                     {"key_share", cp.keys > 0 ? num(hottest_key_share(model, p, rates))
                                               : json(nullptr)}});
  }
  return {{"stations", stations},
          {"pools", pools},
          {"classes", classes},
          {"services", model.services.size()}};
}

}  // namespace tiersim
