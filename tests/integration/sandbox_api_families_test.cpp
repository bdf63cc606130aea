// The sandbox's two families of paths over real sockets (../shared/HUBSPOT-API.md, API
// versions): the 2026-03 CRM paths answer exactly as the legacy ones, the 2026-03 OAuth
// endpoints (PKCE, revoke, introspect), and HubSpot after the cut-off (--legacy-sunset).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <ostream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/sandbox_answer.hpp"
#include "runtime/http/form_encoding.hpp"
#include "runtime/http/http_client.hpp"
#include "runtime/sandbox/api_families.hpp"
#include "runtime/sandbox/sandbox.hpp"
#include "tests/test_support.hpp"

extern char** environ;

namespace {

namespace http = hubrules::runtime::http;
using hubrules::runtime::ManualClock;
using hubrules::runtime::Sandbox;
using hubrules::runtime::SandboxFault;
using hubrules::runtime::SandboxOptions;

using hubrules::testing::Answer;
using hubrules::testing::sandbox_allow_form;
using hubrules::testing::without_correlation_ids;

// A running sandbox with a manual clock and generous limits, and a keep-alive client to it.
struct Running {
  ManualClock clock;
  Sandbox sandbox;
  std::unique_ptr<http::HttpClient> client;

  explicit Running(SandboxOptions o = relaxed()) : sandbox(with_clock(std::move(o), clock)) {
    sandbox.start();
    http::HttpClientOptions c;
    c.base_url = sandbox.base_url();
    client = std::make_unique<http::HttpClient>(std::move(c));
  }
  static SandboxOptions relaxed() {
    SandboxOptions o;
    o.burst_limit = 100000;
    o.search_rate = 100000;
    o.client_id = "cid";
    o.client_secret = "s3cret";
    return o;
  }
  static SandboxOptions with_clock(SandboxOptions o, ManualClock& clock) {
    o.clock = &clock;
    return o;
  }

  http::HttpResponse send(const std::string& method, const std::string& target, const std::string& body = "",
                          const std::string& content_type = "application/json",
                          const std::string& bearer = "pat-test") {
    http::HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (!bearer.empty()) r.headers.emplace_back("Authorization", "Bearer " + bearer);
    if (!body.empty()) r.headers.emplace_back("Content-Type", content_type);
    return client->send(r);
  }
  Answer answer(const std::string& method, const std::string& target, const std::string& body = "") {
    const auto r = send(method, target, body);
    return {r.status, without_correlation_ids(r.body)};
  }
  // A form-encoded OAuth POST, without any bearer token.
  http::HttpResponse form(const std::string& target, const std::vector<std::pair<std::string, std::string>>& fields) {
    return send("POST", target, http::form_body(fields), "application/x-www-form-urlencoded", "");
  }
};

// The paths of one family, so the same script runs against both.
struct Family {
  std::string objects;       // + "/contacts/batch/create"
  std::string properties;    // + "/contacts"
  std::string associations;  // + "/contacts/companies/batch/create"
};

const Family legacy{"/crm/v3/objects", "/crm/v3/properties", "/crm/v4/associations"};
const Family dated{"/crm/objects/2026-03", "/crm/properties/2026-03", "/crm/associations/2026-03"};

std::string inputs(const std::string& joined) { return R"({"inputs":[)" + joined + "]}"; }

std::string contact(const std::string& email, const std::string& trace = "") {
  std::string in = R"({"properties":{"email":")" + email + R"(","firstname":"Ann"})";
  if (!trace.empty()) in += R"(,"objectWriteTraceId":")" + trace + "\"";
  return in + "}";
}

