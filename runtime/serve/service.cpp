#include "runtime/serve/service.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <future>
#include <set>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "runtime/admin/admin_site.hpp"
#include "runtime/auth/oauth_tokens.hpp"
#include "runtime/auth/portal_api.hpp"
#include "runtime/mapping/rules_loader.hpp"
#include "runtime/notify/outbox.hpp"
#include "runtime/notify/store_notification_log.hpp"
#include "runtime/serve/connection_delivery.hpp"
#include "runtime/serve/service_metrics.hpp"
#include "runtime/serve/webhook_intake.hpp"
#include "runtime/serve/lease_balance.hpp"
#include "runtime/store/open_state_store.hpp"
#include "runtime/store/postgres_state_store.hpp"
#include "runtime/sync/portal_schema.hpp"

namespace hubrules::runtime::serve {

namespace {

// One HubSpot portal as an integration reaches it: a stored connection, or a private app's token.
std::string portal_key(const ServeIntegration& i) { return i.token.empty() ? "connection:" + i.connection : "token:" + i.token; }

auth::PortalOptions portal_options(const ServeSettings& s, const ServeIntegration& i) {
  auth::PortalOptions o;
  o.access.token = i.token;
  o.access.connection = i.connection;
  o.access.hubspot_url = i.hubspot_url.empty() ? s.hubspot_url : i.hubspot_url;
  o.access.extra_ca_pem = s.extra_ca_pem;
  o.access.api_family = s.api_family;
  o.limits.learn_burst_limit = !s.burst_limit;
  o.limits.burst_max = s.burst_limit.value_or(100);
  o.retry.max_total = s.give_up_after;
  return o;
}

// How often the due scanner looks for bookings due now: the latency of a booking whose retry
// delay ran out, or whose wake-up was lost.
constexpr std::chrono::seconds kDueScanEvery{1};

// A worker's PostgreSQL sessions for its portals' deliveries (so a worker holds this many plus
// four: intake, its own, the admin page's, LISTEN). Round trips, not PostgreSQL's CPU, bound a
// single session under load; four carry 1,000 portals over three workers on two cores.
constexpr int kPortalSessions = 4;

struct Portal {
  std::unique_ptr<auth::PortalApi> api;
  std::unique_ptr<ConnectionDelivery> delivery;
};

// A setup that passed its checks, ready to replace the running one.
struct Setup {
  ServeSettings settings;
  std::map<std::string, engine::PlanPtr> plans;           // by integration
  std::map<std::string, std::string> portal_of;           // integration → portal key
  std::map<std::string, std::unique_ptr<auth::PortalApi>> new_portals;  // keys not running yet
  std::map<std::string, std::string> diagnostics;         // by integration: warnings, as `check` prints them
  std::set<std::string> waiting;                          // integrations whose connection is not stored yet
};

}  // namespace

struct Service::Parts final : admin::ServiceView {
  Parts(SettingsLoader l, Clock& c) : loader(std::move(l)), clock(c) {}

  SettingsLoader loader;
  Clock& clock;
  ServiceMetrics metrics;
  ServeSettings settings;
  std::string owner = process_owner_id();
  std::unique_ptr<StateStore> intake_store;    // the committer's connection to the store
  std::unique_ptr<StateStore> delivery_store;  // the service's own: leases' balance, due scanner, notifier, metrics
  // PostgreSQL: the portals' sessions, each portal on one of them for good (its transactions
  // and lease renewals stay on one session). Several, so that a worker's hundreds of portals do
  // not queue their rounds and renewals behind one another on a single round trip at a time.
  // SQLite: none, the portals use delivery_store (one writer at a time is all SQLite has).
  std::vector<std::unique_ptr<StateStore>> portal_sessions;
  std::unique_ptr<LeaseBalance> balance;       // this worker's share of the leases
  std::unique_ptr<PendingListener> listener;   // PostgreSQL: other workers' intake wakes ours
  std::unique_ptr<notify::StoreNotificationLog> notification_log;
  std::unique_ptr<notify::ErrorNotifier> notifier;
  std::unique_ptr<JournalCommitter> committer;
  std::unique_ptr<WebhookIntake> intake;
  std::unique_ptr<http::HttpServer> server;
  std::unique_ptr<StateStore> admin_store;  // the admin page's own session: its reads wait on no delivery
  std::unique_ptr<admin::AdminSite> admin_site;
  std::map<std::string, engine::PlanPtr> running_plans;        // by integration, for the admin page
  std::map<std::string, std::string> running_diagnostics;     // by integration
  std::mutex reloading;  // SIGHUP and the admin page's Connect may reload at once
  std::map<std::string, Portal> portals;  // by portal key
  std::map<std::string, std::string> portal_of;  // integration → portal key
  std::mutex mutex;  // portals, portal_of, reload_failure
  std::string reload_failure;
  std::condition_variable maintenance_wake;
  bool stopping = false;
  std::thread maintenance;
  std::thread due_scanner;

