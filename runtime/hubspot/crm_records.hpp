#pragma once
// Records in the CRM's terms, as the HubSpot calls send and receive them: the properties a
// record is created with and its dedupe keys, and a company HubSpot already holds. The
// pipeline (sync/) decides with them; the calls here only carry them.
#include <chrono>
#include <string>
#include <vector>

#include "runtime/base/dedupe_key.hpp"

namespace hubrules::runtime::hubspot {

struct PropertyEntry {
  std::string name;
  std::string value;
  bool numeric = false;  // posted as a JSON number
};

// A record to create: its properties and its dedupe keys (in the block's `dedupe by` order,
// only the present ones, lowercased).
struct RecordCandidate {
  std::vector<PropertyEntry> properties;
  std::vector<DedupeKey> keys;
};

struct ExistingCompany {
  std::string id;
  std::vector<DedupeKey> keys;  // lowercased
  std::chrono::system_clock::time_point created_at;
};

}  // namespace hubrules::runtime::hubspot
