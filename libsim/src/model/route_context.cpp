// Name resolution for compile(): a route written inside a service sees the
// service's own stations and pools (each replica its own copy) before the
// model's shared ones.
#include "detail/route_context.hpp"

#include "detail/json_reader.hpp"

namespace tiersim::detail {
namespace {

[[noreturn]] void unknown(const std::string& name, const std::string& path, const std::string& what,
                          std::vector<std::string> known) {
  std::string msg = "no " + what + " named '" + name + "'";
  std::string guess = closest_match(name, known);
  if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
  if (known.empty()) msg += " (the model defines no " + what + "s)";
  throw ModelError(path, msg);
}

std::vector<std::string> keys_of(const std::map<std::string, std::uint32_t>& a,
                                 const std::map<std::string, std::uint32_t>* b = nullptr) {
  std::vector<std::string> out;
  for (const auto& [k, _] : a) out.push_back(k);
  if (b)
    for (const auto& [k, _] : *b) out.push_back(k);
  return out;
}

}  // namespace

std::pair<std::uint32_t, bool> RouteContext::station(const std::string& name,
                                                     const std::string& path) const {
  const std::map<std::string, std::uint32_t>* own = nullptr;
  if (service != kExit) {
    own = &names.services[service].stations;
    if (auto it = own->find(name); it != own->end()) return {it->second, true};
  }
  if (auto it = names.stations.find(name); it != names.stations.end()) return {it->second, false};
  unknown(name, path, "station", keys_of(names.stations, own));
}

std::pair<std::uint32_t, bool> RouteContext::pool(const std::string& name,
                                                  const std::string& path) const {
  const std::map<std::string, std::uint32_t>* own = nullptr;
  if (service != kExit) {
    own = &names.services[service].pools;
    if (auto it = own->find(name); it != own->end()) return {it->second, true};
  }
  if (auto it = names.pools.find(name); it != names.pools.end()) return {it->second, false};
  unknown(name, path, "pool", keys_of(names.pools, own));
}

std::uint32_t RouteContext::operation(const std::string& name, const std::string& path) const {
  if (auto it = names.operations.find(name); it != names.operations.end()) return it->second;
  if (name.find('.') == std::string::npos && !names.operations.empty())
    throw ModelError(path, "'" + name +
                               "' does not name an operation; write SERVICE.OPERATION, "
                               "e.g. '" +
                               names.operations.begin()->first + "'");
  unknown(name, path, "operation", keys_of(names.operations));
}

QueueProbe RouteContext::probe(const std::string& name, const std::string& path) const {
  if (service != kExit) {
    const auto& own = names.services[service];
    if (auto it = own.stations.find(name); it != own.stations.end())
      return {false, it->second, ~0u};
    if (auto it = own.pools.find(name); it != own.pools.end()) return {true, it->second, ~0u};
  }
  if (auto it = names.stations.find(name); it != names.stations.end())
    return {false, it->second, 0};
  if (auto it = names.pools.find(name); it != names.pools.end()) return {true, it->second, 0};
  std::vector<std::string> known = keys_of(names.stations, &names.pools);
  std::string guess = closest_match(name, known);
  throw ModelError(path, "no station or pool named '" + name + "'" +
                             (guess.empty() ? "" : "; did you mean '" + guess + "'?"));
}

double RouteContext::station_speed(std::uint32_t station) const {
  const ModelSpec& spec = *names.spec;
  if (station < spec.stations.size()) return spec.stations[station].speed;
  for (const auto& sv : names.services) {
    const CompiledService& cs = out.services[sv.service];
    if (station >= cs.station_base && station < cs.station_base + cs.station_count * cs.replicas)
      return sv.station_specs[(station - cs.station_base) / cs.replicas].speed;
  }
  return 1.0;
}

std::string RouteContext::station_path(std::uint32_t station) const {
  const ModelSpec& spec = *names.spec;
  if (station < spec.stations.size()) return "stations[" + std::to_string(station) + "]";
  for (const auto& sv : names.services) {
    const CompiledService& cs = out.services[sv.service];
    if (station >= cs.station_base && station < cs.station_base + cs.station_count * cs.replicas)
      return "services[" + std::to_string(sv.service) + "].stations[" +
             std::to_string((station - cs.station_base) / cs.replicas) + "]";
  }
  return "stations";
}

}  // namespace tiersim::detail
