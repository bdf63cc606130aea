// lower(text): ASCII letters to lowercase.
#include "engine/functions/function_helpers.hpp"
#include "engine/text/ascii_case.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(lower("Guest@Example.COM"))", R"("guest@example.com")"},
    {R"(lower("ÄBC"))", R"("Äbc")"},
    {"lower(null)", "null"},
};

Value lower(std::span<const Value> args, const CallSite&, EvalContext& ctx) {
  return map_text(args[0], [&](std::string_view s) {
    return text_or_null(text::lower_ascii(s, ctx.allocate(s.size())));
  });
}

}  // namespace

extern const FunctionSpec lower_function{
    "lower", "lower(text)",
    "The text with ASCII letters A–Z lowercased; other characters are kept as they are (emails and "
    "domains are ASCII). Null stays null.",
    1, 1, Type::string, lower, nullptr, examples};

}  // namespace hubrules::engine::functions
