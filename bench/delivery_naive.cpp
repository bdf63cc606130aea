// The naive per-booking strategy that peers' integrations use, as fairly as it can be done: one
// booking at a time, search then create, then associate; the same client, limiter and retries as
// hubrules. It remembers nothing between bookings, so search lag makes duplicates: they are
// counted by the harness, not prevented here.
//
// The sandbox has no single-object endpoints (POST /crm/v3/objects/{object}, PUT
// /crm/v4/objects/contacts/{id}/associations/default/companies/{id}); their batch forms with one
// input cost the same one call each.
#include <simdjson.h>

#include <charconv>
#include <optional>
#include <stdexcept>

#include "bench/delivery_bench.hpp"
#include "engine/text/json_writer.hpp"
#include "runtime/base/clock.hpp"
#include "runtime/http/http_client.hpp"
#include "runtime/hubspot/hubspot_api.hpp"
#include "runtime/http/rate_limiter.hpp"

namespace hubrules::bench {

namespace {

namespace http = runtime::http;
using runtime::hubspot::RecordCandidate;

constexpr std::size_t kErrorsKept = 5;

struct CallFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void json_string(std::string& out, std::string_view s) { text::append_json_string(out, s); }

// One filter group per dedupe key: the groups are ORed, EQ ignores case (HUBSPOT-API.md, Search).
std::string search_body(const runtime::hubspot::RecordCandidate& r) {
  std::string b = R"({"filterGroups":[)";
  for (std::size_t i = 0; i < r.keys.size(); ++i) {
    b += i ? R"(,{"filters":[{"propertyName":)" : R"({"filters":[{"propertyName":)";
    json_string(b, r.keys[i].property);
    b += R"(,"operator":"EQ","value":)";
    json_string(b, r.keys[i].value);
    b += "}]}";
  }
  return b + R"(],"limit":1})";
}

std::string create_body(const runtime::hubspot::RecordCandidate& r) {
  std::string b = R"({"inputs":[{"properties":{)";
  for (std::size_t i = 0; i < r.properties.size(); ++i) {
    const auto& p = r.properties[i];
    if (i) b += ',';
    json_string(b, p.name);
    b += ':';
    if (p.numeric) b += p.value;
    else json_string(b, p.value);
  }
  return b + "}}]}";
}

std::string associate_body(const std::string& contact_id, const std::string& company_id) {
  return R"({"inputs":[{"from":{"id":")" + contact_id + R"("},"to":{"id":")" + company_id + R"("}}]})";
}

// The id of results[0], or nothing when there are no results.
std::optional<std::string> first_result_id(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) throw CallFailed("an answer that is not JSON");
  simdjson::dom::array results;
  if (doc["results"].get_array().get(results) != simdjson::SUCCESS || results.size() == 0) return std::nullopt;
  std::string_view id;
  if (results.at(0)["id"].get_string().get(id) != simdjson::SUCCESS) throw CallFailed("a result without an id");
  return std::string(id);
}

// HUBSPOT-API.md: the 409 names the existing contact only in its message, "Existing ID: 123".
std::optional<std::string> existing_contact_id(const std::string& body) {
  constexpr std::string_view marker = "Existing ID: ";
  const auto at = body.find(marker);
  if (at == std::string::npos) return std::nullopt;
  const auto start = at + marker.size();
  auto end = start;
  while (end < body.size() && body[end] >= '0' && body[end] <= '9') ++end;
  if (end == start) return std::nullopt;
  return body.substr(start, end - start);
}

class Naive {
 public:
  Naive(runtime::hubspot::HubSpotApi& api, NaiveOutcome& out) : api_(api), out_(out) {}

  void deliver(const runtime::BookingCandidate& b) {
    if (!b.contact && !b.company) return;
    ++out_.bookings_with_records;
    try {
      const std::string contact = b.contact ? find_or_create("contacts", *b.contact) : "";
      const std::string company = b.company ? find_or_create("companies", *b.company) : "";
      if (b.associate && !contact.empty() && !company.empty()) associate(contact, company);
    } catch (const std::exception& e) {  // CallFailed, runtime::hubspot::DeliveryError
      ++out_.failed_bookings;
      if (out_.first_errors.size() < kErrorsKept) out_.first_errors.push_back(b.event_id + ": " + e.what());
    }
  }

 private:
  std::string find_or_create(const std::string& object, const runtime::hubspot::RecordCandidate& r) {
    if (!r.keys.empty()) {
      const auto found = first_result_id(parser_, post("/crm/v3/objects/" + object + "/search", search_body(r)).body);
      if (found) return *found;
    }
    return create(object, r);
  }

  std::string create(const std::string& object, const runtime::hubspot::RecordCandidate& r) {
    const http::HttpResponse answer = post("/crm/v3/objects/" + object + "/batch/create", create_body(r), 409);
    if (answer.status == 409) {
      // Search had not seen the contact yet; HubSpot's unique email saves the day.
      ++out_.conflicts_409;
      if (auto id = existing_contact_id(answer.body)) return *id;
      throw CallFailed("409 without an existing id: " + answer.body.substr(0, 200));
    }
    if (auto id = first_result_id(parser_, answer.body)) return *id;
    throw CallFailed("create answered no record");
  }

  void associate(const std::string& contact_id, const std::string& company_id) {
    post("/crm/v4/associations/contacts/companies/batch/associate/default", associate_body(contact_id, company_id));
  }

  // Sends a POST; any final status but 2xx (and `tolerated`) fails the booking.
  http::HttpResponse post(std::string target, std::string body, int tolerated = 0) {
    http::HttpRequest request;
    request.method = "POST";
    request.target = std::move(target);
    request.body = std::move(body);
    const std::string what = request.target;
    http::HttpResponse answer = api_.send(std::move(request));
    if ((answer.status < 200 || answer.status > 299) && answer.status != tolerated)
      throw CallFailed(what + " answered " + std::to_string(answer.status) + ": " + answer.body.substr(0, 200));
    return answer;
  }

  runtime::hubspot::HubSpotApi& api_;
  NaiveOutcome& out_;
  simdjson::dom::parser parser_;
};

}  // namespace

NaiveOutcome run_naive(const engine::PlanPtr& plan, std::string_view ndjson, const std::string& base_url,
                       const Limits& limits) {
  runtime::Clock& clock = runtime::Clock::system();
  http::HttpClientOptions client_options;
  client_options.base_url = base_url;
  http::HttpClient client(client_options);
  http::RateLimits rate_limits;
  rate_limits.burst_max = std::size_t(limits.burst_limit);
  rate_limits.search_max = std::size_t(limits.search_rate);
  http::RateLimiter limiter(clock, rate_limits);
  runtime::hubspot::HubSpotApi api(client, limiter, clock, [] { return std::string(kToken); });

  NaiveOutcome out;
  Naive naive(api, out);
  for_each_candidate(plan, ndjson, [&](const runtime::BookingCandidate& b) { naive.deliver(b); });
  out.client_429s = long(api.counters().snapshot().rate_limited);
  return out;
}

}  // namespace hubrules::bench
