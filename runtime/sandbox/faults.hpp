#pragma once
// Injected failures, as real HubSpot shows them now and then (HUBSPOT-API.md, Rate limits: "Also
// seen: 423, 502/503/504"): gateway errors, and connections closed without an answer — sometimes
// after the write was applied, the "in doubt" case a client must resolve before creating again.
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <vector>

namespace hubrules::runtime::sandbox {

enum class Fault {
  bad_gateway,         // 502 before anything happens
  unavailable,         // 503 before anything happens
  drop_before,         // connection closed, nothing applied
  drop_after_applying,  // the request is applied, then the connection closed unanswered
  none                  // queued only: this request goes through, so a later one can fail
};

class FaultInjector {
 public:
  FaultInjector(double rate, std::uint64_t seed) : rate_(rate), rng_(seed) {}

  // The fault for the next CRM request, if any: queued ones first, then by chance.
  std::optional<Fault> next();
  void queue(const std::vector<Fault>& faults) { queued_.insert(queued_.end(), faults.begin(), faults.end()); }

 private:
  double rate_;
  std::mt19937_64 rng_;
  std::deque<Fault> queued_;
};

}  // namespace hubrules::runtime::sandbox
