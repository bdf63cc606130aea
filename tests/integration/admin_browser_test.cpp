// The administrators' page in a real browser (Debian's chromium, headless, through chromedriver),
// as an administrator goes through it: sign in, Connect through the sandbox's consent page, a
// booking delivered with its HubSpot ids, the connection broken at HubSpot and the booking
// parked with the reason, Connect again and the booking delivered, Disconnect. A screenshot of
// every page lands in browser-screenshots/<test>/ under the build's tests folder.
#include <catch2/catch.hpp>
#include <sstream>

#include "runtime/store/open_state_store.hpp"
#include "tests/admin_support.hpp"
#include "tests/browser/webdriver.hpp"

using namespace hubrules;
using namespace hubrules::testing;
using browser::BrowserOptions;
using browser::BrowserSession;
using browser::ChromeDriver;

namespace {

constexpr auto kDelivery = 60s;

// One serve with /admin on, its sandbox, and a browser, with every page it saw kept for the
// secrets check.
struct BrowserRun {
  explicit BrowserRun(const std::string& test, BrowserOptions options = {})
      : crm(admin_sandbox_options()),
        shots(browser::screenshot_dir(test).string()),
        driver(dir.file("chromedriver.log").string()),
        browser(driver, options) {
    crm.start();
    state = dir.file("state.db").string();
    serve = std::make_unique<ServeProcess>(dir, admin_config(dir, crm.base_url(), state), std::vector<std::string>{});
  }

  std::string admin(const std::string& path) const { return serve->url() + path; }
  // A screenshot named by its step, and the page's source kept for require_no_secret_seen.
  void snap(const std::string& step) {
    browser.screenshot(shots + "/" + step + ".png");
    sources.push_back(browser.page_source());
  }
  void sign_in() {
    browser.go(admin("/admin"));
    REQUIRE(browser.url().find("/admin/login") != std::string::npos);
    snap("01-sign-in");
    browser.type("#token", kAdminToken);
    browser.click("#sign-in");
    REQUIRE(browser.wait_until([&] { return browser.exists("#sign-out"); }, 10s));
  }
  // Connect on the card, the sandbox's consent page, Allow, back on the page, Continue.
  void connect(const std::string& step) {
    browser.go(admin("/admin/connections"));
    browser.click("#connect-" + kConnectionId);
    REQUIRE(browser.wait_until([&] { return browser.exists("#allow"); }, 10s));
    CHECK(browser.url().rfind(crm.base_url() + "/oauth/authorize?", 0) == 0);
    CHECK(browser.attribute("input[name=portal]", "value").value_or("") == std::to_string(kSandboxHubId));
    snap(step + "-hubspot-consent");
    browser.click("#allow");
    REQUIRE(browser.wait_until([&] { return browser.exists("#continue"); }, 10s));
    CHECK(browser.url().find("/admin/oauth/callback") != std::string::npos);
    snap(step + "-connected-message");
    browser.click("#continue");
    REQUIRE(browser.wait_until([&] { return card_status() == "ok"; }, 10s));
    snap(step + "-connection-ok");
  }
  std::string card_status() {
    return browser.exists("#connection-" + kConnectionId) ? browser.attribute("#connection-" + kConnectionId, "data-status").value_or("") : "";
  }
  // The booking's page, reloaded until its state is `wanted`.
  bool booking_reaches(const std::string& event_id, const std::string& wanted) {
    return eventually([&] {
      browser.go(admin("/admin/bookings/" + event_id));
      return browser.exists("#state span") && browser.attribute("#state span", "data-state").value_or("") == wanted;
    }, kDelivery, 500ms);
  }
  void require_no_secret_seen() {
    std::string stored;
    for (const auto& c : runtime::open_state_store(state)->connections()) stored += c.access_token + "\n" + c.refresh_token + "\n";
    for (const auto& page : sources) {
      for (const std::string& secret : {std::string(kAdminToken), std::string(kClientSecret), std::string(kWebhookSecret)})
        CHECK(page.find(secret) == std::string::npos);
      std::istringstream tokens(stored);
      for (std::string token; std::getline(tokens, token);)
        if (token.size() > 8) CHECK(page.find(token) == std::string::npos);
    }
  }

  TempDir dir;
  runtime::Sandbox crm;
  std::string state;
  std::unique_ptr<ServeProcess> serve;
  std::string shots;
  ChromeDriver driver;
  BrowserSession browser;
  std::vector<std::string> sources;
};

}  // namespace

