// concat(a, b, …): the values' text one after another.
#include "engine/functions/function_helpers.hpp"

namespace hubrules::engine::functions {

Value join_present(std::span<const Value> values, std::string_view sep, EvalContext& ctx) {
  std::size_t size = 0;
  for (const Value& v : values)
    if (!v.is_null()) size += v.text.size() + sep.size();
  if (size == 0) return Value::null();
  char* out = ctx.allocate(size);
  std::size_t n = 0;
  for (const Value& v : values) {
    if (v.is_null()) continue;
    if (n > 0) n += sep.copy(out + n, sep.size());
    n += v.text.copy(out + n, v.text.size());
  }
  ctx.arena().shrink_last(out, n, size);
  return text_or_null({out, n});
}

namespace {

constexpr FunctionExample examples[] = {
    {R"(concat("Mixtend", " ", "Inc."))", R"("Mixtend Inc.")"},
    {R"(concat("ID-", 42))", R"("ID-42")"},
    {R"(concat("a", null, "b"))", R"("ab")"},
    {"concat(null, null)", "null"},
};

Value concat(std::span<const Value> args, const CallSite&, EvalContext& ctx) { return join_present(args, {}, ctx); }

}  // namespace

extern const FunctionSpec concat_function{
    "concat", "concat(value, …)",
    "The text of the values one after another; null values are skipped, and the result is null when "
    "all are null. Numbers contribute their digits, booleans true/false.",
    1, variadic, Type::string, concat, nullptr, examples};

}  // namespace hubrules::engine::functions