  // ---- checking a setup ----

  Setup check(ServeSettings next) {
    Setup setup;
    std::ostringstream problems;
    for (const auto& integration : next.integrations) {
      const std::string key = portal_key(integration);
      setup.portal_of[integration.name] = key;
      auth::PortalApi* portal = nullptr;
      try {
        portal = portal_for(key, next, integration, setup);
      } catch (const auth::NoConnection& e) {
        if (next.admin.token.empty() || integration.connection.empty()) {
          problems << "integration " << integration.name << ": " << e.what() << "\n";
          continue;
        }
        spdlog::warn("integration {}: connection {} is not made yet; its bookings wait until an administrator "
                     "connects it on /admin", integration.name, integration.connection);
        setup.waiting.insert(integration.name);
      } catch (const std::exception& e) {
        problems << "integration " << integration.name << ": " << e.what() << "\n";
        continue;
      }
      auto loaded = load_rules(integration.rules.string(),
                               portal ? schema_for_portal(*portal, next) : engine::HubSpotSchema::bundled());
      if (!loaded.compilation.plan) {
        problems << "integration " << integration.name << ": " << integration.rules.string() << " does not check:\n"
                 << loaded.rendered;
        continue;
      }
      if (!loaded.rendered.empty()) spdlog::warn("integration {}: {}", integration.name, loaded.rendered);
      setup.plans[integration.name] = loaded.compilation.plan;
      setup.diagnostics[integration.name] = loaded.rendered;
    }
    if (!problems.str().empty()) throw StartError(problems.str());
    setup.settings = std::move(next);
    return setup;
  }

  auth::PortalApi* portal_for(const std::string& key, const ServeSettings& s, const ServeIntegration& integration,
                              Setup& setup) {
    {
      std::lock_guard lock(mutex);
      if (auto found = portals.find(key); found != portals.end()) return found->second.api.get();
    }
    if (const auto made = setup.new_portals.find(key); made != setup.new_portals.end()) return made->second.get();
    // Made before it is kept: a connection not stored yet throws here and leaves no portal behind.
    auto fresh = std::make_unique<auth::PortalApi>(portal_store(key), clock, portal_options(s, integration));
    observe_requests(*fresh);
    return (setup.new_portals[key] = std::move(fresh)).get();
  }

  void observe_requests(auth::PortalApi& portal) {
    const std::string connection = portal.tokens().connection_id();
    portal.api().observe([this, connection](const std::string& endpoint, int status) {
      metrics.hubspot_requests.with({connection, endpoint, std::to_string(status)}).inc();
    });
  }

  // The portal's own properties when they can be read, as `sync` checks its rules; else the
  // bundled schema, with a warning.
  engine::HubSpotSchema schema_for_portal(auth::PortalApi& portal, const ServeSettings& s) {
    if (!s.check_portal_schema) return engine::HubSpotSchema::bundled();
    return schema_to_check_against(portal, *delivery_store, clock, std::chrono::hours(1));
  }

  // ---- applying a setup ----

  std::shared_ptr<const IntakeRoutes> routes(const Setup& setup) {
    auto routes = std::make_shared<IntakeRoutes>();
    routes->unnamed_path = setup.settings.unnamed_path;
    for (const auto& i : setup.settings.integrations)
      routes->routes.push_back({i.name, std::make_shared<SecretCheck>(i.webhook_secrets), i.team_url_path,
                                i.calendar_url_path, setup.plans.at(i.name)});
    return routes;
  }

