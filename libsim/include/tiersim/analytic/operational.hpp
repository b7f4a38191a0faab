// Operational analysis of a model, before or beside simulating it: visit
// ratios, service demands, utilizations, asymptotic bounds, MVA where the
// model is (close to) product form, and the reasons where it is not.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "tiersim/model/compiled_model.hpp"

namespace tiersim::analytic {

struct StationDemand {
  std::string station;
  int servers = 1;            ///< 0 for a delay station
  double demand = 0;          ///< D_ck: visits x mean service time per request, s
  double demand_per_server = 0;  ///< D_ck / c_k (0 for a delay station)
  double visits = 0;          ///< mean visits per request
};

struct ClassAnalysis {
  std::string name;
  bool closed = false;
  double arrival_rate = 0;   ///< open classes, 1/s
  int population = 0;        ///< closed classes
  double think = 0;          ///< think time plus time at delay stations and delay steps, s
  double total_demand = 0;   ///< D = sum of demands at queueing stations, s
  std::vector<StationDemand> demands;
  std::string bottleneck;    ///< the station with the largest demand per server
  double max_demand = 0;     ///< its demand per server, s
  /// Asymptotic bounds at this class's population (closed) or rate (open).
  double throughput_upper = 0;  ///< min(N/(D+Z), 1/D_max) closed; 1/D_max open (saturation rate)
  double response_lower = 0;    ///< max(D, N D_max - Z) closed; D open
  double n_star = 0;            ///< (D+Z)/D_max: the population where the bounds cross
};

struct StationAnalysis {
  std::string name;
  int servers = 1;
  double open_utilization = 0;  ///< from the open classes: sum of lambda x demand / c
  double mva_utilization = -1;  ///< from MVA when it applies, else -1
  double mva_queue_length = -1;
  double mva_residence = -1;    ///< per request of the (first) closed class, s
};

struct OperationalAnalysis {
  std::vector<ClassAnalysis> classes;
  std::vector<StationAnalysis> stations;
  /// The station with the largest demand per server over all classes, weighted
  /// by each open class's rate (open) or equally (closed).
  std::string bottleneck;
  /// MVA results per class when the model is all closed: throughput and response.
  bool mva_applied = false;
  std::string mva_method;  ///< "exact", "exact (load-dependent)", "schweitzer", or ""
  std::vector<double> mva_throughput;
  std::vector<double> mva_response;
  /// Why the simulation may differ from MVA or the bounds (not product form).
  std::vector<std::string> caveats;
};

/// Analyses a compiled model (no simulation). Never throws for a valid model.
OperationalAnalysis analyze(const CompiledModel& model);

/// The analysis as JSON (what `tiersim analyze --json` embeds under "analytic").
nlohmann::ordered_json to_json(const OperationalAnalysis& a);

}  // namespace tiersim::analytic
