// family_name(name): HubSpot's lastname from a one-field name.
#include "engine/functions/person_name_parts.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(family_name("Tomohiro Kitano"))", R"("Kitano")"},
    {R"(family_name("Mary Ann Smith"))", R"("Smith")"},
    {R"(family_name("山田\u3000太郎"))", R"("山田")"},
    {R"(family_name("やまだ たろう"))", R"("やまだ")"},
    {R"(family_name("Madonna"))", R"("Madonna")"},
    {R"(family_name("  "))", "null"},
};

Value family_name(std::span<const Value> args, const CallSite&, EvalContext& ctx) {
  return map_text(args[0], [&](std::string_view s) { return text_or_null(person_name_parts(s, ctx).family); });
}

}  // namespace

extern const FunctionSpec family_name_function{
    "family_name", "family_name(name)",
    "The family name in a full name, split as given_name() describes: the only token of a one-token "
    "name, else the first token of a CJK name and the last token of any other.",
    1, 1, Type::string, family_name, nullptr, examples};

}  // namespace hubrules::engine::functions
