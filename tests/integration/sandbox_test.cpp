// The sandbox over real sockets: HubSpot's behaviour as ../shared/HUBSPOT-API.md states it.
#include <simdjson.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/sandbox/sandbox.hpp"
#include "tests/test_support.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using hubrules::runtime::ManualClock;
using hubrules::runtime::Sandbox;
using hubrules::runtime::SandboxFault;
using hubrules::runtime::SandboxOptions;
using hubrules::testing::sandbox_allow_form;

std::string text(beast::string_view s) { return std::string(s.data(), s.size()); }

struct Reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  bool dropped = false;
  bool has_header(const std::string& k) const { return headers.count(k) > 0; }
  std::string header(const std::string& k) const {
    const auto it = headers.find(k);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A blocking keep-alive HTTP/1.1 client, reconnecting after the server drops a connection.
class Client {
 public:
  explicit Client(unsigned short port) : port_(port) {}

  Reply send(http::verb verb, const std::string& target, const std::string& body = "",
             const std::string& auth = "Bearer pat-test", const std::string& content_type = "application/json") {
    if (!stream_) connect();
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!auth.empty()) req.set(http::field::authorization, auth);
    if (!body.empty()) req.set(http::field::content_type, content_type);
    req.body() = body;
    req.keep_alive(true);
    req.prepare_payload();
    beast::error_code ec;
    http::write(*stream_, req, ec);
    http::response<http::string_body> res;
    if (!ec) http::read(*stream_, buffer_, res, ec);
    Reply r;
    if (ec) {
      r.dropped = true;
      stream_.reset();
      buffer_.clear();
      return r;
    }
    r.status = static_cast<int>(res.result_int());
    r.body = res.body();
    for (const auto& f : res) r.headers[text(f.name_string())] = text(f.value());
    return r;
  }
  Reply post(const std::string& target, const std::string& body, const std::string& auth = "Bearer pat-test") {
    return send(http::verb::post, target, body, auth);
  }
  Reply get(const std::string& target, const std::string& auth = "Bearer pat-test") {
    return send(http::verb::get, target, "", auth);
  }

 private:
  void connect() {
    stream_.emplace(ioc_);
    stream_->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  }

  unsigned short port_;
  asio::io_context ioc_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

struct Json {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  explicit Json(const std::string& s) { root = parser.parse(s).value(); }
  simdjson::dom::element operator[](std::string_view k) const { return root[k].value(); }
};

std::string str(simdjson::dom::element e) { return std::string(e.get_string().value()); }
std::int64_t num(simdjson::dom::element e) { return e.get_int64().value(); }

// A running sandbox on a free port with a manual clock; generous limits unless a test lowers them.
struct Fixture {
  ManualClock clock;
  Sandbox sandbox;
  Client client;

  explicit Fixture(SandboxOptions o = {}) : sandbox(with_clock(std::move(o), clock)), client(start(sandbox)) {}

  static SandboxOptions with_clock(SandboxOptions o, ManualClock& clock) {
    o.clock = &clock;
    return o;
  }
  static unsigned short start(Sandbox& s) {
    s.start();
    return s.port();
  }
  static SandboxOptions relaxed() {
    SandboxOptions o;
    o.burst_limit = 100000;
    o.search_rate = 100000;
    return o;
  }
};

std::string contact_input(const std::string& email, const std::string& trace = "") {
  std::string in = R"({"properties":{"email":")" + email + R"(","firstname":"Ann"})";
  if (!trace.empty()) in += R"(,"objectWriteTraceId":")" + trace + "\"";
  return in + "}";
}

std::string inputs(const std::string& joined) { return R"({"inputs":[)" + joined + "]}"; }

const std::string contacts = "/crm/v3/objects/contacts";
const std::string companies = "/crm/v3/objects/companies";

std::string search_email(const std::string& email) {
  return R"({"filterGroups":[{"filters":[{"propertyName":"email","operator":"EQ","value":")" + email + R"("}]}]})";
}

}  // namespace

