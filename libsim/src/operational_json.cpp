// The operational analysis as JSON; quantities that do not apply are null.
#include <cmath>
#include <nlohmann/json.hpp>

#include "tiersim/analytic/operational.hpp"

namespace tiersim::analytic {
namespace {

using json = nlohmann::ordered_json;

json num(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }
json maybe(double x) { return x >= 0 ? num(x) : json(nullptr); }  // -1 marks "not computed"

}  // namespace

json to_json(const OperationalAnalysis& a) {
  json classes = json::array();
  for (const auto& c : a.classes) {
    json demands = json::array();
    for (const auto& d : c.demands)
      demands.push_back({{"station", d.station},
                         {"servers", d.servers > 0 ? json(d.servers) : json(nullptr)},
                         {"visits", num(d.visits)},
                         {"demand", num(d.demand)},
                         {"demand_per_server", num(d.demand_per_server)}});
    classes.push_back({{"name", c.name},
                       {"type", c.closed ? "closed" : "open"},
                       {"arrival_rate", c.closed ? json(nullptr) : num(c.arrival_rate)},
                       {"population", c.closed ? json(c.population) : json(nullptr)},
                       {"think", num(c.think)},
                       {"total_demand", num(c.total_demand)},
                       {"bottleneck", c.bottleneck},
                       {"max_demand", num(c.max_demand)},
                       {"throughput_upper", num(c.throughput_upper)},
                       {"response_lower", num(c.response_lower)},
                       {"n_star", num(c.n_star)},
                       {"demands", demands}});
  }
  json stations = json::array();
  for (const auto& s : a.stations)
    stations.push_back({{"name", s.name},
                        {"servers", s.servers > 0 ? json(s.servers) : json(nullptr)},
                        {"open_utilization", num(s.open_utilization)},
                        {"mva_utilization", maybe(s.mva_utilization)},
                        {"mva_queue_length", maybe(s.mva_queue_length)},
                        {"mva_residence", maybe(s.mva_residence)}});
  json tput = json::array(), resp = json::array();
  for (double x : a.mva_throughput) tput.push_back(num(x));
  for (double x : a.mva_response) resp.push_back(num(x));
  return {{"bottleneck", a.bottleneck},
          {"classes", classes},
          {"stations", stations},
          {"mva",
           {{"applied", a.mva_applied},
            {"method", a.mva_method},
            {"throughput", tput},
            {"response", resp}}},
          {"caveats", a.caveats}};
}

}  // namespace tiersim::analytic
