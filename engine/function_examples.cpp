#include "engine/function_examples.hpp"

#include "engine/compiler.hpp"
#include "engine/diagnostic_format.hpp"
#include "engine/evaluator.hpp"
#include "engine/text/json_writer.hpp"

namespace hubrules::engine {

std::string value_to_json(const Value& v) {
  std::string out;
  switch (v.kind) {
    case Kind::null: return "null";
    case Kind::boolean: return v.boolean ? "true" : "false";
    case Kind::number: return std::string(v.text);
    case Kind::string: text::append_json_string(out, v.text); return out;
  }
  return out;
}

std::vector<ExampleOutcome> run_function_examples() {
  const simdjson::padded_string booking(example_booking_json());
  std::vector<ExampleOutcome> out;
  for (const FunctionSpec* f : standard_functions()) {
    for (const FunctionExample& ex : f->examples) {
      const grammar::SourceFile src(std::string(f->name) + " example", std::string(ex.expression));
      const Compilation c = compile_expression(src);
      if (!c.plan) {
        out.push_back({f, &ex, format_diagnostics(src, c.diagnostics), false});
        continue;
      }
      Evaluator evaluator(c.plan);
      ReadError error;
      const Value v = evaluator.evaluate_expression(booking, error);
      const std::string actual = error.code.empty() ? value_to_json(v) : "error " + error.message;
      out.push_back({f, &ex, actual, actual == ex.result});
    }
  }
  return out;
}

}  // namespace hubrules::engine
