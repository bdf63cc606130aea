// valid_email(text): the address if HubSpot can take it, else null.
#include "engine/functions/function_helpers.hpp"
#include "engine/text/email.hpp"
#include "engine/text/whitespace.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(valid_email(" Guest@Mixtend.com "))", R"("Guest@Mixtend.com")"},
    {R"(valid_email("guest＠mixtend.com"))", "null"},
    {R"(valid_email("guest@localhost"))", "null"},
    {R"(valid_email("a@b@c.jp"))", "null"},
    {R"(valid_email("guest@mixtend..com"))", "null"},
    {R"(valid_email("ge st@mixtend.com"))", "null"},
    {"valid_email(null)", "null"},
};

Value valid_email(std::span<const Value> args, const CallSite&, EvalContext&) {
  return map_text(args[0], [](std::string_view s) {
    s = text::trim(s);
    return text::is_valid_email(s) ? Value::string(s) : Value::null();
  });
}

}  // namespace

extern const FunctionSpec valid_email_function{
    "valid_email", "valid_email(text)",
    "The trimmed text when it is a postable email address, else null. Valid means: ASCII only (a "
    "full-width \"＠\" is not), no whitespace, exactly one \"@\", a non-empty local part, and a domain "
    "with a dot and no empty label. The case is kept; wrap it in lower() to post it lowercased.",
    1, 1, Type::string, valid_email, nullptr, examples};

}  // namespace hubrules::engine::functions
