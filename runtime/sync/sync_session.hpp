#pragma once
// Everything one sync run needs, wired from its settings: the state store, the HTTP client and
// rate limiter for the portal, the connection's tokens, the CRM calls, the error notifier and
// the pipeline. `hubrules sync`, `hubrules retry` and the demo differ only in their settings.
#include <memory>
#include <string>
#include <vector>

#include "engine/plan.hpp"
#include "runtime/base/clock.hpp"
#include "runtime/auth/portal_api.hpp"
#include "runtime/store/sqlite_state_store.hpp"  // kDefaultStateFile
#include "runtime/sync/lease_keeper.hpp"
#include "runtime/sync/sync_pipeline.hpp"

namespace hubrules::runtime {

struct SyncSettings {
  auth::PortalOptions portal;  // HubSpot, API family, connection or token, limits, retries
  std::string state_file = kDefaultStateFile;
  std::string smtp_url;  // empty: error emails go to the outbox beside the state file
  std::string smtp_user;      // replaces the URL's user when set
  std::string smtp_password;  // replaces the URL's password when set; read from a file or the environment
  std::string mail_from = "hubrules@localhost";
  std::vector<std::string> mail_to;  // empty: the connection's admin
  SyncOptions pipeline;
  // How long the portal's property schema is trusted before `sync` reads it again.
  Millis schema_max_age{std::chrono::hours(1)};
  // Delivery for a connection runs under its lease; how long to wait while another process
  // (another sync, a serve) holds it before giving up with LeaseBusy.
  LeaseOptions lease;
  Millis wait_for_lease{0};
};


class SyncSession {
 public:
  // Throws std::runtime_error when the store cannot be opened or no connection is usable.
  SyncSession(engine::PlanPtr plan, SyncSettings settings, Clock& clock = Clock::system());
  ~SyncSession();

  void intake(int fd, const std::string& name);
  // Failed bookings become pending again (`hubrules retry`); returns how many.
  std::size_t requeue_failed();
  // Delivers everything pending, holding the connection's lease; returns the run's counts, API
  // calls included. Throws LeaseBusy when another process keeps the lease past the wait.
  SyncCounts deliver();

  StateStore& store();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace hubrules::runtime
