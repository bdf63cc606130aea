// The token layer over real sockets against the in-process sandbox, with a ManualClock: the
// connect flow, refresh ahead of expiry (one at a time), broken connections, the 180-day rule,
// private-app tokens and disconnect.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "runtime/auth/connect.hpp"
#include "runtime/http/form_encoding.hpp"
#include "runtime/auth/loopback_redirect.hpp"
#include "runtime/hubspot/oauth_client.hpp"
#include "runtime/auth/oauth_tokens.hpp"
#include "runtime/http/http_client.hpp"
#include "runtime/sandbox/sandbox.hpp"
#include "runtime/store/sqlite_state_store.hpp"
#include "tests/integration/auth_test_support.hpp"
#include "tests/test_support.hpp"

using namespace hubrules::runtime;
using namespace hubrules::runtime::auth;
using namespace std::chrono_literals;
using namespace hubrules::testing::auth;

namespace {

constexpr const char* kPortal = "portal-1234567";  // the sandbox's hub_id

// Every OAuth test runs on both API families. On 2026-03 the sandbox refuses every legacy path,
// as HubSpot will after the cut-off dates, so nothing of the flow can fall back to them.
#define EACH_API_FAMILY GENERATE(hubspot::ApiFamily::v2026_03, hubspot::ApiFamily::legacy)
constexpr const char* kPrivateToken = "pat-na1-11111111-2222-3333-4444-555555555555";

struct AuthRig {
  hubspot::ApiFamily family;
  ManualClock clock;
  Sandbox sandbox{sandbox_options(clock, family)};
  TempDir dir;
  SqliteStateStore store{dir.file("state.db"), clock};

  explicit AuthRig(hubspot::ApiFamily api_family) : family(api_family) { sandbox.start(); }

  static SandboxOptions sandbox_options(ManualClock& clock, hubspot::ApiFamily family) {
    SandboxOptions options;
    options.clock = &clock;
    options.legacy_sunset = family == hubspot::ApiFamily::v2026_03;
    options.client_id = "cid";
    options.client_secret = "secret&=+ with spaces";  // proves the form encoding
    return options;
  }

  ConnectOptions connect_options() const {
    ConnectOptions options;
    options.client_id = "cid";
    options.client_secret = "secret&=+ with spaces";
    options.hubspot_url = sandbox.base_url();
    options.wait_for_redirect = 10s;
    options.api_family = family;
    return options;
  }

  Connected connect() {
    return connect_oauth(store, clock, connect_options(), [&](const std::string& url) {
      authorize_url = url;
      const auto page = follow_authorize(sandbox.base_url(), url);
      CHECK(page.status == 200);
      CHECK(page.body.find("Connected") != std::string::npos);
    });
  }

  std::unique_ptr<hubspot::AccessTokens> tokens(ConnectionRules rules = {}) {
    TokenSourceOptions options;
    options.hubspot_url = sandbox.base_url();
    options.rules = rules;
    options.api_family = family;
    return open_access_tokens(store, clock, options);
  }

  long token_calls() const {
    const auto stats = sandbox.stats();
    const auto it = stats.calls.find("POST " + hubspot::ApiPaths(family).oauth_token());
    return it == stats.calls.end() ? 0 : it->second;
  }

  // A CRM call as the pipeline would make it.
  int crm_status(const std::string& token) {
    return client_to(sandbox.base_url())->send(get(hubspot::ApiPaths(family).properties(ObjectType::contact), token)).status;
  }

  hubspot::OAuthClient oauth_client(http::HttpClient& http) const { return hubspot::OAuthClient(http, hubspot::ApiPaths(family)); }

  std::string authorize_url;  // the last connect()'s

  Connection stored(const std::string& id = kPortal) {
    auto connection = store.connection(id);
    REQUIRE(connection);
    return *connection;
  }
};

std::unique_ptr<hubrules::runtime::http::HttpClient> listener_client(const LoopbackRedirect& redirect) {
  return client_to("http://127.0.0.1:" + std::to_string(redirect.port()));
}

}  // namespace

