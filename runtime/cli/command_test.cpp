// hubrules test PATH… [--functions]: runs rule tests and, with --functions, the standard
// functions' examples. Ends with "N passed, M failed".
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "engine/function_examples.hpp"
#include "runtime/cli/command_line.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/mapping/rule_tests.hpp"
#include "runtime/mapping/rules_loader.hpp"

namespace hubrules::runtime {

namespace {

struct Tally {
  std::size_t passed = 0, failed = 0;
};

std::vector<std::string> test_files(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    if (!std::filesystem::is_directory(p)) {
      files.push_back(p);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& e : std::filesystem::recursive_directory_iterator(p))
      if (e.is_regular_file() && e.path().extension() == ".test") found.push_back(e.path().string());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

void run_file(const std::string& path, Tally& t) {
  const auto text = read_text_file(path);
  if (!text) {
    std::cout << "FAIL " << path << ": cannot read the file\n";
    ++t.failed;
    return;
  }
  const RuleTestFile file = parse_rule_test_file(path, *text);
  for (const auto& e : file.format_errors) std::cout << "FAIL " << e << "\n";
  t.failed += file.format_errors.size();
  if (!file.format_errors.empty()) return;
  for (const auto& c : file.cases) {
    const RuleTestResult r = run_rule_test(c);
    if (r.passed) {
      ++t.passed;
      continue;
    }
    ++t.failed;
    std::cout << "FAIL " << path << ":" << c.line << ": " << c.name << "\n" << r.report;
  }
}

void run_examples(Tally& t) {
  for (const auto& o : engine::run_function_examples()) {
    if (o.passed) {
      ++t.passed;
      continue;
    }
    ++t.failed;
    std::cout << "FAIL example of " << o.function->name << ": " << o.example->expression << "\n    - " << o.example->result
              << "\n    + " << o.actual << "\n";
  }
}

}  // namespace

int run_test(const Args& args) {
  const CommandLine cl(args, {}, {"functions"});
  if (cl.positionals().empty() && !cl.flag("functions"))
    throw UsageError("usage: hubrules test PATH… [--functions]");
  Tally t;
  for (const auto& f : test_files(cl.positionals())) run_file(f, t);
  if (cl.flag("functions")) run_examples(t);
  std::cout << t.passed << " passed, " << t.failed << " failed\n";
  return t.failed == 0 && t.passed > 0 ? 0 : 1;
}

}  // namespace hubrules::runtime
