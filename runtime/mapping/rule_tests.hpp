#pragma once
// Rule tests: files of cases that pin down what a rule file does. A case gives a booking and the
// records it must produce, or rule text and the diagnostics it must produce.
//
//   # tests of timerex.rules
//   rules: timerex.rules                  (default rules of the file's cases, relative to it)
//
//   === a confirmed booking posts a contact
//   booking:
//   {"webhook_type":"event_confirmed", …}
//   expect:
//   {"contacts":{"properties":{"email":"a@b.jp"}},"companies":null,"associate":false}
//
//   === an unknown property is refused
//   rules:
//   rules 1
//   contacts { emial = "x" }
//   diagnostics:
//   inline.rules:2:12: error[E200]: unknown contacts property `emial`
//   …
//
// `expect` compares only the keys it names (contacts, companies, associate, skipped, error,
// booking); for `error`, only the fields given.
#include <string>
#include <vector>

namespace hubrules::runtime {

struct RuleTestCase {
  std::string name;
  std::size_t line = 0;          // line of the === header
  std::string rules_path;        // resolved path of the rules, or empty for inline rules
  std::string rules_display;     // the path as written
  std::string inline_rules;
  std::string booking;
  std::string expect;
  std::string diagnostics;
  bool has_expect = false;
  bool has_diagnostics = false;
};

struct RuleTestFile {
  std::string path;
  std::vector<RuleTestCase> cases;
  std::vector<std::string> format_errors;  // "file:line: message"
};

RuleTestFile parse_rule_test_file(const std::string& path, const std::string& text);

struct RuleTestResult {
  bool passed = false;
  std::string report;  // why it failed, with a diff
};

RuleTestResult run_rule_test(const RuleTestCase& c);

}  // namespace hubrules::runtime
