// email_domain(email): the lowercase domain of a valid email.
#include "engine/functions/function_helpers.hpp"
#include "engine/text/ascii_case.hpp"
#include "engine/text/email.hpp"
#include "engine/text/whitespace.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(email_domain("guest@Mixtend.COM"))", R"("mixtend.com")"},
    {R"(email_domain("taro@gmail.com"))", R"("gmail.com")"},
    {R"(email_domain("not an email"))", "null"},
    {"email_domain(null)", "null"},
};

Value email_domain(std::span<const Value> args, const CallSite&, EvalContext& ctx) {
  return map_text(args[0], [&](std::string_view s) {
    const std::string_view d = text::email_domain(text::trim(s));
    return text_or_null(text::lower_ascii(d, ctx.allocate(d.size())));
  });
}

}  // namespace

extern const FunctionSpec email_domain_function{
    "email_domain", "email_domain(email)",
    "The lowercase text after the \"@\" of a valid email (see valid_email), else null. Free-mail "
    "domains are returned too; company_domain() leaves them out.",
    1, 1, Type::string, email_domain, nullptr, examples};

}  // namespace hubrules::engine::functions
