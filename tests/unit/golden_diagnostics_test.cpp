// Golden diagnostics: every tests/golden/diagnostics/*.rules is checked by the hubrules binary and
// what it prints to stderr must equal the file's .expected. HUBRULES_UPDATE_GOLDEN=1 rewrites the
// .expected files instead (see tests/golden/README.md).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_support.hpp"

namespace fs = std::filesystem;
using hubrules::testing::run_hubrules;

namespace {

const std::string golden_relative = "tests/golden/diagnostics";

fs::path golden_dir() { return fs::path(hubrules::testing::source_dir()) / golden_relative; }

bool updating() {
  const char* v = std::getenv("HUBRULES_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

// Every code the checker can report, and how many golden files each needs at least.
const std::map<std::string, int> required_codes = {
    {"E100", 7}, {"E101", 1}, {"E102", 1}, {"E103", 1}, {"E104", 1}, {"E105", 1}, {"E106", 1}, {"E107", 1},
    {"E200", 2}, {"E201", 3}, {"E202", 1}, {"E203", 2}, {"E204", 1}, {"E205", 1}, {"E206", 1},
    {"E207", 1}, {"E210", 1}, {"E211", 1}, {"E212", 1}, {"E213", 1}, {"E214", 1}, {"E220", 1},
    {"E221", 1}, {"E222", 1}, {"E223", 1}, {"E230", 1}, {"E300", 1}, {"E301", 1}, {"E302", 2},
    {"E303", 2}, {"E304", 1}, {"E310", 2}, {"E311", 1}, {"E313", 1}, {"E314", 1}, {"E315", 1},
    {"W401", 1}, {"W402", 1}, {"W403", 1},
};

std::vector<std::string> files_with_extension(const std::string& ext) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(golden_dir()))
    if (entry.is_regular_file() && entry.path().extension() == ext) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// "E200-unknown-property.rules" -> "E200"; "" for files not named after a code.
std::string code_of(const std::string& file_name) {
  static const std::regex code_prefix(R"(^([EW][0-9]{3})-)");
  std::smatch m;
  return std::regex_search(file_name, m, code_prefix) ? m[1].str() : std::string();
}


std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A line diff (longest common subsequence): " " common, "-" only expected, "+" only actual.
std::string line_diff(const std::string& expected, const std::string& actual) {
  const auto a = split_lines(expected), b = split_lines(actual);
  std::vector<std::vector<std::size_t>> lcs(a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
  for (std::size_t i = a.size(); i-- > 0;)
    for (std::size_t j = b.size(); j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::string out;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out += "  " + a[i++] + "\n";
      ++j;
    } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out += "- " + a[i++] + "\n";
    } else {
      out += "+ " + b[j++] + "\n";
    }
  }
  if (!expected.empty() && expected.back() != '\n') out += "(expected has no final newline)\n";
  if (!actual.empty() && actual.back() != '\n') out += "(actual has no final newline)\n";
  return out;
}

// What `hubrules check FILE` prints to stderr, and its exit status. stdout (the "ok" line of a
// file without errors) is thrown away: run_hubrules appends `2>&1` to the command, so the
// command ends in `; exit $?` to keep that final redirection away from the binary.
hubrules::testing::CommandResult check_stderr(const std::string& rules_file) {
  return run_hubrules("check " + golden_relative + "/" + rules_file + " 2>&1 >/dev/null; exit $?");
}

std::set<std::string> codes_in(const std::string& output) {
  static const std::regex code(R"((?:error|warning)\[([EW][0-9]{3})\])");
  std::set<std::string> codes;
  for (auto it = std::sregex_iterator(output.begin(), output.end(), code); it != std::sregex_iterator(); ++it)
    codes.insert((*it)[1].str());
  return codes;
}

}  // namespace

TEST_CASE("every diagnostic code has a golden file", "[golden]") {
  std::map<std::string, int> found;
  for (const auto& name : files_with_extension(".rules")) found[code_of(name)]++;
  for (const auto& [code, count] : required_codes) {
    INFO("golden files for " << code << " in " << golden_relative << " (" << code << "-short-name.rules)");
    CHECK(found[code] >= count);
  }
  CHECK(fs::exists(golden_dir() / "many-errors.rules"));
}

TEST_CASE("every golden file is named after a known code and has both halves", "[golden]") {
  for (const auto& name : files_with_extension(".rules")) {
    INFO(name);
    const std::string code = code_of(name);
    if (name != "many-errors.rules") CHECK(required_codes.count(code) == 1);
    if (!updating()) CHECK(fs::exists(golden_dir() / fs::path(name).replace_extension(".expected")));
  }
  for (const auto& name : files_with_extension(".expected")) {
    INFO(name << " has no .rules beside it");
    CHECK(fs::exists(golden_dir() / fs::path(name).replace_extension(".rules")));
  }
}

TEST_CASE("hubrules check prints the golden diagnostics", "[golden]") {
  const auto names = files_with_extension(".rules");
  REQUIRE(!names.empty());
  for (const auto& name : names) {
    DYNAMIC_SECTION(name) {
      const fs::path expected_path = golden_dir() / fs::path(name).replace_extension(".expected");
      const auto result = check_stderr(name);
      const std::string& actual = result.output;
      if (updating()) {
        hubrules::testing::write_file(expected_path, actual);
        WARN("updated " << expected_path.string());
      } else {
        const std::string expected = hubrules::testing::read_file(expected_path);
        if (actual != expected) {
          // The diff goes to stderr as it is: Catch would wrap its long lines.
          std::cerr << "--- " << golden_relative << "/" << expected_path.filename().string() << "\n+++ hubrules check "
                    << golden_relative << "/" << name << "\n"
                    << line_diff(expected, actual);
          FAIL_CHECK(name << ": the output differs from its .expected (the diff is printed above); if the new "
                             "output is right, rerun with HUBRULES_UPDATE_GOLDEN=1");
        }
      }

      const std::string code = code_of(name);
      const bool has_errors = actual.find(": error[") != std::string::npos;
      INFO(actual);
      CHECK(result.status == (has_errors ? 1 : 0));
      if (!code.empty()) {
        CHECK(actual.find("[" + code + "]") != std::string::npos);
        CHECK(has_errors == (code[0] == 'E'));
      }
      if (has_errors) {
        // The last line sums the file up.
        CHECK(actual.find("\n" + golden_relative + "/" + name + ": ") != std::string::npos);
      } else {
        // Without errors the file is accepted: its "ok" line goes to stdout.
        const auto combined = run_hubrules("check " + golden_relative + "/" + name);
        CHECK(combined.status == 0);
        CHECK(combined.output.find(golden_relative + "/" + name + ": ok — ") != std::string::npos);
      }
    }
  }
}

TEST_CASE("many-errors.rules reports every problem in one run", "[golden]") {
  const auto result = check_stderr("many-errors.rules");
  CHECK(result.status == 1);
  const auto codes = codes_in(result.output);
  INFO(result.output);
  CHECK(codes.size() >= 10);
  // Syntax errors do not stop the checker: both kinds are there.
  CHECK(codes.count("E100") == 1);
  CHECK(codes.count("E200") == 1);
  CHECK(codes.count("E300") == 1);
}
