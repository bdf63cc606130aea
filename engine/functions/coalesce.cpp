// coalesce(a, b, …): the first value that is present.
#include "engine/functions/function_helpers.hpp"
#include "engine/text/whitespace.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(coalesce(answer(type: "company_name"), "unknown"))", R"("Mixtend")"},
    {R"(coalesce(answer(type: "guest_comment"), "no comment"))", R"("no comment")"},
    {R"(coalesce(null, "  ", 3))", "3"},
    {"coalesce(null, null)", "null"},
};

Value coalesce(std::span<const Value> args, const CallSite&, EvalContext&) {
  for (const Value& v : args)
    if (!v.is_null() && !(v.kind == Kind::string && text::is_blank(v.text))) return v;
  return Value::null();
}

}  // namespace

extern const FunctionSpec coalesce_function{
    "coalesce", "coalesce(value, …)",
    "The first argument that is neither null nor blank text; null when there is none.",
    1, variadic, Type::any, coalesce, nullptr, examples};

}  // namespace hubrules::engine::functions
