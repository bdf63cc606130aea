#pragma once
// A sandbox's answer for comparing two runs or two API families: status and body, with the bit
// that differs between any two runs (correlation ids) blanked out.
#include <ostream>
#include <regex>
#include <string>

namespace hubrules::testing {

struct Answer {
  int status = 0;
  std::string body;
  bool operator==(const Answer& o) const { return status == o.status && body == o.body; }
};

inline std::ostream& operator<<(std::ostream& os, const Answer& a) { return os << a.status << " " << a.body; }

inline std::string without_correlation_ids(const std::string& body) {
  static const std::regex id(R"("correlationId":"[^"]*")");
  return std::regex_replace(body, id, R"("correlationId":"…")");
}

}  // namespace hubrules::testing
