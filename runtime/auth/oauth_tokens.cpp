#include "runtime/auth/oauth_tokens.hpp"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace hubrules::runtime::auth {

namespace {

// What to do without a usable connection; a token on the command line is not advertised (`ps` shows it).
constexpr const char* kHowToConnect =
    "run `hubrules connect`, or give a private app's token (HUBSPOT_TOKEN or --token-file)";

std::string idle_reason(const ConnectionRules& rules) {
  const auto days = std::chrono::duration_cast<Days>(rules.idle_limit).count();
  return "nothing posted for " + std::to_string(days) + " days: the token counts as expired";
}

bool idle_too_long(const std::optional<TimePoint>& last_post, TimePoint now, const ConnectionRules& rules) {
  // A connection that never recorded a post has nothing to count from; `connect` sets it.
  return last_post && now - *last_post >= rules.idle_limit;
}

std::optional<TimePoint> later_of(const std::optional<TimePoint>& known, TimePoint now) {
  return known ? std::max(*known, now) : now;
}

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

}  // namespace

// ---- OAuth ----------------------------------------------------------------------------------

OAuthTokens::OAuthTokens(StateStore& store, Clock& clock, const std::string& connection_id,
                         http::HttpClientOptions http, ConnectionRules rules, hubspot::ApiPaths paths)
    : store_(store), clock_(clock), id_(connection_id), rules_(rules) {
  const auto connection = store_.connection(id_);
  if (!connection || connection->auth != AuthKind::oauth)
    throw NoConnection("no OAuth connection `" + id_ + "` in the state store: " + std::string(kHowToConnect));
  if (connection->api_base_url.empty())
    throw NoConnection("connection `" + id_ + "` does not say which HubSpot it belongs to: run `hubrules connect`");
  http.base_url = connection->api_base_url;
  http_ = std::make_unique<http::HttpClient>(std::move(http));
  oauth_ = std::make_unique<hubspot::OAuthClient>(*http_, paths);
  load(*connection);
}

OAuthTokens::~OAuthTokens() = default;

void OAuthTokens::load(const Connection& connection) {
  app_ = {connection.client_id, connection.client_secret, ""};
  access_token_ = connection.access_token;
  refresh_token_ = connection.refresh_token;
  expires_at_ = connection.access_expires_at;
  last_post_ = connection.last_successful_post_at;
  broken_ = connection.status == ConnectionStatus::broken;
  broken_reason_ = connection.broken_reason;
  refreshed_after_401_.clear();
}

// `hubrules connect` may have repaired the connection in another process since it broke here.
void OAuthTokens::reload_if_repaired() {
  const auto connection = store_.connection(id_);
  if (connection && connection->status == ConnectionStatus::ok) load(*connection);
}

void OAuthTokens::check_usable() {
  if (broken_) reload_if_repaired();
  if (broken_) throw hubspot::ConnectionBroken(id_, broken_reason_);
  if (idle_too_long(last_post_, clock_.now(), rules_)) break_connection(idle_reason(rules_));
  if (refresh_token_.empty()) break_connection("no refresh token stored (disconnected): run `hubrules connect`");
}

std::string OAuthTokens::token() {
  std::lock_guard lock(mutex_);
  check_usable();
  if (access_token_.empty() || !expires_at_ || *expires_at_ - clock_.now() <= rules_.refresh_margin) refresh();
  return access_token_;
}

void OAuthTokens::unauthorized(const std::string& token_used) {
  std::lock_guard lock(mutex_);
  check_usable();
  // Another caller refreshed since `token_used` was handed out: retry with the current token.
  if (token_used != access_token_) return;
  if (!refreshed_after_401_.empty() && token_used == refreshed_after_401_)
    break_connection("HubSpot answered 401 to a freshly refreshed access token");
  refresh();
  refreshed_after_401_ = access_token_;
}

void OAuthTokens::posted() {
  const TimePoint now = clock_.now();
  store_.record_successful_post(id_, now);
  std::lock_guard lock(mutex_);
  last_post_ = later_of(last_post_, now);
  // The current token works: a later 401 deserves a refresh of its own.
  refreshed_after_401_.clear();
}

int OAuthTokens::refreshes() const {
  std::lock_guard lock(mutex_);
  return refreshes_;
}

// Once per connection across processes: the store keeps other refreshes out while this one runs,
// and a worker that waited finds the token another one just stored and takes it instead.
void OAuthTokens::refresh() {
  const std::string stale = access_token_;
  std::string refused;  // HubSpot's refusal breaks the connection once the store is free again
  std::optional<Connection> adopted;
  std::optional<TokenUpdate> stored;
  store_.refresh_tokens_once(id_, [&](const Connection& current) -> std::optional<TokenUpdate> {
    if (current.access_token != stale && usable_for_a_while(current)) {
      adopted = current;
      return std::nullopt;
    }
    try {
      const auto grant = oauth_->refresh(app_, current.refresh_token.empty() ? refresh_token_ : current.refresh_token);
      stored = TokenUpdate{grant.access_token, grant.refresh_token, clock_.now() + grant.expires_in};
      return stored;
    } catch (const hubspot::InvalidGrant& e) {
      refused = "HubSpot rejected the refresh token (" + (e.code().empty() ? "invalid_grant" : e.code()) +
                "): the app was uninstalled or its tokens revoked; run `hubrules connect`";
    } catch (const hubspot::OAuthError& e) {
      // A 4xx here (unknown client, wrong secret) repeats until the admin acts; a 5xx may pass.
      if (!e.permanent()) throw;
      refused = std::string("the token endpoint refused the refresh: ") + e.what();
    }
    return std::nullopt;
  });
  if (!refused.empty()) break_connection(refused);
  if (adopted) {
    take_tokens(adopted->access_token, adopted->refresh_token, adopted->access_expires_at);
    spdlog::info("connection {}: access token refreshed by another worker, taken from the store", id_);
    return;
  }
  take_tokens(stored->access_token, stored->refresh_token, stored->access_expires_at);
  ++refreshes_;
  spdlog::info("connection {}: access token refreshed, valid for {} s", id_,
               std::chrono::duration_cast<std::chrono::seconds>(*stored->access_expires_at - clock_.now()).count());
}

