// join(separator, a, b, …): the present values' text with a separator between them.
#include "engine/functions/function_helpers.hpp"

namespace hubrules::engine::functions {

namespace {

constexpr FunctionExample examples[] = {
    {R"(join(" / ", "CRM", null, "MA"))", R"("CRM / MA")"},
    {R"(join(";", answer(label: "ご興味のある製品"), "SFA"))", R"("CRM;MA;SFA")"},
    {R"(join(", ", null))", "null"},
};

Value join(std::span<const Value> args, const CallSite&, EvalContext& ctx) {
  return join_present(args.subspan(1), args[0].text, ctx);
}

}  // namespace

extern const FunctionSpec join_function{
    "join", "join(separator, value, …)",
    "The text of the non-null values with the separator between them; null when all are null.",
    2, variadic, Type::string, join, nullptr, examples};

}  // namespace hubrules::engine::functions