TEST_CASE("sandbox: batch create, consistent read, and search after the lag", "[sandbox]") {
  Fixture f(Fixture::relaxed());
  const Reply created = f.client.post(contacts + "/batch/create", inputs(contact_input("Ann@Example.com")));
  REQUIRE(created.status == 201);
  Json c(created.body);
  CHECK(str(c["status"]) == "COMPLETE");
  const std::string id = str(c["results"].at(0)["id"]);
  CHECK(str(c["results"].at(0)["properties"]["email"]) == "ann@example.com");

  const Reply read = f.client.post(contacts + "/batch/read",
                                   R"({"idProperty":"email","properties":["email"],"inputs":[{"id":"ann@example.com"}]})");
  REQUIRE(read.status == 200);
  CHECK(str(Json(read.body)["results"].at(0)["id"]) == id);

  // HubSpot's search lags behind writes (HUBSPOT-API.md, Search: eventual consistency).
  const Reply early = f.client.post(contacts + "/search", search_email("ANN@example.com"));
  REQUIRE(early.status == 200);
  CHECK(num(Json(early.body)["total"]) == 0);
  f.clock.advance(std::chrono::seconds(3));
  const Reply later = f.client.post(contacts + "/search", search_email("ANN@example.com"));
  Json l(later.body);
  CHECK(num(l["total"]) == 1);
  CHECK(str(l["results"].at(0)["id"]) == id);
}

TEST_CASE("sandbox: an existing email and a repeated one in a batch conflict", "[sandbox]") {
  Fixture f(Fixture::relaxed());
  const std::string existing = f.sandbox.seed_record("contacts", {{"email", "bob@example.com"}});
  const Reply again = f.client.post(contacts + "/batch/create",
                                    inputs(contact_input("new@example.com") + "," + contact_input("Bob@Example.com")));
  CHECK(again.status == 409);
  Json j(again.body);
  CHECK(str(j["category"]) == "CONFLICT");
  CHECK(str(j["message"]) == "Contact already exists. Existing ID: " + existing);

  const Reply twice = f.client.post(contacts + "/batch/create",
                                    inputs(contact_input("x@example.com") + "," + contact_input("X@example.com")));
  CHECK(twice.status == 409);
  CHECK(str(Json(twice.body)["category"]) == "CONFLICT");
  // One bad input fails the whole batch: nothing was created.
  CHECK(f.sandbox.state().contacts.size() == 1);
}

TEST_CASE("sandbox: objectWriteTraceId turns failures into a 207", "[sandbox]") {
  Fixture f(Fixture::relaxed());
  f.sandbox.seed_record("contacts", {{"email", "old@example.com"}});
  const std::string bad = R"({"properties":{"nosuchprop":"1"},"objectWriteTraceId":"t3"})";
  const Reply r = f.client.post(contacts + "/batch/create",
                                inputs(contact_input("fresh@example.com", "t1") + "," + contact_input("old@example.com", "t2") +
                                       "," + bad));
  REQUIRE(r.status == 207);
  Json j(r.body);
  CHECK(num(j["numErrors"]) == 2);
  CHECK(j["results"].get_array().size() == 1);
  CHECK(str(j["errors"].at(0)["category"]) == "CONFLICT");
  CHECK(str(j["errors"].at(0)["context"]["objectWriteTraceId"].at(0)) == "t2");
  CHECK(str(j["errors"].at(1)["category"]) == "VALIDATION_ERROR");
  CHECK(str(j["errors"].at(1)["context"]["objectWriteTraceId"].at(0)) == "t3");
  CHECK(f.sandbox.state().contacts.size() == 2);
}

