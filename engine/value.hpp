#pragma once
// A value during evaluation: null, a boolean, a number or a string. Numbers keep their decimal
// text (exact, as HubSpot will receive it); strings are views into the booking's parse buffer,
// the plan's literals, or the evaluation arena, all alive until the next booking.
#include <cstdint>
#include <string_view>

namespace hubrules::engine {

enum class Kind : std::uint8_t { null, boolean, number, string };

struct Value {
  Kind kind = Kind::null;
  bool boolean = false;
  std::string_view text;  // the string, or the number's decimal text

  static constexpr Value null() noexcept { return {}; }
  static constexpr Value of_bool(bool b) noexcept { return {Kind::boolean, b, b ? "true" : "false"}; }
  static constexpr Value string(std::string_view s) noexcept { return {Kind::string, false, s}; }
  static constexpr Value number(std::string_view s) noexcept { return {Kind::number, false, s}; }

  bool is_null() const noexcept { return kind == Kind::null; }
  // Only `true` is true: null, strings and numbers are not conditions.
  bool is_true() const noexcept { return kind == Kind::boolean && boolean; }
};

bool values_equal(const Value& a, const Value& b) noexcept;

}  // namespace hubrules::engine
