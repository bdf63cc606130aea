#include "runtime/mapping/rule_tests.hpp"

#include <simdjson.h>

#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

#include "engine/evaluator.hpp"
#include "engine/map_output.hpp"
#include "runtime/base/canonical_json.hpp"
#include "runtime/mapping/rules_loader.hpp"

namespace hubrules::runtime {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::string trim_copy(const std::string& s) {
  const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// "booking: {…}" → ("booking", "{…}") for the section names a test file knows.
bool section_header(const std::string& line, std::string& name, std::string& rest) {
  for (const char* s : {"rules", "booking", "expect", "diagnostics"}) {
    const std::string prefix = std::string(s) + ":";
    if (line.rfind(prefix, 0) == 0) {
      name = s;
      rest = trim_copy(line.substr(prefix.size()));
      return true;
    }
  }
  return false;
}

std::string join_body(const std::vector<std::string>& body) {
  std::size_t end = body.size();
  while (end > 0 && trim_copy(body[end - 1]).empty()) --end;
  std::string out;
  for (std::size_t i = 0; i < end; ++i) out += body[i] + "\n";
  return out;
}

struct Section {
  std::string name;
  std::vector<std::string> body;
};

void store_section(RuleTestCase& c, Section& s) {
  const std::string text = join_body(s.body);
  if (s.name == "rules") {
    c.inline_rules = text;
    c.rules_path.clear();
  } else if (s.name == "booking") {
    c.booking = text;
  } else if (s.name == "expect") {
    c.expect = text, c.has_expect = true;
  } else if (s.name == "diagnostics") {
    c.diagnostics = text, c.has_diagnostics = true;
  }
  s = {};
}

}  // namespace

RuleTestFile parse_rule_test_file(const std::string& path, const std::string& text) {
  RuleTestFile file{path, {}, {}};
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::string default_rules, default_display;
  RuleTestCase* current = nullptr;
  Section section;
  const auto lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    std::string name, rest;
    if (line.rfind("===", 0) == 0) {
      if (current) store_section(*current, section);
      file.cases.push_back({trim_copy(line.substr(3)), i + 1, default_rules, default_display, {}, {}, {}, {}, false, false});
      current = &file.cases.back();
    } else if (section_header(line, name, rest)) {
      if (current == nullptr) {
        if (name != "rules" || rest.empty()) file.format_errors.push_back(path + ":" + std::to_string(i + 1) + ": before the first `===` case only `rules: PATH` may stand");
        default_display = rest;
        default_rules = (dir / rest).string();
        continue;
      }
      store_section(*current, section);
      section.name = name;
      if (name == "rules" && !rest.empty()) {
        current->rules_display = rest;
        current->rules_path = (dir / rest).string();
        section.name.clear();
      } else if (!rest.empty()) {
        section.body.push_back(rest);
      }
    } else if (current != nullptr && !section.name.empty()) {
      section.body.push_back(line);
    } else if (!trim_copy(line).empty() && trim_copy(line)[0] != '#') {
      file.format_errors.push_back(path + ":" + std::to_string(i + 1) + ": expected `=== case name` or a section (`rules:`, `booking:`, `expect:`, `diagnostics:`)");
    }
  }
  if (current) store_section(*current, section);
  for (const auto& c : file.cases) {
    if (!c.has_expect && !c.has_diagnostics)
      file.format_errors.push_back(path + ":" + std::to_string(c.line) + ": case `" + c.name + "` has neither `expect:` nor `diagnostics:`");
    if (c.has_expect && c.booking.empty())
      file.format_errors.push_back(path + ":" + std::to_string(c.line) + ": case `" + c.name + "` has `expect:` but no `booking:`");
    if (c.rules_path.empty() && c.inline_rules.empty())
      file.format_errors.push_back(path + ":" + std::to_string(c.line) + ": case `" + c.name + "` has no rules");
  }
  return file;
}

namespace {

// Compiled rules, shared by the cases of a run that name the same file.
const LoadedRules& rules_for(const RuleTestCase& c) {
  static std::map<std::string, std::unique_ptr<LoadedRules>> cache;
  const std::string key = c.rules_path.empty() ? "inline\n" + c.inline_rules : c.rules_path;
  auto& slot = cache[key];
  if (!slot) {
    const engine::HubSpotSchema& schema = engine::HubSpotSchema::bundled();
    if (c.rules_path.empty()) {
      slot = std::make_unique<LoadedRules>(compile_rules_text("inline.rules", c.inline_rules, schema));
    } else {
      auto text = read_text_file(c.rules_path);
      if (!text) throw std::runtime_error(c.rules_path + ": cannot read the rule file");
      slot = std::make_unique<LoadedRules>(compile_rules_text(c.rules_display, std::move(*text), schema));
    }
  }
  return *slot;
}

std::string line_diff(const std::string& expected, const std::string& actual) {
  std::string out;
  for (const auto& l : split_lines(expected)) out += "    - " + l + "\n";
  for (const auto& l : split_lines(actual)) out += "    + " + l + "\n";
  return out;
}

std::string canonical_or_raw(simdjson::dom::element e) {
  const std::string raw = simdjson::to_string(e);
  return canonical_json(raw).value_or(raw);
}

// Compares the expected keys with the map line the booking produced.
std::string compare_records(const std::string& expect_text, const std::string& actual_line) {
  simdjson::dom::parser pe, pa;
  simdjson::dom::object expect, actual;
  if (pe.parse(simdjson::padded_string(expect_text)).get(expect)) return "  `expect:` is not a JSON object\n";
  if (pa.parse(simdjson::padded_string(actual_line)).get(actual)) return "  the map output is not JSON: " + actual_line;
  std::string report;
  for (auto [key, want] : expect) {
    simdjson::dom::element got;
    const bool present = actual[key].get(got) == simdjson::SUCCESS;
    simdjson::dom::object want_fields;
    if (key == "error" && present && want.get(want_fields) == simdjson::SUCCESS) {
      for (auto [k, v] : want_fields) {
        simdjson::dom::element g;
        const std::string actual_v = got[k].get(g) == simdjson::SUCCESS ? canonical_or_raw(g) : "(absent)";
        if (canonical_or_raw(v) != actual_v)
          report += "  error." + std::string(k) + ":\n" + line_diff(canonical_or_raw(v), actual_v);
      }
      continue;
    }
    const std::string actual_v = present ? canonical_or_raw(got) : "(absent)";
    if (canonical_or_raw(want) != actual_v) report += "  " + std::string(key) + ":\n" + line_diff(canonical_or_raw(want), actual_v);
  }
  return report;
}

}  // namespace

RuleTestResult run_rule_test(const RuleTestCase& c) {
  const LoadedRules& rules = rules_for(c);
  std::string report;
  if (c.has_diagnostics && rules.rendered != c.diagnostics) report += "  diagnostics:\n" + line_diff(c.diagnostics, rules.rendered);
  if (c.has_expect) {
    if (!rules.compilation.plan) {
      report += "  the rules do not compile:\n" + rules.rendered;
    } else {
      engine::Evaluator evaluator(rules.compilation.plan);
      const simdjson::padded_string booking(c.booking);
      std::string line;
      engine::append_map_line(line, 1, evaluator.evaluate(booking));
      report += compare_records(c.expect, line);
    }
  }
  return {report.empty(), report};
}

}  // namespace hubrules::runtime