// Every CRM endpoint the legacy family has, with successes, 207s, 409s and search lag; the
// answers in order.
std::vector<Answer> crm_script(Running& s, const Family& f) {
  std::vector<Answer> out;
  const std::string contacts = f.objects + "/contacts", companies = f.objects + "/companies";
  out.push_back(
      s.answer("POST", contacts + "/batch/create", inputs(contact("a@example.com") + "," + contact("b@example.com"))));
  out.push_back(s.answer("POST", contacts + "/batch/create",
                         inputs(contact("c@example.com", "t1") + "," + contact("a@example.com", "t2"))));
  out.push_back(s.answer("POST", contacts + "/batch/create", inputs(contact("A@example.com"))));
  out.push_back(s.answer(
      "POST", contacts + "/batch/read",
      R"({"idProperty":"email","properties":["email"],"inputs":[{"id":"a@example.com"},{"id":"zz@example.com"}]})"));
  out.push_back(s.answer("POST", contacts + "/batch/update", inputs(R"({"id":"1","properties":{"firstname":"Ada"}})")));
  const std::string by_email =
      R"({"filterGroups":[{"filters":[{"propertyName":"email","operator":"EQ","value":"B@example.com"}]}]})";
  out.push_back(s.answer("POST", contacts + "/search", by_email));  // not indexed yet
  s.clock.advance(std::chrono::seconds(3));
  out.push_back(s.answer("POST", contacts + "/search", by_email));
  out.push_back(s.answer("GET", contacts + "?limit=2&properties=email"));
  out.push_back(s.answer("GET", contacts + "/2"));
  out.push_back(s.answer("GET", f.properties + "/contacts"));
  out.push_back(s.answer("GET", f.properties + "/companies/groups"));
  out.push_back(
      s.answer("POST", companies + "/batch/create", inputs(R"({"properties":{"name":"Acme","domain":"acme.com"}})")));
  const std::string link =
      R"({"from":{"id":"1"},"to":{"id":"4"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}]})";
  out.push_back(s.answer("POST", f.associations + "/contacts/companies/batch/create", inputs(link)));
  out.push_back(s.answer("POST", f.associations + "/contacts/companies/batch/associate/default",
                         inputs(R"({"from":{"id":"2"},"to":{"id":"4"}})")));
  out.push_back(s.answer("POST", f.associations + "/companies/contacts/batch/read", inputs(R"({"id":"4"})")));
  out.push_back(s.answer("POST", contacts + "/batch/upsert",
                         inputs(R"({"idProperty":"email","id":"b@example.com","properties":{"firstname":"Bo"}})")));
  out.push_back(s.answer("POST", contacts + "/batch/archive", inputs(R"({"id":"3"})")));
  out.push_back(s.answer("GET", contacts + "/3"));
  return out;
}

// The code an authorize request gets, as the browser's redirect carries it. Without scopes the
// sandbox grants the product's fixed list.
std::string authorize(Running& s, const std::string& extra_query = "", const std::string& scopes = "") {
  const std::string scope = scopes.empty() ? "" : "&scope=" + http::form_url_encode(scopes);
  const auto r = s.send("POST", "/oauth/authorize",
                        sandbox_allow_form("client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb" + scope + extra_query),
                        "application/x-www-form-urlencoded", "");
  REQUIRE(r.status == 302);
  const std::string location = r.header("Location").value_or("");
  const auto at = location.find("code=");
  REQUIRE(at != std::string::npos);
  return location.substr(at + 5, location.find('&', at) - at - 5);
}

// A verifier and its S256 challenge, computed apart from the sandbox's code (Python:
// base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()) without the '=').
const std::string verifier = "dBjftJeZ4CVP-mJ92K1uxZ9ZkgwvtqhBAL3gBf2eGGQ";
const std::string challenge_query =
    "&code_challenge=EFPeO5FG_Q2Twgb0nuks5OOtMlLH4YPX8ZlO3_xSe5w&code_challenge_method=S256";

std::vector<std::pair<std::string, std::string>> code_grant(const std::string& code, const std::string& code_verifier) {
  std::vector<std::pair<std::string, std::string>> f = {{"grant_type", "authorization_code"},
                                                        {"client_id", "cid"},
                                                        {"client_secret", "s3cret"},
                                                        {"redirect_uri", "http://127.0.0.1:9/cb"},
                                                        {"code", code}};
  if (!code_verifier.empty()) f.emplace_back("code_verifier", code_verifier);
  return f;
}

std::vector<std::pair<std::string, std::string>> with_client(std::vector<std::pair<std::string, std::string>> f,
                                                             const std::string& secret = "s3cret") {
  f.emplace_back("client_id", "cid");
  f.emplace_back("client_secret", secret);
  return f;
}