  DeliverySettings delivery_settings(const ServeSettings& s, const auth::PortalApi& portal) {
    DeliverySettings d;
    d.owner = owner;
    d.lease = s.lease;
    d.pipeline.search_lag = s.search_lag;
    // As `sync`: a create can reach HubSpot until its retries and the last request's time are over.
    d.pipeline.create_reach = s.give_up_after + portal.request_timeout();
    d.pipeline.retries = RetrySchedule::standard(s.retry_for_days);
    d.pipeline.state_file = s.state_file;
    d.pipeline.batch_size = 200;
    d.balance = balance.get();
    d.on_delivered = [this](const std::string& integration, Millis m) {
      metrics.ack_to_delivered.with({integration}).observe(std::chrono::duration<double>(m).count());
    };
    return d;
  }

  void apply(Setup setup) {
    std::map<std::string, std::vector<DeliveryIntegration>> by_portal;
    for (const auto& i : setup.settings.integrations)
      if (!setup.waiting.contains(i.name)) by_portal[setup.portal_of.at(i.name)].push_back({i.name, setup.plans.at(i.name)});
    for (const auto& name : setup.waiting) setup.portal_of.erase(name);
    std::vector<Portal> retired;
    {
      std::lock_guard lock(mutex);
      for (auto& [key, api] : setup.new_portals) portals[key].api = std::move(api);
      for (auto it = portals.begin(); it != portals.end();) {
        if (by_portal.contains(it->first)) {
          ++it;
          continue;
        }
        retired.push_back(std::move(it->second));
        it = portals.erase(it);
      }
      for (auto& [key, portal] : portals) {
        if (!portal.delivery) {
          portal.delivery = std::make_unique<ConnectionDelivery>(portal.api->tokens().connection_id(), portal_store(key),
                                                                 *portal.api, clock, delivery_settings(setup.settings, *portal.api),
                                                                 notifier.get());
          portal.delivery->set_integrations(by_portal.at(key));
          portal.delivery->start();
        } else {
          portal.delivery->set_integrations(by_portal.at(key));
        }
      }
      portal_of = setup.portal_of;
      running_plans = setup.plans;
      running_diagnostics = setup.diagnostics;
      balance->set_connections(portals.size());
      reload_failure.clear();
    }
    for (auto& portal : retired) portal.delivery->stop(setup.settings.shutdown_timeout);
    save_admin_emails(setup.settings);
    if (intake) intake->set_routes(routes(setup));
    settings = std::move(setup.settings);
  }

  void save_admin_emails(const ServeSettings& s) {
    for (const auto& i : s.integrations) {
      if (i.admin_email.empty()) continue;
      auth::PortalApi* api = nullptr;
      {
        std::lock_guard lock(mutex);
        if (const auto key = portal_of.find(i.name); key != portal_of.end()) api = portals.at(key->second).api.get();
      }
      if (!api) continue;  // waiting for Connect
      auto connection = delivery_store->connection(api->tokens().connection_id());
      if (!connection || connection->admin_email == i.admin_email) continue;
      connection->admin_email = i.admin_email;
      delivery_store->save_connection(*connection);
    }
  }

  StateStore& portal_store(const std::string& portal_key) {
    if (portal_sessions.empty()) return *delivery_store;
    return *portal_sessions[std::hash<std::string>{}(portal_key) % portal_sessions.size()];
  }

  // `owners_only`: leave the deliveries waiting for a lease alone (another worker delivers
  // their portal; waking them would only ask for the lease again).
  void wake_delivery(const std::string& integration, bool owners_only = false) {
    std::lock_guard lock(mutex);
    const auto key = portal_of.find(integration);
    if (key == portal_of.end()) return;
    const auto portal = portals.find(key->second);
    if (portal == portals.end() || !portal->second.delivery) return;
    if (!owners_only || portal->second.delivery->owner()) portal->second.delivery->wake();
  }

