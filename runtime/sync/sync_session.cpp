#include "runtime/sync/sync_session.hpp"

#include "runtime/auth/portal_api.hpp"
#include "runtime/notify/outbox.hpp"
#include "runtime/notify/store_notification_log.hpp"
#include "runtime/store/fenced_store.hpp"
#include "runtime/store/open_state_store.hpp"
#include "runtime/sync/required_scopes.hpp"

namespace hubrules::runtime {

namespace {

notify::NotifierConfig notifier_config(const SyncSettings& s) {
  notify::NotifierConfig c;
  c.smtp_url = s.smtp_url;
  c.smtp_user = s.smtp_user;
  c.smtp_password = s.smtp_password;
  c.outbox_dir = notify::Outbox::beside(s.state_file);
  c.from = s.mail_from;
  c.to = s.mail_to;
  c.state_file = s.state_file;
  return c;
}

}  // namespace

// Declared in the order they are built: each part refers only to parts above it.
struct SyncSession::Parts {
  Parts(engine::PlanPtr plan, SyncSettings s, Clock& c)
      : plan(plan),
        settings(std::move(s)),
        clock(c),
        owned_store(open_state_store(settings.state_file, clock)),
        store(*owned_store),
        portal(store, clock, settings.portal),
        records(portal.api(), portal.token_use(), company_dedupe_properties(*plan), portal.paths()),
        notification_log(store),
        notifier(notifier_config(settings), notification_log, clock),
        intake(plan, store, records, portal.tokens(), clock, options(), &notifier),
        needed_scopes(required_scopes(*plan)) {}

  SyncOptions options() const {
    SyncOptions o = settings.pipeline;
    o.state_file = settings.state_file;
    o.create_reach = settings.portal.retry.max_total + portal.request_timeout();
    return o;
  }

  engine::PlanPtr plan;
  SyncSettings settings;
  Clock& clock;
  std::unique_ptr<StateStore> owned_store;
  StateStore& store;
  auth::PortalApi portal;
  hubspot::HubSpotRecords records;
  notify::StoreNotificationLog notification_log;
  notify::ErrorNotifier notifier;
  SyncPipeline intake;  // journals; delivery runs in a pipeline of its own, under the lease
  const std::vector<std::string> needed_scopes;

  void take_lease(LeaseKeeper& keeper) {
    if (keeper.acquire_within(settings.wait_for_lease)) return;
    const auto holder = keeper.holder();
    throw LeaseBusy("another process is delivering for connection " + portal.tokens().connection_id() +
                    (holder ? " (" + holder->owner + ")" : std::string()) +
                    "; nothing was delivered by this run (the bookings are journaled and wait). Try again when it "
                    "has finished, or pass --wait-s to wait for it");
  }

  // An OAuth connection that says what it was granted must hold every scope the rules need.
  // Private-app tokens and connections made before scopes were kept are not checked here:
  // HubSpot's 403 MISSING_SCOPES still fails their batches with the scope's name.
  void check_scopes() {
    const auto connection = store.connection(portal.tokens().connection_id());
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

void SyncSession::intake(int fd, const std::string& name) { parts_->intake.intake(fd, name); }

std::size_t SyncSession::requeue_failed() { return parts_->store.requeue_failed(); }

SyncCounts SyncSession::deliver() {
  Parts& p = *parts_;
  p.check_scopes();
  LeaseKeeper keeper(p.store, p.portal.tokens().connection_id(), process_owner_id(), p.settings.lease);
  p.take_lease(keeper);
  // The check refers to `keeper`: it must not outlive this call, however the call ends.
  struct SendGuard {
    auth::PortalApi& portal;
    ~SendGuard() { portal.guard_sends({}); }
  } guard{p.portal};
  p.portal.guard_sends([&keeper] { keeper.check(); });
  FencedStore fenced(p.store, keeper.lease());
  SyncPipeline delivery(p.plan, fenced, p.records, p.portal.tokens(), p.clock, p.options(), &p.notifier);
  delivery.deliver();
  SyncCounts counts = delivery.counts();
  const SyncCounts& intake = p.intake.counts();
  counts.lines = intake.lines;
  counts.journaled = intake.journaled;
  counts.already_known = intake.already_known;
  counts.unreadable = intake.unreadable;
  counts.api = p.portal.api().counters().snapshot();
  return counts;
}

StateStore& SyncSession::store() { return parts_->store; }

}  // namespace hubrules::runtime
