#pragma once
// What one booking asks HubSpot for, owned (an Evaluation's views die with the next booking):
// the contact and company records with their dedupe keys, and whether to associate them.
#include <optional>
#include <string>
#include <vector>

#include "engine/evaluation.hpp"
#include "runtime/hubspot/crm_records.hpp"

namespace hubrules::runtime {

struct BookingCandidate {
  std::string event_id;
  std::optional<hubspot::RecordCandidate> contact;
  std::optional<hubspot::RecordCandidate> company;
  bool associate = false;
};

// Copies the records of an evaluated booking out of the evaluator's buffers.
BookingCandidate candidate_from(const engine::Plan& plan, std::string event_id, const engine::Evaluation& e);

// The companies block's dedupe properties, in `dedupe by` order (what HubSpotRecords searches on).
std::vector<std::string> company_dedupe_properties(const engine::Plan& plan);

}  // namespace hubrules::runtime
