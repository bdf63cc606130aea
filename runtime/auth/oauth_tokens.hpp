#pragma once
// The AccessTokens of a stored connection: an OAuth connection's refreshing tokens, a private
// app's fixed token, and the factory that picks one for a command's options.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/base/clock.hpp"
#include "runtime/hubspot/access_tokens.hpp"
#include "runtime/store/state_store.hpp"
#include "runtime/hubspot/oauth_client.hpp"
#include "runtime/http/http_client.hpp"

namespace hubrules::runtime::auth {

using Days = std::chrono::duration<std::int64_t, std::ratio<86400>>;

// The product's connection rules, configurable for tests and for portals with other habits.
struct ConnectionRules {
  // Refresh an access token that expires within this margin (HubSpot's live 30 minutes).
  std::chrono::milliseconds refresh_margin = std::chrono::minutes(5);
  // Nothing posted for this long: the token counts as expired and the admin must reconnect.
  std::chrono::milliseconds idle_limit = Days(180);
};

// No connection matches what the command was given (nothing to mark broken: there is none).
class NoConnection : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A stored OAuth connection. One refresh at a time: concurrent callers wait for it and reuse
// its token, and so do other processes sharing the store (StateStore::refresh_tokens_once). A refresh HubSpot refuses (4xx) breaks the connection; a transport failure or a
// 5xx from the token endpoint propagates as it is (the next call tries again).
class OAuthTokens final : public hubspot::AccessTokens {
 public:
  // Throws NoConnection when the store has no OAuth connection `connection_id`. The token
  // endpoint is the connection's api_base_url, in the API family of `paths` (a connection made
  // on one family refreshes on the other as well); `http` supplies timeouts and extra CAs.
  OAuthTokens(StateStore& store, Clock& clock, const std::string& connection_id, http::HttpClientOptions http,
              ConnectionRules rules = {}, hubspot::ApiPaths paths = hubspot::ApiPaths{});
  ~OAuthTokens() override;

  const std::string& connection_id() const override { return id_; }
  std::string token() override;
  void unauthorized(const std::string& token_used) override;
  void posted() override;

  // Refreshes done by this object (tests, the sync summary).
  int refreshes() const;

 private:
  void load(const Connection& connection);
  void reload_if_repaired();
  void check_usable();
  void refresh();
  bool usable_for_a_while(const Connection& c) const;
  void take_tokens(const std::string& access, const std::string& refresh, std::optional<TimePoint> expires_at);
  [[noreturn]] void break_connection(const std::string& reason);

  StateStore& store_;
  Clock& clock_;
  const std::string id_;
  const ConnectionRules rules_;
  std::unique_ptr<http::HttpClient> http_;
  std::unique_ptr<hubspot::OAuthClient> oauth_;

  mutable std::mutex mutex_;  // guards everything below; held across a refresh
  hubspot::OAuthApp app_;
  std::string access_token_;
  std::string refresh_token_;
  std::optional<TimePoint> expires_at_;
  std::optional<TimePoint> last_post_;
  bool broken_ = false;
  std::string broken_reason_;
  // The token a 401 made us refresh to: a 401 with it too means refreshing does not help.
  std::string refreshed_after_401_;
  int refreshes_ = 0;
};

// A private app's fixed token (pat-…), which HubSpot never expires. The store keeps its
// connection row (status, the 180-day rule) but never the token itself.
class PrivateAppTokens final : public hubspot::AccessTokens {
 public:
  // Creates the connection row when missing, with last_successful_post_at = now.
  PrivateAppTokens(StateStore& store, Clock& clock, std::string token, ConnectionRules rules = {});

  const std::string& connection_id() const override { return id_; }
  std::string token() override;
  void unauthorized(const std::string& token_used) override;
  void posted() override;

 private:
  void check_usable();
  [[noreturn]] void break_connection(const std::string& reason);

  StateStore& store_;
  Clock& clock_;
  const std::string token_;
  const std::string id_;
  const ConnectionRules rules_;
  mutable std::mutex mutex_;  // guards everything below
  std::optional<TimePoint> last_post_;
  bool broken_ = false;
  std::string broken_reason_;
};

// "private-app-" + the first 12 hex digits of the token's SHA-256: stable across runs, and
// names the token without revealing it.
std::string private_app_connection_id(const std::string& token);

// Ensures the private app's connection row: created with last_successful_post_at = now when
// missing. Returns its id.
std::string ensure_private_app_connection(StateStore& store, Clock& clock, const std::string& token);

struct TokenSourceOptions {
  // A private-app token (--token, or HUBSPOT_TOKEN as the caller resolved it); empty: OAuth.
  std::string token;
  // The HubSpot the calls go to; picks the OAuth connection when `connection` is empty.
  std::string hubspot_url = "https://api.hubapi.com";
  // The stored connection to use; empty: the only OAuth connection for hubspot_url.
  std::string connection;
  std::vector<std::string> extra_ca_pem;  // for the token endpoint's HTTPS
  hubspot::ApiFamily api_family = hubspot::ApiFamily::v2026_03;  // the token endpoint's family
  ConnectionRules rules;
};

// The AccessTokens for a command. Throws NoConnection when there is no connection to use ("no
// HubSpot connection: run `hubrules connect` or pass --token"). A broken connection is returned
// all the same: its token() throws ConnectionBroken, so the pipeline parks its bookings.
std::unique_ptr<hubspot::AccessTokens> open_access_tokens(StateStore& store, Clock& clock, const TokenSourceOptions& options);

// The OAuth connection to use for `hubspot_url` when none is named (exactly one must match).
Connection find_oauth_connection(StateStore& store, const std::string& hubspot_url);

// "https://api.hubapi.com/" and "https://api.hubapi.com" are the same HubSpot.
std::string normalized_base_url(std::string url);

}  // namespace hubrules::runtime::auth
