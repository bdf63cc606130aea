#pragma once
// What evaluating a plan on one booking produced. Views stay valid until the evaluator's next
// booking.
#include <string>
#include <string_view>
#include <vector>

#include "engine/plan.hpp"
#include "engine/value.hpp"

namespace hubrules::engine {

struct PropertyValue {
  const PropertyPlan* property;
  Value value;  // never null or blank: absent properties are left out
};

struct RecordResult {
  bool present = false;
  std::vector<PropertyValue> properties;

  // The value of a property of the record, or null.
  Value get(std::string_view name) const {
    for (const auto& p : properties)
      if (p.property->name == name) return p.value;
    return Value::null();
  }
};

enum class Outcome { records, skipped, error };

struct Evaluation {
  Outcome outcome = Outcome::records;
  Value booking_id;                 // event.id, when it could be read
  std::string_view skip_reason;     // with Outcome::skipped
  std::string_view error_code;      // with Outcome::error: R001 not JSON, R002 wrong shape
  std::string error_message;        // with Outcome::error
  RecordResult contacts;
  RecordResult companies;
  bool associate = false;
};

}  // namespace hubrules::engine
