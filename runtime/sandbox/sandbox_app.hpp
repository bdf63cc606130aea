#pragma once
// The sandbox's HubSpot behind the HTTP plumbing: routing, authentication, the two rate limits
// and injected faults around the endpoint handlers. One lock serializes requests, as the data
// is small and the point is HubSpot's behaviour, not throughput.
#include <mutex>

#include "runtime/sandbox/api_context.hpp"
#include "runtime/sandbox/api_families.hpp"
#include "runtime/sandbox/faults.hpp"
#include "runtime/sandbox/oauth_api.hpp"
#include "runtime/sandbox/rate_limiter.hpp"
#include "runtime/sandbox/sandbox.hpp"

namespace hubrules::runtime::sandbox {

class SandboxApp {
 public:
  explicit SandboxApp(const SandboxOptions& options);

  ApiResponse handle(const ApiRequest& req);

  std::mutex& mutex() { return mutex_; }
  // The following need mutex() held.
  Store& store() { return store_; }
  OAuth& oauth() { return oauth_; }
  FaultInjector& faults() { return faults_; }
  SandboxStats& stats() { return stats_; }
  // Another client writes this record just before the next request to `endpoint` is handled.
  void create_before(std::string endpoint, std::string object, Properties properties);
  // POST /crm/v3/properties/{object} without HTTP; object is "contacts" or "companies".
  ApiResponse create_property(std::string_view object, const std::string& definition);

 private:
  // GET /contacts/{portal}/record/{0-1|0-2}/{id}: what HubSpot's app shows; not the API, so
  // neither authenticated nor rate limited.
  ApiResponse record_page(const ApiRequest& req, const std::vector<std::string_view>& parts);
  ApiResponse handle_oauth(const ApiRequest& req, const std::vector<std::string_view>& parts);
  // parts: the route's path (a 2026-03 path as its legacy twin).
  ApiResponse handle_crm(const ApiRequest& req, const std::vector<std::string_view>& parts);
  ApiResponse dispatch(const ApiRequest& req, const std::vector<std::string_view>& parts);
  ApiResponse rate_limited(bool search);
  void add_rate_headers(ApiResponse& r);
  static ApiResponse fault_response(Fault f);
  void run_races(const std::string& endpoint);

  struct Race {
    std::string endpoint;
    std::string object;
    Properties properties;
  };

  std::mutex mutex_;
  Clock& clock_;
  Store store_;
  PropertySchema contacts_schema_;
  PropertySchema companies_schema_;
  ApiContext context_;
  OAuth oauth_;
  RateLimiter burst_;
  RateLimiter search_;
  FaultInjector faults_;
  SandboxStats stats_;
  std::vector<Race> races_;
  bool legacy_sunset_;
};

}  // namespace hubrules::runtime::sandbox
