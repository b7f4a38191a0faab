// Reads the model-file format (JSON text; YAML is converted by the front end)
// into a ModelSpec, rejecting unknown keys and wrong types with the field path.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "tiersim/model/model.hpp"

namespace tiersim {

/// Parses a model from JSON text. Throws ModelError naming the field.
ModelSpec parse_model(std::string_view json_text);

/// Reads a model from an already parsed JSON document. Throws ModelError.
ModelSpec model_from_json(const nlohmann::json& doc);

/// Reads a distribution (`{dist: ..., ...}` or a bare number) at `path`.
Distribution distribution_from_json(const nlohmann::json& value, const std::string& path);

/// Applies run-section overrides (same keys as the model's `run`) to `run`.
void apply_run_overrides(RunSpec& run, const nlohmann::json& overrides,
                         const std::string& path = "run");

}  // namespace tiersim
