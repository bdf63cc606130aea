// The parser: the AST shapes it builds, the spans it records, and how it recovers from errors.
#include <catch2/catch.hpp>
#include <string>

#include "grammar/parser.hpp"
#include "tests/test_support.hpp"

using namespace hubrules::grammar;

namespace {

// A parsed rule file together with its source, so spans can be sliced.
struct Parsed {
  std::unique_ptr<SourceFile> source;
  ParsedRules result;
  std::string_view slice(Span s) const { return source->slice(s); }
};

Parsed parse(const std::string& text) {
  auto src = std::make_unique<SourceFile>("test.rules", text);
  ParsedRules r = parse_rules(*src);
  return {std::move(src), std::move(r)};
}

struct ParsedExpr {
  std::unique_ptr<SourceFile> source;
  ParsedExpression result;
};

ParsedExpr parse_expr(const std::string& text) {
  auto src = std::make_unique<SourceFile>("expr", text);
  ParsedExpression r = parse_expression(*src);
  return {std::move(src), std::move(r)};
}

std::string show(const Expr& e);

std::string show_path(const Path& p) {
  std::string out;
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    const PathStep& s = p.steps[i];
    if (i == 0) out += s.field;
    else if (s.index >= 0) out += "[" + std::to_string(s.index) + "]";
    else out += "." + s.field;
  }
  return out;
}

// The expression as an S-expression: (and a b), (call f x name:y), "text", 12.
std::string show(const Expr& e) {
  return std::visit(
      [](const auto& n) -> std::string {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, Literal>) {
          return n.kind == Literal::Kind::string ? "\"" + n.text + "\"" : n.text;
        } else if constexpr (std::is_same_v<T, Path>) {
          return show_path(n);
        } else if constexpr (std::is_same_v<T, Call>) {
          std::string out = "(call " + n.function;
          for (const auto& a : n.arguments) out += " " + (a.name.empty() ? "" : a.name + ":") + show(*a.value);
          return out + ")";
        } else if constexpr (std::is_same_v<T, Not>) {
          return "(not " + show(*n.operand) + ")";
        } else if constexpr (std::is_same_v<T, Binary>) {
          const char* op = n.op == BinaryOp::logical_and ? "and"
                           : n.op == BinaryOp::logical_or ? "or"
                           : n.op == BinaryOp::equal      ? "=="
                                                          : "!=";
          return std::string("(") + op + " " + show(*n.lhs) + " " + show(*n.rhs) + ")";
        } else {
          return "(if " + show(*n.condition) + " " + show(*n.then_value) + " " + show(*n.else_value) + ")";
        }
      },
      e.node);
}

std::string shape(const std::string& text) {
  const auto p = parse_expr(text);
  INFO(text);
  REQUIRE(p.result.diagnostics.empty());
  REQUIRE(p.result.expression != nullptr);
  return show(*p.result.expression);
}

// The unescaped value of one string literal.
std::string string_value(const std::string& literal) {
  const auto p = parse_expr(literal);
  INFO(literal);
  REQUIRE(p.result.diagnostics.empty());
  const auto* lit = std::get_if<Literal>(&p.result.expression->node);
  REQUIRE(lit != nullptr);
  REQUIRE(lit->kind == Literal::Kind::string);
  return lit->text;
}

template <typename T>
const T& statement(const Parsed& p, std::size_t i) {
  REQUIRE(i < p.result.rules.statements.size());
  const T* s = std::get_if<T>(&p.result.rules.statements[i]);
  REQUIRE(s != nullptr);
  return *s;
}

}  // namespace

TEST_CASE("operator precedence: == binds tighter than not, not than and, and than or", "[parser]") {
  CHECK(shape("not a == b and c or d") == "(or (and (not (== a b)) c) d)");
  CHECK(shape("a or b and c") == "(or a (and b c))");
  CHECK(shape("a and b or c and d") == "(or (and a b) (and c d))");
  CHECK(shape("a and b and c") == "(and (and a b) c)");
  CHECK(shape("a or b or c") == "(or (or a b) c)");
  CHECK(shape("not not a") == "(not (not a))");
  CHECK(shape("not a and b") == "(and (not a) b)");
  CHECK(shape("(a or b) and c") == "(and (or a b) c)");
  CHECK(shape("a != \"x\" or b == null") == "(or (!= a \"x\") (== b null))");
  CHECK(shape("present(x) and not present(y)") == "(and (call present x) (not (call present y)))");
}

