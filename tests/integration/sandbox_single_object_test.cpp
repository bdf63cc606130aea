// The sandbox's one-record endpoints over real sockets, in both families of paths
// (../shared/HUBSPOT-API.md, API versions): create, update and archive one record, read one
// property, list a record's associations and associate two records by default. They are the
// batch endpoints with one input, so the same checks refuse the same inputs.
#include <catch2/catch.hpp>
#include <memory>
#include <ostream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/sandbox_answer.hpp"
#include "runtime/http/http_client.hpp"
#include "runtime/sandbox/sandbox.hpp"

namespace {

namespace http = hubrules::runtime::http;
using hubrules::runtime::ManualClock;
using hubrules::runtime::Sandbox;
using hubrules::runtime::SandboxOptions;

using hubrules::testing::Answer;
using hubrules::testing::without_correlation_ids;

// The paths of one family, so each check runs against both.
struct Family {
  std::string objects;     // + "/contacts/1"
  std::string properties;  // + "/contacts/email"
  std::string records;     // + "/contacts/1/associations/companies": the v4 record paths
};

const Family legacy{"/crm/v3/objects", "/crm/v3/properties", "/crm/v4/objects"};
const Family dated{"/crm/objects/2026-03", "/crm/properties/2026-03", "/crm/objects/2026-03"};

// A running sandbox on a manual clock with limits out of the way, and a keep-alive client.
struct Running {
  ManualClock clock;
  Sandbox sandbox;
  std::unique_ptr<http::HttpClient> client;

  Running() : sandbox(options(clock)) {
    sandbox.start();
    http::HttpClientOptions c;
    c.base_url = sandbox.base_url();
    client = std::make_unique<http::HttpClient>(std::move(c));
  }
  static SandboxOptions options(ManualClock& clock) {
    SandboxOptions o;
    o.burst_limit = 100000;
    o.search_rate = 100000;
    o.clock = &clock;
    return o;
  }
  Answer send(const std::string& method, const std::string& target, const std::string& body = "") {
    http::HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.headers.emplace_back("Authorization", "Bearer pat-test");
    if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
    const auto answer = client->send(r);
    return {answer.status, without_correlation_ids(answer.body)};
  }
};

bool has(const std::string& body, const std::string& part) { return body.find(part) != std::string::npos; }

const std::string ann = R"({"properties":{"email":"Ann@Example.com","firstname":"Ann"}})";
const std::string acme = R"({"properties":{"name":"Acme","domain":"acme.com"}})";

}  // namespace

TEST_CASE("sandbox single object: create answers the one record, as batch create stores it", "[sandbox]") {
  for (const Family& f : {legacy, dated}) {
    CAPTURE(f.objects);
    Running s;
    const Answer created = s.send("POST", f.objects + "/contacts", ann);
    CHECK(created.status == 201);
    CHECK(has(created.body, R"({"id":"1","properties":{)"));
    CHECK(has(created.body, R"("email":"ann@example.com")"));  // stored lowercased
    CHECK(has(created.body, R"("hs_object_id":"1")"));
    CHECK_FALSE(has(created.body, "results"));
    CHECK(s.send("GET", f.objects + "/contacts/1").status == 200);
    CHECK(s.sandbox.stats().calls["POST /crm/v3/objects/contacts"] == 1);
  }
}

TEST_CASE("sandbox single object: create refuses what batch create refuses", "[sandbox]") {
  for (const Family& f : {legacy, dated}) {
    CAPTURE(f.objects);
    Running s;
    REQUIRE(s.send("POST", f.objects + "/contacts", ann).status == 201);
    const Answer taken = s.send("POST", f.objects + "/contacts", R"({"properties":{"email":"ANN@example.com"}})");
    CHECK(taken.status == 409);
    CHECK(has(taken.body, "Contact already exists. Existing ID: 1"));
    const Answer unknown = s.send("POST", f.objects + "/contacts", R"({"properties":{"shoe_size":"9"}})");
    CHECK(unknown.status == 400);
    CHECK(has(unknown.body, "PROPERTY_DOESNT_EXIST"));
    CHECK(s.send("POST", f.objects + "/companies", R"({"properties":{"numberofemployees":"many"}})").status == 400);
    CHECK(s.send("POST", f.objects + "/contacts", "not json").status == 400);
    CHECK(s.send("POST", f.objects + "/contacts", R"({"nothing":1})").status == 400);
    CHECK(s.sandbox.state().contacts.size() == 1);
  }
}

