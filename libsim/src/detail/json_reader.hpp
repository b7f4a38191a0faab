// Typed, path-aware access to one JSON object of a model file: every error
// names the field path, the bad value and what was expected.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tiersim/model/model.hpp"

namespace tiersim::detail {

using nlohmann::json;

/// Edit distance, for "did you mean" suggestions.
std::size_t edit_distance(const std::string& a, const std::string& b);

/// The closest candidate to `word`, or "" when none is close enough.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

/// Whether `s` holds a C0/C1 control character or DEL (newlines, ANSI escapes).
bool has_control_character(const std::string& s);

/// A short rendering of a JSON value for an error message.
std::string show(const json& v);

/// Describes a JSON value's type in model-file terms ("a number", "a list", ...).
std::string type_name(const json& v);

class ObjectReader {
 public:
  /// Checks that `value` is an object whose keys are all in `allowed`.
  ObjectReader(const json& value, std::string path, std::initializer_list<const char*> allowed);

  [[nodiscard]] bool has(const char* key) const { return obj_.contains(key); }
  [[nodiscard]] const json& raw(const char* key) const { return obj_.at(key); }
  [[nodiscard]] std::string field(const char* key) const { return join(path_, key); }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  [[nodiscard]] std::string string(const char* key) const;
  [[nodiscard]] std::string string_or(const char* key, std::string fallback) const;
  /// A finite number; `min` is inclusive unless `exclusive_min`.
  [[nodiscard]] double number(const char* key, double min = -std::numeric_limits<double>::infinity(),
                              bool exclusive_min = false) const;
  [[nodiscard]] double number_or(const char* key, double fallback,
                                 double min = -std::numeric_limits<double>::infinity(),
                                 bool exclusive_min = false) const;
  [[nodiscard]] std::int64_t integer(const char* key, std::int64_t min, std::int64_t max) const;
  [[nodiscard]] std::int64_t integer_or(const char* key, std::int64_t fallback, std::int64_t min,
                                        std::int64_t max) const;
  [[nodiscard]] const json& list(const char* key) const;

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

 private:
  const json& obj_;
  std::string path_;
};

std::string index_path(const std::string& path, std::size_t i);

double number_at(const json& v, const std::string& path, double min, bool exclusive_min);
std::int64_t integer_at(const json& v, const std::string& path, std::int64_t min,
                        std::int64_t max);

}  // namespace tiersim::detail