  void wake_all_deliveries() {
    std::lock_guard lock(mutex);
    for (auto& [key, portal] : portals)
      if (portal.delivery) portal.delivery->wake();
  }

  // ---- the stores, the notifier, the intake ----

  void open_stores() {
    try {
      intake_store = open_state_store(settings.state_file, clock);
      delivery_store = open_state_store(settings.state_file, clock);
      if (names_postgresql(settings.state_file))
        for (int i = 0; i < kPortalSessions; ++i) portal_sessions.push_back(open_state_store(settings.state_file, clock));
      balance = std::make_unique<LeaseBalance>(*delivery_store, owner, settings.lease.renew_every, settings.lease.duration);
    } catch (const StoreError& e) {
      throw StartError(e.what());
    }
    // Bookings another worker took in are delivered here when this worker owns their portal.
    if (names_postgresql(settings.state_file))
      listener = std::make_unique<PendingListener>(settings.state_file, [this](const std::string& integration) {
        integration.empty() ? wake_all_deliveries() : wake_delivery(integration);
      });
    notification_log = std::make_unique<notify::StoreNotificationLog>(*delivery_store);
    notify::NotifierConfig config = settings.notifier;
    config.outbox_dir = notify::Outbox::beside(settings.state_file);
    config.state_file = redacted_location(settings.state_file);
    notifier = std::make_unique<notify::ErrorNotifier>(config, *notification_log, clock);
  }

  void start_intake(const Setup& setup) {
    committer = std::make_unique<JournalCommitter>(
        *intake_store, settings.committer, [this](double seconds, std::size_t writes, bool) {
          metrics.commit_seconds.with({}).observe(seconds);
          metrics.commit_group_size.with({}).observe(static_cast<double>(writes));
        });
    intake = std::make_unique<WebhookIntake>(*committer, clock, [this](const std::string& integration, std::string_view result) {
      metrics.webhooks.with({integration, result}).inc();
    });
    intake->on_journaled([this](const std::string& integration) { wake_delivery(integration); });
    intake->set_routes(routes(setup));
  }

  // ---- /metrics collectors ----

  void add_collectors() {
    metrics.registry.add_collector([this](metrics::Registry::Writer& w) {
      w.gauge("hubrules_bookings", "Bookings in the journal by state.", {"state"});
      for (const auto& [state, count] : delivery_store->count_by_state())
        w.sample({to_string(state)}, static_cast<double>(count));
      const auto now = clock.now();
      const auto queues = delivery_store->queue_stats();
      w.gauge("hubrules_queue_depth", "Pending bookings by integration (due now or waiting out a retry delay).",
              {"integration"});
      for (const auto& q : queues) w.sample({q.integration}, static_cast<double>(q.pending));
      w.gauge("hubrules_oldest_pending_age_seconds", "Age of the oldest pending booking, by integration.",
              {"integration"});
      for (const auto& q : queues)
        w.sample({q.integration}, q.oldest ? std::chrono::duration<double>(now - *q.oldest).count() : 0.0);
      w.gauge("hubrules_in_doubt_creates", "Creates whose answer was lost, not settled yet.");
      w.sample(static_cast<double>(delivery_store->unresolved_intents().size()));
    });
    metrics.registry.add_collector([this](metrics::Registry::Writer& w) { collect_connections(w); });
    metrics.registry.add_collector([this](metrics::Registry::Writer& w) {
      const auto c = server ? server->counts() : http::ServerCounts{};
      w.gauge("hubrules_http_connections_open", "HTTP connections open now.");
      w.sample(static_cast<double>(c.connections_open));
      w.counter("hubrules_http_requests_total", "HTTP requests read.");
      w.sample(static_cast<double>(c.requests));
      w.counter("hubrules_http_rejected_total", "HTTP requests cut off, by reason.", {"reason"});
      w.sample({"timeout"}, static_cast<double>(c.timeouts));
      w.sample({"too_large"}, static_cast<double>(c.too_large));
      w.sample({"bad_request"}, static_cast<double>(c.bad_requests));
      w.sample({"tls"}, static_cast<double>(c.tls_failures));
      w.gauge("hubrules_reload_failed", "1 while the last reload failed its checks (the earlier setup runs).");
      std::lock_guard lock(mutex);
      w.sample(reload_failure.empty() ? 0.0 : 1.0);
    });
  }

