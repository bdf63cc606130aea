// The hubrules command line: exit status 0 success, 1 errors found, 2 usage error.
#include <catch2/catch.hpp>
#include <string>

#include "tests/test_support.hpp"

using hubrules::testing::run_hubrules;

namespace {
bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}
}  // namespace

TEST_CASE("check: 0 for a good file, with its summary on stdout", "[cli]") {
  const auto r = run_hubrules("check rules/timerex.rules");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(contains(r.output, "rules/timerex.rules: ok — contacts: 6 properties, companies: 4 properties"));
  // stderr is empty for a file without diagnostics.
  const auto err = run_hubrules("check rules/timerex.rules 2>&1 >/dev/null; exit $?");
  CHECK(err.status == 0);
  CHECK(err.output.empty());
}

TEST_CASE("check: 0 for a file with only warnings", "[cli]") {
  const auto r = run_hubrules("check tests/golden/diagnostics/W401-unused-let.rules");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(contains(r.output, "warning[W401]"));
  CHECK(contains(r.output, ", 1 warning"));
}

TEST_CASE("check: 1 for a file with errors", "[cli]") {
  const auto r = run_hubrules("check tests/golden/diagnostics/E200-unknown-property.rules");
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(contains(r.output, "error[E200]"));
  CHECK(contains(r.output, "tests/golden/diagnostics/E200-unknown-property.rules: 1 error, 0 warnings"));
}

TEST_CASE("check: several files are all checked, one with errors makes it 1", "[cli]") {
  const auto r = run_hubrules("check tests/golden/diagnostics/E204-contacts-without-email.rules rules/timerex.rules");
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(contains(r.output, "error[E204]"));
  CHECK(contains(r.output, "rules/timerex.rules: ok"));
}

TEST_CASE("check: 1 for a rule file that cannot be read", "[cli]") {
  const auto r = run_hubrules("check tests/no/such.rules");
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(contains(r.output, "hubrules check: tests/no/such.rules: cannot read the rule file"));
}

TEST_CASE("check: 1 for a schema directory that cannot be read", "[cli]") {
  const auto r = run_hubrules("check rules/timerex.rules --schema tests/no/such/dir");
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(contains(r.output, "tests/no/such/dir/contacts.json: cannot read the file"));
}

TEST_CASE("check: 2 for usage errors", "[cli]") {
  SECTION("no rule file") {
    const auto r = run_hubrules("check");
    INFO(r.output);
    CHECK(r.status == 2);
    CHECK(contains(r.output, "hubrules check: check needs a rule file"));
  }
  SECTION("an unknown option") {
    const auto r = run_hubrules("check --verbose rules/timerex.rules");
    INFO(r.output);
    CHECK(r.status == 2);
    CHECK(contains(r.output, "hubrules check: unknown option --verbose"));
  }
  SECTION("an option without its value") {
    const auto r = run_hubrules("check rules/timerex.rules --schema");
    INFO(r.output);
    CHECK(r.status == 2);
    CHECK(contains(r.output, "--schema needs a value"));
  }
  SECTION("a flag of another command") {
    const auto r = run_hubrules("check rules/timerex.rules --threads 2");
    CHECK(r.status == 2);
  }
}

TEST_CASE("map: 1 when the bookings file cannot be read", "[cli]") {
  SECTION("a missing file") {
    const auto r = run_hubrules("map rules/timerex.rules tests/no/such/bookings.ndjson");
    INFO(r.output);
    CHECK(r.status == 1);
    CHECK(contains(r.output, "hubrules map: tests/no/such/bookings.ndjson: No such file or directory"));
  }
  SECTION("a directory") {
    const auto r = run_hubrules("map rules/timerex.rules tests");
    INFO(r.output);
    CHECK(r.status == 1);
    CHECK(contains(r.output, "hubrules map: "));
  }
}

TEST_CASE("map: 1 for rules with errors, before reading any booking", "[cli]") {
  const auto r = run_hubrules("map tests/golden/diagnostics/E200-unknown-property.rules tests/no/such/bookings.ndjson");
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(contains(r.output, "error[E200]"));
  CHECK_FALSE(contains(r.output, "No such file"));
}

TEST_CASE("map: 0 for an empty bookings file", "[cli]") {
  const auto r = run_hubrules("map rules/timerex.rules /dev/null --threads 1 2>/dev/null; exit $?");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.empty());
}

TEST_CASE("map: 2 for usage errors", "[cli]") {
  CHECK(run_hubrules("map").status == 2);
  CHECK(run_hubrules("map rules/timerex.rules a.ndjson b.ndjson").status == 2);
  const auto threads = run_hubrules("map rules/timerex.rules --threads 0");
  INFO(threads.output);
  CHECK(threads.status == 2);
  CHECK(contains(threads.output, "--threads must be a number from 1 to 256"));
  CHECK(run_hubrules("map rules/timerex.rules --threads lots").status == 2);
}

TEST_CASE("an unknown command is a usage error", "[cli]") {
  const auto r = run_hubrules("nosuchcommand");
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(contains(r.output, "hubrules: unknown command `nosuchcommand`"));
  CHECK(contains(r.output, "usage:"));
}

TEST_CASE("no command is a usage error, help is not", "[cli]") {
  const auto none = run_hubrules("");
  CHECK(none.status == 2);
  CHECK(contains(none.output, "usage:"));
  for (const char* help : {"help", "--help", "-h"}) {
    const auto r = run_hubrules(help);
    INFO(help);
    CHECK(r.status == 0);
    CHECK(contains(r.output, "hubrules check RULES"));
  }
}