TEST_CASE("admin page in a browser: connect, deliver, break, park, reconnect, deliver, disconnect", "[browser]") {
  HUBRULES_BROWSER_OR_SKIP();
  BrowserRun run("admin-flow");
  run.sign_in();

  // The session cookie as the browser holds it: not readable by scripts, never sent cross-site.
  bool session_cookie = false;
  for (const auto& c : run.browser.cookies()) {
    if (c.name != "hubrules_admin") continue;
    session_cookie = true;
    CHECK(c.http_only);
    CHECK(c.same_site == "Strict");
    CHECK(c.path == "/admin");
  }
  CHECK(session_cookie);

  CHECK(run.card_status() == "not-connected");
  run.snap("02-connections-not-connected");
  run.connect("03");
  CHECK(run.browser.text("#connection-" + kConnectionId).find(std::to_string(kSandboxHubId)) != std::string::npos);
  CHECK(run.browser.text("#connection-" + kConnectionId).find("crm.objects.contacts.write") != std::string::npos);

  // A booking as TimeRex posts it, delivered, its HubSpot ids linked to the records.
  REQUIRE(post_webhook(run.serve->url(), booking("ev-browser-1", "ann@acme.co.jp", "Acme"), kWebhookSecret,
                       "/webhooks/timerex/team").status == 200);
  REQUIRE(run.booking_reaches("ev-browser-1", "delivered"));
  const auto held = run.crm.state();
  REQUIRE(held.contacts.size() == 1);
  CHECK(run.browser.text("#contact a.hubspot-id") == held.contacts.at(0).id);
  CHECK(run.browser.text("#company a.hubspot-id") == held.companies.at(0).id);
  CHECK(run.browser.text("#association").find("associated") != std::string::npos);
  CHECK(run.browser.text("#webhook").find("ann@acme.co.jp") != std::string::npos);
  run.snap("04-booking-delivered");
  run.browser.click("#contact a.hubspot-id");
  REQUIRE(run.browser.wait_until([&] { return run.browser.exists("#properties"); }, 10s));
  CHECK(run.browser.text("#properties").find("ann@acme.co.jp") != std::string::npos);
  run.snap("05-hubspot-record");

  // HubSpot ends the app's access: the next booking waits, parked, and says why.
  run.crm.revoke_oauth_tokens();
  REQUIRE(post_webhook(run.serve->url(), booking("ev-browser-2", "ben@beta.co.jp", "Beta"), kWebhookSecret,
                       "/webhooks/timerex/team").status == 200);
  REQUIRE(run.booking_reaches("ev-browser-2", "parked"));
  CHECK(run.browser.text("#reason").find("Connect again") != std::string::npos);
  CHECK(run.browser.exists("#retry-ev-browser-2"));
  run.snap("06-booking-parked");
  run.browser.go(run.admin("/admin/connections"));
  CHECK(run.card_status() == "broken");
  CHECK(run.browser.text("#connection-" + kConnectionId + " .reason").find("Connect again") != std::string::npos);
  run.snap("07-connection-broken");
  run.browser.go(run.admin("/admin/bookings?state=parked"));
  CHECK(run.browser.exists("#booking-ev-browser-2"));
  run.snap("08-bookings-parked");

  // Connect again: the parked booking goes out on its own.
  run.connect("09");
  REQUIRE(run.booking_reaches("ev-browser-2", "delivered"));
  CHECK(run.crm.state().contacts.size() == 2);
  run.snap("10-booking-delivered-after-reconnect");

  // The lists, filtered through the form.
  run.browser.go(run.admin("/admin/bookings"));
  run.browser.select("#state", "delivered");
  run.browser.click("#filter");
  REQUIRE(run.browser.wait_until([&] { return run.browser.url().find("state=delivered") != std::string::npos; }, 10s));
  CHECK(run.browser.exists("#booking-ev-browser-1"));
  CHECK(run.browser.exists("#booking-ev-browser-2"));
  run.snap("11-bookings-delivered");

  // The integration, its webhook URL and a test booking through the real intake.
  run.browser.go(run.admin("/admin/integrations"));
  CHECK(run.browser.text("#webhook-team") == run.serve->url() + "/webhooks/timerex/team");
  run.snap("12-integrations");
  run.browser.click("#test-booking-team");
  REQUIRE(run.browser.wait_until([&] { return run.browser.url().find("/admin/bookings/hubrules-test-") != std::string::npos; }, 10s));
  const std::string test_booking = run.browser.url().substr(run.browser.url().find("/admin/bookings/") + 16);
  REQUIRE(run.booking_reaches(test_booking.substr(0, test_booking.find('?')), "delivered"));
  run.snap("13-test-booking-delivered");

  // Disconnect, after its confirmation.
  run.browser.go(run.admin("/admin/connections"));
  run.browser.click("#disconnect-" + kConnectionId);
  REQUIRE(run.browser.wait_until([&] { return run.browser.exists("#confirm-disconnect"); }, 10s));
  run.snap("14-disconnect-confirmation");
  run.browser.click("#confirm-disconnect");
  REQUIRE(run.browser.wait_until([&] { return run.card_status() == "not-connected"; }, 10s));
  run.snap("15-disconnected");
  CHECK(runtime::open_state_store(run.state)->connection(kConnectionId)->refresh_token.empty());

  run.require_no_secret_seen();
}

TEST_CASE("admin page in a browser: Japanese on a phone-sized screen", "[browser]") {
  HUBRULES_BROWSER_OR_SKIP();
  BrowserRun run("admin-phone-ja", BrowserOptions{"ja", 390, 844, true});
  run.sign_in();
  CHECK(run.browser.attribute("html", "lang").value_or("") == "ja");
  CHECK(run.browser.text("#connection-" + kConnectionId).find("未接続") != std::string::npos);
  run.snap("02-connections");
  run.connect("03");
  REQUIRE(post_webhook(run.serve->url(), booking("ev-phone-1", "chika@example.co.jp", "Chika"), kWebhookSecret,
                       "/webhooks/timerex/team").status == 200);
  REQUIRE(run.booking_reaches("ev-phone-1", "delivered"));
  run.snap("04-booking");
  run.browser.go(run.admin("/admin/bookings"));
  run.snap("05-bookings");
  run.browser.go(run.admin("/admin/integrations"));
  run.snap("06-integrations");
  // Narrow screens keep the page within the screen: nothing wider than the viewport.
  CHECK(run.browser.number_from_script("return document.documentElement.scrollWidth") <= 390);
  run.require_no_secret_seen();
}