TEST_CASE("auth: form encoding survives reserved characters", "[auth]") {
  const std::string secret = "a&b=c+d e%f/ü";
  CHECK(http::form_url_encode(secret) == "a%26b%3Dc%2Bd%20e%25f%2F%C3%BC");
  CHECK(http::parse_form(http::form_body({{"x", secret}, {"y", ""}})) == std::map<std::string, std::string>{{"x", secret}, {"y", ""}});
  CHECK(http::form_url_decode("a+b%2") == "a b%2");
}

TEST_CASE("auth: connect stores the portal's tokens and the app", "[auth]") {
  AuthRig rig(EACH_API_FAMILY);
  const auto connected = rig.connect();
  CHECK(connected.connection_id == kPortal);
  CHECK(connected.portal_id == 1234567);
  CHECK_FALSE(connected.repaired);

  const auto c = rig.stored();
  CHECK(c.auth == AuthKind::oauth);
  CHECK(c.portal_id == 1234567);
  CHECK(c.access_token.rfind("sbx-access-", 0) == 0);
  CHECK(c.refresh_token.rfind("sbx-refresh-", 0) == 0);
  CHECK(c.access_expires_at == rig.clock.now() + 30min);
  CHECK(c.status == ConnectionStatus::ok);
  CHECK(c.last_successful_post_at == rig.clock.now());
  CHECK(c.client_id == "cid");
  CHECK(c.client_secret == "secret&=+ with spaces");
  CHECK(c.api_base_url == rig.sandbox.base_url());
  CHECK(rig.crm_status(c.access_token) == 200);
  // What HubSpot granted is kept and shown (`hubrules connect` prints it).
  CHECK_THAT(connected.scopes, Catch::Contains("crm.objects.contacts.write"));
  CHECK(c.scopes == connected.scopes);
  CHECK(c.connected_at == rig.clock.now());
  // PKCE: the authorize request carried an S256 challenge (the sandbox checks the verifier).
  CHECK_THAT(rig.authorize_url, Catch::Contains("code_challenge_method=S256"));
  CHECK_THAT(rig.authorize_url, Catch::Contains("code_challenge="));
}

TEST_CASE("auth: a connection made on the legacy API refreshes through 2026-03 with no action", "[auth]") {
  AuthRig rig(hubspot::ApiFamily::legacy);  // this sandbox serves both families
  rig.connect();
  REQUIRE(rig.token_calls() == 1);  // the code exchange, on /oauth/v1/token
  TokenSourceOptions options;
  options.hubspot_url = rig.sandbox.base_url();
  options.api_family = hubspot::ApiFamily::v2026_03;  // the default once the flag is gone
  const auto tokens = open_access_tokens(rig.store, rig.clock, options);
  const std::string before = tokens->token();
  rig.clock.advance(26min);
  const std::string after = tokens->token();
  CHECK(after != before);
  const auto stats = rig.sandbox.stats();
  CHECK(stats.calls.at("POST /oauth/2026-03/token") == 1);
  CHECK(stats.calls.at("POST /oauth/v1/token") == 1);
  CHECK(rig.crm_status(after) == 200);
}

TEST_CASE("auth: the loopback redirect checks state and declines", "[auth]") {
  SECTION("a wrong state is refused") {
    LoopbackRedirect redirect("expected");
    const auto page = listener_client(redirect)->send(get("/callback?code=c&state=forged"));
    CHECK(page.status == 400);
    CHECK_THROWS_AS(redirect.wait_for_code(5s), AuthorizationFailed);
  }
  SECTION("access_denied is an error, other paths are ignored") {
    LoopbackRedirect redirect("s");
    const auto client = listener_client(redirect);
    CHECK(client->send(get("/favicon.ico")).status == 404);
    CHECK(client->send(get("/callback?error=access_denied&state=s")).status == 400);
    CHECK_THROWS_WITH(redirect.wait_for_code(5s), Catch::Contains("access_denied"));
  }
  SECTION("the code is handed over; no redirect in time is an error") {
    LoopbackRedirect redirect("s");
    CHECK(redirect.redirect_uri() == "http://127.0.0.1:" + std::to_string(redirect.port()) + "/callback");
    CHECK(listener_client(redirect)->send(get("/callback?code=a%2Bb&state=s")).status == 200);
    CHECK(redirect.wait_for_code(5s) == "a+b");
    LoopbackRedirect silent("s");
    CHECK_THROWS_AS(silent.wait_for_code(50ms), AuthorizationFailed);
  }
}

