// present(value): whether a value is there.
#include "engine/functions/function_helpers.hpp"
#include "engine/text/whitespace.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(present(answer(type: "company_name")))", "true"},
    {R"(present(answer(type: "guest_comment")))", "false"},
    {R"(present(" "))", "false"},
    {"present(0)", "true"},
};

Value present(std::span<const Value> args, const CallSite&, EvalContext&) {
  const Value& v = args[0];
  return Value::of_bool(!v.is_null() && !(v.kind == Kind::string && text::is_blank(v.text)));
}

}  // namespace

extern const FunctionSpec present_function{
    "present", "present(value)",
    "true when the value is neither null nor blank text, else false. Useful in `when` guards: "
    "`companies when present(company) { … }`.",
    1, 1, Type::boolean, present, nullptr, examples};

}  // namespace hubrules::engine::functions
