// `hubrules connect` and `hubrules disconnect` as a user runs them: usage errors, and the OAuth
// flow against an in-process sandbox, where the test plays the browser.
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/sandbox/sandbox.hpp"
#include "runtime/store/sqlite_state_store.hpp"
#include "tests/integration/auth_test_support.hpp"
#include "tests/test_support.hpp"

using hubrules::testing::run_hubrules;
using namespace hubrules::testing::auth;

TEST_CASE("auth: connect and disconnect usage errors exit 2", "[auth]") {
  ::unsetenv("HUBSPOT_TOKEN");
  ::unsetenv("HUBSPOT_CLIENT_SECRET");
  const auto bare = run_hubrules("connect");
  CHECK(bare.status == 2);
  CHECK_THAT(bare.output, Catch::Contains("--client-id") && Catch::Contains("HUBSPOT_TOKEN"));
  CHECK(run_hubrules("connect --client-id cid").status == 2);
  CHECK(run_hubrules("connect --client-secret s").status == 2);
  CHECK(run_hubrules("connect --client-id cid --client-secret s --token pat-x").status == 2);
  CHECK(run_hubrules("connect --client-id cid --client-secret s --port 70000").status == 2);
  CHECK(run_hubrules("connect --bogus").status == 2);
  CHECK(run_hubrules("connect extra --token pat-x").status == 2);
  CHECK(run_hubrules("disconnect --bogus").status == 2);
  CHECK(run_hubrules("disconnect extra").status == 2);
  const auto missing = run_hubrules("disconnect --state /nonexistent/hubrules-state.db");
  CHECK(missing.status == 1);
  CHECK_THAT(missing.output, Catch::Contains("no state file"));
}

TEST_CASE("auth: `hubrules connect` connects without printing a token, `disconnect` revokes", "[auth]") {
  // On 2026-03 (the default) against a sandbox that refuses every legacy path; with
  // --hubspot-api v3 on the legacy paths.
  const bool legacy = GENERATE(false, true);
  const std::string api = legacy ? " --hubspot-api v3" : "";
  hubrules::runtime::ManualClock clock;
  hubrules::runtime::SandboxOptions options;
  options.clock = &clock;
  options.legacy_sunset = !legacy;
  options.client_id = "cid";
  options.client_secret = "s3cret";
  hubrules::runtime::Sandbox sandbox(options);
  sandbox.start();
  TempDir dir;
  const std::string state = dir.file("state.db").string();

  hubrules::testing::write_file(dir.file("client.secret").string(), "s3cret\n");
  const std::string command = "'" + std::string(HUBRULES_BINARY) + "' connect --client-id cid --client-secret-file '" +
                              dir.file("client.secret").string() + "' --no-browser --hubspot-url " +
                              sandbox.base_url() + api + " --state '" + state + "' --admin-email admin@example.com 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char line[4096];
  bool followed = false;
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    output += line;
    const std::string text(line);
    const auto at = text.find(sandbox.base_url() + "/oauth/authorize?");
    if (!followed && at != std::string::npos) {
      std::string url = text.substr(at);
      while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
      CHECK(follow_authorize(sandbox.base_url(), url).status == 200);
      followed = true;
    }
  }
  const int status = ::pclose(pipe);
  INFO(output);
  CHECK(followed);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(output, Catch::Contains("connected to portal 1234567"));
  CHECK_THAT(output, !Catch::Contains("s3cret"));
  CHECK_THAT(output, Catch::Contains("scopes: ") && Catch::Contains("crm.objects.companies.write"));

  std::string refresh_token;
  {
    hubrules::runtime::SqliteStateStore store(state, clock);
    const auto connection = store.connection("portal-1234567");
    REQUIRE(connection);
    CHECK(connection->admin_email == "admin@example.com");
    refresh_token = connection->refresh_token;
    REQUIRE_FALSE(refresh_token.empty());
    CHECK(output.find(connection->access_token) == std::string::npos);
    CHECK(output.find(refresh_token) == std::string::npos);
    CHECK(output.find("s3cret") == std::string::npos);
    CHECK(output.find("sbx-") == std::string::npos);
  }

  const auto disconnected = run_hubrules("disconnect --state '" + state + "'" + api);
  INFO(disconnected.output);
  CHECK(disconnected.status == 0);
  CHECK_THAT(disconnected.output, Catch::Contains("revoked") && Catch::Contains("forgot the tokens"));
  CHECK(disconnected.output.find(refresh_token) == std::string::npos);
  hubrules::runtime::SqliteStateStore store(state, clock);
  CHECK(store.connection("portal-1234567")->refresh_token.empty());
}
