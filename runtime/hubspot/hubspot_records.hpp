#pragma once
// The CRM calls the pipeline makes, in HubSpot's shapes (HUBSPOT-API.md, Records and Search):
// contacts looked up by email with one batch read, companies by their dedupe keys with one
// search, records created in batches with a trace id per input. Answers are turned into the
// pipeline's terms; a 401 goes to the token layer, which refreshes or breaks the connection.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/hubspot/access_tokens.hpp"
#include "runtime/hubspot/api_paths.hpp"
#include "runtime/hubspot/hubspot_api.hpp"
#include "runtime/base/clock.hpp"
#include "runtime/base/object_type.hpp"
#include "runtime/hubspot/crm_records.hpp"

namespace hubrules::runtime::hubspot {

struct CreateInput {
  std::string trace_id;  // objectWriteTraceId: unique, so one bad input fails alone (207)
  const RecordCandidate* record = nullptr;
  std::string associate_company_id;  // contacts: associate inline with this company (type 279)
};

struct CreateFailure {
  std::string category;  // e.g. CONFLICT, VALIDATION_ERROR
  std::string message;
  std::optional<std::string> existing_id;  // a CONFLICT on a contact names the existing one
};

struct CreateAnswer {
  std::map<std::string, std::string> created;   // trace id → HubSpot id
  std::map<std::string, CreateFailure> failed;  // trace id → why
};

// A HubSpot answer the pipeline cannot use (e.g. 403 MISSING_SCOPES, a malformed body): the
// calls' bookings fail with this reason and are kept for `hubrules retry`.
class HubSpotRejected : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The token layer could not produce a token for a passing reason (the token endpoint is down):
// nothing was sent; the bookings stay pending for the next run.
class TokenUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Hands HubSpotApi the connection's tokens and remembers the last one handed out, so that a
// 401 tells the token layer which token HubSpot refused.
class TokenUse {
 public:
  explicit TokenUse(hubspot::AccessTokens& tokens) : tokens_(tokens) {}
  // Throws auth::ConnectionBroken, or TokenUnavailable for any other failure (which HubSpotApi
  // must not take for a failure of the request it was about to send).
  hubspot::TokenProvider provider();
  // HubSpot answered 401: returns when a retry may succeed, else throws auth::ConnectionBroken.
  void unauthorized();
  // Sends through `api`; a 401 once may be an access token that expired in flight, so the token
  // layer decides (refresh, or the connection is broken) and the request goes once more.
  http::HttpResponse send(HubSpotApi& api, const http::HttpRequest& request);
  hubspot::AccessTokens& tokens() { return tokens_; }

 private:
  hubspot::AccessTokens& tokens_;
  std::mutex mutex_;
  std::string last_;
};

// Not thread-safe: one pipeline uses one.
class HubSpotRecords {
 public:
  // `api` gets its tokens from `tokens.provider()`. `company_keys`: the companies block's
  // dedupe properties, in `dedupe by` order. `paths`: the API family the calls speak.
  HubSpotRecords(hubspot::HubSpotApi& api, TokenUse& tokens, std::vector<std::string> company_keys,
                 ApiPaths paths = ApiPaths{});

  // Lowercase email → id, for the emails HubSpot holds. Batch read is consistent: it sees
  // contacts created a moment ago.
  std::map<std::string, std::string> contacts_by_email(const std::vector<std::string>& emails);
  // Every company having one of the keys (lowercase values), as search sees them: records
  // written during the last seconds may be missing (search lag).
  std::vector<ExistingCompany> companies_matching(const std::vector<DedupeKey>& keys);
  // Throws DeliveryError when the answer is lost (in doubt) or retries run out.
  CreateAnswer create(ObjectType type, const std::vector<CreateInput>& inputs);

 private:
  http::HttpResponse call(const std::string& target, std::string body);
  void create_chunk(ObjectType type, const std::vector<CreateInput>& chunk, CreateAnswer& answer);
  void settle_conflicts(const std::vector<CreateInput>& chunk, CreateAnswer& answer);
  std::vector<ExistingCompany> search_page(const std::vector<std::pair<std::string, std::vector<std::string>>>& groups,
                                           std::string& after);

  hubspot::HubSpotApi& api_;
  TokenUse& tokens_;
  std::vector<std::string> company_keys_;
  ApiPaths paths_;
};

// "2026-11-27T06:16:11.123Z" → a time point; nullopt when it is not that shape.
std::optional<TimePoint> parse_hubspot_time(std::string_view text);

}  // namespace hubrules::runtime::hubspot
