#pragma once
// Small pieces the standard functions share: null in, null out; empty text is null.
#include <cstring>
#include <string_view>

#include "engine/function.hpp"

namespace hubrules::engine::functions {

// Empty text is no value: a property is never posted as "".
inline Value text_or_null(std::string_view s) noexcept { return s.empty() ? Value::null() : Value::string(s); }

// Copies s into the arena, for results built from pieces.
inline std::string_view keep(EvalContext& ctx, std::string_view s) {
  char* p = ctx.allocate(s.size());
  std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}

// Maps a one-argument text function over a value: null stays null.
template <typename F>
Value map_text(const Value& v, F&& f) {
  if (v.is_null()) return v;
  return f(v.text);
}

// The non-null values' text with sep between them, in the arena; null when none has text.
// concat() and join() are this with and without a separator (defined in concat.cpp).
Value join_present(std::span<const Value> values, std::string_view sep, EvalContext& ctx);

}  // namespace hubrules::engine::functions
