#include "engine/value.hpp"

#include <charconv>

namespace hubrules::engine {

namespace {
double to_double(std::string_view s) noexcept {
  double d = 0;
  std::from_chars(s.data(), s.data() + s.size(), d);
  return d;
}
}  // namespace

bool values_equal(const Value& a, const Value& b) noexcept {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Kind::null: return true;
    case Kind::boolean: return a.boolean == b.boolean;
    case Kind::number: return a.text == b.text || to_double(a.text) == to_double(b.text);
    case Kind::string: return a.text == b.text;
  }
  return false;
}

}  // namespace hubrules::engine