TEST_CASE("sandbox: property validation uses HubSpot's codes", "[sandbox]") {
  Fixture f(Fixture::relaxed());
  const auto code_of = [&](const std::string& object, const std::string& props) {
    const Reply r = f.client.post(object + "/batch/create", inputs(R"({"properties":)" + props + "}"));
    REQUIRE(r.status == 400);
    Json j(r.body);
    CHECK(str(j["category"]) == "VALIDATION_ERROR");
    return str(j["errors"].at(0)["code"]);
  };
  CHECK(code_of(contacts, R"({"email":"a@b.c","favourite_colour":"red"})") == "PROPERTY_DOESNT_EXIST");
  CHECK(code_of(companies, R"({"name":"Acme","numberofemployees":"many"})") == "INVALID_INTEGER");
  CHECK(code_of(contacts, R"({"email":"a@b.c","hs_object_id":"5"})") == "READ_ONLY_VALUE");
  CHECK(code_of(companies, R"({"name":"Acme","industry":"NOT_AN_INDUSTRY"})") == "INVALID_OPTION");

  // Numbers may be sent as numbers; an empty string is accepted and leaves the property unset.
  const Reply ok = f.client.post(companies + "/batch/create",
                                 inputs(R"({"properties":{"name":"Acme","numberofemployees":12,"city":""}})"));
  REQUIRE(ok.status == 201);
  const auto state = f.sandbox.state();
  REQUIRE(state.companies.size() == 1);
  CHECK(state.companies[0].properties.at("numberofemployees") == "12");
  CHECK(state.companies[0].properties.count("city") == 0);

  std::string many;
  for (int i = 0; i < 101; ++i) many += (i ? "," : "") + contact_input("p" + std::to_string(i) + "@example.com");
  CHECK(f.client.post(contacts + "/batch/create", inputs(many)).status == 400);
}

TEST_CASE("sandbox: companies have no uniqueness", "[sandbox]") {
  Fixture f(Fixture::relaxed());
  const std::string acme = R"({"properties":{"name":"Acme","domain":"acme.com"}})";
  CHECK(f.client.post(companies + "/batch/create", inputs(acme + "," + acme)).status == 201);
  CHECK(f.client.post(companies + "/batch/create", inputs(acme)).status == 201);
  CHECK(f.sandbox.state().companies.size() == 3);
}

TEST_CASE("sandbox: batch read names missing ids in a 207", "[sandbox]") {
  Fixture f(Fixture::relaxed());
  f.sandbox.seed_record("contacts", {{"email", "here@example.com"}});
  const Reply r = f.client.post(contacts + "/batch/read",
                                R"({"idProperty":"email","inputs":[{"id":"here@example.com"},{"id":"gone@example.com"}]})");
  REQUIRE(r.status == 207);
  Json j(r.body);
  CHECK(j["results"].get_array().size() == 1);
  CHECK(str(j["errors"].at(0)["category"]) == "OBJECT_NOT_FOUND");
  CHECK(str(j["errors"].at(0)["context"]["ids"].at(0)) == "gone@example.com");
}

