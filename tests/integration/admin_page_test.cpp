// /admin over real sockets, as a browser without scripts uses it: sign-in and its slowing,
// sessions, CSRF on every form, Connect through the sandbox's authorize page, a test booking
// through the real intake, Retry, Disconnect, Japanese pages, and no secret in any page.
#include <catch2/catch.hpp>

#include "runtime/store/open_state_store.hpp"
#include "tests/admin_support.hpp"

using namespace hubrules;
using namespace hubrules::testing;

namespace {

struct AdminRun {
  AdminRun() : crm(admin_sandbox_options()) {
    crm.start();
    state = dir.file("state.db").string();
    serve = std::make_unique<ServeProcess>(dir, admin_config(dir, crm.base_url(), state), std::vector<std::string>{});
  }
  TempDir dir;
  runtime::Sandbox crm;
  std::string state;
  std::unique_ptr<ServeProcess> serve;
};

// Through the sandbox's authorize page as a person would: the page, the account, Allow.
Answer connect_through_sandbox(AdminClient& admin, const runtime::Sandbox& crm) {
  const auto connections = admin.get("/admin/connections");
  const auto out = admin.post("/admin/connect", {{"csrf", AdminClient::csrf_of(connections.body)}, {"connection", kConnectionId}});
  REQUIRE(out.status == 303);
  const std::string authorize = AdminClient::location(out);
  REQUIRE(authorize.rfind(crm.base_url() + "/oauth/authorize?", 0) == 0);
  const std::string query = authorize.substr(authorize.find('?') + 1);
  const auto page = http_call(crm.base_url(), "GET", authorize.substr(crm.base_url().size()));
  REQUIRE(page.status == 200);
  REQUIRE(page.body.find("id=\"allow\"") != std::string::npos);
  const auto allowed = http_call(crm.base_url(), "POST", "/oauth/authorize", sandbox_allow_form(query, kSandboxHubId),
                                 {{"Content-Type", "application/x-www-form-urlencoded"}});
  REQUIRE(allowed.status == 302);
  std::string back;
  for (const auto& [name, value] : allowed.headers)
    if (strcasecmp(name.c_str(), "location") == 0) back = value;
  const std::string base = back.substr(0, back.find('/', std::string("http://").size()));
  return AdminClient(base).get(back.substr(base.size()));  // the callback needs no cookie
}

std::string stored_secrets_joined(const std::string& state) {
  std::string all;
  for (const auto& c : runtime::open_state_store(state)->connections()) all += c.access_token + "\n" + c.refresh_token + "\n";
  return all;
}

void require_no_secret(const std::string& page, const std::string& state) {
  for (const std::string& secret : {std::string(kAdminToken), std::string(kClientSecret), std::string(kWebhookSecret)}) {
    INFO("a page shows a secret");
    CHECK(page.find(secret) == std::string::npos);
  }
  std::istringstream tokens(stored_secrets_joined(state));
  for (std::string token; std::getline(tokens, token);)
    if (token.size() > 8) CHECK(page.find(token) == std::string::npos);
}

}  // namespace

TEST_CASE("admin page: off without an admin token, and says how to turn it on", "[admin]") {
  TempDir dir;
  runtime::Sandbox crm(admin_sandbox_options());
  crm.start();
  ServeProcess serve(dir, admin_config(dir, crm.base_url(), dir.file("state.db").string(), false),
                     std::vector<std::string>{std::string("HUBSPOT_TOKEN=") + kHubSpotToken});
  const auto answer = http_call(serve.url(), "GET", "/admin/login");
  CHECK(answer.status == 404);
  CHECK(answer.body.find("HUBRULES_ADMIN_TOKEN") != std::string::npos);
}