TEST_CASE("auth: token() refreshes ahead of expiry and HubSpot takes the new token", "[auth]") {
  AuthRig rig(EACH_API_FAMILY);
  rig.connect();
  const auto tokens = rig.tokens();
  CHECK(tokens->connection_id() == kPortal);
  const std::string first = tokens->token();
  CHECK(first == rig.stored().access_token);
  CHECK(rig.token_calls() == 1);  // the code exchange

  rig.clock.advance(24min);  // 6 minutes left: outside the 5-minute margin
  CHECK(tokens->token() == first);
  CHECK(rig.token_calls() == 1);

  rig.clock.advance(2min);  // 4 minutes left
  const std::string second = tokens->token();
  CHECK(second != first);
  CHECK(rig.token_calls() == 2);
  CHECK(rig.stored().access_token == second);
  CHECK(rig.stored().access_expires_at == rig.clock.now() + 30min);
  CHECK(rig.crm_status(second) == 200);
  rig.clock.advance(5min);
  CHECK(rig.crm_status(first) == 401);  // expired
  CHECK(rig.crm_status(tokens->token()) == 200);
}

TEST_CASE("auth: concurrent token() calls share one refresh", "[auth]") {
  AuthRig rig(EACH_API_FAMILY);
  rig.connect();
  const auto tokens = rig.tokens();
  rig.clock.advance(26min);
  std::vector<std::string> seen(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) threads.emplace_back([&, i] { seen[i] = tokens->token(); });
  for (auto& t : threads) t.join();
  CHECK(rig.token_calls() == 2);  // the exchange and exactly one refresh
  for (const auto& token : seen) CHECK(token == seen.front());
  CHECK(rig.crm_status(seen.front()) == 200);
}

TEST_CASE("auth: a refresh token HubSpot rejects breaks the connection", "[auth]") {
  AuthRig rig(EACH_API_FAMILY);
  rig.connect();
  const auto tokens = rig.tokens();
  rig.sandbox.revoke_oauth_tokens();  // the app was uninstalled
  rig.clock.advance(26min);
  try {
    tokens->token();
    FAIL("token() should have thrown");
  } catch (const hubspot::ConnectionBroken& e) {
    CHECK(e.connection_id() == kPortal);
    CHECK_THAT(e.reason(), Catch::Contains("BAD_REFRESH_TOKEN"));
    CHECK_THAT(std::string(e.what()), !Catch::Contains("sbx-"));
  }
  const auto c = rig.stored();
  CHECK(c.status == ConnectionStatus::broken);
  CHECK_THAT(c.broken_reason, Catch::Contains("BAD_REFRESH_TOKEN"));
  // Broken stays broken without asking HubSpot again.
  CHECK_THROWS_AS(tokens->token(), hubspot::ConnectionBroken);
  CHECK(rig.token_calls() == 2);
}

TEST_CASE("auth: a 401 a refresh cannot cure breaks the connection", "[auth]") {
  AuthRig rig(EACH_API_FAMILY);
  rig.connect();
  const auto tokens = rig.tokens();

  SECTION("the refresh is refused") {
    const std::string used = tokens->token();
    rig.sandbox.revoke_oauth_tokens();
    REQUIRE(rig.crm_status(used) == 401);
    CHECK_THROWS_AS(tokens->unauthorized(used), hubspot::ConnectionBroken);
    CHECK(rig.stored().status == ConnectionStatus::broken);
  }
  SECTION("the refreshed token is refused too") {
    const std::string used = tokens->token();
    tokens->unauthorized(used);  // one forced refresh
    CHECK(rig.token_calls() == 2);
    const std::string refreshed = tokens->token();
    CHECK(refreshed != used);
    // A caller still holding the old token only needs to retry with the current one.
    tokens->unauthorized(used);
    CHECK(rig.token_calls() == 2);
    CHECK_THROWS_AS(tokens->unauthorized(refreshed), hubspot::ConnectionBroken);
    CHECK_THAT(rig.stored().broken_reason, Catch::Contains("401"));
  }
  SECTION("a post in between earns the next 401 a refresh of its own") {
    tokens->unauthorized(tokens->token());
    tokens->posted();
    tokens->unauthorized(tokens->token());
    CHECK(rig.token_calls() == 3);
    CHECK(rig.stored().status == ConnectionStatus::ok);
  }
}

