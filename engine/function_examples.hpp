#pragma once
// Runs the standard functions' documented examples: each expression is compiled and evaluated
// against the example booking, and its JSON result compared with the documented one.
#include <string>
#include <vector>

#include "engine/function.hpp"

namespace hubrules::engine {

struct ExampleOutcome {
  const FunctionSpec* function;
  const FunctionExample* example;
  std::string actual;  // the JSON result, or the diagnostics when the expression did not compile
  bool passed;
};

std::vector<ExampleOutcome> run_function_examples();

// A value as JSON text: null, true, 12.5, "text".
std::string value_to_json(const Value& v);

}  // namespace hubrules::engine