  void collect_connections(metrics::Registry::Writer& w) {
    struct Row {
      std::string id;
      DeliveryStatus status;
      hubspot::ApiCounts api;
    };
    std::vector<Row> rows;
    {
      std::lock_guard lock(mutex);
      for (auto& [key, portal] : portals)
        rows.push_back({portal.api->tokens().connection_id(), portal.delivery ? portal.delivery->status() : DeliveryStatus{},
                        portal.api->api().counters().snapshot()});
    }
    const auto now = clock.now();
    w.gauge("hubrules_connection_up", "1 when the HubSpot connection works, 0 when it is broken.", {"connection"});
    for (const auto& r : rows) {
      const auto c = delivery_store->connection(r.id);
      w.sample({r.id}, c && c->status == ConnectionStatus::ok ? 1.0 : 0.0);
    }
    w.gauge("hubrules_seconds_since_last_post", "Seconds since the connection's last successful post (after 180 days it expires).",
            {"connection"});
    for (const auto& r : rows) {
      const auto c = delivery_store->connection(r.id);
      if (c && c->last_successful_post_at)
        w.sample({r.id}, std::chrono::duration<double>(now - *c->last_successful_post_at).count());
    }
    w.gauge("hubrules_delivery_owner", "1 when this process delivers for the connection (holds its lease).",
            {"connection"});
    for (const auto& r : rows) w.sample({r.id}, r.status.owner ? 1.0 : 0.0);
    w.counter("hubrules_hubspot_rate_limited_total", "HubSpot 429 answers.", {"connection"});
    for (const auto& r : rows) w.sample({r.id}, static_cast<double>(r.api.rate_limited));
    w.counter("hubrules_hubspot_retries_total", "HubSpot attempts after the first of a request.", {"connection"});
    for (const auto& r : rows) w.sample({r.id}, static_cast<double>(r.api.retries));
    w.counter("hubrules_bookings_finished_total", "Bookings this process finished, by connection and outcome.",
              {"connection", "outcome"});
    for (const auto& r : rows) {
      w.sample({r.id, "delivered"}, static_cast<double>(r.status.delivered));
      w.sample({r.id, "failed"}, static_cast<double>(r.status.failed));
      w.sample({r.id, "retrying"}, static_cast<double>(r.status.retrying));
      w.sample({r.id, "parked"}, static_cast<double>(r.status.parked));
    }
    w.counter("hubrules_in_doubt_resolved_total", "Creates in doubt settled by looking in HubSpot.", {"connection"});
    for (const auto& r : rows) w.sample({r.id}, static_cast<double>(r.status.in_doubt_resolved));
  }

  // ---- retention ----

  void keep_tidy() {
    std::unique_lock lock(mutex);
    while (!maintenance_wake.wait_for(lock, std::chrono::minutes(10), [&] { return stopping; })) {
      const auto days = settings.payload_retention_days;
      lock.unlock();
      try {
        const auto dropped = delivery_store->drop_payloads_before(clock.now() - std::chrono::hours(24) * days);
        if (dropped > 0) spdlog::info("retention: dropped {} payloads older than {} days", dropped, days);
      } catch (const std::exception& e) {
        spdlog::warn("retention: {}", e.what());
      }
      lock.lock();
    }
  }

  // ---- the due scanner ----

  // One query a second for the whole worker instead of a round a second for every portal: it
  // wakes the delivery of each integration with a booking due now — one whose retry delay is
  // over, or one whose wake-up was lost — so an idle portal's delivery can sleep long.
  void scan_due() {
    bool failing = false;
    std::unique_lock lock(mutex);
    while (!maintenance_wake.wait_for(lock, kDueScanEvery, [&] { return stopping; })) {
      lock.unlock();
      try {
        for (const auto& integration : delivery_store->integrations_with_due_pending(clock.now()))
          wake_delivery(integration, true);
        failing = false;
      } catch (const std::exception& e) {
        // Said once, not every second; the deliveries poll at their quiet pace meanwhile.
        if (!failing) spdlog::warn("due scanner: {}", e.what());
        failing = true;
      }
      lock.lock();
    }
  }

