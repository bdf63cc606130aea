// url_param("utm_source"): a parameter of the booking page's URL, from event.url_params[].
#include "engine/functions/function_helpers.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(url_param("utm_source"))", R"("example")"},
    {R"(url_param("utm_medium"))", "null"},
};

Value url_param(std::span<const Value>, const CallSite& site, EvalContext& ctx) { return ctx.slot(site.slot); }

BindError bind_url_param(const grammar::Call& call, grammar::Span call_span, ReadSetBuilder& reads, CallSite& site) {
  const std::string help = R"(write `url_param("utm_source")`)";
  if (call.arguments.size() != 1) return {"E301", "url_param takes one argument, the parameter's name", help, call_span};
  const grammar::Argument& arg = call.arguments[0];
  if (!arg.name.empty()) return {"E302", "url_param takes no named arguments", help, arg.name_span};
  const auto* lit = std::get_if<grammar::Literal>(&arg.value->node);
  if (lit == nullptr || lit->kind != grammar::Literal::Kind::string)
    return {"E303", "url_param's argument must be a string literal", help, arg.value->span};
  site.slot = reads.url_param(lit->text);
  return {};
}

}  // namespace

extern const FunctionSpec url_param_function{
    "url_param", R"(url_param("name"))",
    "The value of a URL parameter the guest arrived with (event.url_params[], e.g. utm_source), trimmed; "
    "null when absent or empty.",
    1, 1, Type::string, url_param, bind_url_param, examples};

}  // namespace hubrules::engine::functions