TEST_CASE("sandbox: search filters, operators, limits and paging", "[sandbox]") {
  Fixture f(Fixture::relaxed());
  f.sandbox.seed_record("companies", {{"name", "Acme"}, {"domain", "acme.com"}});
  f.sandbox.seed_record("companies", {{"name", "Beta"}, {"domain", "beta.io"}});
  f.sandbox.seed_record("companies", {{"name", "Gamma"}});
  const auto total = [&](const std::string& filters) {
    const Reply r = f.client.post(companies + "/search", R"({"filterGroups":)" + filters + "}");
    REQUIRE(r.status == 200);
    return num(Json(r.body)["total"]);
  };
  CHECK(total(R"([{"filters":[{"propertyName":"domain","operator":"IN","values":["acme.com","beta.io"]}]}])") == 2);
  // IN on strings wants lowercase values (HUBSPOT-API.md, Search).
  CHECK(total(R"([{"filters":[{"propertyName":"domain","operator":"IN","values":["ACME.COM"]}]}])") == 0);
  CHECK(total(R"([{"filters":[{"propertyName":"name","operator":"EQ","value":"acme"}]}])") == 1);
  CHECK(total(R"([{"filters":[{"propertyName":"name","operator":"NEQ","value":"Acme"}]}])") == 2);
  CHECK(total(R"([{"filters":[{"propertyName":"domain","operator":"HAS_PROPERTY"}]}])") == 2);
  CHECK(total(R"([{"filters":[{"propertyName":"domain","operator":"NOT_HAS_PROPERTY"}]}])") == 1);
  CHECK(total(R"([{"filters":[{"propertyName":"name","operator":"EQ","value":"Acme"}]},
                  {"filters":[{"propertyName":"name","operator":"EQ","value":"Gamma"}]}])") == 2);

  const std::string filter = R"({"propertyName":"name","operator":"EQ","value":"x"})";
  const auto group = [&](int n) {
    std::string g = R"({"filters":[)";
    for (int i = 0; i < n; ++i) g += (i ? "," : "") + filter;
    return g + "]}";
  };
  const auto status = [&](const std::string& body) { return f.client.post(companies + "/search", body).status; };
  const auto groups = [&](int count, int per) {
    std::string gs;
    for (int i = 0; i < count; ++i) gs += (i ? "," : "") + group(per);
    return R"({"filterGroups":[)" + gs + "]}";
  };
  CHECK(status(groups(5, 3)) == 200);
  CHECK(status(groups(6, 1)) == 400);
  CHECK(status(groups(1, 7)) == 400);
  CHECK(status(groups(4, 5)) == 400);  // 20 filters > 18 in all
  CHECK(status(R"({"limit":201})") == 400);

  const Reply page1 = f.client.post(companies + "/search", R"({"limit":2})");
  Json p1(page1.body);
  CHECK(p1["results"].get_array().size() == 2);
  const std::string after = str(p1["paging"]["next"]["after"]);
  const Reply page2 = f.client.post(companies + "/search", R"({"limit":2,"after":")" + after + "\"}");
  Json p2(page2.body);
  CHECK(p2["results"].get_array().size() == 1);
  CHECK(p2.root["paging"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("sandbox: batch update, clearing, and lag after an update", "[sandbox]") {
  Fixture f(Fixture::relaxed());
  const std::string id = f.sandbox.seed_record("contacts", {{"email", "u@example.com"}, {"city", "Oslo"}});
  const Reply r = f.client.post(contacts + "/batch/update",
                                inputs(R"({"id":")" + id + R"(","properties":{"firstname":"Una","city":""}})"));
  REQUIRE(r.status == 200);
  const auto state = f.sandbox.state();
  CHECK(state.contacts[0].properties.at("firstname") == "Una");
  CHECK(state.contacts[0].properties.count("city") == 0);
  CHECK(num(Json(f.client.post(contacts + "/search", search_email("u@example.com")).body)["total"]) == 0);
  CHECK(f.client.post(contacts + "/batch/update", inputs(R"({"id":"999999","properties":{"firstname":"X"}})")).status ==
        404);
}

TEST_CASE("sandbox: upsert overwrites by email, archive frees the email", "[sandbox]") {
  Fixture f(Fixture::relaxed());
  const std::string up = R"({"idProperty":"email","id":"Up@example.com","properties":{"firstname":")";
  REQUIRE(f.client.post(contacts + "/batch/upsert", inputs(up + R"(A"}})")).status == 200);
  REQUIRE(f.client.post(contacts + "/batch/upsert", inputs(up + R"(B"}})")).status == 200);
  auto state = f.sandbox.state();
  REQUIRE(state.contacts.size() == 1);
  CHECK(state.contacts[0].properties.at("firstname") == "B");
  CHECK(f.client.post(contacts + "/batch/archive", inputs(R"({"id":")" + state.contacts[0].id + "\"}")).status == 204);
  CHECK(f.sandbox.state().contacts.empty());
  CHECK(f.client.post(contacts + "/batch/create", inputs(contact_input("up@example.com"))).status == 201);
}

