// The sandbox's custom properties (../shared/HUBSPOT-API.md, Properties): created over HTTP or
// in-process, listed and read back, accepted on records, kept in the database file.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "runtime/http/http_client.hpp"
#include "runtime/sandbox/sandbox.hpp"
#include "tests/test_support.hpp"

namespace {

namespace http = hubrules::runtime::http;
using hubrules::runtime::Sandbox;
using hubrules::runtime::SandboxOptions;

// A running sandbox and a keep-alive client to it, sending a private-app token.
struct Served {
  Sandbox sandbox;
  std::unique_ptr<http::HttpClient> client;

  explicit Served(SandboxOptions o = {}) : sandbox(std::move(o)) {
    sandbox.start();
    http::HttpClientOptions c;
    c.base_url = sandbox.base_url();
    client = std::make_unique<http::HttpClient>(std::move(c));
  }
  http::HttpResponse send(const std::string& method, const std::string& target, const std::string& body = "") {
    http::HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.headers.emplace_back("Authorization", "Bearer pat-test");
    if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
    return client->send(r);
  }
};

bool has(const std::string& body, const std::string& part) { return body.find(part) != std::string::npos; }

const std::string favourite_food =
    R"({"name":"favourite_food","label":"Favourite food","type":"string","fieldType":"text","groupName":"contactinformation"})";

}  // namespace

TEST_CASE("sandbox properties: a custom property is created, listed, read and written on records", "[sandbox]") {
  Served s;
  const auto created = s.send("POST", "/crm/v3/properties/contacts", favourite_food);
  INFO(created.body);
  REQUIRE(created.status == 201);
  CHECK(has(created.body, R"("name":"favourite_food")"));
  CHECK(has(created.body, R"("label":"Favourite food")"));
  CHECK(has(created.body, R"("hubspotDefined":false)"));
  CHECK(has(created.body, R"("createdAt":")"));
  CHECK(has(created.body, R"("readOnlyValue":false)"));

  const auto one = s.send("GET", "/crm/v3/properties/contacts/favourite_food");
  CHECK(one.status == 200);
  CHECK(one.body == created.body);
  CHECK(s.send("GET", "/crm/properties/2026-03/contacts/favourite_food").body == created.body);
  const auto all = s.send("GET", "/crm/v3/properties/contacts").body;
  CHECK(has(all, R"("name":"firstname")"));
  CHECK(has(all, created.body));
  CHECK_FALSE(has(s.send("GET", "/crm/v3/properties/companies").body, "favourite_food"));
  CHECK(s.send("GET", "/crm/v3/properties/contacts/no_such_property").status == 404);

  const auto batch = s.send("POST", "/crm/v3/objects/contacts/batch/create",
                            R"({"inputs":[{"properties":{"email":"a@example.com","favourite_food":"natto"}}]})");
  INFO(batch.body);
  CHECK(batch.status == 201);
  CHECK(has(batch.body, R"("favourite_food":"natto")"));
  CHECK(s.sandbox.state().contacts.at(0).property("favourite_food") == "natto");
  // Still unknown on the other object.
  CHECK(s.send("POST", "/crm/v3/objects/companies/batch/create",
               R"({"inputs":[{"properties":{"name":"Acme","favourite_food":"natto"}}]})")
            .status == 400);
}

TEST_CASE("sandbox properties: creation is validated, an existing name is 409", "[sandbox]") {
  Served s;
  CHECK(s.send("POST", "/crm/properties/2026-03/contacts", favourite_food).status == 201);
  const auto again = s.send("POST", "/crm/v3/properties/contacts", favourite_food);
  CHECK(again.status == 409);
  CHECK(has(again.body, R"("message":"Property already exists")"));
  const auto bundled = s.send(
      "POST", "/crm/v3/properties/contacts",
      R"({"name":"firstname","label":"F","type":"string","fieldType":"text","groupName":"contactinformation"})");
  CHECK(bundled.status == 409);
  const auto with = [](const std::string& name, const std::string& type, const std::string& field,
                       const std::string& group) {
    return R"({"name":")" + name + R"(","label":"L","type":")" + type + R"(","fieldType":")" + field +
           R"(","groupName":")" + group + R"("})";
  };
  for (const auto& bad : {with("Favourite", "string", "text", "contactinformation"),
                          with("favourite-food", "string", "text", "contactinformation"),
                          with("1st_choice", "string", "text", "contactinformation"),
                          with("ok_name", "text", "text", "contactinformation"),
                          with("ok_name", "string", "dropdown", "contactinformation"),
                          with("ok_name", "string", "text", "no_such_group"), std::string(R"({"name":"ok_name"})"),
                          std::string("not json")}) {
    const auto r = s.send("POST", "/crm/v3/properties/contacts", bad);
    INFO(bad << " → " << r.body);
    CHECK(r.status == 400);
    CHECK(has(r.body, R"("category":"VALIDATION_ERROR")"));
  }
  CHECK(s.send("GET", "/crm/v3/properties/contacts/ok_name").status == 404);
}

TEST_CASE("sandbox properties: an enumeration's options are checked on records, add_property in-process",
          "[sandbox]") {
  Served s;
  const std::string created = s.sandbox.add_property(
      "companies", R"({"name":"plan","label":"Plan","type":"enumeration","fieldType":"select","groupName":)"
                   R"("companyinformation","options":[{"label":"Free","value":"free"},{"label":"Pro","value":"pro"}]})");
  CHECK(has(created, R"("options":[{"label":"Free","value":"free")"));
  CHECK_THROWS_AS(s.sandbox.add_property("companies", R"({"name":"plan"})"), std::invalid_argument);
  const std::string create = "/crm/v3/objects/companies/batch/create";
  CHECK(s.send("POST", create, R"({"inputs":[{"properties":{"name":"A","plan":"pro"}}]})").status == 201);
  const auto bad = s.send("POST", create, R"({"inputs":[{"properties":{"name":"B","plan":"gold"}}]})");
  CHECK(bad.status == 400);
  CHECK(has(bad.body, "INVALID_OPTION"));
  const auto found =
      s.send("POST", "/crm/v3/objects/companies/search",
             R"({"filterGroups":[{"filters":[{"propertyName":"plan","operator":"EQ","value":"pro"}]}],"properties":["plan"]})");
  CHECK(found.status == 200);
}

TEST_CASE("sandbox properties: custom properties survive a restart on a database file", "[sandbox]") {
  hubrules::testing::TempDir dir;
  SandboxOptions o;
  o.db_path = dir.file("sandbox.db").string();
  std::string created;
  {
    Served first(o);
    created = first.send("POST", "/crm/v3/properties/contacts", favourite_food).body;
  }
  Served again(o);
  CHECK(again.send("GET", "/crm/v3/properties/contacts/favourite_food").body == created);
  CHECK(again.send("POST", "/crm/v3/properties/contacts", favourite_food).status == 409);
  CHECK(again.send("POST", "/crm/v3/objects/contacts/batch/create",
                   R"({"inputs":[{"properties":{"email":"a@example.com","favourite_food":"natto"}}]})")
            .status == 201);
}