  // ---- HTTP ----

  void handle(http::ServerRequest&& request, http::Respond respond) {
    if (WebhookIntake::serves(request.path)) return intake->handle(std::move(request), std::move(respond));
    if (admin::AdminSite::serves(request.path)) return admin_site->handle(std::move(request), std::move(respond));
    http::ServerResponse r;
    if (request.path == "/healthz") {
      r.body = "ok\n";
    } else if (request.path == "/readyz") {
      const auto reasons = not_ready();
      r.status = reasons.empty() ? 200 : 503;
      r.body = reasons.empty() ? "ready\n" : reasons;
    } else if (request.path == "/metrics") {
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = metrics.registry.render();
    } else {
      r.status = 404;
      r.body = "not found\n";
    }
    respond(std::move(r));
  }

  // ---- the admin page's view (admin::ServiceView) ----

  void start_admin() {
    if (!settings.admin.token.empty()) admin_store = open_state_store(settings.state_file, clock);
    admin::HubSpotAccess access{settings.hubspot_url, settings.extra_ca_pem, settings.api_family};
    admin_site = std::make_unique<admin::AdminSite>(settings.admin, access, admin_store ? *admin_store : *delivery_store,
                                                    *this, clock);
  }

  std::vector<admin::IntegrationView> integrations() override {
    std::lock_guard lock(mutex);
    std::vector<admin::IntegrationView> out;
    for (const auto& i : settings.integrations) {
      admin::IntegrationView v;
      v.name = i.name;
      v.rules_file = i.rules.string();
      v.private_app = !i.token.empty();
      v.connection_id = i.token.empty() ? i.connection : "";
      v.webhook_path = settings.unnamed_path ? "/webhooks/timerex" : "/webhooks/timerex/" + i.name;
      v.hubspot_url = i.hubspot_url.empty() ? settings.hubspot_url : i.hubspot_url;
      if (const auto plan = running_plans.find(i.name); plan != running_plans.end()) v.plan = plan->second;
      if (const auto d = running_diagnostics.find(i.name); d != running_diagnostics.end()) v.rules_diagnostics = d->second;
      if (!reload_failure.empty()) v.rules_diagnostics += "the last reload failed its checks; these rules still run:\n" + reload_failure;
      v.team_url_path = i.team_url_path;
      v.calendar_url_path = i.calendar_url_path;
      out.push_back(std::move(v));
    }
    return out;
  }

  admin::TestBookingResult post_test_booking(const std::string& integration, const std::string& webhook_json) override {
    http::ServerRequest request;
    request.method = "POST";
    request.remote_address = "127.0.0.1";
    std::string secret;
    {
      std::lock_guard lock(mutex);
      for (const auto& i : settings.integrations)
        if (i.name == integration && !i.webhook_secrets.empty()) secret = i.webhook_secrets.front();
      request.path = request.target = settings.unnamed_path ? "/webhooks/timerex" : "/webhooks/timerex/" + integration;
    }
    request.headers = {{"Content-Type", "application/json"}, {"X-TimeRex-Authorization", secret}};
    request.body = webhook_json;
    auto answered = std::make_shared<std::promise<http::ServerResponse>>();
    auto future = answered->get_future();
    intake->handle(std::move(request), [answered](http::ServerResponse r) { answered->set_value(std::move(r)); });
    if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) return {503, "", "the intake did not answer"};
    const auto r = future.get();
    return {r.status, "", r.body};
  }

  void connections_changed() override {
    try {
      std::lock_guard lock(reloading);
      retire_disconnected();
      apply(check(loader()));
    } catch (const std::exception& e) {
      spdlog::error("after a connection changed, the setup could not be reloaded: {}", e.what());
    }
    wake_all_deliveries();
  }