TEST_CASE("sandbox: list objects with paging, properties and groups", "[sandbox]") {
  Fixture f(Fixture::relaxed());
  for (int i = 0; i < 3; ++i) f.sandbox.seed_record("companies", {{"name", "C" + std::to_string(i)}});
  const Reply first = f.client.get(companies + "?limit=2&properties=name");
  REQUIRE(first.status == 200);
  Json a(first.body);
  CHECK(a["results"].get_array().size() == 2);
  const Reply second = f.client.get(companies + "?limit=2&after=" + str(a["paging"]["next"]["after"]));
  CHECK(Json(second.body)["results"].get_array().size() == 1);

  const Reply props = f.client.get("/crm/v3/properties/contacts");
  REQUIRE(props.status == 200);
  CHECK(Json(props.body)["results"].get_array().size() > 50);
  const Reply groups = f.client.get("/crm/v3/properties/companies/groups");
  REQUIRE(groups.status == 200);
  CHECK(str(Json(groups.body)["results"].at(0)["name"]) == "companyinformation");
}

TEST_CASE("sandbox: associations inline, by batch and by default", "[sandbox]") {
  Fixture f(Fixture::relaxed());
  const std::string company = f.sandbox.seed_record("companies", {{"name", "Acme"}});
  const std::string inline_assoc = R"({"properties":{"email":"i@acme.com"},"associations":[{"to":{"id":")" + company +
                                   R"("},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}]}]})";
  const Reply created = f.client.post(contacts + "/batch/create", inputs(inline_assoc));
  REQUIRE(created.status == 201);
  const std::string c1 = str(Json(created.body)["results"].at(0)["id"]);
  const std::string c2 = f.sandbox.seed_record("contacts", {{"email", "b@acme.com"}});
  const std::string c3 = f.sandbox.seed_record("contacts", {{"email", "d@acme.com"}});

  const Reply batch = f.client.post("/crm/v4/associations/contacts/companies/batch/create",
                                    inputs(R"({"from":{"id":")" + c2 + R"("},"to":{"id":")" + company +
                                           R"("},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}]})"));
  CHECK(batch.status == 201);
  const Reply def = f.client.post("/crm/v4/associations/contacts/companies/batch/associate/default",
                                  inputs(R"({"from":{"id":")" + c3 + R"("},"to":{"id":")" + company + R"("}})"));
  CHECK(def.status == 200);
  CHECK(num(Json(def.body)["results"].at(0)["associationSpec"]["associationTypeId"]) == 279);
  const Reply missing = f.client.post("/crm/v4/associations/contacts/companies/batch/associate/default",
                                      inputs(R"({"from":{"id":"424242"},"to":{"id":")" + company + R"("}})"));
  CHECK(missing.status == 207);

  const auto state = f.sandbox.state();
  REQUIRE(state.associations.size() == 3);
  for (const auto& a : state.associations) CHECK((a.company_id == company && a.type_id == 279));
  const Reply read = f.client.post("/crm/v4/associations/companies/contacts/batch/read", inputs(R"({"id":")" + company + "\"}"));
  REQUIRE(read.status == 200);
  CHECK(Json(read.body)["results"].at(0)["to"].get_array().size() == 3);
  CHECK(c1 != c2);
}

TEST_CASE("sandbox: the rolling burst limit answers 429 with rate headers", "[sandbox]") {
  SandboxOptions o;
  o.burst_limit = 3;
  Fixture f(o);
  for (int i = 2; i >= 0; --i) {
    const Reply r = f.client.get(companies);
    REQUIRE(r.status == 200);
    CHECK(r.header("X-HubSpot-RateLimit-Max") == "3");
    CHECK(r.header("X-HubSpot-RateLimit-Remaining") == std::to_string(i));
    CHECK(r.header("X-HubSpot-RateLimit-Interval-Milliseconds") == "10000");
  }
  const Reply limited = f.client.get(companies);
  REQUIRE(limited.status == 429);
  Json j(limited.body);
  CHECK(str(j["policyName"]) == "TEN_SECONDLY_ROLLING");
  CHECK(str(j["errorType"]) == "RATE_LIMIT");
  CHECK(limited.header("X-HubSpot-RateLimit-Remaining") == "0");
  f.clock.advance(std::chrono::seconds(10));
  CHECK(f.client.get(companies).status == 200);
  CHECK(f.sandbox.stats().burst_limited == 1);
}

