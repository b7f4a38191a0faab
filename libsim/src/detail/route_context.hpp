// What compile() needs to know while it compiles one route (a class's or a
// service operation's): how names resolve from where the route is written,
// and how its steps are named in error messages.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tiersim/model/compiled_model.hpp"

namespace tiersim::detail {

struct RouteContext {
  /// A service's own template resources, by name, as the index of replica 0's copy.
  struct ServiceNames {
    std::uint32_t service = 0;
    std::map<std::string, std::uint32_t> stations, pools;
    std::vector<StationSpec> station_specs;
  };
  /// Every name a route may use, and per compiled station its speed and the
  /// path of its declaration (for errors).
  struct Names {
    const ModelSpec* spec = nullptr;
    std::map<std::string, std::uint32_t> stations, pools, operations;
    std::vector<ServiceNames> services;
  };

  RouteContext(const std::vector<StepSpec>& route, const Names& n, const CompiledModel& model)
      : steps(route), names(n), out(model) {}

  const std::vector<StepSpec>& steps;
  const Names& names;
  const CompiledModel& out;
  std::string owner;              ///< class name, or "SERVICE.OPERATION"
  std::uint32_t cls = kExit;      ///< the class compiled, or kExit
  std::uint32_t op = kExit;       ///< the operation compiled, or kExit
  std::uint32_t service = kExit;  ///< the operation's service, or kExit
  std::uint32_t routing_stream = 0;
  int end_step = -1;  ///< an operation's end step (local index), or -1
  std::function<std::string(std::size_t)> path_of;
  RouteGraph* graph = nullptr;  ///< where to keep the route's graph, if anywhere

  [[nodiscard]] std::string step_path(std::size_t s) const { return path_of(s); }
  /// A station by name: the service's own first (second: true, per replica), then the model's.
  [[nodiscard]] std::pair<std::uint32_t, bool> station(const std::string& name,
                                                       const std::string& path) const;
  [[nodiscard]] std::pair<std::uint32_t, bool> pool(const std::string& name,
                                                    const std::string& path) const;
  [[nodiscard]] std::uint32_t operation(const std::string& name, const std::string& path) const;
  [[nodiscard]] QueueProbe probe(const std::string& name, const std::string& path) const;
  [[nodiscard]] double station_speed(std::uint32_t station) const;
  [[nodiscard]] std::string station_path(std::uint32_t station) const;
};

}  // namespace tiersim::detail