bool has(const std::string& body, const std::string& part) { return body.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("sandbox families: each 2026-03 path is routed as its legacy twin", "[sandbox]") {
  using namespace hubrules::runtime::sandbox;
  const auto routed = [](std::string_view path) { return route_of(path).path; };
  CHECK(routed("/crm/objects/2026-03/contacts/batch/create") == "/crm/v3/objects/contacts/batch/create");
  CHECK(routed("/crm/objects/2026-03/companies/search") == "/crm/v3/objects/companies/search");
  CHECK(routed("/crm/objects/2026-03/contacts/42") == "/crm/v3/objects/contacts/42");
  CHECK(routed("/crm/objects/2026-03/contacts/42/associations/companies") ==
        "/crm/v4/objects/contacts/42/associations/companies");
  CHECK(routed("/crm/properties/2026-03/companies/groups") == "/crm/v3/properties/companies/groups");
  CHECK(routed("/crm/associations/2026-03/contacts/companies/batch/associate/default") ==
        "/crm/v4/associations/contacts/companies/batch/associate/default");
  CHECK(routed("/oauth/2026-03/token") == "/oauth/2026-03/token");
  CHECK(route_of("/crm/objects/2026-03/contacts").family == ApiFamily::v2026_03);
  CHECK(route_of("/oauth/2026-03/token/revoke").family == ApiFamily::v2026_03);
  CHECK(route_of("/crm/v3/objects/contacts").family == ApiFamily::legacy);
  CHECK(route_of("/crm/v4/associations/contacts/companies/batch/read").family == ApiFamily::legacy);
  CHECK(route_of("/oauth/v1/token").family == ApiFamily::legacy);
  CHECK(route_of("/oauth/authorize").family == ApiFamily::none);
  CHECK(route_of("/crm/objects/2026-09/contacts").family == ApiFamily::none);
}

TEST_CASE("sandbox families: the 2026-03 CRM paths answer exactly as the legacy ones", "[sandbox]") {
  Running old_paths, new_paths;
  const auto legacy_answers = crm_script(old_paths, legacy);
  const auto dated_answers = crm_script(new_paths, dated);
  REQUIRE(legacy_answers.size() == dated_answers.size());
  for (std::size_t i = 0; i < legacy_answers.size(); ++i) {
    INFO("step " << i);
    CHECK(dated_answers[i] == legacy_answers[i]);
  }
  // The script covers what matters: created, 207, 409, 207 read, search before and after the lag.
  CHECK(legacy_answers[0].status == 201);
  CHECK(legacy_answers[1].status == 207);
  CHECK(legacy_answers[2].status == 409);
  CHECK(legacy_answers[3].status == 207);
  CHECK(has(legacy_answers[5].body, R"("total":0)"));
  CHECK(has(legacy_answers[6].body, R"("total":1)"));
  CHECK(legacy_answers.back().status == 404);
  CHECK(old_paths.sandbox.state_json() == new_paths.sandbox.state_json());
}

TEST_CASE("sandbox families: stats count by family, under the legacy endpoint keys", "[sandbox]") {
  Running old_paths, new_paths;
  crm_script(old_paths, legacy);
  crm_script(new_paths, dated);
  const auto old_stats = old_paths.sandbox.stats(), new_stats = new_paths.sandbox.stats();
  CHECK(old_stats.calls == new_stats.calls);
  CHECK(new_stats.calls.at("POST /crm/v3/objects/contacts/batch/create") == 3);
  CHECK(new_stats.calls.at("POST /crm/v4/associations/contacts/companies/batch/create") == 1);
  CHECK(old_stats.requests_by_family.at("legacy") == old_stats.requests);
  CHECK(old_stats.requests_by_family.count("2026-03") == 0);
  CHECK(new_stats.requests_by_family.at("2026-03") == new_stats.requests);
  CHECK(new_stats.requests_by_family.count("legacy") == 0);

  // One client mixing both: each request counts once, in its own family.
  new_paths.send("GET", "/crm/v3/objects/contacts");
  new_paths.send("GET", "/crm/objects/2026-03/contacts");
  const auto mixed = new_paths.sandbox.stats();
  CHECK(mixed.requests_by_family.at("legacy") == 1);
  CHECK(mixed.requests_by_family.at("2026-03") == new_stats.requests + 1);
  CHECK(mixed.calls.at("GET /crm/v3/objects/contacts") == old_stats.calls.at("GET /crm/v3/objects/contacts") + 2);
}

TEST_CASE("sandbox families: races, faults and limits work by the legacy key on 2026-03 paths", "[sandbox]") {
  SandboxOptions o = Running::relaxed();
  o.burst_limit = 3;
  Running s(o);
  const std::string create = "/crm/objects/2026-03/contacts/batch/create";
  s.sandbox.create_before("POST /crm/v3/objects/contacts/batch/create", "contacts", {{"email", "race@example.com"}});
  const auto raced = s.send("POST", create, inputs(contact("race@example.com")));
  CHECK(raced.status == 409);
  CHECK(has(raced.body, "Contact already exists. Existing ID: "));
  CHECK(raced.header("X-HubSpot-RateLimit-Remaining") == "2");

  s.sandbox.inject_faults({SandboxFault::unavailable});
  CHECK(s.send("POST", create, inputs(contact("f@example.com"))).status == 503);
  // Legacy and 2026-03 requests share one burst window.
  CHECK(s.send("GET", "/crm/v3/objects/contacts").status == 200);
  CHECK(s.send("GET", "/crm/objects/2026-03/companies").status == 200);
  const auto limited = s.send("GET", "/crm/objects/2026-03/contacts");
  CHECK(limited.status == 429);
  CHECK(has(limited.body, "TEN_SECONDLY_ROLLING"));
  CHECK(s.sandbox.stats().faults == 1);
}

TEST_CASE("sandbox families: with legacy_sunset the legacy paths are 404, 2026-03 keeps working", "[sandbox]") {
  SandboxOptions o = Running::relaxed();
  o.legacy_sunset = true;
  Running s(o);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/crm/v3/objects/contacts/batch/create"},
           {"POST", "/crm/v3/objects/contacts/search"},
           {"GET", "/crm/v3/objects/contacts"},
           {"GET", "/crm/v3/properties/contacts"},
           {"POST", "/crm/v4/associations/contacts/companies/batch/create"},
           {"POST", "/oauth/v1/token"},
           {"GET", "/oauth/v1/access-tokens/sbx-access-x"},
           {"DELETE", "/oauth/v1/refresh-tokens/sbx-refresh-x"}}) {
    INFO(method << " " << path);
    const auto r = s.send(method, path, method == "POST" ? "{}" : "");
    CHECK(r.status == 404);
    CHECK(has(r.body, R"("status":"error")"));
    CHECK(has(r.body, R"("category":"OBJECT_NOT_FOUND")"));
    CHECK(has(r.body, R"("correlationId":")"));
  }
  CHECK(s.sandbox.stats().requests_by_family.at("legacy") == 8);
  CHECK(s.sandbox.stats().crm_requests == 0);
  CHECK(s.sandbox.state().contacts.empty());

  CHECK(s.send("POST", "/crm/objects/2026-03/contacts/batch/create", inputs(contact("new@example.com"))).status == 201);
  CHECK(s.send("GET", "/crm/properties/2026-03/contacts").status == 200);
  // The authorize page has no version and stays; the token exchange moves to 2026-03.
  const auto granted = s.form("/oauth/2026-03/token", code_grant(authorize(s), ""));
  REQUIRE(granted.status == 200);
  CHECK(has(granted.body, R"("hub_id":1234567)"));
}

