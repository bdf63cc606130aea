// A sandbox holding many records (50,000 companies): search (EQ, IN, OR of groups, paging,
// sorting, lag, updates, archives) and batch read by idProperty answer exactly as they do on a
// small one, now that they look values up in an index instead of at every record.
#include <simdjson.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "runtime/http/http_client.hpp"
#include "runtime/sandbox/sandbox.hpp"

namespace {

namespace http = hubrules::runtime::http;
using hubrules::runtime::ManualClock;
using hubrules::runtime::Sandbox;
using hubrules::runtime::SandboxOptions;

constexpr int company_count = 50000;
constexpr int names = 1000;  // "Company N" repeats every 1,000 companies

std::string domain_of(int i) { return "d" + std::to_string(i) + ".example"; }

struct Big {
  ManualClock clock;
  Sandbox sandbox;
  std::unique_ptr<http::HttpClient> client;
  std::vector<std::string> ids;  // ids[i]: the company with domain_of(i)

  Big() : sandbox(options(clock)) {
    for (int i = 0; i < company_count; ++i)
      ids.push_back(sandbox.seed_record("companies", {{"domain", domain_of(i)}, {"name", "Company " + std::to_string(i % names)}}));
    sandbox.start();
    http::HttpClientOptions c;
    c.base_url = sandbox.base_url();
    client = std::make_unique<http::HttpClient>(std::move(c));
  }
  static SandboxOptions options(ManualClock& clock) {
    SandboxOptions o;
    o.clock = &clock;
    o.burst_limit = 100000;
    o.search_rate = 100000;
    return o;
  }
  http::HttpResponse post(const std::string& target, const std::string& body) {
    http::HttpRequest r;
    r.method = "POST";
    r.target = target;
    r.body = body;
    r.headers = {{"Authorization", "Bearer pat-test"}, {"Content-Type", "application/json"}};
    return client->send(r);
  }
  // The ids of a search's page and its total.
  std::pair<std::vector<std::string>, std::int64_t> search(const std::string& body) {
    const auto r = post("/crm/v3/objects/companies/search", body);
    INFO(r.body);
    REQUIRE(r.status == 200);
    simdjson::dom::parser parser;
    const simdjson::dom::element doc = parser.parse(r.body);
    std::vector<std::string> page;
    for (auto result : doc["results"].get_array()) page.emplace_back(std::string_view(result["id"].get_string()));
    const std::int64_t total = doc["total"].get_int64();
    return {page, total};
  }
};

std::string filters(const std::string& joined) { return R"({"filterGroups":[{"filters":[)" + joined + "]}]"; }
std::string in_domains(const std::string& values) {
  return R"({"propertyName":"domain","operator":"IN","values":[)" + values + "]}";
}
std::string eq(const std::string& property, const std::string& value) {
  return R"({"propertyName":")" + property + R"(","operator":"EQ","value":")" + value + R"("})";
}

}  // namespace

