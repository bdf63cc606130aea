// number(text): a form answer as an exact JSON number.
#include "engine/functions/function_helpers.hpp"
#include "engine/text/decimal.hpp"
#include "engine/text/whitespace.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(number("1,000"))", "1000"},
    {R"(number("５０"))", "50"},
    {R"(number("１，２００"))", "1200"},
    {R"(number("0012.50"))", "12.5"},
    {R"(number("30名"))", "null"},
    {R"(number("約100"))", "null"},
    {R"(number("-5"))", "null"},
    {"number(42)", "42"},
    {"number(1.50)", "1.5"},
    {"number(-5)", "null"},
    {"number(null)", "null"},
};

Value number(std::span<const Value> args, const CallSite&, EvalContext& ctx) {
  const Value& v = args[0];
  if (v.kind != Kind::string && v.kind != Kind::number) return Value::null();
  const std::string_view s = text::trim(v.text);
  char* out = ctx.allocate(s.size());
  const std::string_view n = text::normalize_decimal(s, out);
  return n.empty() ? Value::null() : Value::number(n);
}

}  // namespace

extern const FunctionSpec number_function{
    "number", "number(text)",
    "The text as a number: full-width digits become ASCII, \",\" and \"，\" are removed, then it must "
    "be a plain integer or decimal (digits, at most one \".\" between digits; no sign, no units), else "
    "null. A number (a JSON number answer) is held to the same rule. The number keeps all its digits; "
    "leading zeros and trailing fractional zeros are dropped.",
    1, 1, Type::number, number, nullptr, examples};

}  // namespace hubrules::engine::functions
