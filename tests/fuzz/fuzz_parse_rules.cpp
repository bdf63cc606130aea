// libFuzzer target: the rule-file parser (grammar/ only) on arbitrary bytes. It must return,
// report only spans inside the text, and stop at its error limit; a lone expression too.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/diagnostic_format.hpp"
#include "grammar/parser.hpp"
#include "grammar/source.hpp"

namespace {
void check_spans(const hubrules::grammar::Diagnostics& ds, std::size_t size) {
  for (const auto& d : ds) {
    if (d.span.begin > d.span.end || d.span.end > size) __builtin_trap();
    if (d.code.size() != 4 || d.message.empty()) __builtin_trap();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hubrules;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const grammar::SourceFile src("fuzz.rules", text);

  const grammar::ParsedRules parsed = grammar::parse_rules(src);
  check_spans(parsed.diagnostics, size);
  if (parsed.diagnostics.size() > 51) __builtin_trap();  // the parser stops after 50 syntax errors
  (void)engine::format_diagnostics(src, parsed.diagnostics);

  const grammar::ParsedExpression expr = grammar::parse_expression(src);
  check_spans(expr.diagnostics, size);
  if ((expr.expression == nullptr) == expr.diagnostics.empty()) __builtin_trap();
  (void)engine::format_diagnostics(src, expr.diagnostics);
  return 0;
}
