#pragma once
// What the administrators' page needs from the running service, as an interface the service
// implements: the page stays below `serve` and knows neither its threads nor its reloads.
#include <optional>
#include <string>
#include <vector>

#include "engine/plan.hpp"

namespace hubrules::runtime::admin {

struct IntegrationView {
  std::string name;
  std::string rules_file;
  std::string connection_id;  // the stored connection it delivers through ("" for a private app's token)
  bool private_app = false;   // a token from the config, not a stored connection
  std::string webhook_path;   // e.g. /webhooks/timerex/acme
  std::string hubspot_url;    // the API host of its portal
  engine::PlanPtr plan;       // the running rules; null when they do not check
  std::string rules_diagnostics;  // as `hubrules check` prints them; "" when clean
  std::string team_url_path, calendar_url_path;  // the calendar it is narrowed to, if any
};

struct TestBookingResult {
  int status = 0;        // the intake's HTTP answer
  std::string event_id;  // the sample booking's id
  std::string body;      // the intake's answer body
};

class ServiceView {
 public:
  virtual ~ServiceView() = default;
  virtual std::vector<IntegrationView> integrations() = 0;
  // Posts a sample booking through the real intake (secret check, parsing, journal) as TimeRex
  // would, and returns its answer. Blocks until answered.
  virtual TestBookingResult post_test_booking(const std::string& integration, const std::string& webhook_json) = 0;
  // A connection was made, repaired or forgotten: pick it up (reload the deliveries).
  virtual void connections_changed() = 0;
  // Bookings were queued again (Retry): wake the deliveries.
  virtual void bookings_requeued() = 0;
  // The base URL the service listens on, when AdminSettings::public_url is empty.
  virtual std::string listening_url() = 0;
};

}  // namespace hubrules::runtime::admin