bool OAuthTokens::usable_for_a_while(const Connection& c) const {
  return !c.access_token.empty() && c.access_expires_at && *c.access_expires_at - clock_.now() > rules_.refresh_margin;
}

void OAuthTokens::take_tokens(const std::string& access, const std::string& refresh,
                              std::optional<TimePoint> expires_at) {
  access_token_ = access;
  if (!refresh.empty()) refresh_token_ = refresh;
  expires_at_ = expires_at;
}

void OAuthTokens::break_connection(const std::string& reason) {
  store_.mark_broken(id_, reason);
  broken_ = true;
  broken_reason_ = reason;
  spdlog::warn("connection {} is broken: {}", id_, reason);
  throw hubspot::ConnectionBroken(id_, reason);
}

// ---- private app ----------------------------------------------------------------------------

std::string private_app_connection_id(const std::string& token) {
  return "private-app-" + sha256_hex(token).substr(0, 12);
}

std::string ensure_private_app_connection(StateStore& store, Clock& clock, const std::string& token) {
  const std::string id = private_app_connection_id(token);
  store.transaction([&](StateStore& tx) {
    if (tx.connection(id)) return;
    Connection connection;
    connection.id = id;
    connection.auth = AuthKind::private_app;
    // The token stays with whoever passes it (--token-file, HUBSPOT_TOKEN): one copy fewer to leak.
    connection.status = ConnectionStatus::ok;
    connection.last_successful_post_at = clock.now();
    tx.save_connection(connection);
  });
  return id;
}

PrivateAppTokens::PrivateAppTokens(StateStore& store, Clock& clock, std::string token, ConnectionRules rules)
    : store_(store),
      clock_(clock),
      token_(std::move(token)),
      id_(ensure_private_app_connection(store, clock, token_)),
      rules_(rules) {
  const auto connection = store_.connection(id_);
  last_post_ = connection->last_successful_post_at;
  broken_ = connection->status == ConnectionStatus::broken;
  broken_reason_ = connection->broken_reason;
}

void PrivateAppTokens::check_usable() {
  if (broken_) {
    const auto connection = store_.connection(id_);
    if (connection && connection->status == ConnectionStatus::ok) {
      broken_ = false;
      last_post_ = connection->last_successful_post_at;
    }
  }
  if (broken_) throw hubspot::ConnectionBroken(id_, broken_reason_);
  if (idle_too_long(last_post_, clock_.now(), rules_)) break_connection(idle_reason(rules_));
}

std::string PrivateAppTokens::token() {
  std::lock_guard lock(mutex_);
  check_usable();
  return token_;
}

void PrivateAppTokens::unauthorized(const std::string&) {
  std::lock_guard lock(mutex_);
  check_usable();
  // A private-app token never expires: a 401 means it was deleted or rotated in HubSpot.
  break_connection("token rejected: HubSpot answered 401 to the private-app token (deleted or rotated?)");
}

void PrivateAppTokens::posted() {
  const TimePoint now = clock_.now();
  store_.record_successful_post(id_, now);
  std::lock_guard lock(mutex_);
  last_post_ = later_of(last_post_, now);
}

void PrivateAppTokens::break_connection(const std::string& reason) {
  store_.mark_broken(id_, reason);
  broken_ = true;
  broken_reason_ = reason;
  spdlog::warn("connection {} is broken: {}", id_, reason);
  throw hubspot::ConnectionBroken(id_, reason);
}

// ---- choosing one ---------------------------------------------------------------------------

std::string normalized_base_url(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

Connection find_oauth_connection(StateStore& store, const std::string& hubspot_url) {
  const std::string wanted = normalized_base_url(hubspot_url);
  std::vector<Connection> matches;
  for (auto& connection : store.connections())
    if (connection.auth == AuthKind::oauth && normalized_base_url(connection.api_base_url) == wanted)
      matches.push_back(std::move(connection));
  if (matches.empty()) throw NoConnection("no HubSpot connection: " + std::string(kHowToConnect));
  if (matches.size() > 1) {
    std::string ids;
    for (const auto& m : matches) ids += (ids.empty() ? "" : ", ") + m.id;
    throw NoConnection("several HubSpot connections for " + wanted + " (" + ids + "): pass --connection ID");
  }
  return matches.front();
}

std::unique_ptr<hubspot::AccessTokens> open_access_tokens(StateStore& store, Clock& clock, const TokenSourceOptions& options) {
  if (!options.token.empty()) return std::make_unique<PrivateAppTokens>(store, clock, options.token, options.rules);
  std::string id = options.connection;
  if (id.empty()) {
    id = find_oauth_connection(store, options.hubspot_url).id;
  } else {
    const auto connection = store.connection(id);
    if (!connection)
      throw NoConnection("no HubSpot connection `" + id + "`: " + std::string(kHowToConnect));
    if (connection->auth == AuthKind::private_app)
      throw NoConnection("connection `" + id + "` is a private app's: pass its token in HUBSPOT_TOKEN or with --token-file");
  }
  http::HttpClientOptions http;
  http.extra_ca_pem = options.extra_ca_pem;
  return std::make_unique<OAuthTokens>(store, clock, id, std::move(http), options.rules,
                                       hubspot::ApiPaths(options.api_family));
}

}  // namespace hubrules::runtime::auth
