#pragma once
// given_name() and family_name() split a name the same way; this is that shared step.
#include "engine/functions/function_helpers.hpp"
#include "engine/text/person_name.hpp"

namespace hubrules::engine::functions {

inline text::PersonName person_name_parts(std::string_view name, EvalContext& ctx) {
  char* out = ctx.allocate(name.size());
  const std::string_view collapsed = text::collapse_name_spaces(name, out);
  ctx.arena().shrink_last(out, collapsed.size(), name.size());
  return text::split_collapsed_name(collapsed);
}

}  // namespace hubrules::engine::functions
