// HubSpot's 2026-09 batch answers (../shared/HUBSPOT-API.md, API versions): per-input errors in
// the normal 200/201 body instead of a 207. The client must end with the same CRM either way.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/sync_harness.hpp"

using namespace hubrules;
using namespace hubrules::runtime;
using hubrules::testing::booking;
using hubrules::testing::SyncHarness;

namespace {

http::HttpResponse post(SyncHarness& h, const std::string& target, const std::string& body) {
  http::HttpRequest r;
  r.method = "POST";
  r.target = target;
  r.body = body;
  r.headers = {{"Authorization", "Bearer pat-test"}, {"Content-Type", "application/json"}};
  return h.client->send(r);
}

// A batch create of two good companies around one with an unknown property, each with a
// trace id, sent as is: the status and body the sandbox answers.
http::HttpResponse mixed_company_batch(SyncHarness& h) {
  return post(h, "/crm/objects/2026-03/companies/batch/create",
              R"({"inputs":[{"properties":{"name":"Raw A"},"objectWriteTraceId":"r1"},)"
              R"({"properties":{"name":"Raw B","nosuchproperty":"x"},"objectWriteTraceId":"r2"},)"
              R"({"properties":{"name":"Raw C"},"objectWriteTraceId":"r3"}]})");
}

// The client's records API and the whole pipeline against one sandbox: a validation failure
// among good inputs, a contact HubSpot holds, and a 409 race among good creates. Returns the CRM.
std::string deliver_mixed_batches(bool errors_in_body) {
  SandboxOptions o;
  o.batch_errors_in_body = errors_in_body;
  SyncHarness h(o);
  h.sandbox.seed_record("contacts", {{"email", "b@beta.jp"}});

  const auto raw = mixed_company_batch(h);
  CHECK(raw.status == (errors_in_body ? 201 : 207));
  CHECK(raw.body.find(R"("numErrors":1)") != std::string::npos);
  CHECK(raw.body.find(R"("objectWriteTraceId":["r2"])") != std::string::npos);

  std::vector<hubspot::RecordCandidate> companies = {
      {{{"name", "Alpha", false}}, {{"name", "alpha"}}},
      {{{"name", "Beta", false}, {"nosuchproperty", "x", false}}, {{"name", "beta"}}},
      {{{"name", "Gamma", false}}, {{"name", "gamma"}}},
  };
  const auto answer =
      h.records->create(ObjectType::company, {{"c1", &companies[0], {}}, {"c2", &companies[1], {}}, {"c3", &companies[2], {}}});
  CHECK(answer.created.size() == 2);
  REQUIRE(answer.failed.count("c2") == 1);
  CHECK_THAT(answer.failed.at("c2").message, Catch::Contains("PROPERTY_DOESNT_EXIST"));

  h.sandbox.create_before("POST /crm/v3/objects/contacts/batch/create", "contacts", {{"email", "taro@acme.co.jp"}});
  const auto counts = h.sync({booking("ev-1", "taro@acme.co.jp", "Acme KK"), booking("ev-2", "hanako@acme.co.jp", "Acme KK"),
                              booking("ev-3", "b@beta.jp", "Beta Trading"), booking("ev-4", "jiro@gamma.jp", "Gamma")});
  CHECK(counts.clean());
  CHECK(counts.contacts_created == 2);
  CHECK(counts.contacts_duplicate == 2);  // the one HubSpot held and the one the race made
  return h.sandbox.state_json();
}

}  // namespace

TEST_CASE("sync: batch errors in a 200/201 body (2026-09) leave the same CRM as 207 answers", "[sync]") {
  const std::string with_207 = deliver_mixed_batches(false);
  const std::string in_body = deliver_mixed_batches(true);
  CHECK(in_body == with_207);
  CHECK(in_body.find("Raw B") == std::string::npos);
  CHECK(in_body.find("Alpha") != std::string::npos);
}

TEST_CASE("sandbox: with batch_errors_in_body read, update and associations answer 200/201 with their errors",
          "[sandbox]") {
  SandboxOptions o;
  o.batch_errors_in_body = true;
  SyncHarness h(o);
  const std::string id = h.sandbox.seed_record("contacts", {{"email", "a@alpha.jp"}});
  const auto has = [](const http::HttpResponse& r, const std::string& part) {
    return r.body.find(part) != std::string::npos;
  };
  const auto read = post(h, "/crm/objects/2026-03/contacts/batch/read",
                         R"({"idProperty":"email","inputs":[{"id":"a@alpha.jp"},{"id":"zz@alpha.jp"}]})");
  CHECK(read.status == 200);
  CHECK(has(read, R"("category":"OBJECT_NOT_FOUND")"));
  CHECK(has(read, R"("ids":["zz@alpha.jp"])"));
  const auto update = post(h, "/crm/objects/2026-03/contacts/batch/update",
                           R"({"inputs":[{"id":")" + id + R"(","properties":{"firstname":"A"},"objectWriteTraceId":"u1"},)" +
                               R"({"id":"999999","properties":{"firstname":"B"},"objectWriteTraceId":"u2"}]})");
  CHECK(update.status == 200);
  CHECK(has(update, R"("numErrors":1)"));
  const auto link = post(h, "/crm/associations/2026-03/contacts/companies/batch/create",
                         R"({"inputs":[{"from":{"id":")" + id +
                             R"("},"to":{"id":"999999"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}]}]})");
  CHECK(link.status == 201);
  CHECK(has(link, R"("numErrors":1)"));
}
