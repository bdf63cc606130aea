#pragma once
// `hubrules sandbox`: a local HubSpot — the CRM v3 records, search, v4 associations, properties
// and OAuth endpoints the client uses, under their legacy and their 2026-03 paths, behaving as ../shared/HUBSPOT-API.md says HubSpot does
// (conflicts, 207s, validation codes, search lag, both rate limits, injected faults). Runs
// in-process for tests and the demo, or as a command.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/clock.hpp"

namespace hubrules::runtime {

struct SandboxOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 0;             // 0: any free port; see Sandbox::port()
  std::string db_path = ":memory:";    // SQLite file, or in memory
  Millis search_lag{3000};             // writes stay invisible to search this long
  int burst_limit = 100;               // requests per rolling burst_window (free tier)
  Millis burst_window{10000};
  int search_rate = 5;                 // search requests per rolling second
  double fail_rate = 0;                // share of CRM requests that fail (502/503/dropped)
  std::uint64_t seed = 1;              // makes the faults repeatable
  std::vector<std::string> tokens;     // accepted private-app tokens; empty: any "pat-…"
  std::string client_id;               // OAuth client; empty: any
  std::string client_secret;
  Clock* clock = &Clock::system();
  int threads = 1;                     // io_context threads
  // Batch creates fail whole on one bad input even with trace ids, as HubSpot does without
  // them: a stricter server than HubSpot, for testing clients.
  bool whole_batch_errors = false;
  // HubSpot after the cut-off dates (HUBSPOT-API.md, API versions): every legacy path
  // (/crm/v3, /crm/v4, /oauth/v1) answers 404; the 2026-03 paths keep working.
  bool legacy_sunset = false;
  // HubSpot's 2026-09 batch answers (HUBSPOT-API.md, API versions): per-input errors inside the
  // normal 200/201 body (numErrors, errors[]) instead of a 207.
  bool batch_errors_in_body = false;
};

// Injected failures; see Sandbox::inject_faults.
// `none` lets a queued request through, so that a later one fails.
enum class SandboxFault { bad_gateway, unavailable, drop_before, drop_after_applying, none };

struct SandboxRecord {
  std::string id;
  std::map<std::string, std::string> properties;  // as stored, without the computed ones
  TimePoint created_at;
  TimePoint updated_at;

  // The property's value; "" when it is not set.
  std::string property(const std::string& name) const {
    const auto it = properties.find(name);
    return it == properties.end() ? "" : it->second;
  }
};

struct SandboxAssociation {
  std::string contact_id;
  std::string company_id;
  int type_id = 279;  // contact→company: 279 unlabelled, 1 primary
};

// What the sandbox's HubSpot holds, ordered by id.
struct SandboxState {
  std::vector<SandboxRecord> contacts;
  std::vector<SandboxRecord> companies;
  std::vector<SandboxAssociation> associations;
};

struct SandboxStats {
  long requests = 0;            // every HTTP request, OAuth included
  long crm_requests = 0;        // CRM requests that were authenticated
  long burst_limited = 0;       // 429 TEN_SECONDLY_ROLLING answers
  long search_limited = 0;      // 429 secondly answers
  long faults = 0;              // injected failures
  // Authenticated CRM requests and every OAuth request, by endpoint, e.g.
  // "POST /crm/v3/objects/contacts/batch/create", "POST /oauth/v1/token".
  // A 2026-03 CRM request counts under its legacy twin's key ("POST /crm/v3/…"), as it is the
  // same endpoint; the 2026-03 OAuth endpoints have keys of their own ("POST /oauth/2026-03/token").
  std::map<std::string, long> calls;
  // Every request by the family of its path: "legacy" (/crm/v3, /crm/v4, /oauth/v1) or "2026-03";
  // paths of neither (/oauth/authorize) are not counted here. Tells which family a client used.
  std::map<std::string, long> requests_by_family;
};

class Sandbox {
 public:
  explicit Sandbox(SandboxOptions options = {});
  ~Sandbox();  // stops
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Binds and serves on background threads; throws std::runtime_error when it cannot bind.
  void start();
  void stop();
  unsigned short port() const;
  std::string base_url() const;  // http://127.0.0.1:PORT

  // A record that existed before: created and last indexed long ago, so search sees it at once.
  // Properties are not validated. Returns its id.
  std::string seed_record(std::string_view object, const std::map<std::string, std::string>& properties);
  void seed_association(const std::string& contact_id, const std::string& company_id, int type_id = 279);
  // A custom property, as POST /crm/v3/properties/{object} creates it (validated the same way);
  // records may carry it from then on. Returns its definition as HubSpot answers it; throws
  // std::invalid_argument with HubSpot's error body when the definition is refused.
  std::string add_property(std::string_view object, const std::string& definition);
  // A race: another client creates this record (fresh, so search does not see it yet) just
  // before the next request to `endpoint` (e.g. "POST /crm/v3/objects/contacts/batch/create").
  void create_before(const std::string& endpoint, std::string_view object, const std::map<std::string, std::string>& properties);

  SandboxState state() const;
  // The state as JSON: {"contacts":[…],"companies":[…],"associations":[…]}.
  std::string state_json() const;
  SandboxStats stats() const;

  // The next CRM requests fail in this order, before any fail_rate draw.
  void inject_faults(const std::vector<SandboxFault>& faults);
  // Uninstalling the app: every OAuth token stops working (BAD_REFRESH_TOKEN, 401).
  void revoke_oauth_tokens();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// hubrules sandbox --listen HOST:PORT [--db FILE] [--search-lag-ms N] [--burst-limit N]
// [--search-rate N] [--fail-rate P] [--seed S] [--token T] [--legacy-sunset] [--batch-errors-in-body]: serves until
// SIGINT/SIGTERM.
int run_sandbox(const std::vector<std::string>& args);

}  // namespace hubrules::runtime