TEST_CASE("sandbox families: OAuth 2026-03 with PKCE, refresh, introspect and revoke", "[sandbox]") {
  Running s;
  const std::string token = "/oauth/2026-03/token";

  const auto wrong =
      s.form(token, code_grant(authorize(s, challenge_query), "not-the-verifier-at-all-not-the-verifier-at-all"));
  CHECK(wrong.status == 400);
  CHECK(has(wrong.body, R"("error":"invalid_grant")"));
  CHECK(has(wrong.body, R"("error_description":")"));
  CHECK(s.form(token, code_grant(authorize(s, challenge_query), "")).status == 400);
  // A verifier for a code issued without a challenge proves nothing: refused.
  CHECK(s.form(token, code_grant(authorize(s), verifier)).status == 400);
  // The PKCE binding belongs to the code, so the v1 endpoint checks it too.
  CHECK(s.form("/oauth/v1/token", code_grant(authorize(s, challenge_query), "")).status == 400);

  const auto granted = s.form(token, code_grant(authorize(s, challenge_query), verifier));
  INFO(granted.body);
  REQUIRE(granted.status == 200);
  CHECK(has(granted.body, R"("hub_id":1234567)"));
  CHECK(has(granted.body, R"("user_id":1)"));
  CHECK(has(granted.body, R"("token_use":"access_token")"));
  CHECK(has(granted.body, R"("expires_in":1800)"));
  CHECK(has(granted.body, R"("scopes":["crm.objects.contacts.read","crm.objects.contacts.write")"));
  std::smatch m;
  REQUIRE(std::regex_search(granted.body, m, std::regex(R"re("refresh_token":"([^"]+)","access_token":"([^"]+)")re")));
  const std::string refresh = m[1], access = m[2];
  CHECK(s.send("GET", "/crm/objects/2026-03/contacts", "", "", access).status == 200);

  const auto refreshed = s.form(token, with_client({{"grant_type", "refresh_token"}, {"refresh_token", refresh}}));
  REQUIRE(refreshed.status == 200);
  CHECK(has(refreshed.body, R"("refresh_token":")" + refresh + "\""));
  CHECK(has(refreshed.body, R"("scopes":[)"));

  const auto live = s.form(token + "/introspect", with_client({{"token", access}}));
  REQUIRE(live.status == 200);
  CHECK(has(live.body, R"("active":true)"));
  CHECK(has(live.body, R"("hub_id":1234567)"));
  CHECK(has(live.body, R"("token_use":"access_token")"));

  // A secret in the URL is refused, even with a good form.
  CHECK(s.send("POST", token + "/revoke?token=" + refresh, http::form_body(with_client({{"token", refresh}})),
               "application/x-www-form-urlencoded", "")
            .status == 400);
  const auto bad_client = s.form(token + "/revoke", with_client({{"token", refresh}}, "wrong"));
  CHECK(bad_client.status == 400);
  CHECK(has(bad_client.body, R"("error":"invalid_client")"));
  CHECK(s.send("GET", "/crm/objects/2026-03/contacts", "", "", access).status == 200);

  CHECK(s.form(token + "/revoke", with_client({{"token", refresh}, {"token_type_hint", "refresh_token"}})).status ==
        200);
  // RFC 7009: an unknown token, or one revoked already, is 200 too.
  CHECK(s.form(token + "/revoke", with_client({{"token", refresh}})).status == 200);
  CHECK(s.form(token + "/revoke", with_client({{"token", "sbx-refresh-unknown"}})).status == 200);

  const auto dead = s.form(token, with_client({{"grant_type", "refresh_token"}, {"refresh_token", refresh}}));
  CHECK(dead.status == 400);
  CHECK(has(dead.body, R"("error":"invalid_grant")"));
  CHECK(has(dead.body, R"("status":"BAD_REFRESH_TOKEN")"));
  CHECK(has(dead.body, R"("message":")"));
  CHECK(s.send("GET", "/crm/objects/2026-03/contacts", "", "", access).status == 401);
  CHECK(s.form(token + "/introspect", with_client({{"token", access}})).body == R"({"active":false})");

  const auto stats = s.sandbox.stats();
  CHECK(stats.calls.at("POST /oauth/2026-03/token") == 6);
  CHECK(stats.calls.at("POST /oauth/2026-03/token/revoke") == 5);
  CHECK(stats.calls.at("POST /oauth/v1/token") == 1);
}

TEST_CASE("sandbox families: a database file from before PKCE keeps its tokens and gains challenges", "[sandbox]") {
  hubrules::testing::TempDir dir;
  const std::string file = dir.file("sandbox.db").string();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  const int made = sqlite3_exec(db,
                                "CREATE TABLE tokens (token TEXT PRIMARY KEY, kind TEXT NOT NULL, link TEXT NOT NULL, "
                                "expires_at INTEGER NOT NULL, revoked INTEGER NOT NULL);"
                                "INSERT INTO tokens VALUES ('sbx-refresh-old', 'refresh', '', 0, 0);",
                                nullptr, nullptr, nullptr);
  sqlite3_close(db);
  REQUIRE(made == SQLITE_OK);
  SandboxOptions o = Running::relaxed();
  o.db_path = file;
  Running s(o);
  const auto refreshed = s.form("/oauth/2026-03/token",
                                with_client({{"grant_type", "refresh_token"}, {"refresh_token", "sbx-refresh-old"}}));
  CHECK(refreshed.status == 200);
  CHECK(s.form("/oauth/2026-03/token", code_grant(authorize(s, challenge_query), verifier)).status == 200);
}

TEST_CASE("sandbox families: authorize takes S256 challenges only", "[sandbox]") {
  Running s;
  const auto plain = s.send("GET",
                            "/oauth/authorize?client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb"
                            "&code_challenge=abc&code_challenge_method=plain",
                            "", "", "");
  CHECK(plain.status == 400);
}

namespace {

// An access token granted exactly these scopes (space-separated), through the 2026-03 exchange.
std::string access_token_for(Running& s, const std::string& scopes, std::string* refresh_token = nullptr) {
  const auto granted = s.form("/oauth/2026-03/token", code_grant(authorize(s, "", scopes), ""));
  REQUIRE(granted.status == 200);
  std::smatch m;
  REQUIRE(std::regex_search(granted.body, m, std::regex(R"re("refresh_token":"([^"]+)","access_token":"([^"]+)")re")));
  if (refresh_token) *refresh_token = m[1];
  return m[2];
}

}  // namespace

TEST_CASE("sandbox families: the token answers list exactly the scopes the authorize request asked for", "[sandbox]") {
  Running s;
  std::string refresh;
  const std::string access = access_token_for(s, "crm.objects.contacts.read oauth", &refresh);
  const std::string exact = R"("scopes":["crm.objects.contacts.read","oauth"])";
  const auto refreshed =
      s.form("/oauth/2026-03/token", with_client({{"grant_type", "refresh_token"}, {"refresh_token", refresh}}));
  CHECK(has(refreshed.body, exact));  // a refresh keeps the grant's scopes
  CHECK(has(s.form("/oauth/2026-03/token/introspect", with_client({{"token", access}})).body, exact));
  CHECK(has(s.form("/oauth/2026-03/token/introspect", with_client({{"token", refresh}})).body, exact));
  CHECK(has(s.send("GET", "/oauth/v1/access-tokens/" + access, "", "", "").body, exact));
}

TEST_CASE("sandbox families: a CRM call without its scope is 403 MISSING_SCOPES, private apps have every scope",
          "[sandbox]") {
  Running s;
  const std::string reader = access_token_for(s, "crm.objects.contacts.read crm.schemas.contacts.read");
  const auto call = [&](const std::string& method, const std::string& path, const std::string& body,
                        const std::string& bearer) { return s.send(method, path, body, "application/json", bearer); };
  const std::string create = "/crm/v3/objects/companies/batch/create";
  const std::string company = inputs(R"({"properties":{"name":"Acme"}})");

  const auto denied = call("POST", create, company, reader);
  INFO(denied.body);
  CHECK(denied.status == 403);
  CHECK(has(denied.body, R"("category":"MISSING_SCOPES")"));
  CHECK(has(denied.body, R"("requiredGranularScopes":["crm.objects.companies.write"])"));
  CHECK(has(denied.body, "This app hasn't been granted all required scopes to make this call."));
  CHECK(has(denied.body, R"("links":{)"));
  CHECK(has(denied.body, R"("correlationId":")"));
  CHECK(s.sandbox.state().companies.empty());

  // Reads of an object need its read scope, writes its write scope, property definitions the schema scope.
  CHECK(call("GET", "/crm/objects/2026-03/contacts", "", reader).status == 200);
  CHECK(call("POST", "/crm/v3/objects/contacts/search", "{}", reader).status == 200);
  CHECK(call("POST", "/crm/v3/objects/contacts/batch/read", inputs(R"({"id":"1"})"), reader).status == 207);
  CHECK(call("GET", "/crm/v3/properties/contacts", "", reader).status == 200);
  CHECK(call("POST", "/crm/v3/objects/contacts/batch/create", inputs(contact("a@example.com")), reader).status == 403);
  CHECK(call("POST", "/crm/v3/objects/contacts/batch/archive", inputs(R"({"id":"1"})"), reader).status == 403);
  CHECK(call("GET", "/crm/v3/objects/companies", "", reader).status == 403);
  CHECK(call("POST", "/crm/v3/objects/companies/search", "{}", reader).status == 403);
  const auto schema = call("GET", "/crm/properties/2026-03/companies", "", reader);
  CHECK(schema.status == 403);
  CHECK(has(schema.body, R"("requiredGranularScopes":["crm.schemas.companies.read"])"));
  const auto definition = call("POST", "/crm/v3/properties/contacts",
                               R"({"name":"x","label":"X","type":"string","fieldType":"text","groupName":"contactinformation"})",
                               reader);
  CHECK(definition.status == 403);
  CHECK(has(definition.body, R"("requiredGranularScopes":["crm.schemas.contacts.write"])"));

  // Without a scope parameter the grant is the product's list; a private-app token may do anything.
  CHECK(call("POST", create, company, access_token_for(s, "")).status == 201);
  CHECK(call("POST", create, company, "pat-test").status == 201);
  CHECK(s.sandbox.state().companies.size() == 2);
}

TEST_CASE("sandbox families: a database file from before scopes keeps its tokens with the product's scopes",
          "[sandbox]") {
  hubrules::testing::TempDir dir;
  const std::string file = dir.file("sandbox.db").string();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  const int made = sqlite3_exec(db,
                                "CREATE TABLE tokens (token TEXT PRIMARY KEY, kind TEXT NOT NULL, link TEXT NOT NULL, "
                                "expires_at INTEGER NOT NULL, revoked INTEGER NOT NULL, challenge TEXT NOT NULL "
                                "DEFAULT '');"
                                "INSERT INTO tokens VALUES ('sbx-refresh-old', 'refresh', '', 0, 0, '');",
                                nullptr, nullptr, nullptr);
  sqlite3_close(db);
  REQUIRE(made == SQLITE_OK);
  SandboxOptions o = Running::relaxed();
  o.db_path = file;
  {
    Running s(o);
    const auto refreshed = s.form("/oauth/2026-03/token",
                                  with_client({{"grant_type", "refresh_token"}, {"refresh_token", "sbx-refresh-old"}}));
    CHECK(has(refreshed.body, R"("scopes":["crm.objects.contacts.read","crm.objects.contacts.write")"));
    access_token_for(s, "crm.objects.contacts.read");
  }
  // The scopes of a grant survive a restart.
  std::string refresh;
  {
    Running first(o);
    access_token_for(first, "crm.objects.companies.read", &refresh);
  }
  Running later(o);
  const auto refreshed = later.form("/oauth/2026-03/token",
                                    with_client({{"grant_type", "refresh_token"}, {"refresh_token", refresh}}));
  CHECK(has(refreshed.body, R"("scopes":["crm.objects.companies.read"])"));
}

namespace {

// `hubrules sandbox ARGS` as its own process, debug logs captured; stopped with SIGTERM.
class SandboxProcess {
 public:
  explicit SandboxProcess(const std::vector<std::string>& args, const std::string& log_path) {
    std::vector<std::string> argv_text = {HUBRULES_BINARY, "sandbox"};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_text = {"HUBRULES_LOG=debug"};
    for (char** e = environ; *e != nullptr; ++e)
      if (std::strncmp(*e, "HUBRULES_LOG=", 13) != 0) env_text.emplace_back(*e);
    std::vector<char*> env;
    for (auto& e : env_text) env.push_back(e.data());
    env.push_back(nullptr);
    int out[2];
    REQUIRE(::pipe(out) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    REQUIRE(rc == 0);
    stdout_ = ::fdopen(out[0], "r");
  }
  ~SandboxProcess() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    if (stdout_ != nullptr) std::fclose(stdout_);
  }
  SandboxProcess(const SandboxProcess&) = delete;
  SandboxProcess& operator=(const SandboxProcess&) = delete;

  // The base URL from "hubrules sandbox listening on URL"; empty when it did not start.
  std::string base_url() {
    char line[512];
    if (std::fgets(line, sizeof line, stdout_) == nullptr) return "";
    std::string text(line);
    const std::string marker = "listening on ";
    const auto at = text.find(marker);
    if (at == std::string::npos) return "";
    text = text.substr(at + marker.size());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }

 private:
  pid_t pid_ = 0;
  FILE* stdout_ = nullptr;
};

}  // namespace

TEST_CASE("sandbox families: `hubrules sandbox --legacy-sunset` serves only 2026-03 and logs no secret", "[sandbox]") {
  hubrules::testing::TempDir dir;
  const std::string log = dir.file("sandbox.log").string();
  std::string refresh;
  {
    SandboxProcess process(
        {"--legacy-sunset", "--listen", "127.0.0.1:0", "--client-id", "cid", "--client-secret", "s3cret"}, log);
    const std::string url = process.base_url();
    REQUIRE(url.rfind("http://127.0.0.1:", 0) == 0);
    http::HttpClientOptions options;
    options.base_url = url;
    http::HttpClient client(options);
    const auto call = [&](const std::string& method, const std::string& target, const std::string& body,
                          const std::string& content_type) {
      http::HttpRequest r;
      r.method = method;
      r.target = target;
      r.body = body;
      r.headers.emplace_back("Authorization", "Bearer pat-binary");
      r.headers.emplace_back("Content-Type", content_type);
      return client.send(r);
    };
    CHECK(call("POST", "/crm/v3/objects/contacts/batch/create", inputs(contact("x@example.com")), "application/json")
              .status == 404);
    CHECK(call("POST", "/oauth/v1/token", "grant_type=refresh_token", "application/x-www-form-urlencoded").status ==
          404);
    CHECK(
        call("POST", "/crm/objects/2026-03/contacts/batch/create", inputs(contact("x@example.com")), "application/json")
            .status == 201);

    http::HttpRequest approve;
    approve.method = "POST";
    approve.target = "/oauth/authorize";
    approve.body = sandbox_allow_form("client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb" + challenge_query);
    approve.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    const auto location = client.send(approve).header("Location").value_or("");
    const auto at = location.find("code=");
    REQUIRE(at != std::string::npos);
    const std::string code = location.substr(at + 5, location.find('&', at) - at - 5);
    const auto granted = call("POST", "/oauth/2026-03/token", http::form_body(code_grant(code, verifier)),
                              "application/x-www-form-urlencoded");
    REQUIRE(granted.status == 200);
    std::smatch m;
    REQUIRE(std::regex_search(granted.body, m, std::regex(R"re("refresh_token":"([^"]+)")re")));
    refresh = m[1];
    CHECK(call("POST", "/oauth/2026-03/token/revoke", http::form_body(with_client({{"token", refresh}})),
               "application/x-www-form-urlencoded")
              .status == 200);
  }
  const std::string logged = hubrules::testing::read_file(log);
  INFO(logged);
  CHECK(has(logged, "/oauth/2026-03/token/revoke"));  // the debug log did run
  CHECK_FALSE(has(logged, refresh));
  CHECK_FALSE(has(logged, "s3cret"));
  CHECK_FALSE(has(logged, verifier));
  CHECK_FALSE(has(logged, "sbx-"));
}

TEST_CASE("sandbox families: a custom property made on `hubrules sandbox` is pulled, and rules mapping it check",
          "[sandbox]") {
  hubrules::testing::TempDir dir;
  SandboxProcess process({"--listen", "127.0.0.1:0"}, dir.file("sandbox.log").string());
  const std::string url = process.base_url();
  REQUIRE(url.rfind("http://127.0.0.1:", 0) == 0);
  http::HttpClientOptions options;
  options.base_url = url;
  http::HttpClient client(options);
  http::HttpRequest create;
  create.method = "POST";
  create.target = "/crm/v3/properties/contacts";
  create.body = R"({"name":"favourite_food","label":"好きな食べ物","type":"string","fieldType":"text",)"
                R"("groupName":"contactinformation"})";
  create.headers = {{"Authorization", "Bearer pat-x"}, {"Content-Type", "application/json"}};
  REQUIRE(client.send(create).status == 201);

  // The golden rule file maps favourite_food, which the bundled schema does not know.
  const std::string rules = "tests/golden/diagnostics/E200-unknown-property.rules";
  const auto bundled = hubrules::testing::run_hubrules("check " + rules);
  CHECK(bundled.status != 0);
  CHECK(has(bundled.output, "error[E200]: unknown contacts property `favourite_food`"));

  const std::string schema = dir.file("schema").string();
  const auto pulled = hubrules::testing::run_hubrules("schema pull '" + schema + "' --token pat-x --hubspot-url " + url +
                                                      " --state '" + dir.file("state.db").string() + "'");
  INFO(pulled.output);
  REQUIRE(pulled.status == 0);
  CHECK(has(hubrules::testing::read_file(schema + "/contacts.json"), R"("name":"favourite_food")"));
  const auto checked = hubrules::testing::run_hubrules("check " + rules + " --schema '" + schema + "'");
  INFO(checked.output);
  CHECK(checked.status == 0);
  CHECK(has(checked.output, "ok — contacts: 2 properties"));
}
