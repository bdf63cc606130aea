// `hubrules sync`, `retry` and `demo` as a user runs them: the built binary against a sandbox.
#include <catch2/catch.hpp>

#include "runtime/sandbox/sandbox.hpp"
#include "tests/test_support.hpp"

using hubrules::runtime::Sandbox;
using hubrules::testing::run_hubrules;
using hubrules::testing::TempDir;

TEST_CASE("sync command: usage errors and a missing connection", "[sync][cli]") {
  CHECK(run_hubrules("sync").status == 2);
  CHECK(run_hubrules("retry rules/timerex.rules extra.ndjson").status == 2);
  CHECK(run_hubrules("sync rules/timerex.rules --burst-limit 0").status == 2);
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
  const std::string common = " --hubspot-url " + sandbox.base_url() + " --token pat-cli-test --state " + dir.file().string() +
                             " --search-lag-ms 3000";
  auto r = run_hubrules("sync rules/timerex.rules rules/samples/timerex-bookings.ndjson" + common);
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("24 new, 0 already journaled"));
  CHECK_THAT(r.output, Catch::Contains("22 delivered, 2 skipped"));
  CHECK_THAT(r.output, Catch::Contains("HubSpot API   4 calls"));
  const auto contacts = sandbox.state().contacts.size();

  r = run_hubrules("sync rules/timerex.rules rules/samples/timerex-bookings.ndjson" + common);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("0 new, 24 already journaled"));
  CHECK_THAT(r.output, Catch::Contains("HubSpot API   0 calls"));
  CHECK(sandbox.state().contacts.size() == contacts);

  r = run_hubrules("retry rules/timerex.rules" + common);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("0 delivered"));
}

TEST_CASE("demo command: the main job on the in-process sandbox", "[sync][cli]") {
  const auto r = run_hubrules("demo");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("HubSpot (the sandbox) now holds 19 contacts, 17 companies, 18 associations"));
  CHECK_THAT(r.output, Catch::Contains("existed before"));
  CHECK_THAT(r.output, Catch::Contains("contacts      18 created, 4 duplicates"));
}
