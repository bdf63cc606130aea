// company_domain(email): the email's domain, unless it is a free-mail domain.
#include "engine/functions/function_helpers.hpp"
#include "engine/text/ascii_case.hpp"
#include "engine/text/email.hpp"
#include "engine/text/whitespace.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(company_domain("guest@Mixtend.com"))", R"("mixtend.com")"},
    {R"(company_domain("taro@gmail.com"))", "null"},
    {R"(company_domain("hanako@docomo.ne.jp"))", "null"},
    {R"(company_domain("guest＠mixtend.com"))", "null"},
    {"company_domain(null)", "null"},
};

Value company_domain(std::span<const Value> args, const CallSite&, EvalContext& ctx) {
  return map_text(args[0], [&](std::string_view s) {
    const std::string_view d = text::email_domain(text::trim(s));
    const std::string_view lower = text::lower_ascii(d, ctx.allocate(d.size()));
    return ctx.free_mail().contains(lower) ? Value::null() : text_or_null(lower);
  });
}

}  // namespace

extern const FunctionSpec company_domain_function{
    "company_domain", "company_domain(email)",
    "The lowercase domain of a valid email, or null when the domain is a free-mail domain (the "
    "bundled list of 14,000+ domains, with the rule file's `freemail add/remove` edits) or the email "
    "is not valid. Matching is exact: a subdomain of a free-mail domain is not free-mail.",
    1, 1, Type::string, company_domain, nullptr, examples};

}  // namespace hubrules::engine::functions