TEST_CASE("sandbox at scale: search by EQ and IN finds exactly what a scan would, in id order", "[sandbox]") {
  Big b;
  std::vector<std::string> page;
  std::int64_t total = 0;
  std::tie(page, total) = b.search(filters(in_domains(R"("d49999.example","d123.example","nope.example")")) + "}");
  CHECK(total == 2);
  CHECK(page == std::vector<std::string>{b.ids[123], b.ids[49999]});
  // IN values must be lowercase to match; EQ is case-blind.
  CHECK(b.search(filters(in_domains(R"("D123.EXAMPLE")")) + "}").second == 0);
  CHECK(b.search(filters(eq("domain", "D123.Example")) + "}").first == std::vector<std::string>{b.ids[123]});

  // 50 companies share a name: paging by `after`, then sorted by domain, descending.
  std::tie(page, total) = b.search(filters(eq("name", "COMPANY 7")) + R"(,"limit":20,"after":20})");
  CHECK(total == company_count / names);
  REQUIRE(page.size() == 20);
  CHECK(page.front() == b.ids[7 + 20 * names]);
  CHECK(page.back() == b.ids[7 + 39 * names]);
  std::tie(page, total) = b.search(filters(eq("name", "company 7")) + R"(,"sorts":["-domain"],"limit":3})");
  CHECK(page == std::vector<std::string>{b.ids[7 + 9 * names], b.ids[7 + 8 * names], b.ids[7 + 7 * names]});

  // OR of groups, and a group whose other filter is checked on the indexed candidates.
  std::tie(page, total) = b.search(R"({"filterGroups":[{"filters":[)" + eq("domain", "d5.example") + R"(]},{"filters":[)" +
                                   eq("name", "Company 6") + R"(,{"propertyName":"domain","operator":"NEQ","value":"d6.example"}]}],"limit":100})");
  CHECK(total == 1 + company_count / names - 1);
  CHECK(page.front() == b.ids[5]);
  CHECK(page.at(1) == b.ids[6 + names]);
  // Operators the index does not serve still scan.
  CHECK(b.search(filters(R"({"propertyName":"domain","operator":"CONTAINS_TOKEN","value":"d4999"})") + "}").second == 11);
}

TEST_CASE("sandbox at scale: writes move in the index, search lag and archives still apply", "[sandbox]") {
  Big b;
  const auto created = b.post("/crm/v3/objects/companies/batch/create",
                              R"({"inputs":[{"properties":{"name":"Fresh","domain":"fresh.example"}}]})");
  REQUIRE(created.status == 201);
  const auto updated = b.post("/crm/v3/objects/companies/batch/update",
                              R"({"inputs":[{"id":")" + b.ids[10] + R"(","properties":{"domain":"moved.example"}}]})");
  REQUIRE(updated.status == 200);
  REQUIRE(b.post("/crm/v3/objects/companies/batch/archive", R"({"inputs":[{"id":")" + b.ids[11] + R"("}]})").status == 204);
  const auto found = [&](const std::string& domain) { return b.search(filters(eq("domain", domain)) + "}").second; };
  // Not indexed by search yet: the new and the moved record are invisible, the old value gone.
  CHECK(found("fresh.example") == 0);
  CHECK(found("moved.example") == 0);
  CHECK(found("d10.example") == 0);
  CHECK(found("d11.example") == 0);
  b.clock.advance(std::chrono::seconds(3));
  CHECK(found("fresh.example") == 1);
  CHECK(found("moved.example") == 1);
  CHECK(found("d10.example") == 0);
  CHECK(found("d11.example") == 0);
  CHECK(found("d12.example") == 1);
}

TEST_CASE("sandbox at scale: batch read by idProperty matches values exactly, lowest id first", "[sandbox]") {
  Big b;
  b.sandbox.seed_record("companies", {{"domain", domain_of(42)}, {"name", "Second with d42"}});
  const auto r = b.post("/crm/v3/objects/companies/batch/read",
                        R"({"idProperty":"domain","properties":["name"],"inputs":[{"id":"d42.example"},)"
                        R"({"id":"D42.EXAMPLE"},{"id":"d43.example"},{"id":"nope.example"}]})");
  INFO(r.body);
  CHECK(r.status == 207);
  simdjson::dom::parser parser;
  const simdjson::dom::element doc = parser.parse(r.body);
  std::vector<std::string> read;
  for (auto result : doc["results"].get_array()) read.emplace_back(std::string_view(result["id"].get_string()));
  CHECK(read == std::vector<std::string>{b.ids[42], b.ids[43]});
  std::vector<std::string> missing;
  for (auto id : doc["errors"].at(0)["context"]["ids"].get_array()) missing.emplace_back(std::string_view(id.get_string()));
  CHECK(missing == std::vector<std::string>{"D42.EXAMPLE", "nope.example"});
}