TEST_CASE("auth: 180 days without a post break the connection", "[auth]") {
  AuthRig rig(EACH_API_FAMILY);
  rig.connect();
  const auto tokens = rig.tokens();

  SECTION("179 days are fine, 180 are not") {
    rig.clock.advance(24h * 179);
    CHECK(rig.crm_status(tokens->token()) == 200);
    rig.clock.advance(24h);
    CHECK_THROWS_AS(tokens->token(), hubspot::ConnectionBroken);
    CHECK(rig.stored().status == ConnectionStatus::broken);
    CHECK_THAT(rig.stored().broken_reason, Catch::Contains("nothing posted for 180 days"));
  }
  SECTION("posted() starts the count again") {
    rig.clock.advance(24h * 179);
    tokens->posted();
    CHECK(rig.stored().last_successful_post_at == rig.clock.now());
    rig.clock.advance(24h * 179);
    CHECK_NOTHROW(tokens->token());
    CHECK(rig.stored().status == ConnectionStatus::ok);
  }
  SECTION("the limit is configurable") {
    ConnectionRules rules;
    rules.idle_limit = 24h * 7;
    const auto weekly = rig.tokens(rules);
    rig.clock.advance(24h * 7);
    CHECK_THROWS_AS(weekly->token(), hubspot::ConnectionBroken);
  }
}

TEST_CASE("auth: a private-app token has a stable connection that does not store it", "[auth]") {
  AuthRig rig(EACH_API_FAMILY);
  TokenSourceOptions options;
  options.token = kPrivateToken;
  const auto tokens = open_access_tokens(rig.store, rig.clock, options);
  const std::string id = tokens->connection_id();
  CHECK(id.rfind("private-app-", 0) == 0);
  CHECK(id.size() == std::string("private-app-").size() + 12);
  CHECK(id == private_app_connection_id(kPrivateToken));
  CHECK(open_access_tokens(rig.store, rig.clock, options)->connection_id() == id);
  CHECK(tokens->token() == kPrivateToken);

  const auto c = rig.stored(id);
  CHECK(c.auth == AuthKind::private_app);
  CHECK(c.access_token.empty());
  CHECK(c.refresh_token.empty());
  CHECK(c.last_successful_post_at == rig.clock.now());
  for (const char* file : {"state.db", "state.db-wal"})
    CHECK(hubrules::testing::read_file(rig.dir.file(file).string()).find(kPrivateToken) == std::string::npos);

  SECTION("180 days without a post") {
    rig.clock.advance(24h * 180);
    CHECK_THROWS_AS(tokens->token(), hubspot::ConnectionBroken);
    CHECK(rig.stored(id).status == ConnectionStatus::broken);
  }
  SECTION("a 401 breaks it; connect --token repairs it") {
    CHECK_THROWS_WITH(tokens->unauthorized(kPrivateToken), Catch::Contains("token rejected"));
    CHECK_THAT(std::string(rig.stored(id).broken_reason), !Catch::Contains(kPrivateToken));
    CHECK_THROWS_AS(tokens->token(), hubspot::ConnectionBroken);
    rig.clock.advance(24h);
    PrivateAppConnectOptions connect;
    connect.token = kPrivateToken;
    connect.hubspot_url = rig.sandbox.base_url();
    const auto repaired = connect_private_app(rig.store, rig.clock, connect);
    CHECK(repaired.connection_id == id);
    CHECK(repaired.repaired);
    CHECK(rig.stored(id).status == ConnectionStatus::ok);
    CHECK(rig.stored(id).last_successful_post_at == rig.clock.now());
    CHECK(tokens->token() == kPrivateToken);  // the running process sees the repair
  }
}

