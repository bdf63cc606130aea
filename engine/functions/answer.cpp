// answer(type: "…") / answer(label: "…"): a guest's answer from event.form[].
#include "engine/functions/function_helpers.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(answer(type: "guest_email"))", R"("guest@mixtend.com")"},
    {R"(answer(type: "company_name"))", R"("Mixtend")"},
    {R"(answer(label: "役職"))", R"("営業部長")"},
    {R"(answer(label: "ご興味のある製品"))", R"("CRM;MA")"},
    {R"(answer(type: "guest_comment"))", "null"},
    {R"(answer(label: "no such question"))", "null"},
};

// The extraction pass already found, joined and trimmed the answer into the slot.
Value answer(std::span<const Value>, const CallSite& site, EvalContext& ctx) { return ctx.slot(site.slot); }

BindError bind_answer(const grammar::Call& call, grammar::Span call_span, ReadSetBuilder& reads, CallSite& site) {
  const std::string help = R"(write `answer(type: "guest_email")` for a standard question or `answer(label: "役職")` for a custom one)";
  if (call.arguments.size() != 1 || call.arguments[0].name.empty())
    return {"E301", "answer takes one named argument, `type:` or `label:`", help, call_span};
  const grammar::Argument& arg = call.arguments[0];
  const auto* lit = std::get_if<grammar::Literal>(&arg.value->node);
  if (arg.name != "type" && arg.name != "label")
    return {"E302", "answer has no argument named `" + arg.name + "`", help, arg.name_span};
  if (lit == nullptr || lit->kind != grammar::Literal::Kind::string)
    return {"E303", "answer's `" + arg.name + ":` must be a string literal", help, arg.value->span};
  site.slot = arg.name == "type" ? reads.answer_by_type(lit->text) : reads.answer_by_label(lit->text);
  return {};
}

}  // namespace

extern const FunctionSpec answer_function{
    "answer", R"(answer(type: "field_type") | answer(label: "question label"))",
    "The guest's answer to a form question: a standard question found by its `field_type` "
    "(company_name, guest_name, guest_email, guest_phone, guest_comment), a custom one by its label. "
    "The first matching question wins. An array answer (a multiple choice) has its choices trimmed, "
    "blank ones left out, and the rest joined with \";\". "
    "The answer is trimmed of ASCII whitespace and U+3000; an empty or missing answer is null.",
    1, 1, Type::string, answer, bind_answer, examples};

}  // namespace hubrules::engine::functions