  // A disconnected portal's delivery still holds its tokens in memory: it stops, and the reload
  // after this builds it again from the store, where it finds no token and parks its bookings.
  void retire_disconnected() {
    std::vector<Portal> retired;
    {
      std::lock_guard lock(mutex);
      for (auto it = portals.begin(); it != portals.end();) {
        const auto stored = delivery_store->connection(it->second.api->tokens().connection_id());
        if (stored && stored->auth == AuthKind::oauth && stored->refresh_token.empty()) {
          retired.push_back(std::move(it->second));
          it = portals.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& portal : retired)
      if (portal.delivery) portal.delivery->stop(settings.shutdown_timeout);
  }

  void bookings_requeued() override { wake_all_deliveries(); }

  std::string listening_url() override { return server ? server->url() : std::string(); }

  std::string not_ready() {
    std::string reasons;
    try {
      intake_store->transaction([](StateStore&) {});  // takes the write lock: the journal can be written
    } catch (const std::exception& e) {
      reasons += std::string("the state store is not writable: ") + e.what() + "\n";
    }
    std::lock_guard lock(mutex);
    if (!reload_failure.empty()) reasons += "the last reload failed its checks (the earlier rules run):\n" + reload_failure;
    return reasons;
  }
};

Service::Service(SettingsLoader loader, Clock& clock) : parts_(std::make_unique<Parts>(std::move(loader), clock)) {}

Service::~Service() { shutdown(); }

void Service::start() {
  Parts& p = *parts_;
  p.settings = p.loader();
  p.open_stores();
  Setup setup = p.check(p.settings);
  p.start_intake(setup);
  p.add_collectors();
  p.start_admin();
  http::ServerOptions options = setup.settings.http;
  p.apply(std::move(setup));
  p.server = std::make_unique<http::HttpServer>(
      options, [&p](http::ServerRequest&& request, http::Respond respond) { p.handle(std::move(request), std::move(respond)); });
  p.server->start();
  p.maintenance = std::thread([&p] { p.keep_tidy(); });
  p.due_scanner = std::thread([&p] { p.scan_due(); });
}

std::string Service::url() const { return parts_->server ? parts_->server->url() : std::string(); }

bool Service::reload() {
  Parts& p = *parts_;
  try {
    std::lock_guard lock(p.reloading);
    p.apply(p.check(p.loader()));
  } catch (const std::exception& e) {
    spdlog::error("reload failed; the running rules stay:\n{}", e.what());
    p.metrics.reloads.with({"failed"}).inc();
    std::lock_guard lock(p.mutex);
    p.reload_failure = e.what();
    return false;
  }
  spdlog::info("reloaded: {} integrations", p.settings.integrations.size());
  p.metrics.reloads.with({"ok"}).inc();
  return true;
}

void Service::shutdown() {
  Parts& p = *parts_;
  {
    std::lock_guard lock(p.mutex);
    if (p.stopping) return;
    p.stopping = true;
  }
  p.maintenance_wake.notify_all();
  if (p.due_scanner.joinable()) p.due_scanner.join();  // wakes no delivery that is stopping
  if (p.server) {
    p.server->stop_accepting();
    if (!p.server->drain(p.settings.shutdown_timeout)) spdlog::warn("shutdown: some requests were not answered in time");
  }
  std::vector<ConnectionDelivery*> deliveries;
  {
    std::lock_guard lock(p.mutex);
    for (auto& [key, portal] : p.portals)
      if (portal.delivery) deliveries.push_back(portal.delivery.get());
  }
  // In parallel: each portal's current batch gets the whole timeout, not a share of it.
  std::vector<std::thread> stopping;
  for (auto* d : deliveries) stopping.emplace_back([d, &p] { d->stop(p.settings.shutdown_timeout); });
  for (auto& t : stopping) t.join();
  p.listener.reset();
  p.balance.reset();  // leaves: the other workers' shares grow at once
  if (p.committer) p.committer->stop();
  if (p.server) p.server->stop();
  p.admin_site.reset();
  if (p.maintenance.joinable()) p.maintenance.join();
}

std::string Service::not_ready_reasons() { return parts_->not_ready(); }

}  // namespace hubrules::runtime::serve
