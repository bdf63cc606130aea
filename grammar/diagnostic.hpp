#pragma once
// One finding about a rule file: a stable code (never reused), where, what, and how to fix it.
// The grammar reports syntax errors with it; the engine's checker everything else.
#include <string>
#include <vector>

#include "grammar/source.hpp"

namespace hubrules::grammar {

enum class Severity { error, warning };

struct Diagnostic {
  std::string code;  // "E100": E1xx syntax, E2xx schema and blocks, E3xx names and functions
  Severity severity = Severity::error;
  Span span;
  std::string message;
  std::string help;  // empty when no fix is known
};

using Diagnostics = std::vector<Diagnostic>;

inline bool has_errors(const Diagnostics& ds) {
  for (const auto& d : ds)
    if (d.severity == Severity::error) return true;
  return false;
}

}  // namespace hubrules::grammar