TEST_CASE("keywords need a word boundary", "[parser]") {
  CHECK(shape("notice and order") == "(and notice order)");
  CHECK(shape("android or nothing") == "(or android nothing)");
  CHECK(shape("iffy") == "iffy");
  CHECK(shape("truest") == "truest");
}

TEST_CASE("literals", "[parser]") {
  CHECK(shape("12") == "12");
  CHECK(shape("-3.25") == "-3.25");
  CHECK(shape("true") == "true");
  CHECK(shape("false") == "false");
  CHECK(shape("null") == "null");
  CHECK(shape("\"\"") == "\"\"");
  const auto p = parse_expr("true");
  const auto& lit = std::get<Literal>(p.result.expression->node);
  CHECK(lit.kind == Literal::Kind::boolean);
  CHECK(lit.boolean);
}

TEST_CASE("if-then-else takes whole expressions and nests in its else branch", "[parser]") {
  CHECK(shape("if a then b else c") == "(if a b c)");
  CHECK(shape("if a == \"x\" and b then lower(c) else null") == "(if (and (== a \"x\") b) (call lower c) null)");
  CHECK(shape("if a then 1 else if b then 2 else 3") == "(if a 1 (if b 2 3))");
  CHECK(shape("if (if a then b else c) then d else e") == "(if (if a b c) d e)");
  // The branches may span lines.
  CHECK(shape("if a\n  then b\n  else c") == "(if a b c)");
}

TEST_CASE("calls take positional and named arguments", "[parser]") {
  CHECK(shape("f()") == "(call f)");
  CHECK(shape("lower(x)") == "(call lower x)");
  CHECK(shape("concat(a, \"-\", b)") == "(call concat a \"-\" b)");
  CHECK(shape("answer(type: \"guest_email\")") == "(call answer type:\"guest_email\")");
  CHECK(shape("answer( label : \"役職\" )") == "(call answer label:\"役職\")");
  CHECK(shape("f(x, name: g(y), z)") == "(call f x name:(call g y) z)");
  CHECK(shape("coalesce(a,\n         b)") == "(call coalesce a b)");

  const auto p = parse_expr("answer(type: \"guest_email\")");
  const auto& call = std::get<Call>(p.result.expression->node);
  REQUIRE(call.arguments.size() == 1);
  CHECK(p.source->slice(call.function_span) == "answer");
  CHECK(p.source->slice(call.arguments[0].name_span) == "type");
  CHECK(p.source->slice(call.arguments[0].value->span) == "\"guest_email\"");
}

TEST_CASE("paths read fields, array indices and quoted keys", "[parser]") {
  const auto p = parse_expr("booking.event.form[0][\"x-y\"].value");
  REQUIRE(p.result.diagnostics.empty());
  const auto& path = std::get<Path>(p.result.expression->node);
  REQUIRE(path.steps.size() == 6);
  CHECK(path.steps[0].field == "booking");
  CHECK(path.steps[1].field == "event");
  CHECK(path.steps[2].field == "form");
  CHECK(path.steps[3].field.empty());
  CHECK(path.steps[3].index == 0);
  CHECK(path.steps[4].field == "x-y");
  CHECK(path.steps[4].index == -1);
  CHECK(path.steps[5].field == "value");
  // Each step's span is its own text: the name, the digits, the quoted key.
  CHECK(p.source->slice(path.steps[1].span) == "event");
  CHECK(p.source->slice(path.steps[3].span) == "0");
  CHECK(p.source->slice(path.steps[4].span) == "\"x-y\"");
  CHECK(p.source->slice(p.result.expression->span) == "booking.event.form[0][\"x-y\"].value");

  CHECK(shape("booking.event.url_params[ 12 ]") == "booking.event.url_params[12]");
  CHECK(shape("booking.event[\"a\\\"b\"]") == "booking.event.a\"b");
  CHECK(shape("email") == "email");
}

