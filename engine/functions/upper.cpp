// upper(text): ASCII letters to uppercase.
#include "engine/functions/function_helpers.hpp"
#include "engine/text/ascii_case.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(upper("jp-13"))", R"("JP-13")"},
    {"upper(null)", "null"},
};

Value upper(std::span<const Value> args, const CallSite&, EvalContext& ctx) {
  return map_text(args[0], [&](std::string_view s) {
    return text_or_null(text::upper_ascii(s, ctx.allocate(s.size())));
  });
}

}  // namespace

extern const FunctionSpec upper_function{
    "upper", "upper(text)",
    "The text with ASCII letters a–z uppercased; other characters are kept. Null stays null.",
    1, 1, Type::string, upper, nullptr, examples};

}  // namespace hubrules::engine::functions
