// The portal's own schema: `hubrules schema pull` saves it for `check --schema DIR`; `sync`
// checks its rules against it before anything is journaled or delivered, caches it in the
// state, and forgets it when HubSpot answers PROPERTY_DOESNT_EXIST.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "runtime/sandbox/sandbox.hpp"
#include "tests/sync_harness.hpp"
#include "tests/test_support.hpp"

using namespace hubrules;
using namespace hubrules::runtime;
using hubrules::testing::booking;
using hubrules::testing::run_hubrules;
using hubrules::testing::TempDir;

namespace {

constexpr const char* kTeaRules = R"(rules 1
let email = lower(valid_email(answer(type: "guest_email")))
contacts {
  email = email
  favorite_tea = answer(label: "Tea")
  dedupe by email
}
)";

// A sandbox that, like HubSpot after its cut-off dates, serves only the 2026-03 paths.
Sandbox current_only_sandbox() {
  SandboxOptions o;
  o.legacy_sunset = true;
  return Sandbox(o);
}

long calls(const Sandbox& sandbox, const std::string& endpoint) {
  const auto stats = sandbox.stats();
  const auto it = stats.calls.find(endpoint);
  return it == stats.calls.end() ? 0 : it->second;
}

}  // namespace

TEST_CASE("schema pull: the portal's properties and groups, in the shape check --schema reads", "[schema][cli]") {
  Sandbox sandbox = current_only_sandbox();
  sandbox.start();
  TempDir dir;
  const auto out = dir.file("portal");
  const auto r = run_hubrules("schema pull " + out.string() + " --token pat-schema --hubspot-url " + sandbox.base_url() +
                              " --state " + dir.file("state.db").string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("88 contact properties"));
  CHECK_THAT(r.output, Catch::Contains("70 company properties"));
  for (const char* file : {"contacts.json", "companies.json", "contacts.groups.json", "companies.groups.json"})
    CHECK(std::filesystem::file_size(out / file) > 2);
  CHECK(run_hubrules("check rules/timerex.rules --schema " + out.string()).status == 0);
  CHECK(calls(sandbox, "GET /crm/v3/properties/contacts") == 1);  // keys name the endpoint (sandbox README)

  SECTION("usage errors") {
    CHECK(run_hubrules("schema").status == 2);
    CHECK(run_hubrules("schema push " + out.string()).status == 2);
    CHECK(run_hubrules("schema pull " + out.string() + " --hubspot-api 2026-09").status == 2);
  }
  SECTION("a portal that refuses leaves the folder as it was") {
    const auto refused = run_hubrules("schema pull " + dir.file("other").string() +
                                      " --hubspot-api v3 --token pat-schema --hubspot-url " + sandbox.base_url() +
                                      " --state " + dir.file("state.db").string());
    CHECK(refused.status == 1);
    CHECK_THAT(refused.output, Catch::Contains("404"));
    CHECK_FALSE(std::filesystem::exists(dir.file("other")));
  }
}

TEST_CASE("sync command: a property the portal lacks fails the run before anything is journaled", "[schema][cli]") {
  Sandbox sandbox = current_only_sandbox();
  sandbox.start();
  TempDir dir;
  testing::write_file(dir.file("tea.rules").string(), kTeaRules);
  const std::string common =
      " rules/samples/timerex-bookings.ndjson --hubspot-url " + sandbox.base_url() + " --token pat-cli --state " + dir.file("state.db").string();
  const auto r = run_hubrules("sync " + dir.file("tea.rules").string() + common);
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("tea.rules:5:3: error[E200]: unknown contacts property `favorite_tea`"));
  CHECK_THAT(r.output, Catch::Contains("   |   ^^^^^^^^^^^^"));
  CHECK_THAT(r.output, Catch::Contains("the portal's own"));
  CHECK_THAT(r.output, Catch::Contains("nothing was read or delivered"));
  CHECK(sandbox.state().contacts.empty());
  // Nothing journaled: the same bookings with good rules are all new.
  const auto good = run_hubrules("sync rules/timerex.rules" + common + " --search-lag-ms 3000");
  CHECK(good.status == 0);
  CHECK_THAT(good.output, Catch::Contains("24 new, 0 already journaled"));
}

TEST_CASE("sync command: the portal's schema is read once, then cached", "[schema][cli]") {
  Sandbox sandbox = current_only_sandbox();
  sandbox.start();
  TempDir dir;
  const std::string common = " rules/samples/timerex-bookings.ndjson --hubspot-url " + sandbox.base_url() +
                             " --token pat-cli --search-lag-ms 3000 --state " + dir.file("state.db").string();
  CHECK(run_hubrules("sync rules/timerex.rules" + common).status == 0);
  CHECK(run_hubrules("sync rules/timerex.rules" + common).status == 0);
  CHECK(calls(sandbox, "GET /crm/v3/properties/contacts") == 1);
  CHECK(calls(sandbox, "GET /crm/v3/properties/companies") == 1);
  SECTION("--no-portal-schema checks against the bundled schema and reads nothing") {
    CHECK(run_hubrules("sync rules/timerex.rules --no-portal-schema" + common).status == 0);
    CHECK(calls(sandbox, "GET /crm/v3/properties/contacts") == 1);
  }
}

TEST_CASE("sync: PROPERTY_DOESNT_EXIST forgets the cached schema, so the next run reads it again", "[schema][sync]") {
  testing::SyncHarness h;
  // Rules checked against a schema that has `favorite_tea`, delivered to a portal that has not.
  engine::HubSpotSchema stale = engine::HubSpotSchema::bundled();
  engine::PropertyDefinition tea;
  tea.name = "favorite_tea";
  tea.type = "string";
  tea.field_type = "text";
  tea.group = "contactinformation";
  stale.contacts.properties.emplace(tea.name, tea);
  auto source = std::make_shared<grammar::SourceFile>("tea.rules", kTeaRules);
  h.rules = {source, engine::compile_rules(*source, stale)};
  INFO(h.rules.rendered());
  REQUIRE(h.rules.compilation.plan);
  h.store->save_portal_schema(h.tokens->connection_id(), "contacts", {"{\"results\":[]}", h.clock.now()});
  h.store->save_portal_schema(h.tokens->connection_id(), "companies", {"{\"results\":[]}", h.clock.now()});

  const auto counts = h.sync({R"({"webhook_type":"event_confirmed","event":{"id":"ev-1","form":[{"field_type":"guest_email","value":"a@b.jp"},{"label":"Tea","value":"Sencha"}]}})"});
  CHECK(counts.failed == 1);
  CHECK_FALSE(h.store->portal_schema(h.tokens->connection_id(), "contacts"));
  CHECK_FALSE(h.store->portal_schema(h.tokens->connection_id(), "companies"));
}
