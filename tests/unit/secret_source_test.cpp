// Secrets read from an environment variable or a file: trimmed, several per file for rotation,
// and errors that name the source but never the secret.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "runtime/config/secret_source.hpp"
#include "tests/test_support.hpp"

using namespace hubrules::runtime::config;
using hubrules::testing::TempDir;
using hubrules::testing::write_file;

namespace {

// Sets an environment variable for one test and restores the absence afterwards.
struct ScopedEnv {
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  const char* name_;
};

std::string private_file(const TempDir& dir, const std::string& name, const std::string& text) {
  const auto path = dir.file(name).string();
  write_file(path, text);
  ::chmod(path.c_str(), 0600);
  return path;
}

std::string error_of(const SecretSource& source) {
  try {
    read_secrets(source, "the webhook secret of integration `sales`");
  } catch (const SecretError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("A secret from an environment variable, trimmed", "[config]") {
  ScopedEnv env("HUBRULES_TEST_SECRET", "  s3cret-from-env \n");
  CHECK(read_secret({"HUBRULES_TEST_SECRET", ""}, "test") == "s3cret-from-env");
  CHECK(read_secrets({"HUBRULES_TEST_SECRET", ""}, "test") == std::vector<std::string>{"s3cret-from-env"});
}

TEST_CASE("A secret file: trailing newline and CRLF trimmed, one secret per non-empty line", "[config]") {
  TempDir dir;
  CHECK(read_secret({"", private_file(dir, "one", "only-one\n")}, "test") == "only-one");
  const auto rotating = private_file(dir, "two", "old-secret\r\n\n   \nnew-secret \n");
  CHECK(read_secrets({"", rotating}, "test") == std::vector<std::string>{"old-secret", "new-secret"});
  CHECK(read_secret({"", rotating}, "test") == "old-secret");
}

TEST_CASE("Secret errors name the variable or file and what it is for, never the secret", "[config]") {
  TempDir dir;
  SECTION("unset variable") {
    ::unsetenv("HUBRULES_TEST_UNSET");
    const auto error = error_of({"HUBRULES_TEST_UNSET", ""});
    CHECK_THAT(error, Catch::Contains("HUBRULES_TEST_UNSET") && Catch::Contains("integration `sales`") &&
                          Catch::Contains("is not set"));
  }
  SECTION("blank variable") {
    ScopedEnv env("HUBRULES_TEST_BLANK", " \n ");
    CHECK_THAT(error_of({"HUBRULES_TEST_BLANK", ""}), Catch::Contains("HUBRULES_TEST_BLANK") && Catch::Contains("empty"));
  }
  SECTION("missing file") {
    const auto missing = dir.file("missing.secret").string();
    CHECK_THAT(error_of({"", missing}), Catch::Contains("cannot read file " + missing) &&
                                             Catch::Contains("integration `sales`"));
  }
  SECTION("empty file") {
    CHECK_THAT(error_of({"", private_file(dir, "empty", "\n\n")}), Catch::Contains("holds no secret"));
  }
  SECTION("both or neither") {
    ScopedEnv env("HUBRULES_TEST_BOTH", "env-secret-value");
    const auto both = error_of({"HUBRULES_TEST_BOTH", private_file(dir, "f", "file-secret-value\n")});
    CHECK_THAT(both, Catch::Contains("not both"));
    CHECK_THAT(both, !Catch::Contains("env-secret-value") && !Catch::Contains("file-secret-value"));
    CHECK_THAT(error_of({}), Catch::Contains("no environment variable or file"));
  }
}

TEST_CASE("A secret file others may read is read, with a warning to make it private", "[config]") {
  TempDir dir;
  const auto path = private_file(dir, "loose", "the-secret\n");
  CHECK_FALSE(loose_permissions_warning(path, "test"));
  ::chmod(path.c_str(), 0644);
  const auto warning = loose_permissions_warning(path, "the SMTP password");
  REQUIRE(warning);
  CHECK_THAT(*warning, Catch::Contains("chmod 600 " + path) && Catch::Contains("the SMTP password"));
  CHECK_THAT(*warning, !Catch::Contains("the-secret"));
  CHECK(read_secret({"", path}, "test") == "the-secret");
}

TEST_CASE("split_secrets keeps inner spaces and drops blank lines", "[config]") {
  CHECK(split_secrets("a b\n\n\tc\r\n") == std::vector<std::string>{"a b", "c"});
  CHECK(split_secrets("").empty());
  CHECK(split_secrets("no-newline") == std::vector<std::string>{"no-newline"});
}
