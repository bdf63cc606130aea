// `hubrules serve --config`: several integrations in one service — each at its own path with
// its own secret and rules, narrowed to a calendar, two of them sharing one HubSpot portal — and
// a webhook secret rotated by reloading, without a webhook refused on the way.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "runtime/http/http_client.hpp"
#include "runtime/sandbox/sandbox.hpp"
#include "runtime/serve/service.hpp"
#include "runtime/serve/settings_from_config.hpp"
#include "runtime/store/sqlite_state_store.hpp"
#include "tests/sync_harness.hpp"

using namespace hubrules::runtime;
using hubrules::testing::TempDir;
using hubrules::testing::write_file;

namespace {

// A TimeRex booking of one calendar.
std::string calendar_booking(const std::string& id, const std::string& email, const std::string& calendar) {
  std::string b = hubrules::testing::booking(id, email, "Calendar Co");
  return R"({"calendar_url_path":")" + calendar + R"(",)" + b.substr(1);
}

struct ConfigFixture {
  TempDir dir;
  Sandbox sandbox;
  std::string config;

  ConfigFixture() {
    sandbox.start();
    write_file(dir.file("sales.secret").string(), "sales-secret-1\n");
    write_file(dir.file("support.secret").string(), "support-secret\n");
    ::chmod(dir.file("sales.secret").c_str(), 0600);
    ::chmod(dir.file("support.secret").c_str(), 0600);
    ::setenv("HUBRULES_TEST_PORTAL_TOKEN", "pat-config-test", 1);
    const std::string rules = hubrules::testing::source_dir() + "/rules/timerex.rules";
    config = dir.file("hubrules.toml").string();
    write_file(config, "listen = \"127.0.0.1:0\"\nstate = \"state.db\"\n"
                       "[hubspot]\nurl = \"" + sandbox.base_url() + "\"\n"
                       "[[integration]]\nname = \"sales\"\nrules = \"" + rules + "\"\n"
                       "token_env = \"HUBRULES_TEST_PORTAL_TOKEN\"\nsecret_file = \"sales.secret\"\n"
                       "calendar_url_path = \"sales-cal\"\n"
                       "[[integration]]\nname = \"support\"\nrules = \"" + rules + "\"\n"
                       "token_env = \"HUBRULES_TEST_PORTAL_TOKEN\"\nsecret_file = \"support.secret\"\n");
  }
};

int post(const std::string& url, const std::string& path, const std::string& secret, const std::string& body) {
  http::HttpClientOptions options;
  options.base_url = url;
  http::HttpClient client(options);
  return client.send({"POST", path, {{"x-timerex-authorization", secret}}, body}).status;
}

bool wait_for_contacts(const Sandbox& sandbox, std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (sandbox.state().contacts.size() < n && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return sandbox.state().contacts.size() == n;
}

}  // namespace

TEST_CASE("serve --config: each integration at its path, with its secret, narrowed to its calendar", "[serve]") {
  ConfigFixture f;
  serve::Service service([&] { return serve::settings_from_config(f.config); });
  service.start();
  const auto url = service.url();

  CHECK(post(url, "/webhooks/timerex/sales", "sales-secret-1", calendar_booking("s1", "a@sales.jp", "sales-cal")) == 200);
  CHECK(post(url, "/webhooks/timerex/support", "support-secret", calendar_booking("p1", "b@support.jp", "any")) == 200);
  // Another integration's secret, an unknown integration, and the unnamed path of the single form.
  CHECK(post(url, "/webhooks/timerex/sales", "support-secret", calendar_booking("s2", "c@sales.jp", "sales-cal")) == 401);
  CHECK(post(url, "/webhooks/timerex/billing", "sales-secret-1", calendar_booking("s3", "d@sales.jp", "sales-cal")) == 404);
  CHECK(post(url, "/webhooks/timerex", "sales-secret-1", calendar_booking("s4", "e@sales.jp", "sales-cal")) == 404);
  // Another calendar's webhook on the sales path: acknowledged, kept as skipped, not posted.
  CHECK(post(url, "/webhooks/timerex/sales", "sales-secret-1", calendar_booking("s5", "f@sales.jp", "other-cal")) == 200);

  REQUIRE(wait_for_contacts(f.sandbox, 2));
  service.shutdown();
  SqliteStateStore store(f.dir.file("state.db"));
  CHECK(store.booking("s1")->integration == "sales");
  CHECK(store.booking("p1")->integration == "support");
  CHECK(store.booking("s1")->state == BookingState::delivered);
  CHECK(store.booking("p1")->state == BookingState::delivered);
  CHECK_FALSE(store.booking("s2"));
  CHECK_FALSE(store.booking("s3"));
  const auto other = store.booking("s5");
  REQUIRE(other);
  CHECK(other->state == BookingState::skipped);
  CHECK_THAT(other->reason, Catch::Contains("calendar_url_path \"other-cal\" is not this integration's"));
  // Both integrations post to one portal through one connection.
  CHECK(store.connections().size() == 1);
}

TEST_CASE("serve --config: a webhook secret rotated by reloading, old and new accepted in between", "[serve]") {
  ConfigFixture f;
  serve::Service service([&] { return serve::settings_from_config(f.config); });
  service.start();
  const auto url = service.url();
  CHECK(post(url, "/webhooks/timerex/support", "support-secret-2", calendar_booking("r0", "a@r.jp", "c")) == 401);

  write_file(f.dir.file("support.secret").string(), "support-secret\nsupport-secret-2\n");
  REQUIRE(service.reload());
  CHECK(post(url, "/webhooks/timerex/support", "support-secret", calendar_booking("r1", "b@r.jp", "c")) == 200);
  CHECK(post(url, "/webhooks/timerex/support", "support-secret-2", calendar_booking("r2", "c@r.jp", "c")) == 200);

  write_file(f.dir.file("support.secret").string(), "support-secret-2\n");
  REQUIRE(service.reload());
  CHECK(post(url, "/webhooks/timerex/support", "support-secret", calendar_booking("r3", "d@r.jp", "c")) == 401);
  CHECK(post(url, "/webhooks/timerex/support", "support-secret-2", calendar_booking("r4", "e@r.jp", "c")) == 200);

  SECTION("a reload that fails its checks keeps the running setup and says why") {
    write_file(f.config, "listen = \"127.0.0.1:0\"\nstate = \"state.db\"\n[[integration]]\nname = \"x\"\n");
    CHECK_FALSE(service.reload());
    CHECK_FALSE(service.not_ready_reasons().empty());
    CHECK(post(url, "/webhooks/timerex/support", "support-secret-2", calendar_booking("r5", "f@r.jp", "c")) == 200);
  }
  CHECK(wait_for_contacts(f.sandbox, 3 + (service.not_ready_reasons().empty() ? 0 : 1)));
  service.shutdown();
}
