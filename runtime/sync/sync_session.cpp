#include "runtime/sync/sync_session.hpp"

#include "runtime/auth/oauth_tokens.hpp"
#include "runtime/notify/outbox.hpp"
#include "runtime/notify/store_notification_log.hpp"
#include "runtime/store/sqlite_state_store.hpp"
#include "runtime/sync/required_scopes.hpp"

namespace hubrules::runtime {

namespace {

std::vector<std::string> company_dedupe_properties(const engine::Plan& plan) {
  std::vector<std::string> names;
  for (const std::uint32_t k : plan.companies.dedupe_keys) names.push_back(plan.companies.properties[k].name);
  return names;
}

notify::NotifierConfig notifier_config(const SyncSettings& s) {
  notify::NotifierConfig c;
  c.smtp_url = s.smtp_url;
  c.outbox_dir = notify::Outbox::beside(s.state_file);
  c.from = s.mail_from;
  c.to = s.mail_to;
  c.state_file = s.state_file;
  return c;
}

auth::TokenSourceOptions token_options(const SyncSettings& s) {
  auth::TokenSourceOptions o;
  o.token = s.token;
  o.hubspot_url = s.hubspot_url;
  o.connection = s.connection;
  o.extra_ca_pem = s.extra_ca_pem;
  o.api_family = s.api_family;
  return o;
}

http::HttpClientOptions client_options(const SyncSettings& s) {
  http::HttpClientOptions o;
  o.base_url = s.hubspot_url;
  o.extra_ca_pem = s.extra_ca_pem;
  return o;
}

}  // namespace

// Declared in the order they are built: each part refers only to parts above it.
struct SyncSession::Parts {
  Parts(engine::PlanPtr plan, SyncSettings s, Clock& c)
      : settings(std::move(s)),
        clock(c),
        store(settings.state_file, clock),
        tokens(auth::open_access_tokens(store, clock, token_options(settings))),
        token_use(*tokens),
        client(client_options(settings)),
        limiter(clock, settings.limits),
        api(client, limiter, clock, token_use.provider(), settings.retry),
        records(api, token_use, company_dedupe_properties(*plan), hubspot::ApiPaths(settings.api_family)),
        notification_log(store),
        notifier(notifier_config(settings), notification_log, clock),
        pipeline(plan, store, records, *tokens, clock, options(), &notifier),
        needed_scopes(required_scopes(*plan)) {}

  SyncOptions options() const {
    SyncOptions o = settings.pipeline;
    o.state_file = settings.state_file;
    o.create_reach = settings.retry.max_total + client_options(settings).request_timeout;
    return o;
  }

  SyncSettings settings;
  Clock& clock;
  SqliteStateStore store;
  std::unique_ptr<hubspot::AccessTokens> tokens;
  hubspot::TokenUse token_use;
  http::HttpClient client;
  http::RateLimiter limiter;
  hubspot::HubSpotApi api;
  hubspot::HubSpotRecords records;
  notify::StoreNotificationLog notification_log;
  notify::ErrorNotifier notifier;
  SyncPipeline pipeline;
  const std::vector<std::string> needed_scopes;

  // An OAuth connection that says what it was granted must hold every scope the rules need.
  // Private-app tokens and connections made before scopes were kept are not checked here:
  // HubSpot's 403 MISSING_SCOPES still fails their batches with the scope's name.
  void check_scopes() {
    const auto connection = store.connection(tokens->connection_id());
    if (!connection || connection->auth != AuthKind::oauth || connection->scopes.empty()) return;
    const auto missing = missing_scopes(connection->scopes, needed_scopes);
    if (missing.empty()) return;
    std::string list;
    for (const auto& scope : missing) list += (list.empty() ? "" : ", ") + scope;
    throw std::runtime_error("connection " + connection->id + " was not granted " + list +
                             ", which the rules need: nothing was delivered (the bookings stay pending). Connect "
                             "again with `hubrules connect`, allowing those scopes (--scopes)");
  }
};

SyncSession::SyncSession(engine::PlanPtr plan, SyncSettings settings, Clock& clock)
    : parts_(std::make_unique<Parts>(std::move(plan), std::move(settings), clock)) {}

SyncSession::~SyncSession() = default;

void SyncSession::intake(int fd, const std::string& name) { parts_->pipeline.intake(fd, name); }

std::size_t SyncSession::requeue_failed() { return parts_->store.requeue_failed(); }

SyncCounts SyncSession::deliver() {
  parts_->check_scopes();
  parts_->pipeline.deliver();
  SyncCounts counts = parts_->pipeline.counts();
  counts.api = parts_->api.counters().snapshot();
  return counts;
}

StateStore& SyncSession::store() { return parts_->store; }

}  // namespace hubrules::runtime
