// Properties of the parser and checker on arbitrary rule text: they always return (quickly), a
// plan exists exactly when no diagnostic is an error, every diagnostic points into the text, and
// a plan they do produce maps a booking to a valid JSON line.
#include <rapidcheck/catch.h>
#include <simdjson.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_support.hpp"

namespace {

const std::string& timerex_rules_text() {
  static const std::string text = [] {
    std::ifstream in(hubrules::testing::source_dir() + "/rules/timerex.rules", std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  return text;
}

// Words and symbols of the rule language, with enough noise to break it in every way.
const std::vector<std::string> rule_tokens = {
    "rules", " 1", "\n", "\n", " ", "  ", "\t", "\r\n", "let ", "x", " = ", "when ", "contacts", "companies", " {", "}", "\n}",
    "(", ")", "==", "!=", " and ", " or ", "not ", "if ", " then ", " else ", "\"", "\"a@b.jp\"", "\"\\u3000\"", "\"\\q\"",
    "answer(type: \"guest_email\")", "answer(label: \"役職\")", "type:", "label:", ",", ".", "[", "]", "[0]", "0", "1.5", "-",
    "booking", "booking.event.id", ".event", "email", "name", "domain", "phone", "numberofemployees", "dedupe by ", "email",
    " or name", "associate contacts with companies", "associate ", " with ", "freemail add \"x.jp\"", "freemail remove ",
    "\"nifty.com\"", "lower(", "valid_email(", "company_domain(", "number(", "present(", "coalesce(", "null", "true",
    "false", "#", "# comment\n", "\\", "山", "\xE3\x80\x80", "\xFF", "\xE3\x80", "{", "=", ":", "emial", "url_param(\"u\")"};

rc::Gen<std::string> gen_rule_text() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(rule_tokens)),
                   [](const std::vector<std::string>& v) {
                     std::string s;
                     for (const auto& t : v) s += t;
                     return s;
                   }),
      rc::gen::string<std::string>(), rc::gen::container<std::string>(rc::gen::arbitrary<char>()));
}

// timerex.rules with a few characters deleted, duplicated or swapped, or a line repeated.
rc::Gen<std::string> gen_mutated_rules() {
  return rc::gen::exec([] {
    std::string text = timerex_rules_text();
    const int mutations = *rc::gen::inRange(1, 6);
    for (int m = 0; m < mutations && !text.empty(); ++m) {
      const std::size_t i = *rc::gen::inRange<std::size_t>(0, text.size());
      switch (*rc::gen::inRange(0, 5)) {
        case 0: text.erase(i, 1); break;
        case 1: text.insert(i, 1, text[i]); break;
        case 2:
          if (i + 1 < text.size()) std::swap(text[i], text[i + 1]);
          break;
        case 3: text.erase(i, *rc::gen::inRange<std::size_t>(1, 40)); break;
        case 4: {
          const std::size_t begin = text.rfind('\n', i) == std::string::npos ? 0 : text.rfind('\n', i) + 1;
          const std::size_t end = text.find('\n', i) == std::string::npos ? text.size() : text.find('\n', i) + 1;
          text.insert(*rc::gen::inRange<std::size_t>(0, text.size() + 1), text.substr(begin, end - begin));
          break;
        }
      }
    }
    return text;
  });
}

void check_compiles_sanely(const std::string& text) {
  const auto start = std::chrono::steady_clock::now();
  const auto c = hubrules::testing::compile_text(text);
  const std::string rendered = c.rendered();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RC_LOG() << rendered;
  RC_ASSERT(seconds < 5.0);  // no hang, no blow-up
  RC_ASSERT((c.compilation.plan != nullptr) == !hubrules::grammar::has_errors(c.compilation.diagnostics));
  for (const auto& d : c.compilation.diagnostics) {
    RC_ASSERT(d.span.begin <= d.span.end);
    RC_ASSERT(d.span.end <= text.size());
    RC_ASSERT(d.code.size() == 4u);
    RC_ASSERT(!d.message.empty());
  }
  if (!c.compilation.plan) {
    RC_ASSERT(rendered.find("error[") != std::string::npos);
    return;
  }
  const std::string line = hubrules::testing::map_line(c.compilation.plan, std::string(hubrules::engine::example_booking_json()));
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  const auto err = parser.parse(line).get(e);
  RC_LOG() << line << "\n";
  // Digits beyond a double are JSON all the same, but not for simdjson's DOM.
  RC_ASSERT((err == simdjson::SUCCESS || err == simdjson::NUMBER_ERROR));
}

}  // namespace

TEST_CASE("the parser and checker return on arbitrary text, and a plan exists iff no error", "[property]") {
  REQUIRE(hubrules::testing::compile_text(timerex_rules_text()).compilation.plan != nullptr);
  rc::prop("random token soup and random strings", [] { check_compiles_sanely(*gen_rule_text()); });
  rc::prop("timerex.rules with characters deleted, duplicated or swapped", [] { check_compiles_sanely(*gen_mutated_rules()); });
}

TEST_CASE("lone expressions parse or fail with diagnostics, never both", "[property]") {
  rc::prop("random token soup", [] {
    const std::string text = *gen_rule_text();
    const hubrules::grammar::SourceFile src("expr", text);
    const auto c = hubrules::engine::compile_expression(src);
    RC_ASSERT((c.plan != nullptr) == !hubrules::grammar::has_errors(c.diagnostics));
    for (const auto& d : c.diagnostics) RC_ASSERT(d.span.end <= text.size());
    (void)hubrules::engine::format_diagnostics(src, c.diagnostics);
  });
}