TEST_CASE("sandbox: the per-second search limit has its own 429 and no rate headers", "[sandbox]") {
  SandboxOptions o;
  o.search_rate = 2;
  Fixture f(o);
  for (int i = 0; i < 2; ++i) {
    const Reply r = f.client.post(contacts + "/search", "{}");
    REQUIRE(r.status == 200);
    CHECK_FALSE(r.has_header("X-HubSpot-RateLimit-Max"));
  }
  const Reply limited = f.client.post(contacts + "/search", "{}");
  REQUIRE(limited.status == 429);
  CHECK(str(Json(limited.body)["message"]) == "You have reached your secondly limit.");
  CHECK_FALSE(limited.has_header("X-HubSpot-RateLimit-Max"));
  f.clock.advance(std::chrono::seconds(1));
  CHECK(f.client.post(contacts + "/search", "{}").status == 200);
}

TEST_CASE("sandbox: OAuth grants, expiry, refresh and revoke", "[sandbox]") {
  Fixture f(Fixture::relaxed());
  const std::string query = "client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&state=s1";
  CHECK(f.client.get("/oauth/authorize?" + query, "").status == 200);  // the consent page
  const Reply auth = f.client.send(http::verb::post, "/oauth/authorize", sandbox_allow_form(query), "",
                                   "application/x-www-form-urlencoded");
  REQUIRE(auth.status == 302);
  const std::string location = auth.header("Location");
  REQUIRE(location.rfind("http://127.0.0.1:9/cb?code=", 0) == 0);
  CHECK(location.find("&state=s1") != std::string::npos);
  const std::string code = location.substr(location.find("code=") + 5, location.find("&state") - location.find("code=") - 5);

  const auto token = [&](const std::string& form) {
    return f.client.send(http::verb::post, "/oauth/v1/token", form, "", "application/x-www-form-urlencoded");
  };
  const Reply granted = token("grant_type=authorization_code&client_id=cid&client_secret=sec&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&code=" + code);
  REQUIRE(granted.status == 200);
  Json g(granted.body);
  CHECK(num(g["expires_in"]) == 1800);
  const std::string access = str(g["access_token"]), refresh = str(g["refresh_token"]);
  CHECK(f.client.get(contacts, "Bearer " + access).status == 200);
  const Reply info = f.client.get("/oauth/v1/access-tokens/" + access, "");
  REQUIRE(info.status == 200);
  CHECK(num(Json(info.body)["hub_id"]) > 0);
  // A code is good once.
  CHECK(token("grant_type=authorization_code&client_id=cid&client_secret=sec&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&code=" + code).status == 400);

  f.clock.advance(std::chrono::minutes(31));
  const Reply expired = f.client.get(contacts, "Bearer " + access);
  CHECK(expired.status == 401);
  CHECK(str(Json(expired.body)["category"]) == "EXPIRED_AUTHENTICATION");

  const Reply refreshed = token("grant_type=refresh_token&client_id=cid&client_secret=sec&refresh_token=" + refresh);
  REQUIRE(refreshed.status == 200);
  Json rj(refreshed.body);
  CHECK(str(rj["refresh_token"]) == refresh);
  CHECK(f.client.get(contacts, "Bearer " + str(rj["access_token"])).status == 200);

  CHECK(f.client.send(http::verb::delete_, "/oauth/v1/refresh-tokens/" + refresh, "", "").status == 204);
  const Reply bad = token("grant_type=refresh_token&client_id=cid&client_secret=sec&refresh_token=" + refresh);
  CHECK(bad.status == 400);
  Json bj(bad.body);
  CHECK(str(bj["status"]) == "BAD_REFRESH_TOKEN");
  CHECK(str(bj["error"]) == "invalid_grant");
}

TEST_CASE("sandbox: unknown or missing tokens are INVALID_AUTHENTICATION", "[sandbox]") {
  SandboxOptions o = Fixture::relaxed();
  o.tokens = {"pat-na1-good"};
  Fixture f(o);
  CHECK(f.client.get(contacts, "Bearer pat-na1-good").status == 200);
  const Reply unknown = f.client.get(contacts, "Bearer pat-na1-other");
  CHECK(unknown.status == 401);
  CHECK(str(Json(unknown.body)["category"]) == "INVALID_AUTHENTICATION");
  CHECK(f.client.get(contacts, "").status == 401);
}

