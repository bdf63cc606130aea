// replace(text, find, with): every occurrence of a text replaced.
#include "engine/functions/function_helpers.hpp"

namespace hubrules::engine::functions {
namespace {

constexpr FunctionExample examples[] = {
    {R"(replace("03-1234-5678", "-", ""))", R"("0312345678")"},
    {R"(replace("株式会社 Mixtend", "株式会社 ", ""))", R"("Mixtend")"},
    {R"(replace("abc", "", "x"))", R"("abc")"},
    {R"(replace(null, "a", "b"))", "null"},
};

std::size_t count_occurrences(std::string_view s, std::string_view find) {
  std::size_t n = 0;
  for (std::size_t at = s.find(find); at != std::string_view::npos; at = s.find(find, at + find.size())) ++n;
  return n;
}

Value replace(std::span<const Value> args, const CallSite&, EvalContext& ctx) {
  const std::string_view s = args[0].text, find = args[1].text, with = args[2].text;
  if (args[0].is_null()) return Value::null();
  if (find.empty()) return text_or_null(s);
  const std::size_t size = s.size() + count_occurrences(s, find) * with.size();
  char* out = ctx.allocate(size);
  std::size_t n = 0, from = 0;
  for (std::size_t at = s.find(find); at != std::string_view::npos; at = s.find(find, from)) {
    n += s.copy(out + n, at - from, from);
    n += with.copy(out + n, with.size());
    from = at + find.size();
  }
  n += s.copy(out + n, s.size() - from, from);
  ctx.arena().shrink_last(out, n, size);
  return text_or_null({out, n});
}

}  // namespace

extern const FunctionSpec replace_function{
    "replace", "replace(text, find, with)",
    "The text with every occurrence of `find` replaced by `with` (plain text, not a pattern). A null "
    "`find` or `with` counts as empty text; an empty `find` changes nothing. Null text stays null.",
    3, 3, Type::string, replace, nullptr, examples};

}  // namespace hubrules::engine::functions
