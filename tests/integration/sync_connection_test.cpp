// Sync through a stored OAuth connection, end to end on one manual clock: tokens refreshed
// ahead of expiry, a refresh token HubSpot rejects and the 180-day rule park the bookings and
// email the admin (at most weekly), and reconnecting delivers them.
#include <catch2/catch.hpp>

#include "runtime/auth/connect.hpp"
#include "runtime/sandbox/sandbox.hpp"
#include "runtime/store/sqlite_state_store.hpp"
#include "runtime/sync/sync_session.hpp"
#include "tests/integration/auth_test_support.hpp"
#include "tests/sync_harness.hpp"

using namespace hubrules;
using namespace hubrules::runtime;
using hubrules::testing::booking;
using namespace std::chrono_literals;

namespace {

struct OAuthPortal {
  OAuthPortal() : sandbox(options(clock)) {
    sandbox.start();
    rules = testing::compile_text(testing::read_file(testing::source_dir() + "/rules/timerex.rules"));
  }

  static SandboxOptions options(Clock& clock) {
    SandboxOptions o;
    o.clock = &clock;
    o.client_id = "app-1";
    o.client_secret = "secret-1";
    o.legacy_sunset = true;  // the whole flow on 2026-03, as after HubSpot's cut-off dates
    return o;
  }

  auth::Connected connect(const std::string& scopes = auth::kDefaultScopes) {
    SqliteStateStore store(dir.file(), clock);
    auth::ConnectOptions o;
    o.scopes = scopes;
    o.client_id = "app-1";
    o.client_secret = "secret-1";
    o.hubspot_url = sandbox.base_url();
    o.admin_email = "admin@example.jp";
    return auth::connect_oauth(store, clock, o, [&](const std::string& url) {
      CHECK(testing::auth::follow_authorize(sandbox.base_url(), url).status == 200);
    });
  }

  SyncCounts sync(const std::vector<std::string>& lines) {
    SyncSettings s;
    s.portal.access.hubspot_url = sandbox.base_url();
    s.state_file = dir.file().string();
    s.pipeline.search_lag = 3s;
    SyncSession session(rules.compilation.plan, s, clock);
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    const auto file = dir.file("bookings-" + std::to_string(++runs) + ".ndjson");
    testing::write_file(file.string(), text);
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    session.intake(fd, file.string());
    ::close(fd);
    return session.deliver();
  }

  long token_calls() const {
    const auto s = sandbox.stats();
    const auto it = s.calls.find("POST /oauth/2026-03/token");
    return it == s.calls.end() ? 0 : it->second;
  }

  std::size_t emails() const {
    const auto outbox = dir.file("outbox");
    if (!std::filesystem::exists(outbox)) return 0;
    return static_cast<std::size_t>(
        std::distance(std::filesystem::directory_iterator(outbox), std::filesystem::directory_iterator{}));
  }

  ManualClock clock;
  Sandbox sandbox;
  testing::TempDir dir;
  testing::CompiledText rules;
  int runs = 0;
};

}  // namespace

TEST_CASE("sync over OAuth: refresh, BAD_REFRESH_TOKEN, reconnect, the 180-day rule", "[sync][auth]") {
  OAuthPortal portal;
  portal.connect();
  CHECK(portal.token_calls() == 1);  // the code exchanged

  auto counts = portal.sync({booking("ev-1", "taro@acme.co.jp", "Acme KK")});
  CHECK(counts.clean());
  CHECK(counts.delivered == 1);

  portal.clock.advance(26min);  // the 30-minute access token is due: refreshed before use
  counts = portal.sync({booking("ev-2", "hanako@acme.co.jp", "Acme KK")});
  CHECK(counts.clean());
  CHECK(portal.token_calls() == 2);

  portal.sandbox.revoke_oauth_tokens();  // the app was uninstalled
  portal.clock.advance(31min);
  counts = portal.sync({booking("ev-3", "jiro@beta.jp", "Beta")});
  CHECK(counts.parked == 1);
  CHECK_FALSE(counts.clean());
  CHECK(portal.emails() == 1);
  counts = portal.sync({booking("ev-4", "shiro@beta.jp", "Beta")});
  CHECK(counts.parked == 1);
  CHECK(portal.emails() == 1);  // at most one a week

  CHECK(portal.connect().repaired);
  counts = portal.sync({});
  CHECK(counts.clean());
  CHECK(counts.delivered == 2);  // the parked bookings, delivered after reconnecting
  CHECK(portal.sandbox.state().contacts.size() == 4);

  portal.clock.advance(std::chrono::hours(24 * 180));  // nothing posted for 180 days
  counts = portal.sync({booking("ev-5", "goro@gamma.jp")});
  CHECK(counts.parked == 1);
  CHECK(portal.emails() == 2);
  CHECK(portal.sandbox.state().contacts.size() == 4);
}

TEST_CASE("sync over OAuth: a connection without the scopes the rules need delivers nothing and says which", "[sync][auth]") {
  OAuthPortal portal;
  const auto connected = portal.connect("crm.objects.contacts.read crm.objects.contacts.write");
  CHECK(connected.scopes == "crm.objects.contacts.read crm.objects.contacts.write");
  const long crm_before = portal.sandbox.stats().crm_requests;
  try {
    portal.sync({booking("ev-1", "taro@acme.co.jp", "Acme KK")});
    FAIL("sync delivered with too few scopes");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("crm.objects.companies.read, crm.objects.companies.write"));
    CHECK_THAT(e.what(), Catch::Contains("nothing was delivered"));
  }
  CHECK(portal.sandbox.stats().crm_requests == crm_before);
  {
    SqliteStateStore store(portal.dir.file(), portal.clock);
    CHECK(store.booking("ev-1")->state == BookingState::pending);  // kept for the next run
  }
  portal.connect();  // consent again, with every scope
  const auto counts = portal.sync({});
  CHECK(counts.clean());
  CHECK(counts.delivered == 1);
}
