#pragma once
// What one booking asks HubSpot for, owned (an Evaluation's views die with the next booking):
// the contact and company records with their dedupe keys, and whether to associate them.
#include <optional>
#include <string>
#include <vector>

#include "engine/evaluation.hpp"
#include "runtime/base/dedupe_key.hpp"

namespace hubrules::runtime {

struct PropertyEntry {
  std::string name;
  std::string value;
  bool numeric = false;  // posted as a JSON number
};

struct RecordCandidate {
  std::vector<PropertyEntry> properties;
  std::vector<DedupeKey> keys;  // in the block's `dedupe by` order, only the present ones
};

struct BookingCandidate {
  std::string event_id;
  std::optional<RecordCandidate> contact;
  std::optional<RecordCandidate> company;
  bool associate = false;
};

// Copies the records of an evaluated booking out of the evaluator's buffers.
BookingCandidate candidate_from(const engine::Plan& plan, std::string event_id, const engine::Evaluation& e);

}  // namespace hubrules::runtime
