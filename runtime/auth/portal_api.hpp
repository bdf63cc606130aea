#pragma once
// A portal's HubSpot API for one process, wired once: the connection's tokens (a private app's,
// or a stored OAuth connection's, refreshed ahead of expiry), the HTTP client, the portal's rate
// limiter and the calls with their retries, all in one API family. `sync` and `schema pull`
// build it the same way.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/auth/oauth_tokens.hpp"
#include "runtime/base/clock.hpp"
#include "runtime/hubspot/api_paths.hpp"
#include "runtime/hubspot/hubspot_api.hpp"
#include "runtime/hubspot/hubspot_records.hpp"
#include "runtime/http/http_client.hpp"
#include "runtime/http/rate_limiter.hpp"
#include "runtime/store/state_store.hpp"

namespace hubrules::runtime::auth {

struct PortalOptions {
  TokenSourceOptions access;  // which HubSpot, which API family, which connection or token
  http::RateLimits limits;
  hubspot::RetryPolicy retry;
};

class PortalApi {
 public:
  // Throws NoConnection when no connection matches.
  PortalApi(StateStore& store, Clock& clock, const PortalOptions& options);
  ~PortalApi();

  hubspot::AccessTokens& tokens();
  // Every HubSpot call (each attempt, after the limiter's wait) first runs `check`: one that
  // throws stops the call before anything is sent. Delivery sets "this process still holds the
  // connection's lease"; an empty function removes the check.
  void guard_sends(std::function<void()> check);
  hubspot::TokenUse& token_use() { return token_use_; }
  hubspot::HubSpotApi& api() { return api_; }
  const http::RateLimiter& limiter() const { return limiter_; }
  http::RateLimiter& limiter() { return limiter_; }
  const hubspot::ApiPaths& paths() const { return paths_; }
  // How long one request may take on the wire (a create's answer can arrive that late).
  Millis request_timeout() const { return request_timeout_; }

 private:
  class GuardedTokens;
  std::unique_ptr<GuardedTokens> tokens_;
  hubspot::TokenUse token_use_;
  http::HttpClient client_;
  http::RateLimiter limiter_;
  hubspot::HubSpotApi api_;
  hubspot::ApiPaths paths_;
  Millis request_timeout_;
};

}  // namespace hubrules::runtime::auth
