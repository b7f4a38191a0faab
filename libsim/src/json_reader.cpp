// Path-aware JSON field access for the model loader.
#include "detail/json_reader.hpp"

#include <algorithm>
#include <sstream>

namespace tiersim::detail {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + cost});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  return best_d <= limit ? best : "";
}

bool has_control_character(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return true;
    // C1 controls U+0080..U+009F are 0xC2 0x80..0x9F in UTF-8 (0x9B is a CSI).
    if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9f &&
        static_cast<unsigned char>(s[i + 1]) >= 0x80)
      return true;
  }
  return false;
}

std::string show(const json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "a mapping";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

std::string index_path(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

ObjectReader::ObjectReader(const json& value, std::string path,
                           std::initializer_list<const char*> allowed)
    : obj_(value), path_(std::move(path)) {
  if (!value.is_object())
    throw ModelError(path_, "expected a mapping, got " + type_name(value) + " " + show(value));
  std::vector<std::string> names(allowed.begin(), allowed.end());
  for (const auto& [key, _] : value.items()) {
    if (std::find(names.begin(), names.end(), key) != names.end()) continue;
    std::string msg = "unknown key '" + key + "'";
    std::string guess = closest_match(key, names);
    if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
    std::ostringstream os;
    for (std::size_t i = 0; i < names.size(); ++i) os << (i ? ", " : "") << names[i];
    msg += " (allowed: " + os.str() + ")";
    throw ModelError(join(path_, key), msg);
  }
}

std::string ObjectReader::string(const char* key) const {
  if (!has(key)) throw ModelError(field(key), "is required");
  const json& v = raw(key);
  if (!v.is_string())
    throw ModelError(field(key), "expected a string, got " + type_name(v) + " " + show(v));
  std::string s = v.get<std::string>();
  if (s.empty()) throw ModelError(field(key), "must not be empty");
  if (has_control_character(s))
    throw ModelError(field(key), show(v) +
                                     " holds a control character (a newline, tab or terminal "
                                     "escape); names are printed in reports and messages");
  return s;
}

std::string ObjectReader::string_or(const char* key, std::string fallback) const {
  return has(key) ? string(key) : fallback;
}

double number_at(const json& v, const std::string& path, double min, bool exclusive_min) {
  if (!v.is_number())
    throw ModelError(path, "expected a number, got " + type_name(v) + " " + show(v));
  double x = v.get<double>();
  if (!std::isfinite(x)) throw ModelError(path, show(v) + " is not a finite number");
  if (exclusive_min ? !(x > min) : !(x >= min)) {
    std::ostringstream os;
    os << show(v) << " is out of range; expected a number " << (exclusive_min ? "> " : ">= ")
       << min;
    throw ModelError(path, os.str());
  }
  return x;
}

std::int64_t integer_at(const json& v, const std::string& path, std::int64_t min,
                        std::int64_t max) {
  auto out_of_range = [&]() {
    std::ostringstream os;
    os << show(v) << " is out of range; expected a whole number from " << min << " to " << max;
    return ModelError(path, os.str());
  };
  // Integers are compared exactly: through a double, 2^53 + 1 would pass as 2^53.
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max) || (min > 0 && u < static_cast<std::uint64_t>(min)))
      throw out_of_range();
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i < min || i > max) throw out_of_range();
    return i;
  }
  double x = number_at(v, path, -std::numeric_limits<double>::infinity(), false);
  if (x != std::floor(x)) throw ModelError(path, show(v) + " is not a whole number");
  // Written with a fraction or an exponent, a whole number is a double: past
  // 2^53 it may already be rounded, so it is not taken as exact.
  if (std::abs(x) > 0x1p53)
    throw ModelError(path, show(v) +
                               " is beyond 2^53 and may have been rounded; write it as "
                               "a plain integer");
  if (x < static_cast<double>(min) || x > static_cast<double>(max)) throw out_of_range();
  return static_cast<std::int64_t>(x);
}

double ObjectReader::number(const char* key, double min, bool exclusive_min) const {
  if (!has(key)) throw ModelError(field(key), "is required");
  return number_at(raw(key), field(key), min, exclusive_min);
}

double ObjectReader::number_or(const char* key, double fallback, double min,
                               bool exclusive_min) const {
  if (!has(key) || raw(key).is_null()) return fallback;
  return number(key, min, exclusive_min);
}

std::int64_t ObjectReader::integer(const char* key, std::int64_t min, std::int64_t max) const {
  if (!has(key)) throw ModelError(field(key), "is required");
  return integer_at(raw(key), field(key), min, max);
}

std::int64_t ObjectReader::integer_or(const char* key, std::int64_t fallback, std::int64_t min,
                                      std::int64_t max) const {
  if (!has(key) || raw(key).is_null()) return fallback;
  return integer(key, min, max);
}

const json& ObjectReader::list(const char* key) const {
  if (!has(key)) throw ModelError(field(key), "is required");
  const json& v = raw(key);
  if (!v.is_array())
    throw ModelError(field(key), "expected a list, got " + type_name(v) + " " + show(v));
  return v;
}

}  // namespace tiersim::detail