TEST_CASE("sandbox: injected faults, including a create applied but never answered", "[sandbox]") {
  Fixture f(Fixture::relaxed());
  f.sandbox.inject_faults({SandboxFault::bad_gateway, SandboxFault::unavailable, SandboxFault::drop_before,
                           SandboxFault::drop_after_applying});
  const std::string body = inputs(contact_input("doubt@example.com"));
  CHECK(f.client.post(contacts + "/batch/create", body).status == 502);
  CHECK(f.client.post(contacts + "/batch/create", body).status == 503);
  CHECK(f.client.post(contacts + "/batch/create", body).dropped);
  CHECK(f.sandbox.state().contacts.empty());
  CHECK(f.client.post(contacts + "/batch/create", body).dropped);
  // In doubt: it did happen, and a consistent read says so.
  CHECK(f.sandbox.state().contacts.size() == 1);
  const Reply read = f.client.post(contacts + "/batch/read", R"({"idProperty":"email","inputs":[{"id":"doubt@example.com"}]})");
  CHECK(read.status == 200);
  CHECK(f.sandbox.stats().faults == 4);
}

TEST_CASE("sandbox: a fail rate with a seed fails the same requests every run", "[sandbox]") {
  const auto run = [] {
    SandboxOptions o = Fixture::relaxed();
    o.fail_rate = 0.5;
    o.seed = 42;
    Fixture f(o);
    std::string outcome;
    for (int i = 0; i < 20; ++i) {
      const Reply r = f.client.get(companies);
      outcome += r.dropped ? "D" : std::to_string(r.status) + " ";
    }
    return outcome;
  };
  const std::string first = run();
  CHECK(first == run());
  CHECK(first.find("200") != std::string::npos);
  CHECK((first.find("502") != std::string::npos || first.find("503") != std::string::npos || first.find('D') != std::string::npos));
}

TEST_CASE("sandbox: a database file keeps records across restarts", "[sandbox]") {
  char path[] = "/tmp/hubrules-sandbox-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  SandboxOptions o = Fixture::relaxed();
  o.db_path = path;
  {
    Fixture f(o);
    REQUIRE(f.client.post(contacts + "/batch/create", inputs(contact_input("kept@example.com"))).status == 201);
  }
  {
    Fixture f(o);
    const auto state = f.sandbox.state();
    REQUIRE(state.contacts.size() == 1);
    CHECK(state.contacts[0].properties.at("email") == "kept@example.com");
    CHECK(f.client.post(contacts + "/batch/create", inputs(contact_input("kept@example.com"))).status == 409);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((std::string(path) + suffix).c_str());
}

TEST_CASE("sandbox: concurrent keep-alive clients", "[sandbox]") {
  SandboxOptions o = Fixture::relaxed();
  o.threads = 2;
  Fixture f(o);
  std::vector<std::thread> workers;
  std::vector<int> created(4, 0);
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([&, t] {
      Client client(f.sandbox.port());
      for (int i = 0; i < 25; ++i)
        if (client.post(contacts + "/batch/create",
                        inputs(contact_input("w" + std::to_string(t) + "-" + std::to_string(i) + "@example.com")))
                .status == 201)
          ++created[static_cast<std::size_t>(t)];
    });
  for (auto& w : workers) w.join();
  CHECK(created == std::vector<int>(4, 25));
  CHECK(f.sandbox.state().contacts.size() == 100);
  CHECK(f.sandbox.stats().calls.at("POST /crm/v3/objects/contacts/batch/create") == 100);
}

TEST_CASE("sandbox: the command rejects bad options", "[sandbox]") {
  CHECK(hubrules::runtime::run_sandbox({"--bogus"}) == 2);
  CHECK(hubrules::runtime::run_sandbox({"--listen", "127.0.0.1:0", "--fail-rate", "2"}) == 2);
}