TEST_CASE("sandbox single object: create with inline associations", "[sandbox]") {
  for (const Family& f : {legacy, dated}) {
    CAPTURE(f.objects);
    Running s;
    REQUIRE(s.send("POST", f.objects + "/companies", acme).status == 201);
    const Answer created = s.send(
        "POST", f.objects + "/contacts",
        R"({"properties":{"email":"bo@example.com"},"associations":[{"to":{"id":"1"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}]}]})");
    CHECK(created.status == 201);
    const Answer listed = s.send("GET", f.records + "/contacts/2/associations/companies");
    CHECK(listed.status == 200);
    CHECK(has(listed.body, R"("toObjectId":1,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":279,"label":null}])"));
  }
}

TEST_CASE("sandbox single object: update by id or idProperty, with the batch update's checks", "[sandbox]") {
  for (const Family& f : {legacy, dated}) {
    CAPTURE(f.objects);
    Running s;
    REQUIRE(s.send("POST", f.objects + "/contacts", ann).status == 201);
    REQUIRE(s.send("POST", f.objects + "/contacts", R"({"properties":{"email":"bo@example.com"}})").status == 201);
    const Answer updated = s.send("PATCH", f.objects + "/contacts/1", R"({"properties":{"firstname":"Ada","lastname":"L"}})");
    CHECK(updated.status == 200);
    CHECK(has(updated.body, R"("firstname":"Ada")"));
    CHECK(has(updated.body, R"("lastname":"L")"));
    const Answer cleared =
        s.send("PATCH", f.objects + "/contacts/ann%40example.com?idProperty=email", R"({"properties":{"lastname":""}})");
    CHECK(cleared.status == 200);
    CHECK(has(cleared.body, R"({"id":"1",)"));
    CHECK_FALSE(has(cleared.body, "lastname"));
    CHECK(s.send("PATCH", f.objects + "/contacts/99", R"({"properties":{"firstname":"X"}})").status == 404);
    CHECK(s.send("PATCH", f.objects + "/contacts/x@example.com?idProperty=email", R"({"properties":{}})").status == 404);
    const Answer conflict = s.send("PATCH", f.objects + "/contacts/2", R"({"properties":{"email":"ann@example.com"}})");
    CHECK(conflict.status == 409);
    CHECK(s.send("PATCH", f.objects + "/contacts/1", R"({"properties":{"hs_object_id":"5"}})").status == 400);
    // Ids become {id} in the key; emails, named by idProperty, stay as sent.
    CHECK(s.sandbox.stats().calls["PATCH /crm/v3/objects/contacts/{id}"] == 4);
  }
}

TEST_CASE("sandbox single object: archive is 204, frees the email, and ignores unknown ids", "[sandbox]") {
  for (const Family& f : {legacy, dated}) {
    CAPTURE(f.objects);
    Running s;
    REQUIRE(s.send("POST", f.objects + "/contacts", ann).status == 201);
    const Answer archived = s.send("DELETE", f.objects + "/contacts/1");
    CHECK(archived.status == 204);
    CHECK(archived.body.empty());
    CHECK(s.send("GET", f.objects + "/contacts/1").status == 404);
    // ?archived=true reads the archived records only.
    CHECK(has(s.send("GET", f.objects + "/contacts/1?archived=true").body, R"("archived":true)"));
    CHECK(has(s.send("GET", f.objects + "/contacts?archived=true").body, R"({"results":[{"id":"1",)"));
    CHECK(s.send("GET", f.objects + "/contacts?archived=false").body == R"({"results":[]})");
    CHECK(s.send("DELETE", f.objects + "/contacts/77").status == 204);
    CHECK(s.send("POST", f.objects + "/contacts", ann).status == 201);
    CHECK(s.sandbox.state().contacts.size() == 1);
  }
}

TEST_CASE("sandbox single object: one property of the bundled schema", "[sandbox]") {
  for (const Family& f : {legacy, dated}) {
    CAPTURE(f.properties);
    Running s;
    const Answer email = s.send("GET", f.properties + "/contacts/email");
    CHECK(email.status == 200);
    CHECK(has(email.body, R"("name":"email")"));
    CHECK_FALSE(has(email.body, "results"));
    CHECK(has(email.body, R"("type":"string")"));
    CHECK(has(s.send("GET", f.properties + "/companies/domain").body, R"("name":"domain")"));
    const Answer unknown = s.send("GET", f.properties + "/contacts/shoe_size");
    CHECK(unknown.status == 404);
    CHECK(has(unknown.body, "OBJECT_NOT_FOUND"));
    CHECK(s.send("GET", f.properties + "/companies/groups").status == 200);
  }
}

