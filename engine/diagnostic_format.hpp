#pragma once
// Rendering diagnostics for people:
//   rules/x.rules:12:3: error[E200]: unknown contacts property `emial`
//      12 |   emial = email
//         |   ^^^^^
//         = help: did you mean `email`?
#include <string>

#include "grammar/diagnostic.hpp"
#include "grammar/source.hpp"

namespace hubrules::engine {

std::string format_diagnostic(const grammar::SourceFile& src, const grammar::Diagnostic& d);
std::string format_diagnostics(const grammar::SourceFile& src, const grammar::Diagnostics& ds);

}  // namespace hubrules::engine
