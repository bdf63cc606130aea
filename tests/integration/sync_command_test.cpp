// `hubrules sync`, `retry` and `demo` as a user runs them: the built binary against a sandbox.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>

#include "runtime/sandbox/sandbox.hpp"
#include "tests/fake_smtp_server.hpp"
#include "tests/test_support.hpp"

using hubrules::runtime::Sandbox;
using hubrules::testing::run_hubrules;
using hubrules::testing::TempDir;
using hubrules::testing::write_file;

namespace {

// A secret file as an admin writes it: private, with a trailing newline.
std::string secret_file(const TempDir& dir, const std::string& name, const std::string& secret) {
  const auto path = dir.file(name).string();
  write_file(path, secret + "\n");
  ::chmod(path.c_str(), 0600);
  return path;
}

// Sets an environment variable for the commands a test runs (they inherit it), then unsets it.
struct ScopedEnv {
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  const char* name_;
};

// A run that fails to deliver at once (nothing listens on port 9), so it sends the error email.
std::string failing_sync(const TempDir& dir) {
  return "sync rules/timerex.rules rules/samples/timerex-bookings.ndjson --hubspot-url http://127.0.0.1:9 "
         "--no-portal-schema --give-up-after-s 1 --no-progress --state " + dir.file().string() +
         " --token-file " + secret_file(dir, "token", "pat-smtp-test") + " --mail-to admin@example.com";
}

}  // namespace

TEST_CASE("sync command: usage errors and a missing connection", "[sync][cli]") {
  CHECK(run_hubrules("sync").status == 2);
  CHECK(run_hubrules("retry rules/timerex.rules extra.ndjson").status == 2);
  CHECK(run_hubrules("sync rules/timerex.rules --burst-limit 0").status == 2);
  CHECK(run_hubrules("sync rules/timerex.rules --token t --token-file f").status == 2);
  CHECK(run_hubrules("sync rules/timerex.rules --smtp-password-file f").status == 2);
  TempDir dir;
  const auto r = run_hubrules("sync rules/timerex.rules rules/samples/timerex-bookings.ndjson --hubspot-url http://127.0.0.1:9 "
                              "--state " + dir.file().string() + " </dev/null");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("no HubSpot connection"));
}

TEST_CASE("sync command: the sample bookings, then the same again, then retry", "[sync][cli]") {
  Sandbox sandbox;
  sandbox.start();
  TempDir dir;
  const std::string common = " --hubspot-url " + sandbox.base_url() + " --state " + dir.file().string() +
                             " --search-lag-ms 3000";
  const std::string token_file = " --token-file " + secret_file(dir, "token", "pat-cli-test");
  auto r = run_hubrules("sync rules/timerex.rules rules/samples/timerex-bookings.ndjson" + common + token_file);
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, !Catch::Contains("--token puts the token on the command line"));
  CHECK_THAT(r.output, Catch::Contains("24 new, 0 already journaled"));
  CHECK_THAT(r.output, Catch::Contains("22 delivered, 2 skipped"));
  CHECK_THAT(r.output, Catch::Contains("HubSpot API   4 calls"));
  const auto contacts = sandbox.state().contacts.size();

  {
    const ScopedEnv token("HUBSPOT_TOKEN", "pat-cli-test");
    r = run_hubrules("sync rules/timerex.rules rules/samples/timerex-bookings.ndjson" + common);
  }
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("0 new, 24 already journaled"));
  CHECK_THAT(r.output, Catch::Contains("HubSpot API   0 calls"));
  CHECK(sandbox.state().contacts.size() == contacts);

  // --token still works, with a warning that `ps` shows it.
  r = run_hubrules("retry rules/timerex.rules --token pat-cli-test" + common);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("0 delivered"));
  CHECK_THAT(r.output, Catch::Contains("--token puts the token on the command line") && Catch::Contains("--token-file"));
}

TEST_CASE("sync command: the SMTP password from --smtp-password-file, not the command line", "[sync][cli]") {
  using namespace hubrules::testing::smtp;
  FakeSmtpServer server(ServerScript().with_auth("PLAIN"));
  TempDir dir;
  const auto r = run_hubrules(failing_sync(dir) + " --smtp " + server.url() + " --smtp-user ann --smtp-password-file " +
                              secret_file(dir, "smtp-password", "pw-from-file"));
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("error email: sent"));
  CHECK_THAT(r.output, !Catch::Contains("pw-from-file") && !Catch::Contains("SMTP password is inside"));
  const auto& commands = server.commands();
  REQUIRE(commands.size() > 1);
  REQUIRE(commands[1].starts_with("AUTH PLAIN "));
  CHECK(base64_decode(commands[1].substr(11)) == std::string("\0ann\0pw-from-file", 17));
}

TEST_CASE("sync command: HUBRULES_SMTP_PASSWORD, and a password inside --smtp warns", "[sync][cli]") {
  using namespace hubrules::testing::smtp;
  SECTION("the environment's password replaces the URL's") {
    FakeSmtpServer server(ServerScript().with_auth("PLAIN"));
    TempDir dir;
    const ScopedEnv password("HUBRULES_SMTP_PASSWORD", "pw-from-env");
    const auto r = run_hubrules(failing_sync(dir) + " --smtp " + server.url("smtp", "ann@"));
    INFO(r.output);
    CHECK_THAT(r.output, Catch::Contains("error email: sent") && !Catch::Contains("pw-from-env"));
    const auto& commands = server.commands();
    REQUIRE(commands.size() > 1);
    CHECK(base64_decode(commands[1].substr(11)) == std::string("\0ann\0pw-from-env", 16));
  }
  SECTION("a password in the URL still works, with a warning that names the file and the variable") {
    TempDir dir;
    const auto r = run_hubrules("sync rules/timerex.rules --hubspot-url http://127.0.0.1:9 --state " + dir.file().string() +
                                " --smtp smtp://ann:pw-in-url@127.0.0.1:9 </dev/null");
    CHECK_THAT(r.output, Catch::Contains("the SMTP password is inside the --smtp URL") &&
                             Catch::Contains("--smtp-password-file") && Catch::Contains("HUBRULES_SMTP_PASSWORD"));
    CHECK_THAT(r.output, !Catch::Contains("pw-in-url"));
  }
}

TEST_CASE("demo command: the live path — webhooks to an in-process serve, into the sandbox", "[sync][serve][cli]") {
  const auto r = run_hubrules("demo");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("posting rules/samples/timerex-bookings.ndjson as TimeRex webhooks"));
  CHECK_THAT(r.output, Catch::Contains("HubSpot (the sandbox) now holds 19 contacts, 17 companies, 18 associations"));
  CHECK_THAT(r.output, Catch::Contains("existed before"));
  CHECK_THAT(r.output, Catch::Contains("ack → in HubSpot: median"));
  CHECK_THAT(r.output, Catch::Contains("(22 bookings)"));
  CHECK_THAT(r.output, !Catch::Contains("pending"));
}
