#pragma once
// Deciding, for one batch of bookings, what HubSpot must be asked to do, given what it already
// holds: which companies and contacts to create, which bookings are duplicates, and which new
// contacts to associate with which company. Pure logic: the lookups (batch read by email,
// search by the company keys, the store's memory of records created here) happen before, the
// requests after.
//
// The product's rules (DESIGN.md, "Semantics the product must keep"):
// - a duplicate is neither created nor updated; duplicates inside the batch count too;
// - a company is a duplicate when any of its dedupe keys matches (in `dedupe by` order);
//   among matches the earlier key wins, then the oldest record (a created-here record counts
//   as the newest);
// - a contact is a duplicate when its email exists;
// - the association is made only for a contact created for this booking whose company
//   (created or found) could be obtained.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/sync/delivery_candidate.hpp"

namespace hubrules::runtime {

// What HubSpot (and the store's memory) already holds for the batch's keys.
struct KnownRecords {
  std::map<std::string, std::string> contact_ids_by_email;  // lowercase email → id
  std::vector<hubspot::ExistingCompany> companies;
};

// A company or contact as a booking sees it: not there, already in HubSpot, or created by
// this batch (the index of the create).
struct RecordRef {
  enum class Kind { none, existing, created } kind = Kind::none;
  std::string id;           // with existing
  std::size_t create = 0;   // with created: index into DeliveryPlan::companies / contacts
  bool operator==(const RecordRef&) const = default;
};

struct BookingDecision {
  RecordRef company;
  RecordRef contact;
  bool creates_contact = false;  // this booking's contact is the one created (not a duplicate)
  bool associate = false;        // associate the created contact with `company`
};

struct DeliveryPlan {
  std::vector<hubspot::RecordCandidate> companies;  // to create, in order
  std::vector<hubspot::RecordCandidate> contacts;   // to create, in order
  std::vector<BookingDecision> bookings;   // one per candidate, same order
};

DeliveryPlan plan_delivery(const std::vector<BookingCandidate>& batch, const KnownRecords& known);

}  // namespace hubrules::runtime
