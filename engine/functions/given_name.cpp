// given_name(name): HubSpot's firstname from a one-field name.
#include "engine/functions/person_name_parts.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(given_name("Tomohiro Kitano"))", R"("Tomohiro")"},
    {R"(given_name("Mary Ann  Smith"))", R"("Mary Ann")"},
    {R"(given_name("山田\u3000太郎"))", R"("太郎")"},
    {R"(given_name("山田 太郎 次郎"))", R"("太郎 次郎")"},
    {R"(given_name("Madonna"))", "null"},
    {"given_name(null)", "null"},
};

Value given_name(std::span<const Value> args, const CallSite&, EvalContext& ctx) {
  return map_text(args[0], [&](std::string_view s) { return text_or_null(person_name_parts(s, ctx).given); });
}

}  // namespace

extern const FunctionSpec given_name_function{
    "given_name", "given_name(name)",
    "The given name in a full name. U+3000 counts as a space, runs of blanks collapse to one space. "
    "A name of one token has no given name (null). With two or more tokens: a name with a CJK "
    "character (Han U+4E00–U+9FFF, Hiragana, Katakana) is family name first, so the given name is "
    "all but the first token; otherwise it is all but the last token.",
    1, 1, Type::string, given_name, nullptr, examples};

}  // namespace hubrules::engine::functions
