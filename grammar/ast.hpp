#pragma once
// The syntax tree of a rule file. Every node carries the span of source it came from, so the
// checker can point at it.
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "grammar/source.hpp"

namespace hubrules::grammar {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Literal {
  enum class Kind { null, boolean, number, string } kind = Kind::null;
  std::string text;  // unescaped string, or the number as written
  bool boolean = false;
};

// `booking.event.id`, `email` (a let), `booking.event.form[0]`.
struct PathStep {
  std::string field;       // empty for an index step
  long index = -1;         // >= 0 for an index step
  Span span;
};
struct Path {
  std::vector<PathStep> steps;  // steps[0] is the root name
};

struct Argument {
  std::string name;  // empty for a positional argument
  Span name_span;
  ExprPtr value;
};
struct Call {
  std::string function;
  Span function_span;
  std::vector<Argument> arguments;
};

struct Not {
  ExprPtr operand;
};

enum class BinaryOp { logical_and, logical_or, equal, not_equal };
struct Binary {
  BinaryOp op;
  ExprPtr lhs;
  ExprPtr rhs;
};

struct Conditional {
  ExprPtr condition;
  ExprPtr then_value;
  ExprPtr else_value;
};

struct Expr {
  Span span;
  std::variant<Literal, Path, Call, Not, Binary, Conditional> node;
};

struct Name {
  std::string text;
  Span span;
};

struct VersionLine {
  std::string version;
  Span span;
};

struct Let {
  Name name;
  ExprPtr value;
  Span span;
};

struct Guard {
  ExprPtr condition;
  Span span;
};

struct Assignment {
  Name property;
  ExprPtr value;
  Span span;
};

struct Dedupe {
  std::vector<Name> keys;
  Span span;
};

struct Block {
  Name object;               // "contacts" or "companies" when valid
  ExprPtr guard;             // `contacts when … {`; null when absent
  std::vector<Assignment> assignments;
  std::vector<Dedupe> dedupes;
  Span span;
  bool has_syntax_errors = false;  // some lines were dropped: what the block lacks is not news
};

struct Associate {
  Name from;
  Name to;
  Span span;
};

struct FreeMailEdit {
  bool add = true;
  std::vector<Name> domains;  // unescaped domain text with the span of its literal
  Span span;
};

using Statement = std::variant<VersionLine, Let, Guard, Block, Associate, FreeMailEdit>;

struct RuleFile {
  std::vector<Statement> statements;  // in source order
  bool readable = true;               // false when the text is not UTF-8 and was not parsed
  std::uint32_t first_error = 0xFFFFFFFF;  // offset of the first syntax error, if any
};

}  // namespace hubrules::grammar
