// The language reference lists the standard functions exactly as the code declares them, so the
// examples in the docs are the examples that run as tests.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "../test_support.hpp"

TEST_CASE("docs/rules-language.md lists the standard functions as `hubrules functions --markdown`", "[docs]") {
  std::ifstream in(hubrules::testing::source_dir() + "/docs/rules-language.md");
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const std::string begin = "<!-- functions:begin -->\n", end = "<!-- functions:end -->";
  const auto b = doc.find(begin), e = doc.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  const std::string section = doc.substr(b + begin.size(), e - b - begin.size());
  const auto generated = hubrules::testing::run_hubrules("functions --markdown");
  REQUIRE(generated.status == 0);
  INFO("regenerate the section with: bash scripts/update-function-docs.sh");
  CHECK(section == generated.output);
}
