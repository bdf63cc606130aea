#pragma once
// Parsing a rule file into its AST. Parsing recovers at statement and block-item boundaries, so
// one run reports every syntax error of a file, not just the first.
#include "grammar/ast.hpp"
#include "grammar/diagnostic.hpp"
#include "grammar/source.hpp"

namespace hubrules::grammar {

struct ParsedRules {
  RuleFile rules;
  Diagnostics diagnostics;  // syntax errors only (codes E1xx)
};

ParsedRules parse_rules(const SourceFile& source);

struct ParsedExpression {
  ExprPtr expression;  // null when diagnostics hold an error
  Diagnostics diagnostics;
};

// Parses a lone expression, as the standard functions' examples are written.
ParsedExpression parse_expression(const SourceFile& source);

}  // namespace hubrules::grammar
