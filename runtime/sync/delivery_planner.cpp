#include "runtime/sync/delivery_planner.hpp"

#include <algorithm>

namespace hubrules::runtime {

namespace {

bool has_key(const std::vector<DedupeKey>& keys, const DedupeKey& k) {
  return std::find(keys.begin(), keys.end(), k) != keys.end();
}

// The existing company matching `key`, the oldest when several do.
const hubspot::ExistingCompany* oldest_match(const std::vector<hubspot::ExistingCompany>& companies, const DedupeKey& key) {
  const hubspot::ExistingCompany* best = nullptr;
  for (const auto& c : companies)
    if (has_key(c.keys, key) && (best == nullptr || c.created_at < best->created_at)) best = &c;
  return best;
}

RecordRef company_for(const hubspot::RecordCandidate& company, const KnownRecords& known, DeliveryPlan& plan) {
  for (const DedupeKey& key : company.keys) {
    if (const hubspot::ExistingCompany* c = oldest_match(known.companies, key)) return {RecordRef::Kind::existing, c->id, 0};
    for (std::size_t i = 0; i < plan.companies.size(); ++i)
      if (has_key(plan.companies[i].keys, key)) return {RecordRef::Kind::created, {}, i};
  }
  plan.companies.push_back(company);
  return {RecordRef::Kind::created, {}, plan.companies.size() - 1};
}

// The contact's email key; contacts are deduplicated by email only (checker rule E213).
const std::string* email_of(const hubspot::RecordCandidate& contact) {
  for (const auto& k : contact.keys)
    if (k.property == "email") return &k.value;
  return nullptr;
}

void decide_contact(const hubspot::RecordCandidate& contact, const KnownRecords& known, DeliveryPlan& plan, BookingDecision& d) {
  const std::string* email = email_of(contact);
  if (email == nullptr) return;
  if (const auto it = known.contact_ids_by_email.find(*email); it != known.contact_ids_by_email.end()) {
    d.contact = {RecordRef::Kind::existing, it->second, 0};
    return;
  }
  for (std::size_t i = 0; i < plan.contacts.size(); ++i) {
    if (const std::string* other = email_of(plan.contacts[i]); other != nullptr && *other == *email) {
      d.contact = {RecordRef::Kind::created, {}, i};  // created for an earlier booking of the batch
      return;
    }
  }
  plan.contacts.push_back(contact);
  d.contact = {RecordRef::Kind::created, {}, plan.contacts.size() - 1};
  d.creates_contact = true;
}

}  // namespace

DeliveryPlan plan_delivery(const std::vector<BookingCandidate>& batch, const KnownRecords& known) {
  DeliveryPlan plan;
  for (const BookingCandidate& b : batch) {
    BookingDecision d;
    if (b.company) d.company = company_for(*b.company, known, plan);
    if (b.contact) decide_contact(*b.contact, known, plan, d);
    d.associate = b.associate && d.creates_contact && d.company.kind != RecordRef::Kind::none;
    plan.bookings.push_back(std::move(d));
  }
  return plan;
}

}  // namespace hubrules::runtime
