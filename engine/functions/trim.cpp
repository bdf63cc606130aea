// trim(text): without surrounding blanks.
#include "engine/functions/function_helpers.hpp"
#include "engine/text/whitespace.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(trim("  Mixtend\t"))", R"("Mixtend")"},
    {R"(trim("\u3000株式会社ミクステンド\u3000"))", R"("株式会社ミクステンド")"},
    {R"(trim("   "))", "null"},
    {"trim(null)", "null"},
};

Value trim(std::span<const Value> args, const CallSite&, EvalContext&) {
  return map_text(args[0], [](std::string_view s) { return text_or_null(text::trim(s)); });
}

}  // namespace

extern const FunctionSpec trim_function{
    "trim", "trim(text)",
    "The text without leading and trailing ASCII whitespace and ideographic spaces (U+3000). "
    "Blank text becomes null.",
    1, 1, Type::string, trim, nullptr, examples};

}  // namespace hubrules::engine::functions
