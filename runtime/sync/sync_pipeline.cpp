#include "runtime/sync/sync_pipeline.hpp"

#include "runtime/sync/delivery_planner.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "runtime/mapping/ndjson_chunks.hpp"
#include "runtime/store/open_state_store.hpp"

namespace hubrules::runtime {

namespace {

bool blank(const char* p, std::size_t len) {
  return std::all_of(p, p + len, [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

std::optional<std::string> key_value(const std::vector<DedupeKey>& keys, std::string_view property) {
  for (const auto& k : keys)
    if (k.property == property) return k.value;
  return std::nullopt;
}

// Adds a company created here to what the batch knows, unless search found it already.
void remember_known(KnownRecords& known, const std::optional<CreatedCompany>& mine) {
  if (!mine || std::any_of(known.companies.begin(), known.companies.end(),
                           [&](const hubspot::ExistingCompany& k) { return k.id == mine->hubspot_id; }))
    return;
  hubspot::ExistingCompany company{mine->hubspot_id, {}, mine->created_at};
  if (mine->domain) company.keys.push_back({"domain", *mine->domain});
  if (mine->name) company.keys.push_back({"name", *mine->name});
  known.companies.push_back(std::move(company));
}

std::string describe(const hubspot::CreateFailure& f) {
  return f.category.empty() ? f.message : f.category + ": " + f.message;
}

}  // namespace

// One batch on its way: the bookings with records, what HubSpot holds, the plan, and what the
// creates answered. Indices into `candidates`, `prior`, `failure` are the same booking.
struct SyncPipeline::Batch {
  std::vector<BookingCandidate> candidates;
  std::vector<int> attempts;
  std::vector<TimePoint> received;
  std::vector<BookingOutcome> prior;  // what an earlier, interrupted attempt already settled
  std::vector<std::string> failure;   // why the booking failed; empty while it is fine
  KnownRecords known;
  DeliveryPlan plan;
  std::vector<std::string> company_ids;  // per plan.companies: the HubSpot id, "" when not created
  std::vector<std::string> contact_ids;  // per plan.contacts
  std::vector<std::optional<std::string>> conflict;  // per booking: the contact that already existed (409)
  std::vector<hubspot::CreateInput> contact_inputs;
  hubspot::CreateAnswer contact_answer;
};

SyncPipeline::SyncPipeline(engine::PlanPtr plan, StateStore& store, hubspot::HubSpotRecords& hubspot, hubspot::AccessTokens& tokens,
                           Clock& clock, SyncOptions options, notify::ErrorNotifier* notifier)
    : plan_(plan),
      evaluator_(std::move(plan)),
      store_(store),
      hubspot_(hubspot),
      tokens_(tokens),
      clock_(clock),
      options_(std::move(options)),
      notifier_(notifier),
      started_at_(clock.now()) {}

// ---- intake ---------------------------------------------------------------------------------

void SyncPipeline::intake(int fd, const std::string& name) {
  NdjsonChunks chunks(fd, name, 8 << 20);
  std::size_t lines = 0;
  while (auto c = chunks.next()) {
    // One transaction per chunk: a crash journals whole chunks, and the journal is idempotent.
    store_.transaction([&](StateStore& s) {
      lines += for_each_line(c->begin, c->end, lines + 1, [&](std::size_t line, const char* p, std::size_t len) {
        if (blank(p, len)) return;
        ++counts_.lines;
        const engine::Evaluation& e = evaluator_.evaluate(p, len, static_cast<std::size_t>(c->readable - p));
        if (e.booking_id.is_null()) {
          ++counts_.unreadable;
          spdlog::error("{}:{}: not journaled: {}", name, line,
                        e.outcome == engine::Outcome::error ? e.error_message : "the booking has no event.id");
          return;
        }
        if (s.journal(options_.integration, std::string(e.booking_id.text), std::string_view(p, len), clock_.now()))
          ++counts_.journaled;
        else ++counts_.already_known;
      });
    });
  }
}

// ---- the delivery loop ----------------------------------------------------------------------

void SyncPipeline::deliver() {
  std::map<std::string, int> in_doubt_rounds;
  try {
    hubspot::TokenUse(tokens_).provider()();  // a broken connection shows here, before anything is sent
    release_repaired();
    resolve_in_doubt(true);
    ProgressBar progress(options_.progress);
    const std::size_t total = store_.count_by_state().at(BookingState::pending);
    std::size_t done = 0;
    while (true) {
      const auto bookings = store_.pending_of(options_.integration, options_.batch_size, clock_.now());
      if (bookings.empty() || !deliver_or_settle(bookings, in_doubt_rounds)) break;
      done += bookings.size();
      progress.show(std::min(done, total), total);
    }
    progress.finish();
  } catch (const hubspot::ConnectionBroken& broken) {
    park_everything(broken);
  } catch (const hubspot::TokenUnavailable& e) {
    spdlog::error("{}; the bookings stay pending for the next run", e.what());
  }
  const auto states = store_.count_by_state();
  counts_.still_pending = states.at(BookingState::pending);
  counts_.stored_failed = states.at(BookingState::failed);
  counts_.stored_parked = states.at(BookingState::parked);
}

// Delivers one batch; on trouble, settles what is in doubt or fails the batch. False when the
// run must stop (HubSpot's daily limit).
bool SyncPipeline::deliver_or_settle(const std::vector<JournaledBooking>& bookings,
                                     std::map<std::string, int>& in_doubt_rounds) {
  try {
    deliver_batch(bookings);
  } catch (const hubspot::DeliveryError& e) {
    if (!e.in_doubt()) {
      // Nothing the batch sent can have been applied: its intents did not happen.
      for (const auto& intent : store_.unresolved_intents(options_.integration))
        store_.resolve_intent_failed(intent.trace_id, e.what());
      fail_batch(bookings, e.what());
      return e.reason() != hubspot::DeliveryError::Reason::DailyLimit;
    }
    const bool too_often = ++in_doubt_rounds[bookings.front().event_id] > options_.max_in_doubt_rounds;
    if (!too_often) spdlog::warn("{}; settling it before going on", e.what());
    held_keys_ = resolve_in_doubt(!continuous_);
    if (too_often) fail_batch(bookings, std::string("in doubt too often: ") + e.what());
  } catch (const hubspot::HubSpotRejected& e) {
    held_keys_ = resolve_in_doubt(!continuous_);
    fail_batch(bookings, e.what());
  }
  return true;
}

void SyncPipeline::deliver_batch(const std::vector<JournaledBooking>& bookings) {
  Batch batch;
  if (!prepare(batch, bookings)) return;
  look_up(batch);
  batch.plan = plan_delivery(batch.candidates, batch.known);
  create_companies(batch);
  create_contacts(batch);
  finish(batch);
}

// Evaluates each booking again (cheap) and settles those that post nothing.
bool SyncPipeline::prepare(Batch& batch, const std::vector<JournaledBooking>& bookings) {
  store_.transaction([&](StateStore& s) {
    for (const auto& b : bookings) {
      const int attempts = s.record_attempt(b.event_id);
      const engine::Evaluation& e = evaluate_stored(b.payload);
      if (e.outcome == engine::Outcome::error) {
        s.set_state(b.event_id, BookingState::invalid, std::string(e.error_code) + ": " + e.error_message);
        ++counts_.invalid;
        continue;
      }
      BookingCandidate c = candidate_from(*plan_, b.event_id, e);
      if (e.outcome == engine::Outcome::skipped || (!c.contact && !c.company)) {
        s.set_state(b.event_id, BookingState::skipped,
                    e.outcome == engine::Outcome::skipped ? std::string(e.skip_reason) : "no record to post");
        ++counts_.skipped;
        continue;
      }
      batch.prior.push_back(s.outcome(b.event_id).value_or(BookingOutcome{}));
      batch.attempts.push_back(attempts);
      batch.received.push_back(b.received_at);
      batch.candidates.push_back(std::move(c));
    }
  });
  batch.failure.resize(batch.candidates.size());
  batch.conflict.resize(batch.candidates.size());
  return !batch.candidates.empty();
}

// A journaled payload, padded for simdjson in a reused buffer.
const engine::Evaluation& SyncPipeline::evaluate_stored(const std::string& payload) {
  padded_.assign(payload);
  padded_.resize(payload.size() + simdjson::SIMDJSON_PADDING, '\0');
  return evaluator_.evaluate(padded_.data(), payload.size(), padded_.size());
}

void SyncPipeline::look_up(Batch& batch) {
  std::vector<std::string> emails;
  std::vector<DedupeKey> company_keys;
  for (const auto& c : batch.candidates) {
    if (c.contact)
      if (auto email = key_value(c.contact->keys, "email"); email && std::find(emails.begin(), emails.end(), *email) == emails.end())
        emails.push_back(*email);
    if (c.company)
      for (const auto& k : c.company->keys)
        if (std::find(company_keys.begin(), company_keys.end(), k) == company_keys.end()) company_keys.push_back(k);
  }
  if (!emails.empty()) batch.known.contact_ids_by_email = hubspot_.contacts_by_email(emails);
  if (company_keys.empty()) return;
  batch.known.companies = hubspot_.companies_matching(company_keys);
  // Search lags behind creates: the companies created here are known from the store, looked up
  // by each key alone, so the planner can apply the rules' key order.
  for (const auto& c : batch.candidates) {
    if (!c.company) continue;
    const auto domain = key_value(c.company->keys, "domain");
    const auto name = key_value(c.company->keys, "name");
    if (domain) remember_known(batch.known, store_.find_company(domain, std::nullopt, tokens_.connection_id()));
    if (name) remember_known(batch.known, store_.find_company(std::nullopt, name, tokens_.connection_id()));
  }
  // Companies an interrupted attempt of this batch created are planned again as this batch's
  // own creates, in booking order, not as records found: so every booking gets the company a
  // clean run would have given it (a later booking's new company must not win its domain key).
  std::set<std::string> made_by_batch;
  for (const auto& p : batch.prior)
    if (p.company == Disposition::created && p.company_id) made_by_batch.insert(*p.company_id);
  std::erase_if(batch.known.companies, [&](const hubspot::ExistingCompany& c) { return made_by_batch.contains(c.id); });
}

void SyncPipeline::create_companies(Batch& batch) {
  const auto& plan = batch.plan;
  batch.company_ids.assign(plan.companies.size(), {});
  if (plan.companies.empty()) return;
  std::vector<std::size_t> creator(plan.companies.size());  // the booking each create is for
  for (std::size_t b = plan.bookings.size(); b-- > 0;)
    if (plan.bookings[b].company.kind == RecordRef::Kind::created) creator[plan.bookings[b].company.create] = b;
  std::vector<hubspot::CreateInput> inputs;
  std::vector<CreateIntent> intents;
  std::vector<std::size_t> input_company;  // inputs[k] creates plan.companies[input_company[k]]
  for (std::size_t i = 0; i < plan.companies.size(); ++i) {
    if (const BookingOutcome& prior = batch.prior[creator[i]]; prior.company == Disposition::created && prior.company_id) {
      batch.company_ids[i] = *prior.company_id;  // created by an interrupted attempt
      continue;
    }
    input_company.push_back(i);
    const auto& booking = batch.candidates[creator[i]];
    const std::string trace = booking.event_id + ":company:" + std::to_string(batch.attempts[creator[i]]);
    inputs.push_back({trace, &plan.companies[i], {}});
    intents.push_back({trace, ObjectType::company, booking.event_id, plan.companies[i].keys, {}, {}});
  }
  if (inputs.empty()) return;
  store_.write_intents(intents);
  const hubspot::CreateAnswer answer = hubspot_.create(ObjectType::company, inputs);
  std::map<std::size_t, std::string> failure_of;  // plan.companies index → why it was not created
  store_.transaction([&](StateStore& s) {
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      const std::size_t i = input_company[k];
      const std::string& trace = inputs[k].trace_id;
      if (const auto it = answer.created.find(trace); it != answer.created.end()) {
        s.resolve_intent_created(trace, it->second);
        s.remember_company({it->second, key_value(plan.companies[i].keys, "domain"),
                            key_value(plan.companies[i].keys, "name"), clock_.now(), tokens_.connection_id()});
        batch.company_ids[i] = it->second;
        // Kept with the booking, so a later attempt still knows this booking created it.
        BookingOutcome partial = batch.prior[creator[i]];
        partial.company_id = it->second;
        partial.company = Disposition::created;
        s.set_outcome(batch.candidates[creator[i]].event_id, partial);
        batch.prior[creator[i]] = partial;
      } else {
        failure_of[i] = describe(answer.failed.at(trace));
        s.resolve_intent_failed(trace, failure_of[i]);
        forget_schema_if_stale(s, answer.failed.at(trace));
      }
    }
  });
  for (std::size_t b = 0; b < plan.bookings.size(); ++b) {
    const RecordRef& ref = plan.bookings[b].company;
    if (ref.kind == RecordRef::Kind::created && batch.company_ids[ref.create].empty())
      batch.failure[b] = "company not created: " + failure_of[ref.create];
  }
}

// The portal no longer has a property the rules map (someone deleted it since the schema was
// cached): the next run reads the schema again, and its check names the rule.
void SyncPipeline::forget_schema_if_stale(StateStore& s, const hubspot::CreateFailure& f) {
  if (f.message.find("PROPERTY_DOESNT_EXIST") != std::string::npos) s.forget_portal_schema(tokens_.connection_id());
}

void SyncPipeline::create_contacts(Batch& batch) {
  const auto& plan = batch.plan;
  batch.contact_ids.assign(plan.contacts.size(), {});
  std::vector<CreateIntent> intents;
  for (std::size_t b = 0; b < plan.bookings.size(); ++b) {
    const BookingDecision& d = plan.bookings[b];
    if (!d.creates_contact || !batch.failure[b].empty()) continue;
    std::string company_id;
    if (d.associate)
      company_id = d.company.kind == RecordRef::Kind::existing ? d.company.id : batch.company_ids[d.company.create];
    const auto& booking = batch.candidates[b];
    const std::string trace = booking.event_id + ":contact:" + std::to_string(batch.attempts[b]);
    batch.contact_inputs.push_back({trace, &plan.contacts[d.contact.create], company_id});
    intents.push_back({trace, ObjectType::contact, booking.event_id, plan.contacts[d.contact.create].keys, company_id, {}});
  }
  if (intents.empty()) return;
  store_.write_intents(intents);
  batch.contact_answer = hubspot_.create(ObjectType::contact, batch.contact_inputs);
}

// Settles the contact creates and every booking of the batch in one transaction.
void SyncPipeline::finish(Batch& batch) {
  const auto& plan = batch.plan;
  std::vector<BookingOutcome> delivered;
  std::size_t failed = 0, retrying = 0;
  store_.transaction([&](StateStore& s) {
    delivered.clear();
    failed = retrying = 0;
    std::size_t next_input = 0;
    for (std::size_t b = 0; b < plan.bookings.size(); ++b) {
      const BookingDecision& d = plan.bookings[b];
      const auto& event_id = batch.candidates[b].event_id;
      if (d.creates_contact && batch.failure[b].empty()) settle_contact(s, batch, b, batch.contact_inputs[next_input++]);
      if (d.contact.kind == RecordRef::Kind::created && batch.contact_ids[d.contact.create].empty() &&
          batch.failure[b].empty())
        batch.failure[b] = "contact not created: the booking that was to create it failed";
      if (!batch.failure[b].empty()) {
        ++(fail_or_retry(s, event_id, batch.received[b], batch.attempts[b], batch.failure[b]) ? failed : retrying);
        continue;
      }
      delivered.push_back(outcome_of(batch, b));
      s.set_outcome(event_id, delivered.back());
      s.set_state(event_id, BookingState::delivered);
    }
  });
  counts_.failed += failed;
  counts_.retrying += retrying;
  for (const BookingOutcome& o : delivered) count(o);
  if (options_.on_delivered) {
    const auto now = clock_.now();
    for (std::size_t b = 0; b < plan.bookings.size(); ++b)
      if (batch.failure[b].empty()) options_.on_delivered(std::chrono::duration_cast<Millis>(now - batch.received[b]));
  }
  if (!delivered.empty()) tokens_.posted();
  if (failed > 0) {
    const auto reason = std::find_if(batch.failure.begin(), batch.failure.end(), [](const auto& f) { return !f.empty(); });
    report_failure(*reason, store_.count_by_state().at(BookingState::failed));
  }
}

void SyncPipeline::settle_contact(StateStore& s, Batch& batch, std::size_t b, const hubspot::CreateInput& in) {
  const std::size_t create = batch.plan.bookings[b].contact.create;
  if (const auto it = batch.contact_answer.created.find(in.trace_id); it != batch.contact_answer.created.end()) {
    s.resolve_intent_created(in.trace_id, it->second);
    s.remember_contact(
        {it->second, key_value(in.record->keys, "email").value_or(""), clock_.now(), tokens_.connection_id()});
    batch.contact_ids[create] = it->second;
    return;
  }
  const hubspot::CreateFailure& f = batch.contact_answer.failed.at(in.trace_id);
  s.resolve_intent_failed(in.trace_id, describe(f));
  forget_schema_if_stale(s, f);
  // A 409: the contact exists after all (created since the lookup): a duplicate.
  if (f.existing_id) {
    batch.conflict[b] = f.existing_id;
    batch.contact_ids[create] = *f.existing_id;
  } else {
    batch.failure[b] = "contact not created: " + describe(f);
  }
}

// What delivery did for booking b, counting what an interrupted attempt already did.
BookingOutcome SyncPipeline::outcome_of(const Batch& batch, std::size_t b) {
  const BookingDecision& d = batch.plan.bookings[b];
  const BookingOutcome& prior = batch.prior[b];
  BookingOutcome o;
  if (d.company.kind != RecordRef::Kind::none) {
    o.company_id = d.company.kind == RecordRef::Kind::existing ? d.company.id : batch.company_ids[d.company.create];
    const bool made_here = prior.company == Disposition::created && prior.company_id == o.company_id;
    o.company = made_here ? Disposition::created : Disposition::duplicate;
  }
  if (d.contact.kind != RecordRef::Kind::none) {
    o.contact_id = d.contact.kind == RecordRef::Kind::existing ? d.contact.id : batch.contact_ids[d.contact.create];
    const bool made_now = d.creates_contact && !batch.conflict[b];
    const bool made_before = prior.contact == Disposition::created && prior.contact_id == o.contact_id;
    o.contact = made_now || made_before ? Disposition::created : Disposition::duplicate;
    o.associated = (made_now && d.associate) || (made_before && prior.associated);
  }
  return o;
}

void SyncPipeline::count(const BookingOutcome& o) {
  ++counts_.delivered;
  counts_.companies_created += o.company == Disposition::created;
  counts_.companies_duplicate += o.company == Disposition::duplicate;
  counts_.contacts_created += o.contact == Disposition::created;
  counts_.contacts_duplicate += o.contact == Disposition::duplicate;
  counts_.associations += o.associated;
}

// ---- failures -------------------------------------------------------------------------------

void SyncPipeline::fail_batch(const std::vector<JournaledBooking>& bookings, const std::string& reason) {
  spdlog::error("{} bookings failed: {}", bookings.size(), reason);
  std::size_t failed = 0;
  store_.transaction([&](StateStore& s) {
    failed = 0;
    for (const auto& b : bookings) {
      const auto now = s.booking(b.event_id);
      if (!now || now->state != BookingState::pending) continue;
      if (fail_or_retry(s, b.event_id, now->received_at, now->attempts, reason)) ++failed;
      else ++counts_.retrying;
    }
  });
  counts_.failed += failed;
  if (failed > 0) report_failure(reason, store_.count_by_state().at(BookingState::failed));
}

// True when the booking failed for good; false when it waits to be tried again.
bool SyncPipeline::fail_or_retry(StateStore& s, const std::string& event_id, TimePoint received_at, int attempts,
                                 const std::string& reason) {
  const TimePoint now = clock_.now();
  const TimePoint next = now + options_.retries.delay_after(attempts);
  if (options_.retries.delays.empty() || next > received_at + options_.retries.give_up_after) {
    s.set_state(event_id, BookingState::failed, reason);
    return true;
  }
  spdlog::warn("booking {}: {}; trying again in {} s", event_id, reason,
               std::chrono::duration_cast<std::chrono::seconds>(next - now).count());
  s.retry_later(event_id, reason, next);
  return false;
}

void SyncPipeline::park_everything(const hubspot::ConnectionBroken& broken) {
  spdlog::error("{}; its bookings are kept until `hubrules connect` repairs it", broken.what());
  const auto& integration = options_.integration;
  for (auto pending = store_.pending_of(integration, 1000); !pending.empty(); pending = store_.pending_of(integration, 1000)) {
    store_.transaction([&](StateStore& s) {
      for (const auto& b : pending) s.park(b.event_id, broken.connection_id(), broken.reason());
    });
    counts_.parked += pending.size();
  }
  report_failure(broken.reason(), store_.parked(broken.connection_id()).size());
}

void SyncPipeline::report_failure(const std::string& reason, std::size_t kept) {
  if (notifier_ == nullptr) return;
  notify::FailureReport report;
  report.connection = tokens_.connection_id();
  report.failed_at = clock_.now();
  report.reason = reason;
  report.kept_bookings = kept;
  report.state_file = redacted_location(options_.state_file);
  if (const auto c = store_.connection(report.connection)) report.admin_email = c->admin_email;
  const auto result = notifier_->notify_failure(report);
  spdlog::info("error email: {} {}", notify::to_string(result.outcome), result.detail);
}

// ---- in-doubt creates -----------------------------------------------------------------------

std::set<DedupeKey> SyncPipeline::resolve_in_doubt(bool wait) {
  auto intents = store_.unresolved_intents(options_.integration);
  std::set<DedupeKey> held;
  held_events_.clear();
  if (!wait) {
    // A company create is visible to search once it cannot reach HubSpot any more and the lag
    // has passed; until then its bookings, and any booking sharing one of its keys, wait. One
    // written before this pipeline began came from an earlier owner of the lease (a killed or
    // fenced process), whose sends stopped when it lost the lease: it reaches no later than our
    // start, as `sync` assumes at its start — not create_reach (minutes) after it was written.
    const auto now = clock_.now();
    std::erase_if(intents, [&](const CreateIntent& i) {
      const auto reach = i.written_at + options_.create_reach;
      const auto last_reach = i.written_at < started_at_ ? std::min(reach, started_at_) : reach;
      if (i.object_type == ObjectType::contact || last_reach + options_.search_lag <= now) return false;
      held.insert(i.keys.begin(), i.keys.end());
      held_events_.insert(i.event_id);
      return true;
    });
  }
  if (intents.empty()) return held;
  spdlog::info("{} creates are in doubt (their answer was lost); looking them up", intents.size());
  std::vector<std::string> emails;
  std::vector<DedupeKey> company_keys;
  TimePoint newest_company{};
  for (const auto& i : intents) {
    if (i.object_type == ObjectType::contact) {
      if (auto e = key_value(i.keys, "email")) emails.push_back(*e);
    } else {
      company_keys.insert(company_keys.end(), i.keys.begin(), i.keys.end());
      newest_company = std::max(newest_company, i.written_at);
    }
  }
  const auto contacts = emails.empty() ? std::map<std::string, std::string>{} : hubspot_.contacts_by_email(emails);
  std::vector<hubspot::ExistingCompany> companies;
  if (!company_keys.empty()) {
    // Search lags behind creates: wait until a company created as late as it can have been
    // would be visible.
    const auto now = clock_.now();
    const auto visible_at = std::min(now, newest_company + options_.create_reach) + options_.search_lag;
    if (visible_at > now) clock_.sleep_for(std::chrono::duration_cast<Millis>(visible_at - now));
    companies = hubspot_.companies_matching(company_keys);
  }
  store_.transaction([&](StateStore& s) {
    for (const auto& i : intents) {
      std::optional<std::string> id;
      if (i.object_type == ObjectType::contact) {
        if (auto e = key_value(i.keys, "email"); e && contacts.contains(*e)) id = contacts.at(*e);
      } else {
        // The oldest company holding all the intent's keys, made no earlier than the intent
        // (a minute of clock skew allowed): an older one would have been found before creating.
        const hubspot::ExistingCompany* best = nullptr;
        for (const auto& c : companies) {
          const bool all_keys = std::all_of(i.keys.begin(), i.keys.end(), [&](const DedupeKey& k) {
            return std::find(c.keys.begin(), c.keys.end(), k) != c.keys.end();
          });
          if (all_keys && c.created_at + std::chrono::minutes(1) >= i.written_at && (!best || c.created_at < best->created_at))
            best = &c;
        }
        if (best) id = best->id;
      }
      BookingOutcome partial = s.outcome(i.event_id).value_or(BookingOutcome{});
      if (!id) {
        s.resolve_intent_failed(i.trace_id, "its answer was lost and HubSpot does not hold it: not created");
        continue;
      }
      s.resolve_intent_created(i.trace_id, *id);
      if (i.object_type == ObjectType::contact) {
        s.remember_contact({*id, key_value(i.keys, "email").value_or(""), clock_.now(), tokens_.connection_id()});
        partial.contact_id = *id;
        partial.contact = Disposition::created;
        partial.associated = !i.associated_company_id.empty();
      } else {
        s.remember_company(
            {*id, key_value(i.keys, "domain"), key_value(i.keys, "name"), clock_.now(), tokens_.connection_id()});
        partial.company_id = *id;
        partial.company = Disposition::created;
      }
      s.set_outcome(i.event_id, partial);
    }
  });
  counts_.in_doubt_resolved += intents.size();
  return held;
}

}  // namespace hubrules::runtime
