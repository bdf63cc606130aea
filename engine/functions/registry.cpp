// The table of standard functions the checker resolves calls against.
#include <algorithm>

#include "engine/function.hpp"

namespace hubrules::engine {

namespace functions {
extern const FunctionSpec answer_function, coalesce_function, company_domain_function, concat_function,
    email_domain_function, family_name_function, given_name_function, join_function, lower_function,
    number_function, present_function, replace_function, trim_function, upper_function, url_param_function,
    valid_email_function;
}  // namespace functions

std::span<const FunctionSpec* const> standard_functions() {
  using namespace functions;
  static const FunctionSpec* const all[] = {
      &answer_function,       &coalesce_function, &company_domain_function, &concat_function,
      &email_domain_function, &family_name_function, &given_name_function,  &join_function,
      &lower_function,        &number_function,   &present_function,        &replace_function,
      &trim_function,         &upper_function,    &url_param_function,      &valid_email_function,
  };
  return all;
}

const FunctionSpec* find_function(std::string_view name) {
  for (const FunctionSpec* f : standard_functions())
    if (f->name == name) return f;
  return nullptr;
}

std::string_view type_name(Type t) noexcept {
  switch (t) {
    case Type::any: return "any";
    case Type::null: return "null";
    case Type::boolean: return "boolean";
    case Type::number: return "number";
    case Type::string: return "string";
  }
  return "any";
}

}  // namespace hubrules::engine