TEST_CASE("sandbox single object: a record's associations, default association and paging", "[sandbox]") {
  for (const Family& f : {legacy, dated}) {
    CAPTURE(f.records);
    Running s;
    REQUIRE(s.send("POST", f.objects + "/contacts", ann).status == 201);
    for (int i = 0; i < 3; ++i) REQUIRE(s.send("POST", f.objects + "/companies", acme).status == 201);
    const Answer linked = s.send("PUT", f.records + "/contacts/1/associations/default/companies/2");
    CHECK(linked.status == 200);
    CHECK(has(linked.body, R"("associationSpec":{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279})"));
    REQUIRE(s.send("PUT", f.records + "/companies/3/associations/default/contacts/1").status == 200);
    REQUIRE(s.send("PUT", f.records + "/contacts/1/associations/default/companies/4").status == 200);

    const Answer page1 = s.send("GET", f.records + "/contacts/1/associations/companies?limit=2");
    CHECK(page1.status == 200);
    CHECK(has(page1.body, R"({"results":[{"toObjectId":2,)"));
    CHECK(has(page1.body, R"({"toObjectId":3,)"));
    CHECK(has(page1.body, R"("paging":{"next":{"after":"4","link":"/crm/v4/objects/contacts/1/associations/companies?after=4"}})"));
    const Answer page2 = s.send("GET", f.records + "/contacts/1/associations/companies?limit=2&after=4");
    CHECK(page2.body == R"({"results":[{"toObjectId":4,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":279,"label":null}]}]})");
    // From the company's side the same association is type 280.
    CHECK(has(s.send("GET", f.records + "/companies/2/associations/contacts").body,
              R"({"toObjectId":1,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":280,"label":null}]})"));
    CHECK(s.send("GET", f.records + "/contacts/1/associations/contacts").body == R"({"results":[]})");

    CHECK(s.send("PUT", f.records + "/contacts/1/associations/default/companies/99").status == 404);
    CHECK(s.send("GET", f.records + "/contacts/99/associations/companies").status == 404);
    CHECK(s.send("GET", f.records + "/contacts/1/associations/companies?limit=501").status == 400);
    CHECK(s.sandbox.state().associations.size() == 3);
  }
}

TEST_CASE("sandbox single object: URLs as HubSpot's SDKs write them", "[sandbox]") {
  Running s;
  REQUIRE(s.send("POST", "/crm/v3/objects/contacts", ann).status == 201);
  // Path segments escaped; a '+' is a plus in a path, not a space.
  REQUIRE(s.send("POST", "/crm/v3/objects/contacts", R"({"properties":{"email":"a+b@example.com"}})").status == 201);
  CHECK(has(s.send("GET", "/crm/v3/objects/contacts/a%2Bb%40example.com?idProperty=email").body, R"({"id":"2",)"));
  CHECK(has(s.send("GET", "/crm/v3/objects/contacts/a+b@example.com?idProperty=email").body, R"({"id":"2",)"));
  // A list parameter repeated.
  const Answer one = s.send("GET", "/crm/v3/objects/contacts/1?properties=email&properties=firstname");
  CHECK(has(one.body, R"("email":"ann@example.com")"));
  CHECK(has(one.body, R"("firstname":"Ann")"));
  const Answer page = s.send("GET", "/crm/v3/objects/contacts?limit=5&properties=firstname&properties=email");
  CHECK(has(page.body, R"("firstname":"Ann")"));
  CHECK(has(page.body, R"("email":"ann@example.com")"));
  // The sandbox keeps no older values: a history is the current value at the last update.
  const Answer history =
      s.send("GET", "/crm/v3/objects/contacts/1?propertiesWithHistory=firstname&propertiesWithHistory=lastname");
  CHECK(has(history.body,
            R"("propertiesWithHistory":{"firstname":[{"value":"Ann","timestamp":")"));
  CHECK(has(history.body, R"("sourceType":"API"}],"lastname":[]})"));
}

TEST_CASE("sandbox single object: the 2026-03 paths answer exactly as the legacy ones", "[sandbox]") {
  const auto script = [](const Family& f) {
    Running s;
    std::vector<Answer> out;
    out.push_back(s.send("POST", f.objects + "/companies", acme));
    out.push_back(s.send("POST", f.objects + "/contacts", ann));
    out.push_back(s.send("POST", f.objects + "/contacts", ann));
    out.push_back(s.send("PATCH", f.objects + "/contacts/2", R"({"properties":{"lastname":"Lee"}})"));
    out.push_back(s.send("PUT", f.records + "/contacts/2/associations/default/companies/1"));
    out.push_back(s.send("GET", f.records + "/companies/1/associations/contacts"));
    out.push_back(s.send("GET", f.properties + "/contacts/firstname"));
    out.push_back(s.send("DELETE", f.objects + "/contacts/2"));
    out.push_back(s.send("PATCH", f.objects + "/contacts/2", R"({"properties":{"lastname":"Lee"}})"));
    return out;
  };
  CHECK(script(dated) == script(legacy));
}