TEST_CASE("admin page: nothing without a session, and a sign-in sets a strict, HttpOnly session cookie", "[admin]") {
  AdminRun run;
  AdminClient admin(run.serve->url());
  for (const char* page : {"/admin", "/admin/connections", "/admin/integrations", "/admin/bookings",
                           "/admin/bookings/some-id", "/admin/disconnect?connection=x", "/admin/dead-letters/1"}) {
    INFO(page);
    const auto answer = admin.get(page);
    CHECK(answer.status == 303);
    CHECK(AdminClient::location(answer) == "/admin/login");
  }
  for (const char* form : {"/admin/logout", "/admin/connect", "/admin/disconnect", "/admin/retry", "/admin/test-booking"}) {
    INFO(form);
    CHECK(admin.post(form, {{"csrf", "x"}}).status == 403);
  }
  // A forged or expired-looking cookie is no session either.
  admin.cookies()["hubrules_admin"] = "abc.1.1.forged";
  CHECK(admin.get("/admin/connections").status == 303);
  admin.cookies().erase("hubrules_admin");

  admin.sign_in();
  bool strict = false;
  for (const auto& line : admin.set_cookie_lines)
    if (line.rfind("hubrules_admin=", 0) == 0)
      strict = line.find("HttpOnly") != std::string::npos && line.find("SameSite=Strict") != std::string::npos &&
               line.find("Path=/admin") != std::string::npos;
  CHECK(strict);
  const auto page = admin.get("/admin/connections");
  CHECK(page.status == 200);
  CHECK(page.body.find("id=\"connection-" + kConnectionId + "\"") != std::string::npos);
  CHECK(page.body.find("data-status=\"not-connected\"") != std::string::npos);

  // Signing out ends the session: the same cookie opens nothing.
  const std::string cookie = admin.cookies()["hubrules_admin"];
  CHECK(admin.post("/admin/logout", {{"csrf", AdminClient::csrf_of(page.body)}}).status == 303);
  admin.cookies()["hubrules_admin"] = cookie;
  CHECK(admin.get("/admin/connections").status == 303);
}

TEST_CASE("admin page: failed sign-ins in a row slow the next tries", "[admin]") {
  AdminRun run;
  AdminClient admin(run.serve->url());
  const auto form = admin.get("/admin/login");
  const std::string csrf = AdminClient::csrf_of(form.body);
  for (int i = 0; i < 3; ++i) CHECK(admin.post("/admin/login", {{"csrf", csrf}, {"token", "wrong-token-wrong-token"}}).status == 401);
  const auto slowed = admin.post("/admin/login", {{"csrf", csrf}, {"token", kAdminToken}});
  CHECK(slowed.status == 429);  // even the right token waits its turn
  CHECK(slowed.body.find("Too many failed sign-ins") != std::string::npos);
  std::this_thread::sleep_for(1100ms);
  CHECK(admin.post("/admin/login", {{"csrf", csrf}, {"token", kAdminToken}}).status == 303);
}

TEST_CASE("admin page: every form refuses a missing or wrong CSRF token", "[admin]") {
  AdminRun run;
  AdminClient admin(run.serve->url());
  // The sign-in form's own token is bound to its cookie.
  const auto form = admin.get("/admin/login");
  CHECK(admin.post("/admin/login", {{"token", kAdminToken}}).status == 403);
  CHECK(admin.post("/admin/login", {{"csrf", "forged"}, {"token", kAdminToken}}).status == 403);
  AdminClient other(run.serve->url());
  other.get("/admin/login");
  CHECK(other.post("/admin/login", {{"csrf", AdminClient::csrf_of(form.body)}, {"token", kAdminToken}}).status == 403);

  admin.sign_in();
  const std::string good = AdminClient::csrf_of(admin.get("/admin/connections").body);
  REQUIRE(!good.empty());
  other.sign_in();
  const std::string someone_elses = AdminClient::csrf_of(other.get("/admin/connections").body);
  for (const char* action : {"/admin/connect", "/admin/disconnect", "/admin/retry", "/admin/test-booking", "/admin/logout"}) {
    INFO(action);
    CHECK(admin.post(action, {{"connection", kConnectionId}, {"integration", "team"}, {"event_id", "x"}}).status == 403);
    CHECK(admin.post(action, {{"csrf", "forged"}, {"connection", kConnectionId}, {"integration", "team"}}).status == 403);
    CHECK(admin.post(action, {{"csrf", someone_elses}, {"connection", kConnectionId}, {"integration", "team"}}).status == 403);
  }
  CHECK(admin.get("/admin/connections").status == 200);  // none of them signed the session out
  CHECK(runtime::open_state_store(run.state)->connections().empty());
}

