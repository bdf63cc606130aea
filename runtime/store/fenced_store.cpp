#include "runtime/store/fenced_store.hpp"

namespace hubrules::runtime {

void FencedStore::transaction(const std::function<void(StateStore&)>& work) {
  inner_.transaction([&](StateStore& s) {
    if (!s.holds_lease(lease_))
      throw LeaseLost("connection " + lease_.connection_id + ": another process has taken its delivery over (epoch " +
                      std::to_string(lease_.epoch) + " is no longer current); this one writes nothing more");
    work(s);
  });
}

bool FencedStore::journal(const std::string& integration, const std::string& event_id, std::string_view payload, TimePoint received_at) {
  return fenced([&](StateStore& s) { return s.journal(integration, event_id, payload, received_at); });
}

std::optional<JournaledBooking> FencedStore::booking(const std::string& event_id) { return inner_.booking(event_id); }

void FencedStore::set_state(const std::string& event_id, BookingState state, std::string_view reason) {
  fenced([&](StateStore& s) { return s.set_state(event_id, state, reason); });
}

int FencedStore::record_attempt(const std::string& event_id) {
  return fenced([&](StateStore& s) { return s.record_attempt(event_id); });
}

void FencedStore::retry_later(const std::string& event_id, std::string_view reason, TimePoint at) {
  fenced([&](StateStore& s) { return s.retry_later(event_id, reason, at); });
}

void FencedStore::park(const std::string& event_id, const std::string& connection_id, std::string_view reason) {
  fenced([&](StateStore& s) { return s.park(event_id, connection_id, reason); });
}

std::size_t FencedStore::release_parked(const std::string& connection_id) {
  return fenced([&](StateStore& s) { return s.release_parked(connection_id); });
}

std::size_t FencedStore::requeue_failed() {
  return fenced([&](StateStore& s) { return s.requeue_failed(); });
}


std::vector<JournaledBooking> FencedStore::pending_of(const std::string& integration, std::size_t limit, std::optional<TimePoint> due_by) { return inner_.pending_of(integration, limit, due_by); }

std::vector<QueueStats> FencedStore::queue_stats() { return inner_.queue_stats(); }
std::vector<std::string> FencedStore::integrations_with_due_pending(TimePoint now) {
  return inner_.integrations_with_due_pending(now);
}

std::vector<JournaledBooking> FencedStore::failed() { return inner_.failed(); }

std::vector<JournaledBooking> FencedStore::parked(const std::string& connection_id) { return inner_.parked(connection_id); }

std::map<BookingState, std::size_t> FencedStore::count_by_state() { return inner_.count_by_state(); }

std::map<BookingState, std::size_t> FencedStore::count_by_state_of(const std::string& integration) {
  return inner_.count_by_state_of(integration);
}

BookingPage FencedStore::bookings_page(const BookingQuery& query) { return inner_.bookings_page(query); }

bool FencedStore::requeue(const std::string& event_id) {
  return fenced([&](StateStore& s) { return s.requeue(event_id); });
}

void FencedStore::set_outcome(const std::string& event_id, const BookingOutcome& outcome) {
  fenced([&](StateStore& s) { return s.set_outcome(event_id, outcome); });
}

std::optional<BookingOutcome> FencedStore::outcome(const std::string& event_id) { return inner_.outcome(event_id); }

void FencedStore::remember_company(const CreatedCompany& company) {
  fenced([&](StateStore& s) { return s.remember_company(company); });
}

std::optional<CreatedCompany> FencedStore::find_company(const std::optional<std::string>& domain, const std::optional<std::string>& name, const std::string& connection_id) { return inner_.find_company(domain, name, connection_id); }

void FencedStore::remember_contact(const CreatedContact& contact) {
  fenced([&](StateStore& s) { return s.remember_contact(contact); });
}

std::optional<CreatedContact> FencedStore::find_contact(const std::string& email, const std::string& connection_id) { return inner_.find_contact(email, connection_id); }

void FencedStore::write_intents(const std::vector<CreateIntent>& intents) {
  fenced([&](StateStore& s) { return s.write_intents(intents); });
}

void FencedStore::resolve_intent_created(const std::string& trace_id, const std::string& hubspot_id) {
  fenced([&](StateStore& s) { return s.resolve_intent_created(trace_id, hubspot_id); });
}

void FencedStore::resolve_intent_failed(const std::string& trace_id, std::string_view reason) {
  fenced([&](StateStore& s) { return s.resolve_intent_failed(trace_id, reason); });
}

std::vector<CreateIntent> FencedStore::unresolved_intents(const std::optional<std::string>& integration) { return inner_.unresolved_intents(integration); }

void FencedStore::save_connection(const Connection& connection) {
  fenced([&](StateStore& s) { return s.save_connection(connection); });
}

std::optional<Connection> FencedStore::connection(const std::string& id) { return inner_.connection(id); }

std::vector<Connection> FencedStore::connections() { return inner_.connections(); }

void FencedStore::update_tokens(const std::string& id, const std::string& access_token, const std::string& refresh_token, std::optional<TimePoint> access_expires_at) {
  fenced([&](StateStore& s) { return s.update_tokens(id, access_token, refresh_token, access_expires_at); });
}

void FencedStore::mark_broken(const std::string& id, std::string_view reason) {
  fenced([&](StateStore& s) { return s.mark_broken(id, reason); });
}

void FencedStore::mark_ok(const std::string& id) {
  fenced([&](StateStore& s) { return s.mark_ok(id); });
}

void FencedStore::record_successful_post(const std::string& id, TimePoint at) {
  fenced([&](StateStore& s) { return s.record_successful_post(id, at); });
}

void FencedStore::forget_tokens(const std::string& id) {
  fenced([&](StateStore& s) { return s.forget_tokens(id); });
}

// Not fenced: tokens belong to the connection, not to one owner's delivery, and the refresh's
// own row lock keeps it single.
void FencedStore::refresh_tokens_once(const std::string& id,
                                      const std::function<std::optional<TokenUpdate>(const Connection&)>& refresh) {
  inner_.refresh_tokens_once(id, refresh);
}

void FencedStore::record_notification(const SentNotification& notification) {
  fenced([&](StateStore& s) { return s.record_notification(notification); });
}

std::optional<SentNotification> FencedStore::last_notification(const std::string& connection_id) { return inner_.last_notification(connection_id); }

void FencedStore::save_portal_schema(const std::string& connection_id, const std::string& object, const PortalSchema& schema) {
  fenced([&](StateStore& s) { return s.save_portal_schema(connection_id, object, schema); });
}

std::optional<PortalSchema> FencedStore::portal_schema(const std::string& connection_id, const std::string& object) { return inner_.portal_schema(connection_id, object); }

void FencedStore::forget_portal_schema(const std::string& connection_id) {
  fenced([&](StateStore& s) { return s.forget_portal_schema(connection_id); });
}

std::optional<Lease> FencedStore::acquire_lease(const std::string& connection_id, const std::string& owner, Millis duration) { return inner_.acquire_lease(connection_id, owner, duration); }

std::optional<Lease> FencedStore::renew_lease(const Lease& lease, Millis duration) { return inner_.renew_lease(lease, duration); }

bool FencedStore::holds_lease(const Lease& lease) { return inner_.holds_lease(lease); }

void FencedStore::release_lease(const Lease& lease) { return inner_.release_lease(lease); }

std::optional<Lease> FencedStore::take_over_lease(const Lease& dead, const std::string& owner, Millis duration) {
  return inner_.take_over_lease(dead, owner, duration);
}

std::optional<Lease> FencedStore::lease(const std::string& connection_id) { return inner_.lease(connection_id); }

std::vector<Lease> FencedStore::leases() { return inner_.leases(); }

void FencedStore::heartbeat(const std::string& owner, Millis ttl) { inner_.heartbeat(owner, ttl); }

std::vector<Worker> FencedStore::live_workers() { return inner_.live_workers(); }

void FencedStore::leave(const std::string& owner) { inner_.leave(owner); }

std::int64_t FencedStore::add_dead_letter(const DeadLetter& letter) {
  return fenced([&](StateStore& s) { return s.add_dead_letter(letter); });
}

std::vector<DeadLetter> FencedStore::dead_letters(std::size_t limit) { return inner_.dead_letters(limit); }

std::vector<DeadLetter> FencedStore::dead_letters_page(std::size_t limit, std::optional<std::int64_t> before_id) {
  return inner_.dead_letters_page(limit, before_id);
}

std::optional<DeadLetter> FencedStore::dead_letter(std::int64_t id) { return inner_.dead_letter(id); }

std::size_t FencedStore::drop_payloads_before(TimePoint before) {
  return fenced([&](StateStore& s) { return s.drop_payloads_before(before); });
}

}  // namespace hubrules::runtime
