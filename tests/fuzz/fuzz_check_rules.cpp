// libFuzzer target: the whole compiler (parse → check → plan) on arbitrary rule text. A plan must
// exist exactly when no diagnostic is an error, and a plan must evaluate the sample booking to a
// well-formed map line.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/compiler.hpp"
#include "engine/diagnostic_format.hpp"
#include "engine/evaluator.hpp"
#include "engine/map_output.hpp"
#include "grammar/source.hpp"

namespace {
const char* const bookings[] = {
    nullptr,  // the standard functions' example booking
    R"({"webhook_type":"event_confirmed","event":{"id":7,"form":[{"field_type":"guest_email","label":"x","value":" A@B.CO "},{"field_type":"guest_name","label":"名前","value":"山田　太郎"},{"field_type":"c","label":"従業員数","value":"１，０００"}],"url_params":[{"utm_source":" s "}]}})",
    R"({"webhook_type":"event_cancelled","event":{"id":"c"}})",
    R"({"event":{"form":"oops"}})",
    "not json",
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hubrules;
  const grammar::SourceFile src("fuzz.rules", std::string(reinterpret_cast<const char*>(data), size));
  const engine::Compilation c = engine::compile_rules(src);
  for (const auto& d : c.diagnostics)
    if (d.span.begin > d.span.end || d.span.end > size) __builtin_trap();
  if ((c.plan != nullptr) == grammar::has_errors(c.diagnostics)) __builtin_trap();
  (void)engine::format_diagnostics(src, c.diagnostics);
  if (!c.plan) return 0;

  static simdjson::dom::parser checker;
  engine::Evaluator evaluator(c.plan);
  for (const char* b : bookings) {
    const simdjson::padded_string json(b != nullptr ? std::string_view(b) : engine::example_booking_json());
    std::string line;
    engine::append_map_line(line, 1, evaluator.evaluate(json));
    if (line.empty() || line.back() != '\n' || line.find('\n') != line.size() - 1) __builtin_trap();
    // Rule literals may be numbers simdjson's DOM cannot hold (huge); any other failure is a bug
    // (a rule file that is not UTF-8 is refused with E107, so its bytes never reach the output).
    simdjson::dom::element e;
    const auto err = checker.parse(line).get(e);
    if (err && err != simdjson::NUMBER_ERROR) __builtin_trap();
  }
  return 0;
}