TEST_CASE("admin page: connect, a test booking delivered with its ids, retry, disconnect, and no secret on any page",
          "[admin]") {
  AdminRun run;
  AdminClient admin(run.serve->url());
  admin.sign_in();

  const auto connected = connect_through_sandbox(admin, run.crm);
  CHECK(connected.status == 200);
  CHECK(connected.body.find("portal-1234567") != std::string::npos);
  auto page = admin.get("/admin/connections");
  CHECK(page.body.find("data-status=\"ok\"") != std::string::npos);
  CHECK(page.body.find("crm.objects.contacts.write") != std::string::npos);
  CHECK(page.body.find("1234567") != std::string::npos);

  // The test booking goes through the real intake and reaches the sandbox.
  const auto integrations = admin.get("/admin/integrations");
  CHECK(integrations.body.find(run.serve->url() + "/webhooks/timerex/team") != std::string::npos);
  CHECK(integrations.body.find("id=\"rules-team\"") != std::string::npos);
  const auto sent = admin.post("/admin/test-booking", {{"csrf", AdminClient::csrf_of(integrations.body)}, {"integration", "team"}});
  REQUIRE(sent.status == 303);
  const std::string booking_page = AdminClient::location(sent);
  REQUIRE(booking_page.rfind("/admin/bookings/hubrules-test-", 0) == 0);
  REQUIRE(eventually([&] { return admin.get(booking_page).body.find("data-state=\"delivered\"") != std::string::npos; }, 60s, 200ms));
  page = admin.get(booking_page);
  CHECK(page.body.find("class=\"hubspot-id\" data-object=\"contact\"") != std::string::npos);
  CHECK(page.body.find("class=\"hubspot-id\" data-object=\"company\"") != std::string::npos);
  CHECK(page.body.find(run.crm.state().contacts.at(0).id) != std::string::npos);
  CHECK(page.body.find("id=\"association\">associated") != std::string::npos);
  CHECK(page.body.find("event_confirmed") != std::string::npos);  // the webhook itself
  CHECK(page.body.find("Test Guest") != std::string::npos);       // what the rules made of it

  // The lists: counts, filters, paging links.
  const auto list = admin.get("/admin/bookings?integration=team&state=delivered");
  CHECK(list.body.find("data-state=\"delivered\"") != std::string::npos);
  CHECK(admin.get("/admin/bookings?state=failed").body.find("id=\"no-bookings\"") != std::string::npos);

  // Retry is refused for a delivered booking.
  const auto refused = admin.follow(admin.post("/admin/retry", {{"csrf", AdminClient::csrf_of(page.body)},
                                                                {"event_id", booking_page.substr(std::string("/admin/bookings/").size(),
                                                                                                 booking_page.find('?') - std::string("/admin/bookings/").size())}}));
  CHECK(refused.body.find("Only a failed or parked booking can be retried.") != std::string::npos);

  // Every page, signed in: no token, no secret.
  for (const char* target : {"/admin/connections", "/admin/integrations", "/admin/bookings", "/admin/bookings?state=dead-letter",
                             "/admin/disconnect?connection=portal-1234567"})
    require_no_secret(admin.get(target).body, run.state);
  require_no_secret(admin.get(booking_page).body, run.state);

  // Disconnect, after its confirmation: revoked at HubSpot and forgotten here.
  const auto confirm = admin.get("/admin/disconnect?connection=portal-1234567");
  CHECK(confirm.body.find("id=\"confirm-disconnect\"") != std::string::npos);
  const auto gone = admin.post("/admin/disconnect", {{"csrf", AdminClient::csrf_of(confirm.body)}, {"connection", kConnectionId}});
  CHECK(AdminClient::location(gone) == "/admin/connections?notice=disconnected");
  CHECK(runtime::open_state_store(run.state)->connection(kConnectionId)->refresh_token.empty());
  CHECK(admin.get("/admin/connections").body.find("data-status=\"not-connected\"") != std::string::npos);
}

TEST_CASE("admin page: Japanese for a browser that prefers it", "[admin]") {
  AdminRun run;
  AdminClient admin(run.serve->url(), "ja,en-US;q=0.8");
  const auto login = admin.get("/admin/login");
  CHECK(login.body.find("<html lang=\"ja\">") != std::string::npos);
  CHECK(login.body.find("サインイン") != std::string::npos);
  admin.sign_in();
  const auto page = admin.get("/admin/connections");
  CHECK(page.body.find("未接続") != std::string::npos);
  AdminClient english(run.serve->url(), "en-GB,ja;q=0.5");
  CHECK(english.get("/admin/login").body.find("<html lang=\"en\">") != std::string::npos);
}

TEST_CASE("admin page: a rule file edited on disk shows its diagnostics as hubrules check prints them", "[admin]") {
  TempDir dir;
  runtime::Sandbox crm(admin_sandbox_options());
  crm.start();
  const std::string rules = dir.file("team.rules").string();
  write_file(rules, read_file(source_dir() + "/rules/timerex.rules"));
  ServeProcess serve(dir, admin_config(dir, crm.base_url(), dir.file("state.db").string(), true, rules), std::vector<std::string>{});
  AdminClient admin(serve.url());
  admin.sign_in();
  CHECK(admin.get("/admin/integrations").body.find("The file on disk checks clean.") != std::string::npos);
  write_file(rules, "rules 1\ncontacts {\n  email = lower(answer(type: \"guest_email\")\n}\n");
  const auto page = admin.get("/admin/integrations");
  CHECK(page.body.find(rules + ":") != std::string::npos);  // FILE:LINE:COL
  CHECK(page.body.find("^") != std::string::npos);          // the caret under the place
  CHECK(page.body.find("id=\"rules-team\">check clean") != std::string::npos);  // the running rules stay
}