TEST_CASE("auth: open_access_tokens picks the one OAuth connection for the HubSpot URL", "[auth]") {
  AuthRig rig(EACH_API_FAMILY);
  CHECK_THROWS_WITH(rig.tokens(), Catch::Contains("no HubSpot connection: run `hubrules connect`, or give a private app's token (HUBSPOT_TOKEN or --token-file)"));
  rig.connect();
  CHECK(rig.tokens()->connection_id() == kPortal);
  TokenSourceOptions elsewhere;
  elsewhere.hubspot_url = "https://api.hubapi.com";
  CHECK_THROWS_AS(open_access_tokens(rig.store, rig.clock, elsewhere), NoConnection);
  TokenSourceOptions named;
  named.connection = kPortal;
  CHECK(open_access_tokens(rig.store, rig.clock, named)->connection_id() == kPortal);
  named.connection = "portal-9";
  CHECK_THROWS_AS(open_access_tokens(rig.store, rig.clock, named), NoConnection);
}

TEST_CASE("auth: disconnect revokes at HubSpot and forgets the tokens", "[auth]") {
  AuthRig rig(EACH_API_FAMILY);
  rig.connect();
  const auto before = rig.stored();

  SECTION("revoked") {
    const auto result = disconnect(rig.store, "", {}, rig.family);
    CHECK(result.connection_id == kPortal);
    CHECK(result.revoked);
    CHECK(result.revoke_error.empty());
    CHECK(rig.stored().access_token.empty());
    CHECK(rig.stored().refresh_token.empty());
    const auto http = client_to(rig.sandbox.base_url());
    CHECK_THROWS_AS(rig.oauth_client(*http).refresh({"cid", "secret&=+ with spaces", ""}, before.refresh_token), hubspot::InvalidGrant);
    CHECK(rig.crm_status(before.access_token) == 401);
    CHECK_THROWS_AS(rig.tokens()->token(), hubspot::ConnectionBroken);
  }
  SECTION("a failed revoke still forgets") {
    auto unreachable = before;
    unreachable.api_base_url = "http://127.0.0.1:1";  // nothing listens: connection refused
    rig.store.save_connection(unreachable);
    const auto result = disconnect(rig.store, kPortal, {}, rig.family);
    CHECK_FALSE(result.revoked);
    CHECK_FALSE(result.revoke_error.empty());
    CHECK(result.revoke_error.find(before.refresh_token) == std::string::npos);
    CHECK(rig.stored().refresh_token.empty());
  }
}

TEST_CASE("auth: connecting again repairs a broken connection", "[auth]") {
  AuthRig rig(EACH_API_FAMILY);
  rig.connect();
  const auto tokens = rig.tokens();
  rig.sandbox.revoke_oauth_tokens();
  rig.clock.advance(26min);
  CHECK_THROWS_AS(tokens->token(), hubspot::ConnectionBroken);
  REQUIRE(rig.stored().status == ConnectionStatus::broken);

  const auto again = rig.connect();
  CHECK(again.repaired);
  CHECK(rig.stored().status == ConnectionStatus::ok);
  CHECK(rig.stored().broken_reason.empty());
  // The running token source picks the new tokens up.
  CHECK(rig.crm_status(tokens->token()) == 200);
}

TEST_CASE("auth: a token endpoint out of reach is passing trouble, not a broken connection", "[auth]") {
  AuthRig rig(EACH_API_FAMILY);
  rig.connect();
  auto unreachable = rig.stored();
  unreachable.api_base_url = "http://127.0.0.1:1";  // nothing listens: connection refused
  rig.store.save_connection(unreachable);
  TokenSourceOptions options;
  options.connection = kPortal;
  const auto tokens = open_access_tokens(rig.store, rig.clock, options);
  rig.clock.advance(26min);
  CHECK_THROWS_AS(tokens->token(), hubrules::runtime::http::TransportError);
  CHECK(rig.stored().status == ConnectionStatus::ok);
}