TEST_CASE("string escapes are resolved", "[parser]") {
  CHECK(string_value(R"("plain")") == "plain");
  CHECK(string_value(R"("\"\\\/")") == "\"\\/");
  CHECK(string_value(R"("\n\t\r\b\f")") == "\n\t\r\b\f");
  CHECK(string_value(R"("\u0041\u00e9")") == "A\xC3\xA9");
  CHECK(string_value(R"("a\u3000b")") == "a\xE3\x80\x80" "b");  // the ideographic space U+3000
  CHECK(string_value(R"("\u00E9")") == "\xC3\xA9");              // hex digits in either case
  // A surrogate pair is one code point outside the BMP.
  CHECK(string_value(R"("\ud83d\ude00")") == "\xF0\x9F\x98\x80");  // U+1F600
  CHECK(string_value(R"("\uD842\uDFB7")") == "\xF0\xA0\xAE\xB7");  // U+20BB7 𠮷
  // A lone surrogate cannot be UTF-8: it becomes U+FFFD, and what follows is kept.
  CHECK(string_value(R"("\ud83dx")") == "\xEF\xBF\xBDx");
  CHECK(string_value(R"("\ude00")") == "\xEF\xBF\xBD");
  CHECK(string_value(R"("\ud83d\u0041")") == "\xEF\xBF\xBD" "A");
  // UTF-8 in the source passes through untouched.
  CHECK(string_value("\"従業員数\"") == "従業員数");
  // `#` inside a string is not a comment.
  CHECK(string_value(R"("a # b")") == "a # b");
}

TEST_CASE("bad strings are E101 and E102", "[parser]") {
  SECTION("unterminated") {
    const auto p = parse("rules 1\nlet a = \"abc\nlet b = 1\n");
    REQUIRE(p.result.diagnostics.size() == 1);
    CHECK(p.result.diagnostics[0].code == "E101");
    CHECK(p.source->locate(p.result.diagnostics[0].span.begin).line == 2);
    // Parsing resumes on the next line.
    CHECK(p.result.rules.statements.size() == 2);
    CHECK(statement<Let>(p, 1).name.text == "b");
  }
  SECTION("unknown escape") {
    const auto p = parse("rules 1\nlet a = \"x\\qy\"\n");
    REQUIRE(p.result.diagnostics.size() == 1);
    CHECK(p.result.diagnostics[0].code == "E102");
    // The caret starts at the character after the backslash.
    CHECK(p.source->text()[p.result.diagnostics[0].span.begin] == 'q');
    CHECK(p.source->locate(p.result.diagnostics[0].span.begin).column == 12);
  }
  SECTION("short \\u escape") {
    const auto p = parse("rules 1\nlet a = \"\\u12\"\n");
    REQUIRE(p.result.diagnostics.size() == 1);
    CHECK(p.result.diagnostics[0].code == "E102");
  }
}

TEST_CASE("a rule file parses into its statements", "[parser]") {
  const auto p = parse(R"(# leading comment
rules 1   # the version

when booking.webhook_type == "event_confirmed"
let email = lower(answer(type: "guest_email"))  # trailing comment
# a comment line between statements
contacts when present(email) {
  email = email   # comment inside a block
  # a comment line inside a block
  phone = answer(type: "guest_phone")
  dedupe by email
}
companies {
  name = answer(type: "company_name")
  dedupe by domain or name
}
associate contacts with companies
freemail add "example.jp", "mail.example.co.jp"
freemail remove "gmail.com"
)");
  REQUIRE(p.result.diagnostics.empty());
  REQUIRE(p.result.rules.statements.size() == 8);
  CHECK(statement<VersionLine>(p, 0).version == "1");
  CHECK(show(*statement<Guard>(p, 1).condition) == "(== booking.webhook_type \"event_confirmed\")");
  const auto& let = statement<Let>(p, 2);
  CHECK(let.name.text == "email");
  CHECK(show(*let.value) == "(call lower (call answer type:\"guest_email\"))");

  const auto& contacts = statement<Block>(p, 3);
  CHECK(contacts.object.text == "contacts");
  REQUIRE(contacts.guard != nullptr);
  CHECK(show(*contacts.guard) == "(call present email)");
  REQUIRE(contacts.assignments.size() == 2);
  CHECK(contacts.assignments[0].property.text == "email");
  CHECK(contacts.assignments[1].property.text == "phone");
  REQUIRE(contacts.dedupes.size() == 1);
  REQUIRE(contacts.dedupes[0].keys.size() == 1);
  CHECK(contacts.dedupes[0].keys[0].text == "email");

  const auto& companies = statement<Block>(p, 4);
  CHECK(companies.guard == nullptr);
  REQUIRE(companies.dedupes.size() == 1);
  REQUIRE(companies.dedupes[0].keys.size() == 2);
  CHECK(companies.dedupes[0].keys[0].text == "domain");
  CHECK(companies.dedupes[0].keys[1].text == "name");

  const auto& assoc = statement<Associate>(p, 5);
  CHECK(assoc.from.text == "contacts");
  CHECK(assoc.to.text == "companies");

  const auto& add = statement<FreeMailEdit>(p, 6);
  CHECK(add.add);
  REQUIRE(add.domains.size() == 2);
  CHECK(add.domains[0].text == "example.jp");
  CHECK(add.domains[1].text == "mail.example.co.jp");
  const auto& remove = statement<FreeMailEdit>(p, 7);
  CHECK_FALSE(remove.add);
  REQUIRE(remove.domains.size() == 1);
  CHECK(remove.domains[0].text == "gmail.com");
}

TEST_CASE("spans point at the right bytes", "[parser]") {
  const std::string text =
      "rules 1\n"
      "let title = answer(label: \"役職\")\n"
      "contacts {\n"
      "  jobtitle = if present(title) and title != \"-\" then title else null\n"
      "  dedupe by email\n"
      "}\n"
      "freemail add \"example.jp\"\n";
  const auto p = parse(text);
  REQUIRE(p.result.diagnostics.empty());
  CHECK(p.slice(statement<VersionLine>(p, 0).span) == "rules 1");

  const auto& let = statement<Let>(p, 1);
  CHECK(p.slice(let.span) == "let title = answer(label: \"役職\")");
  CHECK(p.slice(let.name.span) == "title");
  CHECK(p.slice(let.value->span) == "answer(label: \"役職\")");

  const auto& block = statement<Block>(p, 2);
  CHECK(p.slice(block.object.span) == "contacts");
  CHECK(p.slice(block.span).substr(0, 10) == "contacts {");
  CHECK(p.slice(block.span).back() == '}');
  const auto& a = block.assignments.at(0);
  CHECK(p.slice(a.property.span) == "jobtitle");
  CHECK(p.slice(a.span) == "jobtitle = if present(title) and title != \"-\" then title else null");
  CHECK(p.slice(a.value->span) == "if present(title) and title != \"-\" then title else null");
  const auto& cond = std::get<Conditional>(a.value->node);
  CHECK(p.slice(cond.condition->span) == "present(title) and title != \"-\"");
  const auto& conj = std::get<Binary>(cond.condition->node);
  CHECK(p.slice(conj.lhs->span) == "present(title)");
  CHECK(p.slice(conj.rhs->span) == "title != \"-\"");
  CHECK(p.slice(cond.then_value->span) == "title");
  CHECK(p.slice(cond.else_value->span) == "null");
  CHECK(p.slice(block.dedupes.at(0).span) == "dedupe by email");
  CHECK(p.slice(block.dedupes.at(0).keys.at(0).span) == "email");

  const auto& freemail = statement<FreeMailEdit>(p, 3);
  CHECK(p.slice(freemail.domains.at(0).span) == "\"example.jp\"");

  // Columns count characters, not bytes: `)` comes after two 3-byte characters.
  const auto close = static_cast<std::uint32_t>(text.find("\")") + 1);
  CHECK(text[close] == ')');
  const LineColumn lc = p.source->locate(close);
  CHECK(lc.line == 2);
  CHECK(lc.column == 31);
}

TEST_CASE("one file with several syntax errors reports each of them", "[parser]") {
  const auto p = parse(
      "rules 1\n"
      "let a = lower(x\n"             // line 2: no `)`
      "let b = 1\n"
      "this is not a statement\n"      // line 4
      "let c =\n"                      // line 5: no expression
      "let d = if a then b\n"          // line 6: no else
      "contacts {\n"
      "  email = d\n"
      "}\n");
  std::vector<std::uint32_t> lines;
  for (const auto& d : p.result.diagnostics) {
    CHECK(d.code == "E100");
    lines.push_back(p.source->locate(d.span.begin).line);
  }
  CHECK(lines == std::vector<std::uint32_t>{2, 4, 5, 6});
  CHECK(p.result.diagnostics[0].message == "expected `)` to close the argument list");
  CHECK(p.result.diagnostics[1].message == "expected a statement");
  CHECK(p.result.diagnostics[2].message == "expected an expression");
  CHECK(p.result.diagnostics[3].message == "expected `else`");
  // The good statements are all there.
  REQUIRE(p.result.rules.statements.size() == 3);
  CHECK(statement<Let>(p, 1).name.text == "b");
  CHECK(statement<Block>(p, 2).assignments.size() == 1);
}

TEST_CASE("a bad block item is skipped and the block goes on", "[parser]") {
  const auto p = parse(
      "rules 1\n"
      "contacts {\n"
      "  email = answer(type: \"guest_email\")\n"
      "  phone answer(type: \"guest_phone\")\n"   // no `=`
      "  ??? what\n"                             // garbage
      "  jobtitle = answer(label: \"役職\")\n"
      "  dedupe email\n"                         // no `by`
      "}\n"
      "companies {\n"
      "  name = answer(type: \"company_name\")\n"
      "}\n");
  REQUIRE(p.result.diagnostics.size() == 3);
  CHECK(p.result.diagnostics[0].message == "expected `=`");
  CHECK(p.slice(p.result.diagnostics[0].span) == "answer");
  CHECK(p.result.diagnostics[1].message == "expected `property = expression`, `dedupe by …` or `}`");
  CHECK(p.slice(p.result.diagnostics[1].span) == "?");
  CHECK(p.result.diagnostics[2].message == "expected `by` after `dedupe`");
  for (const auto& d : p.result.diagnostics) CHECK(d.code == "E100");

  REQUIRE(p.result.rules.statements.size() == 3);
  const auto& contacts = statement<Block>(p, 1);
  REQUIRE(contacts.assignments.size() == 2);
  CHECK(contacts.assignments[0].property.text == "email");
  CHECK(contacts.assignments[1].property.text == "jobtitle");
  CHECK(p.slice(contacts.span).back() == '}');
  CHECK(statement<Block>(p, 2).object.text == "companies");
}

TEST_CASE("a block cut short by the next statement is E103 at its `{`", "[parser]") {
  const auto p = parse(
      "rules 1\n"
      "contacts {\n"
      "  email = answer(type: \"guest_email\")\n"
      "\n"
      "associate contacts with companies\n");
  REQUIRE(p.result.diagnostics.size() == 1);
  CHECK(p.result.diagnostics[0].code == "E103");
  CHECK(p.slice(p.result.diagnostics[0].span) == "{");
  // The block keeps what it had, and the statement after it is parsed.
  REQUIRE(p.result.rules.statements.size() == 3);
  CHECK(statement<Block>(p, 1).assignments.size() == 1);
  CHECK(statement<Associate>(p, 2).to.text == "companies");
}

TEST_CASE("an error after a line break points at the end of the line before it", "[parser]") {
  const auto p = parse("rules 1\nlet a = lower(b\n\nlet c = 1\n");
  REQUIRE(p.result.diagnostics.size() == 1);
  const Span s = p.result.diagnostics[0].span;
  CHECK(s.end == s.begin + 1);
  const LineColumn lc = p.source->locate(s.begin);
  CHECK(lc.line == 2);
  CHECK(lc.column == 16);  // just after `lower(b`
}

TEST_CASE("syntax errors stop at 50 per file", "[parser]") {
  std::string text = "rules 1\n";
  for (int i = 0; i < 80; ++i) text += "let = 1\n";  // each line an error, each next line a statement
  const auto p = parse(text);
  CHECK(p.result.diagnostics.size() == 50);
}

TEST_CASE("parse_expression reads one expression and nothing else", "[parser]") {
  CHECK(shape("  lower(x)  # a comment\n") == "(call lower x)");
  const auto bad = parse_expr("lower(x) y");
  CHECK(bad.result.expression == nullptr);
  REQUIRE(bad.result.diagnostics.size() == 1);
  CHECK(bad.result.diagnostics[0].code == "E100");
  CHECK(bad.result.diagnostics[0].message == "expected an expression");

  const auto empty = parse_expr("");
  CHECK(empty.result.expression == nullptr);
  REQUIRE(empty.result.diagnostics.size() == 1);
  CHECK(empty.result.diagnostics[0].code == "E100");
}

TEST_CASE("keywords cannot name a let", "[parser]") {
  const auto p = parse("rules 1\nlet then = 1\n");
  REQUIRE(p.result.diagnostics.size() == 1);
  CHECK(p.result.diagnostics[0].message == "expected a name after `let`");
  CHECK(p.slice(p.result.diagnostics[0].span) == "then");
}
