#pragma once
// parse → check → plan: turns a rule file into an immutable Plan, or into every diagnostic the
// file deserves.
#include "engine/hubspot_schema.hpp"
#include "engine/plan.hpp"
#include "grammar/diagnostic.hpp"
#include "grammar/source.hpp"

namespace hubrules::engine {

struct Compilation {
  PlanPtr plan;  // null when diagnostics hold an error
  grammar::Diagnostics diagnostics;
};

Compilation compile_rules(const grammar::SourceFile& source, const HubSpotSchema& schema = HubSpotSchema::bundled());

// A lone expression over a booking, with the bundled free-mail list (function examples, tests).
Compilation compile_expression(const grammar::SourceFile& source);

}  // namespace hubrules::engine
